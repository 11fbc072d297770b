// The daemon's configuration: one schema with defaults, and the only reader of config files and the
// environment. Every key is declared once in KEYS (default + help text); the README's configuration
// reference is written from the same table, and test/config.test.ts checks the two agree.
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, errorMessage } from './errors.js';
import { readRegularFile } from './base/regular-file.js';
import { LOG_SOURCES, type RecordSource } from './types.js';

export const DEFAULT_CONFIG_FILE = '/etc/ecs-triage/config.yaml';
export const SINK_NAMES = ['stdout', 'file', 'cloudwatch'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export interface CloudWatchConfig {
  logGroup: string;
  /** Default (when absent): the EC2 instance id, falling back to the hostname. */
  logStream?: string;
  region?: string;
  endpoint?: string;
  retentionDays?: number;
  flushIntervalMs: number;
  spoolMaxBytes: number;
  metricsNamespace: string;
  emf: boolean;
}

export interface FileSourceConfig {
  /** Host path (mapped under --root). */
  path: string;
  source: RecordSource;
}

export interface TriageConfig {
  root: string;
  stateDir: string;
  patternsDir?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  sinks: SinkName[];
  start: { at: 'end' | 'beginning'; since?: number };
  files: FileSourceConfig[];
  tail: {
    maxLineBytes: number;
    partialLineTimeoutMs: number;
    pollIntervalMs: number;
    readChunkBytes: number;
    retryUnreadableMs: number;
  };
  journal: {
    enabled: 'auto' | 'on' | 'off';
    command: string;
    units: string[];
    kernel: boolean;
    restartMinMs: number;
    restartMaxMs: number;
    fallbackFile: string;
  };
  aggregate: { windowMs: number; keyFields: string[] };
  checks: {
    enabled: boolean;
    intervalMs: number;
    repeatMs: number;
    diskWarnPercent: number;
    diskErrorPercent: number;
    inodeWarnPercent: number;
    inodeErrorPercent: number;
    maxLogBytes: number;
    maxLogSharePercent: number;
  };
  checkpoints: { intervalMs: number };
  status: { intervalMs: number };
  fileSink: { path?: string; maxBytes: number; maxFiles: number; fsync: boolean };
  cloudwatch: CloudWatchConfig;
}

type Kind =
  | { t: 'string' }
  | { t: 'path' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'bool' }
  | { t: 'int'; min: number; max: number }
  | { t: 'ms'; min: number }
  | { t: 'bytes'; min: number }
  | { t: 'time' }
  | { t: 'list'; of?: readonly string[] }
  | { t: 'files' };

export interface KeySpec {
  key: string;
  kind: Kind;
  default: unknown;
  /** Shown in the README: what the default means when it is computed. */
  defaultText?: string;
  help: string;
}

const MiB = 1024 * 1024;

/** Every configuration key. Order is the order of the README reference. */
export const KEYS: readonly KeySpec[] = [
  { key: 'root', kind: { t: 'path' }, default: '/', help: 'Host root to read (`--root`). The journal is read only when this is `/`.' },
  { key: 'stateDir', kind: { t: 'path' }, default: '/var/lib/ecs-triage', help: 'Checkpoints, status file, spool (`--state-dir`).' },
  { key: 'patternsDir', kind: { t: 'path' }, default: undefined, defaultText: 'the shipped rules', help: 'Directory of rule files to use instead of the shipped ones.' },
  { key: 'logLevel', kind: { t: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', help: "The daemon's own diagnostics on stderr." },
  { key: 'sinks', kind: { t: 'list', of: SINK_NAMES }, default: ['stdout'], help: 'Where events go: any of `stdout`, `file`, `cloudwatch` (`--sink`, repeatable).' },
  { key: 'start.at', kind: { t: 'enum', values: ['end', 'beginning'] }, default: 'end', help: 'First start with no state: read files that already exist from their `end` or their `beginning` (`--from-beginning`). Files that appear later are always read from the start.' },
  { key: 'start.since', kind: { t: 'time' }, default: undefined, defaultText: 'none', help: 'First start with no state: read from the beginning but drop lines older than this (ISO time or a duration ago such as `2h`; `--since`).' },
  { key: 'files', kind: { t: 'files' }, default: [
    { path: '/var/log/ecs/ecs-agent.log', source: 'ecs-agent' },
    { path: '/var/log/ecs/ecs-init.log', source: 'ecs-init' },
  ], defaultText: 'ecs-agent.log and ecs-init.log in /var/log/ecs', help: 'Files to follow, each `{path, source}` (`source`: one of ' + LOG_SOURCES.join(', ') + '). Rotated siblings (`NAME.N`, `NAME.YYYY-MM-DD-HH`) are found by identity.' },
  { key: 'tail.maxLineBytes', kind: { t: 'bytes', min: 1024 }, default: 256 * 1024, help: 'Longer lines are cut to this size and flagged.' },
  { key: 'tail.partialLineTimeoutMs', kind: { t: 'ms', min: 10 }, default: 5000, help: 'A last line without newline is taken as complete after this idle time (and at shutdown).' },
  { key: 'tail.pollIntervalMs', kind: { t: 'ms', min: 100 }, default: 10000, help: 'Safety-net re-stat of every followed path, in case a change notification is lost.' },
  { key: 'tail.readChunkBytes', kind: { t: 'bytes', min: 4096 }, default: MiB, help: 'Read size per call.' },
  { key: 'tail.retryUnreadableMs', kind: { t: 'ms', min: 100 }, default: 30000, help: 'An unreadable file (permissions, I/O error) is reported and retried after this delay.' },
  { key: 'journal.enabled', kind: { t: 'enum', values: ['auto', 'on', 'off'] }, default: 'auto', help: '`auto`: read journald when the root is `/` and `/run/systemd/journal` exists; otherwise follow `journal.fallbackFile`. `on` forces the journal (with any root), `off` the file.' },
  { key: 'journal.command', kind: { t: 'string' }, default: 'journalctl', help: 'The journalctl program (looked up on PATH).' },
  { key: 'journal.units', kind: { t: 'list' }, default: ['docker', 'containerd'], help: 'Units whose messages are read (`_SYSTEMD_UNIT=NAME.service` matches).' },
  { key: 'journal.kernel', kind: { t: 'bool' }, default: true, help: 'Also read kernel messages (`_TRANSPORT=kernel`: the OOM killer).' },
  { key: 'journal.restartMinMs', kind: { t: 'ms', min: 10 }, default: 1000, help: 'First delay before restarting journalctl after it exits; doubles up to `restartMaxMs`.' },
  { key: 'journal.restartMaxMs', kind: { t: 'ms', min: 10 }, default: 60000, help: 'Longest delay between journalctl restarts.' },
  { key: 'journal.fallbackFile', kind: { t: 'path' }, default: '/var/log/docker', help: 'Docker log file followed where there is no journal (Amazon Linux 1).' },
  { key: 'aggregate.windowMs', kind: { t: 'ms', min: 100 }, default: 60000, help: 'Identical findings inside this window become one event with a count. The first is sent at once.' },
  { key: 'aggregate.keyFields', kind: { t: 'list' }, default: ['image', 'taskArn', 'container', 'action', 'resource', 'host', 'path', 'httpStatus', 'mount'], help: 'Fields that, with the rule id, make two findings "identical".' },
  { key: 'checks.enabled', kind: { t: 'bool' }, default: true, help: 'Run the host checks (disk, inodes, container logs) on a schedule.' },
  { key: 'checks.intervalMs', kind: { t: 'ms', min: 1000 }, default: 300000, help: 'How often the host checks run.' },
  { key: 'checks.repeatMs', kind: { t: 'ms', min: 1000 }, default: 3600000, help: 'A problem that lasts is reported again at this interval.' },
  { key: 'checks.diskWarnPercent', kind: { t: 'int', min: 1, max: 100 }, default: 80, help: 'Block use (%) of a filesystem that is a warning (`disk_pressure`).' },
  { key: 'checks.diskErrorPercent', kind: { t: 'int', min: 1, max: 100 }, default: 90, help: 'Block use (%) that is an error.' },
  { key: 'checks.inodeWarnPercent', kind: { t: 'int', min: 1, max: 100 }, default: 80, help: 'Inode use (%) that is a warning (`inode_pressure`).' },
  { key: 'checks.inodeErrorPercent', kind: { t: 'int', min: 1, max: 100 }, default: 90, help: 'Inode use (%) that is an error.' },
  { key: 'checks.maxLogBytes', kind: { t: 'bytes', min: MiB }, default: 1024 * MiB, help: "One container's json-file logs (with rotations) above this are `container_log_oversize`." },
  { key: 'checks.maxLogSharePercent', kind: { t: 'int', min: 1, max: 100 }, default: 50, help: "…or above this share (%) of the free space left on their filesystem." },
  { key: 'checkpoints.intervalMs', kind: { t: 'ms', min: 50 }, default: 1000, help: 'Longest time between state-file writes while positions move.' },
  { key: 'status.intervalMs', kind: { t: 'ms', min: 100 }, default: 10000, help: 'How often `status.json` (read by `ecs-triage status`) is written.' },
  { key: 'fileSink.path', kind: { t: 'path' }, default: undefined, defaultText: '`<stateDir>/events.jsonl`', help: 'File sink: JSON lines file.' },
  { key: 'fileSink.maxBytes', kind: { t: 'bytes', min: 1024 }, default: 10 * MiB, help: 'File sink: rotate (to `.1`, `.2` …) when the file would exceed this size.' },
  { key: 'fileSink.maxFiles', kind: { t: 'int', min: 1, max: 1000 }, default: 5, help: 'File sink: rotated files kept.' },
  { key: 'fileSink.fsync', kind: { t: 'bool' }, default: true, help: 'File sink: fsync before acknowledging a batch.' },
  { key: 'cloudwatch.logGroup', kind: { t: 'string' }, default: '/ecs-triage/events', help: 'CloudWatch sink: log group (created if missing).' },
  { key: 'cloudwatch.logStream', kind: { t: 'string' }, default: undefined, defaultText: 'instance id, else hostname', help: 'CloudWatch sink: log stream.' },
  { key: 'cloudwatch.region', kind: { t: 'string' }, default: undefined, defaultText: 'SDK default chain, then IMDS', help: 'CloudWatch sink: AWS Region.' },
  { key: 'cloudwatch.endpoint', kind: { t: 'string' }, default: undefined, defaultText: 'the Regional endpoint', help: 'CloudWatch sink: endpoint URL override (VPC endpoint, tests).' },
  { key: 'cloudwatch.retentionDays', kind: { t: 'int', min: 1, max: 3653 }, default: undefined, defaultText: 'unchanged', help: 'CloudWatch sink: retention set on a log group it creates.' },
  { key: 'cloudwatch.flushIntervalMs', kind: { t: 'ms', min: 100 }, default: 2000, help: 'CloudWatch sink: longest wait before a batch is sent.' },
  { key: 'cloudwatch.spoolMaxBytes', kind: { t: 'bytes', min: MiB }, default: 100 * 1000 * 1000, help: 'CloudWatch sink: on-disk spool limit while CloudWatch is unreachable.' },
  { key: 'cloudwatch.metricsNamespace', kind: { t: 'string' }, default: 'ECSTriage', help: 'CloudWatch sink: EMF metrics namespace.' },
  { key: 'cloudwatch.emf', kind: { t: 'bool' }, default: true, help: 'CloudWatch sink: also write Embedded Metric Format records (finding counts as metrics).' },
];

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const UNITS_BYTES: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: MiB, g: 1e9, gb: 1e9, gib: 1024 * MiB,
};

/** `500ms`, `60s`, `5m`, `1h`, `2d`, or a bare number of milliseconds. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNITS_MS[(m[2] ?? 'ms').toLowerCase()] ?? 1));
}

/** `256KiB`, `100MB`, `10m`, or a bare number of bytes. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = UNITS_BYTES[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** An ISO-8601 time, or a duration ago (`2h`, `30m`). Returns epoch ms. */
export function parseSince(v: unknown, now = Date.now()): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const ago = /^\s*\d/.test(v) && /[a-z]\s*$/i.test(v) && !v.includes('-') ? parseDurationMs(v) : undefined;
  if (ago !== undefined) return now - ago;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

/** Validates one value against its spec; returns the normalised value or throws a ConfigError naming the key. */
function coerce(spec: KeySpec, v: unknown, file?: string): unknown {
  const bad = (why: string): never => {
    throw new ConfigError(why, { ...(file ? { file } : {}), key: spec.key });
  };
  const k = spec.kind;
  switch (k.t) {
    case 'string':
    case 'path':
      if (typeof v !== 'string' || v === '') bad(`expected a non-empty string, got ${typeName(v)}`);
      return v;
    case 'enum':
      // YAML 1.1 habits: `on`/`off` unquoted may arrive as booleans.
      if (typeof v === 'boolean' && k.values.includes('on')) v = v ? 'on' : 'off';
      if (typeof v !== 'string' || !k.values.includes(v)) bad(`expected one of ${k.values.join(', ')}, got ${JSON.stringify(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') bad(`expected true or false, got ${JSON.stringify(v)}`);
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < k.min || v > k.max) bad(`expected an integer from ${k.min} to ${k.max}, got ${JSON.stringify(v)}`);
      return v;
    case 'ms': {
      const n = parseDurationMs(v);
      if (n === undefined) return bad(`expected a duration such as 500ms, 60s, 5m (or milliseconds), got ${JSON.stringify(v)}`);
      if (n < k.min) bad(`must be at least ${k.min} ms, got ${n}`);
      return n;
    }
    case 'bytes': {
      const n = parseBytes(v);
      if (n === undefined) return bad(`expected a size such as 256KiB or 100MB (or bytes), got ${JSON.stringify(v)}`);
      if (n < k.min) bad(`must be at least ${k.min} bytes, got ${n}`);
      return n;
    }
    case 'time': {
      const t = parseSince(v);
      if (t === undefined) bad(`expected an ISO-8601 time or a duration ago such as 2h, got ${JSON.stringify(v)}`);
      return t;
    }
    case 'list': {
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) bad(`expected a list of strings, got ${typeName(v)}`);
      const arr = list as string[];
      if (k.of) for (const x of arr) if (!k.of.includes(x)) bad(`unknown value ${JSON.stringify(x)} (allowed: ${k.of.join(', ')})`);
      return [...new Set(arr)];
    }
    case 'files': {
      if (!Array.isArray(v)) return bad(`expected a list of {path, source}, got ${typeName(v)}`);
      return v.map((item, i) => {
        const at = `${spec.key}[${i}]`;
        const obj = typeof item === 'string' ? { path: item, source: 'unknown' } : item;
        if (obj === null || typeof obj !== 'object') throw new ConfigError(`expected {path, source}, got ${typeName(item)}`, { ...(file ? { file } : {}), key: at });
        const o = obj as Record<string, unknown>;
        for (const extra of Object.keys(o)) if (extra !== 'path' && extra !== 'source') throw new ConfigError(`unknown key ${extra}`, { ...(file ? { file } : {}), key: at });
        if (typeof o.path !== 'string' || !o.path.startsWith('/')) throw new ConfigError('path must be an absolute host path', { ...(file ? { file } : {}), key: `${at}.path` });
        const src = o.source ?? 'unknown';
        if (typeof src !== 'string' || (src !== 'unknown' && !(LOG_SOURCES as readonly string[]).includes(src))) {
          throw new ConfigError(`unknown source ${JSON.stringify(src)} (allowed: ${LOG_SOURCES.join(', ')}, unknown)`, { ...(file ? { file } : {}), key: `${at}.source` });
        }
        return { path: path.posix.normalize(o.path), source: src as RecordSource };
      });
    }
  }
}

function getPath(obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Rejects keys the schema does not know, so a typo is not silently ignored. */
function checkUnknown(raw: Record<string, unknown>, file?: string, prefix = ''): void {
  const known = new Set(KEYS.map((s) => s.key));
  const sections = new Set(KEYS.filter((s) => s.key.includes('.')).map((s) => s.key.split('.')[0]!));
  for (const [k, v] of Object.entries(raw)) {
    const full = prefix + k;
    if (known.has(full)) continue;
    if (!prefix && sections.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      checkUnknown(v as Record<string, unknown>, file, `${k}.`);
      continue;
    }
    const near = [...known].find((x) => x.toLowerCase() === full.toLowerCase());
    throw new ConfigError(`unknown key${near ? ` (did you mean ${near}?)` : ''}`, { ...(file ? { file } : {}), key: full });
  }
}

/** Builds a config from a parsed document (may be empty) and flag overrides (dotted keys). */
export function buildConfig(raw: unknown, overrides: Record<string, unknown> = {}, file?: string): TriageConfig {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`expected a mapping at the top level, got ${typeName(raw)}`, file ? { file } : {});
  }
  const doc = (raw ?? {}) as Record<string, unknown>;
  checkUnknown(doc, file);
  const out: Record<string, unknown> = {};
  for (const spec of KEYS) if (spec.key.includes('.')) out[spec.key.split('.')[0]!] ??= {};
  for (const spec of KEYS) {
    const fromFlag = overrides[spec.key];
    const fromFile = getPath(doc, spec.key);
    let value: unknown;
    if (fromFlag !== undefined) value = coerce(spec, fromFlag);
    else if (fromFile !== undefined && fromFile !== null) value = coerce(spec, fromFile, file);
    else value = structuredClone(spec.default);
    if (value !== undefined) setPath(out, spec.key, value);
  }
  const cfg = out as unknown as TriageConfig;
  cfg.root = path.resolve(cfg.root);
  cfg.stateDir = path.resolve(cfg.stateDir);
  if (cfg.patternsDir) cfg.patternsDir = path.resolve(cfg.patternsDir);
  for (const [warn, error] of [['diskWarnPercent', 'diskErrorPercent'], ['inodeWarnPercent', 'inodeErrorPercent']] as const) {
    if (cfg.checks[warn] > cfg.checks[error]) {
      throw new ConfigError(`must not be above checks.${error} (${cfg.checks[error]})`, { ...(file ? { file } : {}), key: `checks.${warn}` });
    }
  }
  if (cfg.journal.restartMaxMs < cfg.journal.restartMinMs) {
    throw new ConfigError(`must be at least journal.restartMinMs (${cfg.journal.restartMinMs})`, { ...(file ? { file } : {}), key: 'journal.restartMaxMs' });
  }
  return cfg;
}

export interface LoadedConfig {
  config: TriageConfig;
  /** The file read, if any. */
  file?: string;
}

/**
 * Reads the config file (`--config`, else $ECS_TRIAGE_CONFIG, else /etc/ecs-triage/config.yaml if it exists)
 * and applies flag overrides. A file named explicitly must exist; the default one may be absent.
 */
export async function loadConfig(opts: { file?: string; overrides?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const explicit = opts.file ?? env.ECS_TRIAGE_CONFIG;
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  let text: string | undefined;
  try {
    text = await readRegularFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit !== undefined || code !== 'ENOENT') {
      throw new ConfigError(`cannot read config file: ${errorMessage(err)}`, { file }, { cause: err });
    }
  }
  let raw: unknown;
  if (text !== undefined) {
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`not valid YAML: ${errorMessage(err)}`, { file }, { cause: err });
    }
  }
  const overrides = { ...(opts.overrides ?? {}) };
  // The environment sits between the file and the flags.
  if (env.ECS_TRIAGE_LOG_LEVEL && overrides.logLevel === undefined) overrides.logLevel = env.ECS_TRIAGE_LOG_LEVEL;
  const config = buildConfig(raw, overrides, text !== undefined ? file : undefined);
  return text !== undefined ? { config, file } : { config };
}

/** The file sink's path once defaults are applied. */
export function fileSinkPath(cfg: TriageConfig): string {
  return cfg.fileSink.path ?? path.join(cfg.stateDir, 'events.jsonl');
}
