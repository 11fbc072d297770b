// Raw line → LogRecord, for every line format found on an ECS container instance (facts sheet §6–8).
// Rules match the record's `text`; JSON formats are rendered as logfmt so one regex serves all of them.
import type { LogRecord, Origin, RecordSource } from '../types.js';
import { parseRfc3339, parseSyslogStamp } from './time.js';

export type FormatName =
  | 'agent-logfmt'
  | 'agent-json'
  | 'seelog'
  | 'logrus'
  | 'syslog'
  | 'journal-json'
  | 'docker-json'
  | 'plain';

export interface ParseContext {
  source: RecordSource;
  format?: FormatName;
  origin?: Origin;
}

const SEELOG = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) \[([A-Za-z]+)\] /;
const SYSLOG = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?/;
const LOGFMT_TIME = /(?:^|\s)time="?([0-9][0-9T:.+-]+Z?)"?/;
const LOGFMT_LEVEL = /(?:^|\s)level=("?)([A-Za-z]+)\1/;

/** Which program a syslog identifier or journald unit stands for. */
export function sourceFromIdentifier(id: string | undefined, fallback: RecordSource = 'unknown'): RecordSource {
  if (!id) return fallback;
  const name = id.replace(/\.service$/, '');
  if (name === 'dockerd' || name === 'docker') return 'dockerd';
  if (name === 'containerd') return 'containerd';
  if (name === 'kernel') return 'kernel';
  if (name === 'kubelet') return 'kubelet';
  if (name === 'ecs' || name === 'ecs-init') return 'ecs-init';
  if (name === 'ecs-agent' || name === 'agent') return 'ecs-agent';
  return fallback;
}

export function detectFormat(line: string): FormatName {
  const c = line.charCodeAt(0);
  if (c === 0x7b /* { */) {
    if (line.includes('"__CURSOR"') || line.includes('"__REALTIME_TIMESTAMP"')) return 'journal-json';
    if (line.startsWith('{"log":')) return 'docker-json';
    return 'agent-json';
  }
  if (line.startsWith('level=')) return 'agent-logfmt';
  if (line.startsWith('time="') || line.startsWith('time=')) return 'logrus';
  if (SEELOG.test(line)) return 'seelog';
  if (SYSLOG.test(line)) return 'syslog';
  return 'plain';
}

function fromLogfmt(text: string, source: RecordSource, origin: Origin | undefined, raw?: string): LogRecord {
  const rec: LogRecord = { source, text };
  if (raw !== undefined) rec.raw = raw;
  const t = LOGFMT_TIME.exec(text);
  if (t) {
    const ms = parseRfc3339(t[1]!);
    if (ms !== undefined) rec.time = ms;
  }
  const l = LOGFMT_LEVEL.exec(text);
  if (l) rec.level = l[2]!.toLowerCase();
  if (origin) rec.origin = origin;
  return rec;
}

/** JSON values rendered the way Go's logfmt writers quote them. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v === null || v === undefined) return '""';
  if (typeof v === 'object') return JSON.stringify(jsonText(v));
  return String(v);
}

interface Frame {
  items: readonly unknown[];
  /** Object keys, in order; absent for an array. */
  keys?: readonly string[];
  i: number;
}

/**
 * JSON.stringify for a parsed JSON value, with its own stack instead of the call stack: V8 parses JSON of any
 * depth, but its stringify recurses and a line nested a few thousand levels deep overflowed it.
 */
export function jsonText(value: unknown): string {
  let out = '';
  const stack: Frame[] = [];
  const put = (v: unknown): void => {
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
    } else if (Array.isArray(v)) {
      out += '[';
      stack.push({ items: v, i: 0 });
    } else {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
      out += '{';
      stack.push({ items: keys.map((k) => obj[k]), keys, i: 0 });
    }
  };
  put(value);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i === f.items.length) {
      out += f.keys ? '}' : ']';
      stack.pop();
      continue;
    }
    if (f.i > 0) out += ',';
    if (f.keys) out += JSON.stringify(f.keys[f.i]) + ':';
    put(f.items[f.i++]);
  }
  return out;
}

export function renderLogfmt(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  // level, time and msg first, like the agent's own logfmt output; the rest in written order.
  for (const k of ['level', 'time', 'msg']) if (k in obj) parts.push(`${k}=${k === 'msg' ? JSON.stringify(String(obj[k])) : renderValue(obj[k])}`);
  for (const [k, v] of Object.entries(obj)) if (k !== 'level' && k !== 'time' && k !== 'msg') parts.push(`${k}=${renderValue(v)}`);
  return parts.join(' ');
}

function tryJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one line. Never throws: an undecodable line becomes a `plain` record of itself. */
export function parseLine(line: string, ctx: ParseContext): LogRecord {
  const format = ctx.format ?? detectFormat(line);
  switch (format) {
    case 'agent-logfmt':
    case 'logrus':
      return fromLogfmt(line, ctx.source, ctx.origin);
    case 'agent-json': {
      const obj = tryJson(line);
      if (!obj) return plain(line, ctx);
      return fromLogfmt(renderLogfmt(obj), ctx.source, ctx.origin, line);
    }
    case 'journal-json': {
      const obj = tryJson(line);
      return (obj && parseJournalEntry(obj, ctx.origin)) ?? plain(line, ctx);
    }
    case 'docker-json': {
      const obj = tryJson(line);
      if (!obj || typeof obj.log !== 'string') return plain(line, ctx);
      const inner = parseLine(obj.log.replace(/\r?\n$/, ''), { source: ctx.source, ...(ctx.origin ? { origin: ctx.origin } : {}) });
      if (inner.time === undefined && typeof obj.time === 'string') {
        const t = parseRfc3339(obj.time);
        if (t !== undefined) inner.time = t;
      }
      inner.raw = line;
      return inner;
    }
    case 'seelog': {
      const m = SEELOG.exec(line);
      if (!m) return plain(line, ctx);
      const rec: LogRecord = { source: ctx.source, text: line, level: m[2]!.toLowerCase() };
      const t = parseRfc3339(m[1]!);
      if (t !== undefined) rec.time = t;
      if (ctx.origin) rec.origin = ctx.origin;
      return rec;
    }
    case 'syslog': {
      const m = SYSLOG.exec(line);
      if (!m) return plain(line, ctx);
      const source = sourceFromIdentifier(m[5], ctx.source);
      const body = line.slice(m[0].length);
      // dockerd and containerd write logrus text after the syslog prefix: take its level and precise time.
      const inner = body.startsWith('time=') || body.startsWith('level=') ? fromLogfmt(line, source, ctx.origin) : undefined;
      const rec: LogRecord = inner ?? { source, text: line };
      if (rec.time === undefined) {
        const t = parseSyslogStamp(m[1]!, m[2]!, m[3]!);
        if (t !== undefined) rec.time = t;
      }
      if (ctx.origin) rec.origin = ctx.origin;
      return rec;
    }
    case 'plain':
      return plain(line, ctx);
  }
}

function plain(line: string, ctx: ParseContext): LogRecord {
  // Lines pasted from elsewhere (stopped reasons, kubelet events) may still carry a logfmt time or level.
  return fromLogfmt(line, ctx.source, ctx.origin);
}

const PRIORITY_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

/**
 * One `journalctl -o json` entry. MESSAGE is a string, an array of byte values (non-UTF-8 or non-printable
 * content), or null (over 4096 bytes without --all). Returns undefined when there is no message at all.
 */
export function parseJournalEntry(entry: Record<string, unknown>, origin?: Origin): LogRecord | undefined {
  const message = decodeJournalField(entry.MESSAGE);
  if (message === undefined) return undefined;
  const ident = typeof entry.SYSLOG_IDENTIFIER === 'string' ? entry.SYSLOG_IDENTIFIER : undefined;
  const unit = typeof entry._SYSTEMD_UNIT === 'string' ? entry._SYSTEMD_UNIT : undefined;
  const source: RecordSource =
    entry._TRANSPORT === 'kernel' ? 'kernel' : sourceFromIdentifier(ident, sourceFromIdentifier(unit));
  const cursor = typeof entry.__CURSOR === 'string' ? entry.__CURSOR : undefined;
  const o: Origin | undefined = origin || cursor ? { ...(origin ?? { file: `journal:${unit ?? ident ?? 'kernel'}` }) } : undefined;
  if (o && cursor) o.cursor = cursor;
  const isLogfmt = message.startsWith('time=') || message.startsWith('level=');
  const rec: LogRecord = isLogfmt ? fromLogfmt(message, source, o) : { source, text: message, ...(o ? { origin: o } : {}) };
  if (rec.time === undefined) {
    const us = typeof entry.__REALTIME_TIMESTAMP === 'string' ? Number(entry.__REALTIME_TIMESTAMP) : NaN;
    if (Number.isFinite(us)) rec.time = Math.floor(us / 1000);
  }
  if (rec.level === undefined && typeof entry.PRIORITY === 'string') {
    const lvl = PRIORITY_LEVELS[Number(entry.PRIORITY)];
    if (lvl) rec.level = lvl;
  }
  return rec;
}

/** A string, a byte array, or a repeated field (an array of those): the first value. A loop, not recursion. */
function decodeJournalField(v: unknown): string | undefined {
  for (;;) {
    if (typeof v === 'string') return v;
    if (!Array.isArray(v)) return undefined;
    // A repeated field is an array of strings; a binary one is an array of byte numbers.
    if (v.every((x) => typeof x === 'number')) return Buffer.from(v as number[]).toString('utf8');
    v = v.find((x) => typeof x === 'string' || Array.isArray(x));
  }
}
