// A CloudWatch Logs endpoint for tests: AWS JSON 1.1 over HTTP on 127.0.0.1 (`POST /`,
// `X-Amz-Target: Logs_20140328.<Operation>`), with the real PutLogEvents limits and error shapes
// (x-amzn-ErrorType header + `__type` body), and switches that inject throttling, 5xx, slow answers,
// dropped connections and a full outage.
//
// Logs Insights is NOT implemented: StartQuery runs a tiny evaluator over the stored JSON events that
// understands `filter` (= / != / in [...] / ispresent / like /re/ joined by `and`), `stats count(*) |
// count_distinct(f) | max(f) | min(f) | latest(f) [as x] by f1, f2`, `fields`, `sort`, `limit`; anything
// else in a query is ignored. Tests may instead set `queryResultOverride` to canned rows.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_SPAN_MS,
  MAX_EVENT_AGE_MS,
  MAX_EVENT_BYTES,
  MAX_EVENT_FUTURE_MS,
  PER_EVENT_OVERHEAD_BYTES,
  RETENTION_DAYS,
  LOG_GROUP_NAME_RE,
  LOG_STREAM_NAME_RE,
  INSIGHTS_MAX_QUERY_CHARS,
} from '../../src/cloudwatch-limits.js';

export interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface PutRecord {
  group: string;
  stream: string;
  events: number;
  bytes: number;
  outcome: 'ok' | 'invalid' | 'missing';
  error?: string;
}

export interface Faults {
  /** The next N requests answer ThrottlingException. */
  throttle: number;
  /** The next N requests answer HTTP 500 ServiceUnavailableException. */
  serverErrors: number;
  /** The next N requests have their socket destroyed without an answer. */
  drop: number;
  /** Delay every answer by this many ms (the SDK's requestTimeout may fire first). */
  slowMs: number;
  /** Full outage: every request is dropped (`drop`), never answered (`hang`) or answered 503 (`503`). */
  outage: false | 'drop' | 'hang' | '503';
  /** Only these operations are affected by the counters above (default: all). */
  only?: string[];
  /** PutLogEvents answers InvalidParameterException when any event's message matches (a "poisoned" event). */
  invalidIf?: RegExp;
  /** Every request answers UnrecognizedClientException (bad or expired credentials). */
  denyAuth?: boolean;
}

interface QueryDef {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  logGroupNames: string[];
  lastModified: number;
}

