// TriageEvent → one CloudWatch log event: event schema v1 as flat JSON (Insights discovers top-level keys;
// flat keys stay well under its 200-field limit), enriched with the host identity, with EMF metadata, and
// kept under the per-event size limit. The event's text arrives redacted (its type says so).
import type { TriageEvent } from '../../types.js';
import type { Identity } from '../../aws/identity.js';
import { emfMembers, taskEmfMembers } from './emf.js';
import { MAX_MESSAGE_BYTES } from '../../cloudwatch-limits.js';

export interface WireEvent {
  /** Epoch milliseconds. */
  timestamp: number;
  /** One JSON object on one line (JSON.stringify never emits a raw newline). */
  message: string;
}

export interface EncodeOptions {
  namespace: string;
  emf: boolean;
  /** Event time; default the event's lastSeen. `scan --ship` uses the scan time (see ship.ts). */
  timestamp?: number;
}

/** Keys of the schema itself; classifier fields with these names are not allowed to overwrite them. */
const RESERVED = new Set([
  'schema', 'id', 'kind', 'category', 'severity', 'ruleId', 'title', 'count', 'firstSeen', 'lastSeen',
  'instanceId', 'cluster', 'containerInstanceArn', 'region', 'az', 'instanceType', 'hostname',
  'source', 'file', 'message', 'hint', 'line', 'truncated', 'Cluster', 'Category', 'Findings', '_aws',
  'containers', 'findingIds', 'ExitClass', 'TasksStopped',
]);
/** Classifier field names renamed in the schema. */
const RENAMED: Record<string, string> = { container: 'containerName' };
/** Long text fields are cut to this when an event would exceed the size limit. */
const TRUNCATED_TEXT_CHARS = 4096;

function build(ev: TriageEvent, id: Identity, ts: number, opts: EncodeOptions, cut: number | undefined): Record<string, unknown> {
  const text = (s: string | undefined): string | undefined => {
    if (s === undefined) return undefined;
    return cut !== undefined && s.length > cut ? s.slice(0, cut) + '…' : s;
  };
  const o: Record<string, unknown> = {
    schema: 1,
    id: ev.id,
    kind: ev.kind,
    category: ev.category,
    severity: ev.severity,
    ruleId: ev.ruleId,
    title: ev.title,
    count: ev.count,
    firstSeen: ev.firstSeen,
    lastSeen: ev.lastSeen,
    instanceId: id.instanceId,
    cluster: id.cluster,
    containerInstanceArn: id.containerInstanceArn,
    region: id.region,
    az: id.az,
    instanceType: id.instanceType,
    hostname: id.hostname,
    source: ev.source,
    file: ev.file,
  };
  if (cut === undefined || cut > 0) {
    for (const [k, v] of Object.entries(ev.fields)) {
      const key = RENAMED[k] ?? k;
      if (RESERVED.has(key) || key in o) continue;
      o[key] = typeof v === 'string' ? text(v) : v;
    }
  }
  o.message = text(ev.message);
  o.hint = text(ev.hint);
  o.line = text(ev.line);
  // A task record's containers stay an array (Insights flattens it: containers.0.exitCode); cut, they go
  // before the fields do.
  if (ev.containers) {
    if (cut === undefined) o.containers = ev.containers;
    else if (cut > 0) o.containers = ev.containers.map((c) => ({ ...c, exitMeaning: text(c.exitMeaning), healthOutput: text(c.healthOutput), error: text(c.error) }));
    else o.containers = ev.containers.map((c) => ({ name: c.name.slice(0, 255), exitCode: c.exitCode, exitClass: c.exitClass, oomKilled: c.oomKilled }));
  }
  if (ev.findingIds) o.findingIds = cut === 0 ? ev.findingIds.slice(0, 100) : ev.findingIds;
  if (cut !== undefined) o.truncated = true;
  if (opts.emf && ev.kind === 'task_stopped') {
    // Not a finding: counted by how the task ended, in its own metric.
    const exitClass = typeof ev.fields.exitClass === 'string' ? ev.fields.exitClass : 'error';
    const cluster = id.cluster ?? (typeof ev.fields.cluster === 'string' ? ev.fields.cluster : undefined);
    Object.assign(o, taskEmfMembers({ namespace: opts.namespace, timestamp: ts, ...(cluster ? { cluster } : {}), exitClass }));
  } else if (opts.emf && ev.kind !== 'resolved') {
    // Resolved events say a problem went away: they must not add to the Findings metric.
    Object.assign(o, emfMembers({ namespace: opts.namespace, timestamp: ts, cluster: id.cluster, category: ev.category, count: ev.count }));
  }
  return o;
}

/** Encodes one event. Never throws for odd input: an oversized event is cut down and marked `truncated`. */
export function encodeEvent(ev: TriageEvent, id: Identity, opts: EncodeOptions): WireEvent {
  let ts = opts.timestamp ?? Date.parse(ev.lastSeen);
  if (!Number.isFinite(ts) || ts < 0) ts = Date.now();
  ts = Math.trunc(ts);
  let message = JSON.stringify(build(ev, id, ts, opts, undefined));
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
    message = JSON.stringify(build(ev, id, ts, opts, TRUNCATED_TEXT_CHARS));
    // Still too big means the classifier fields themselves are huge: ship the core of the event only.
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) message = JSON.stringify(build(ev, id, ts, opts, 0));
  }
  return { timestamp: ts, message };
}