interface Query {
  status: 'Running' | 'Complete';
  polls: number;
  rows: Array<Array<{ field: string; value: string }>>;
  recordsScanned: number;
  request: Record<string, unknown>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class CloudWatchLogsServer {
  readonly groups = new Map<string, { retentionInDays?: number; streams: Map<string, StoredEvent[]> }>();
  readonly puts: PutRecord[] = [];
  /** Every request refused as malformed (limits, order, span): a correct client produces none. */
  readonly violations: string[] = [];
  readonly calls: string[] = [];
  readonly queryDefinitions = new Map<string, QueryDef>();
  readonly queries = new Map<string, Query>();
  faults: Faults = { throttle: 0, serverErrors: 0, drop: 0, slowMs: 0, outage: false };
  queryResultOverride: Array<Array<{ field: string; value: string }>> | undefined;
  /** The service clock (tests move it to make events too old or too new). */
  now: () => number = () => Date.now();
  private server: http.Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  endpoint = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  events(group: string, stream?: string): StoredEvent[] {
    const g = this.groups.get(group);
    if (!g) return [];
    if (stream) return g.streams.get(stream) ?? [];
    return [...g.streams.values()].flat();
  }

  private affected(op: string): boolean {
    return !this.faults.only || this.faults.only.includes(op);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith('Logs_20140328.') ? target.slice('Logs_20140328.'.length) : '';
    this.calls.push(op || target);
    const f = this.faults;
    if (f.outage === 'drop') return void req.socket.destroy();
    if (f.outage === 'hang') return; // never answered; the client's timeout ends it
    if (f.drop > 0 && this.affected(op)) {
      f.drop--;
      return void req.socket.destroy();
    }
    if (f.slowMs > 0) await new Promise((r) => setTimeout(r, f.slowMs));
    if (res.destroyed) return;
    try {
      if (f.outage === '503') throw new ApiError('ServiceUnavailableException', 'The service is unavailable.', 503);
      if (f.throttle > 0 && this.affected(op)) {
        f.throttle--;
        throw new ApiError('ThrottlingException', 'Rate exceeded');
      }
      if (f.serverErrors > 0 && this.affected(op)) {
        f.serverErrors--;
        throw new ApiError('ServiceUnavailableException', 'The server failed to process the request.', 500);
      }
      if (req.method !== 'POST' || req.url !== '/') throw new ApiError('UnknownOperationException', 'POST / only', 404);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        throw new ApiError('SerializationException', 'content-type must be application/x-amz-json-1.1');
      }
      const auth = String(req.headers.authorization ?? '');
      if (f.denyAuth || !auth.startsWith('AWS4-HMAC-SHA256 ') || !auth.includes('/logs/aws4_request')) {
        throw new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ApiError('SerializationException', 'body is not JSON');
      }
      const out = this.dispatch(op, body);
      const text = JSON.stringify(out);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('InternalFailure', String(err), 500);
      const text = JSON.stringify({ __type: `com.amazonaws.logs#${e.type}`, message: e.message });
      res.writeHead(e.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        // Real answers carry a namespace suffix after ':'; the SDK strips it.
        'x-amzn-errortype': `${e.type}:http://internal.amazon.com/coral/com.amazonaws.logs/`,
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    }
  }

  private dispatch(op: string, b: Record<string, unknown>): unknown {
    switch (op) {
      case 'CreateLogGroup':
        return this.createLogGroup(b);
      case 'CreateLogStream':
        return this.createLogStream(b);
      case 'PutRetentionPolicy':
        return this.putRetentionPolicy(b);
      case 'PutLogEvents':
        return this.putLogEvents(b);
      case 'DescribeLogStreams':
        return this.describeLogStreams(b);
      case 'PutQueryDefinition':
        return this.putQueryDefinition(b);
      case 'DescribeQueryDefinitions':
        return this.describeQueryDefinitions(b);
      case 'StartQuery':
        return this.startQuery(b);
      case 'GetQueryResults':
        return this.getQueryResults(b);
      default:
        throw new ApiError('UnknownOperationException', `unknown operation ${op}`);
    }
  }

  private groupName(b: Record<string, unknown>): string {
    const g = b.logGroupName;
    if (typeof g !== 'string' || !LOG_GROUP_NAME_RE.test(g)) throw new ApiError('InvalidParameterException', '1 validation error detected: logGroupName');
    return g;
  }

  private createLogGroup(b: Record<string, unknown>): unknown {
    const g = this.groupName(b);
    if (this.groups.has(g)) throw new ApiError('ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(g, { streams: new Map() });
    return {};
  }

  private createLogStream(b: Record<string, unknown>): unknown {
    const g = this.groups.get(this.groupName(b));
    const s = b.logStreamName;
    if (typeof s !== 'string' || !LOG_STREAM_NAME_RE.test(s)) throw new ApiError('InvalidParameterException', '1 validation error detected: logStreamName');
    if (!g) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    if (g.streams.has(s)) throw new ApiError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    g.streams.set(s, []);
    return {};
  }

  private putRetentionPolicy(b: Record<string, unknown>): unknown {
    const g = this.groups.get(this.groupName(b));
    const d = b.retentionInDays;
    if (typeof d !== 'number' || !(RETENTION_DAYS as readonly number[]).includes(d)) {
      throw new ApiError('InvalidParameterException', '1 validation error detected: retentionInDays');
    }
    if (!g) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    g.retentionInDays = d;
    return {};
  }

  private invalid(rec: PutRecord, why: string): never {
    rec.outcome = 'invalid';
    rec.error = why;
    this.violations.push(why);
    throw new ApiError('InvalidParameterException', why);
  }

  private putLogEvents(b: Record<string, unknown>): unknown {
    const group = this.groupName(b);
    const stream = String(b.logStreamName ?? '');
    const events = Array.isArray(b.logEvents) ? (b.logEvents as Array<{ timestamp?: unknown; message?: unknown }>) : [];
    const rec: PutRecord = { group, stream, events: events.length, bytes: 0, outcome: 'ok' };
    this.puts.push(rec);
    if (events.length < 1 || events.length > MAX_BATCH_EVENTS) this.invalid(rec, `logEvents has ${events.length} events (1–${MAX_BATCH_EVENTS})`);
    let bytes = 0;
    let prev = -Infinity;
    for (const [i, e] of events.entries()) {
      if (typeof e.message !== 'string' || e.message.length === 0) this.invalid(rec, `event ${i}: empty message`);
      if (typeof e.timestamp !== 'number' || !Number.isInteger(e.timestamp) || e.timestamp < 0) this.invalid(rec, `event ${i}: bad timestamp`);
      const size = Buffer.byteLength(e.message as string, 'utf8') + PER_EVENT_OVERHEAD_BYTES;
      if (size > MAX_EVENT_BYTES) this.invalid(rec, `event ${i}: ${size} bytes exceeds the maximum event size`);
      bytes += size;
      if ((e.timestamp as number) < prev) this.invalid(rec, 'Log events in a single PutLogEvents request must be in chronological order.');
      prev = e.timestamp as number;
    }
    rec.bytes = bytes;
    const poison = this.faults.invalidIf;
    if (poison && events.some((e) => poison.test(e.message as string))) {
      rec.outcome = 'invalid';
      throw new ApiError('InvalidParameterException', 'poisoned event (test switch)');
    }
    if (bytes > MAX_BATCH_BYTES) this.invalid(rec, `Upload too large: ${bytes} bytes exceeds ${MAX_BATCH_BYTES} bytes`);
    const g = this.groups.get(group);
    if (!g) {
      rec.outcome = 'missing';
      throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    }
    const s = g.streams.get(stream);
    if (!s) {
      rec.outcome = 'missing';
      throw new ApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    }
    const now = this.now();
    const retentionFloor = g.retentionInDays ? now - g.retentionInDays * 86_400_000 : -Infinity;
    const ageFloor = now - MAX_EVENT_AGE_MS;
    const ceiling = now + MAX_EVENT_FUTURE_MS;
    let tooOldEnd = 0;
    let expiredEnd = 0;
    let tooNewStart = events.length;
    for (const [i, e] of events.entries()) {
      const t = e.timestamp as number;
      if (t < ageFloor) tooOldEnd = i + 1;
      if (t < retentionFloor) expiredEnd = i + 1;
      if (t > ceiling && tooNewStart === events.length) tooNewStart = i;
    }
    const firstValid = Math.max(tooOldEnd, expiredEnd);
    const valid = events.slice(firstValid, tooNewStart);
    if (valid.length > 0 && (valid[valid.length - 1]!.timestamp as number) - (valid[0]!.timestamp as number) > MAX_BATCH_SPAN_MS) {
      this.invalid(rec, 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    for (const e of valid) s.push({ timestamp: e.timestamp as number, message: e.message as string, ingestionTime: now });
    const info: Record<string, number> = {};
    if (tooOldEnd > 0) info.tooOldLogEventEndIndex = tooOldEnd;
    if (expiredEnd > 0) info.expiredLogEventEndIndex = expiredEnd;
    if (tooNewStart < events.length) info.tooNewLogEventStartIndex = tooNewStart;
    return Object.keys(info).length > 0 ? { rejectedLogEventsInfo: info } : {};
  }

  private describeLogStreams(b: Record<string, unknown>): unknown {
    const g = this.groups.get(this.groupName(b));
    if (!g) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    return { logStreams: [...g.streams.keys()].map((logStreamName) => ({ logStreamName })) };
  }

  private putQueryDefinition(b: Record<string, unknown>): unknown {
    const name = b.name;
    const qs = b.queryString;
    if (typeof name !== 'string' || name.length < 1 || name.length > 255) throw new ApiError('InvalidParameterException', 'name must be 1–255 characters');
    if (typeof qs !== 'string' || qs.length < 1 || qs.length > INSIGHTS_MAX_QUERY_CHARS) {
      throw new ApiError('InvalidParameterException', `queryString must be 1–${INSIGHTS_MAX_QUERY_CHARS} characters`);
    }
    let id = typeof b.queryDefinitionId === 'string' ? b.queryDefinitionId : undefined;
    if (id !== undefined && !this.queryDefinitions.has(id)) throw new ApiError('ResourceNotFoundException', 'query definition not found');
    id ??= randomUUID();
    // An update replaces the whole definition (omitting logGroupNames leaves none).
    this.queryDefinitions.set(id, {
      queryDefinitionId: id,
      name,
      queryString: qs,
      logGroupNames: Array.isArray(b.logGroupNames) ? (b.logGroupNames as string[]) : [],
      lastModified: Date.now(),
    });
    return { queryDefinitionId: id };
  }

  private describeQueryDefinitions(b: Record<string, unknown>): unknown {
    const prefix = typeof b.queryDefinitionNamePrefix === 'string' ? b.queryDefinitionNamePrefix : '';
    const max = typeof b.maxResults === 'number' ? b.maxResults : 1000;
    if (max < 1 || max > 1000) throw new ApiError('InvalidParameterException', 'maxResults must be 1–1000');
    const all = [...this.queryDefinitions.values()].filter((d) => d.name.startsWith(prefix)).sort((x, y) => x.name.localeCompare(y.name));
    const start = typeof b.nextToken === 'string' ? Number(b.nextToken) : 0;
    const page = all.slice(start, start + max);
    return { queryDefinitions: page, ...(start + max < all.length ? { nextToken: String(start + max) } : {}) };
  }

  private startQuery(b: Record<string, unknown>): unknown {
    const selectors = ['logGroupName', 'logGroupNames', 'logGroupIdentifiers'].filter((k) => b[k] !== undefined);
    if (selectors.length !== 1) throw new ApiError('InvalidParameterException', 'exactly one of logGroupName, logGroupNames, logGroupIdentifiers is required');
    const names = ([] as string[]).concat((b[selectors[0]!] as string | string[]) ?? []);
    const qs = b.queryString;
    if (typeof qs !== 'string' || qs.length < 1 || qs.length > INSIGHTS_MAX_QUERY_CHARS) throw new ApiError('InvalidParameterException', 'bad queryString');
    const start = b.startTime;
    const end = b.endTime;
    if (typeof start !== 'number' || typeof end !== 'number' || start > end) throw new ApiError('InvalidParameterException', 'startTime/endTime (epoch seconds) required, start <= end');
    const events: StoredEvent[] = [];
    for (const n of names) {
      const g = this.groups.get(n.replace(/^arn:aws:logs:[^:]*:[^:]*:log-group:/, ''));
      if (!g) throw new ApiError('ResourceNotFoundException', `Log group ${n} does not exist`);
      for (const s of g.streams.values()) for (const e of s) if (e.timestamp >= start * 1000 && e.timestamp < (end + 1) * 1000) events.push(e);
    }
    const limit = typeof b.limit === 'number' ? b.limit : 10_000;
    const rows = this.queryResultOverride ?? evaluate(qs, events, limit);
    const id = randomUUID();
    this.queries.set(id, { status: 'Running', polls: 0, rows, recordsScanned: events.length, request: b });
    return { queryId: id };
  }

  private getQueryResults(b: Record<string, unknown>): unknown {
    const q = this.queries.get(String(b.queryId));
    if (!q) throw new ApiError('ResourceNotFoundException', 'query not found');
    // The first poll sees a running query with no rows: clients must poll until a terminal status.
    q.polls++;
    if (q.polls >= 2) q.status = 'Complete';
    return {
      status: q.status,
      results: q.status === 'Complete' ? q.rows : [],
      statistics: { recordsMatched: q.rows.length, recordsScanned: q.recordsScanned, bytesScanned: 0 },
    };
  }
}

// ---- the tiny query evaluator (see the header comment: not Logs Insights) ----

type Row = Record<string, unknown>;

function lit(s: string): unknown {
  const t = s.trim();
  if (/^".*"$|^'.*'$/.test(t)) return t.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

function clause(c: string): (r: Row) => boolean {
  let m: RegExpExecArray | null;
  if ((m = /^ispresent\((\S+?)\)$/.exec(c))) return (r) => r[m![1]!] !== undefined && r[m![1]!] !== null;
  if ((m = /^(\S+)\s+(not\s+)?in\s+\[(.*)\]$/.exec(c))) {
    const set = m[3]!.split(',').map(lit);
    const neg = !!m[2];
    return (r) => set.includes(r[m![1]!]) !== neg;
  }
  if ((m = /^(\S+)\s+(not\s+)?like\s+\/(.*)\/(i?)$/.exec(c))) {
    const re = new RegExp(m[3]!, m[4]);
    const neg = !!m[2];
    return (r) => re.test(String(r[m![1]!] ?? '')) !== neg;
  }
  if ((m = /^(\S+)\s*(=|!=|>=|<=|>|<)\s*(.+)$/.exec(c))) {
    const v = lit(m[3]!);
    const f = m[1]!;
    switch (m[2]) {
      case '=': return (r) => r[f] === v;
      case '!=': return (r) => r[f] !== v;
      case '>=': return (r) => (r[f] as number) >= (v as number);
      case '<=': return (r) => (r[f] as number) <= (v as number);
      case '>': return (r) => (r[f] as number) > (v as number);
      default: return (r) => (r[f] as number) < (v as number);
    }
  }
  return () => true;
}

export function evaluate(query: string, events: StoredEvent[], limit: number): Array<Array<{ field: string; value: string }>> {
  let rows: Row[] = [];
  for (const e of events) {
    try {
      const o = JSON.parse(e.message) as Row;
      rows.push({ ...o, '@timestamp': new Date(e.timestamp).toISOString().replace('T', ' ').replace('Z', ''), '@message': e.message });
    } catch {
      rows.push({ '@message': e.message });
    }
  }
  rows.sort((a, b) => String(b['@timestamp']).localeCompare(String(a['@timestamp'])));
  let fields: string[] | undefined;
  const text = query.split('\n').filter((l) => !l.trim().startsWith('#')).join(' ');
  for (const raw of text.split('|')) {
    const cmd = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^filter\s+(.*)$/s.exec(cmd))) {
      const tests = m[1]!.split(/\s+and\s+/).map((c) => clause(c.trim()));
      rows = rows.filter((r) => tests.every((t) => t(r)));
    } else if ((m = /^stats\s+(.*?)(?:\s+by\s+(.*))?$/s.exec(cmd))) {
      const aggs = m[1]!.split(/,(?![^(]*\))/).map((a) => {
        const am = /^\s*(\w+)\((.*?)\)(?:\s+as\s+(\S+))?\s*$/.exec(a)!;
        return { fn: am?.[1] ?? 'count', arg: am?.[2] ?? '*', name: am?.[3] ?? a.trim() };
      });
      const by = (m[2] ?? '').split(',').map((s) => s.trim()).filter((s) => s && !s.startsWith('bin('));
      const groups = new Map<string, Row[]>();
      for (const r of rows) {
        const k = JSON.stringify(by.map((f) => r[f] ?? null));
        (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
      }
      rows = [...groups.values()].map((g) => {
        const out: Row = {};
        for (const f of by) out[f] = g[0]![f];
        for (const a of aggs) {
          const vals = g.map((r) => r[a.arg]).filter((v) => v !== undefined && v !== null);
          if (a.fn === 'count') out[a.name] = a.arg === '*' ? g.length : vals.length;
          else if (a.fn === 'count_distinct') out[a.name] = new Set(vals.map(String)).size;
          else if (a.fn === 'sum') out[a.name] = vals.reduce((n: number, v) => n + Number(v), 0);
          else if (a.fn === 'max' || a.fn === 'latest') out[a.name] = vals.sort().at(-1);
          else if (a.fn === 'min' || a.fn === 'earliest') out[a.name] = vals.sort()[0];
        }
        return out;
      });
      fields = [...by, ...aggs.map((a) => a.name)];
    } else if ((m = /^(?:fields|display)\s+(.*)$/s.exec(cmd))) {
      fields = m[1]!.split(',').map((s) => s.trim());
    } else if ((m = /^sort\s+(\S+)(?:\s+(asc|desc))?$/.exec(cmd))) {
      const f = m[1]!;
      const dir = m[2] === 'asc' ? 1 : -1;
      rows.sort((a, b) => {
        const x = a[f];
        const y = b[f];
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
        return c * dir;
      });
    } else if ((m = /^limit\s+(\d+)$/.exec(cmd))) {
      rows = rows.slice(0, Number(m[1]));
    }
  }
  return rows.slice(0, limit).map((r) =>
    (fields ?? Object.keys(r))
      .filter((f) => r[f] !== undefined && r[f] !== null)
      .map((f) => ({ field: f, value: typeof r[f] === 'string' ? (r[f] as string) : JSON.stringify(r[f]) })),
  );
}
