// Every configuration key of ecs-triage, declared once: type and bounds, default, the flag that sets it,
// whether SIGHUP applies it, and the help text. The configuration's TypeScript type, its validation and
// defaults, the command-line threshold flags of `check`/`scan` and the README's reference table all come
// from here (src/config.ts, src/config/docs.ts). Order is the order of the README table.
import path from 'node:path';
import { LOG_STREAM_NAME_RE, logGroupNameProblem, metricNamespaceProblem, RETENTION_DAYS } from '../cloudwatch-limits.js';
import { LOG_SOURCES, type RecordSource } from '../types.js';
import { DOCKER_SOCKET_DEFAULT, INTROSPECTION_DEFAULT_BASE } from '../ecs-host.js';
import { bool, duration, filePath, integer, list, listOf, oneOf, percent, records, size, text, time, type Resolved } from './schema.js';

export const SINK_NAMES = ['stdout', 'file', 'cloudwatch'] as const;
export type SinkName = (typeof SINK_NAMES)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface FileSourceConfig {
  /** Host path (mapped under --root). */
  path: string;
  source: RecordSource;
}

function fileSource(v: unknown): FileSourceConfig | [string | undefined, string] {
  const obj = typeof v === 'string' ? { path: v, source: 'unknown' } : v;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [undefined, 'expected {path, source}'];
  const o = obj as Record<string, unknown>;
  for (const extra of Object.keys(o)) if (extra !== 'path' && extra !== 'source') return [undefined, `unknown key ${extra}`];
  if (typeof o.path !== 'string' || !o.path.startsWith('/')) return ['path', 'path must be an absolute host path'];
  const src = o.source ?? 'unknown';
  if (typeof src !== 'string' || (src !== 'unknown' && !(LOG_SOURCES as readonly string[]).includes(src))) {
    return ['source', `unknown source ${JSON.stringify(src)} (allowed: ${LOG_SOURCES.join(', ')}, unknown)`];
  }
  return { path: path.posix.normalize(o.path), source: src as RecordSource };
}

function httpUrlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `${JSON.stringify(v)} is not a URL`;
  }
  // The agent's API is plain HTTP on the host (facts sheet §6.1): that is all the client speaks.
  return u.protocol === 'http:' ? undefined : `expected an http:// URL (the agent's API is plain HTTP), got ${JSON.stringify(v)}`;
}

export const SCHEMA = {
  root: filePath({ default: '/', flag: '--root', reload: 'restart', help: 'Host root to read. The journal is read only when this is `/`.' }),
  stateDir: filePath({ default: '/var/lib/ecs-triage', flag: '--state-dir', reload: 'restart', help: 'Checkpoints, status file, lock, spool.' }),
  patternsDir: filePath({ defaultText: 'the shipped rules', flag: '--patterns', reload: 'live', help: 'Directory of rule files to use instead of the shipped ones (rules are reloaded on SIGHUP).' }),
  logLevel: oneOf(LOG_LEVELS, { default: 'info', reload: 'live', help: "The daemon's own diagnostics on stderr (`ECS_TRIAGE_LOG_LEVEL` overrides the file)." }),
  sinks: listOf(SINK_NAMES, { default: ['stdout'], flag: '--sink', reload: 'restart', help: 'Where events go: any of `stdout`, `file`, `cloudwatch` (`--sink` is repeatable).' }),
  start: {
    at: oneOf(['end', 'beginning'] as const, { default: 'end', flag: '--from-beginning', reload: 'first-start', help: 'First start with no state: read files that already exist from their `end` or their `beginning`. Files that appear later are always read from the start.' }),
    since: time({ defaultText: 'none', flag: '--since', reload: 'first-start', help: 'First start with no state: read from the beginning but drop lines older than this.' }),
  },
  files: records<FileSourceConfig>('list of {path, source}', fileSource, {
    default: [
      { path: '/var/log/ecs/ecs-agent.log', source: 'ecs-agent' },
      { path: '/var/log/ecs/ecs-init.log', source: 'ecs-init' },
    ],
    defaultText: 'ecs-agent.log and ecs-init.log in /var/log/ecs',
    reload: 'restart',
    help: `Files to follow, each \`{path, source}\` (\`source\`: one of ${LOG_SOURCES.join(', ')}). Rotated siblings (\`NAME.N\`, \`NAME.YYYY-MM-DD-HH\`) are found by identity.`,
  }),
  tail: {
    maxLineBytes: size({ default: 256 * KiB, min: KiB, reload: 'restart', help: 'Longer lines are cut to this size and flagged.' }),
    partialLineTimeoutMs: duration({ default: 5000, min: 10, reload: 'restart', help: 'A last line without newline is taken as complete after this idle time (and at shutdown).' }),
    pollIntervalMs: duration({ default: 10_000, min: 100, reload: 'restart', help: 'Safety-net re-stat of every followed path, in case a change notification is lost.' }),
    readChunkBytes: size({ default: MiB, min: 4 * KiB, reload: 'restart', help: 'Read size per call.' }),
    retryUnreadableMs: duration({ default: 30_000, min: 100, reload: 'restart', help: 'An unreadable file (permissions, I/O error) is reported and retried after this delay.' }),
  },
  journal: {
    enabled: oneOf(['auto', 'on', 'off'] as const, { default: 'auto', reload: 'restart', help: '`auto`: read journald when the root is `/` and `/run/systemd/journal` exists; otherwise follow `journal.fallbackFile`. `on` forces the journal (with any root), `off` the file.' }),
    command: text({ default: 'journalctl', reload: 'restart', help: 'The journalctl program (looked up on PATH).' }),
    units: list({ default: ['docker', 'containerd'], reload: 'restart', help: 'Units whose messages are read (`_SYSTEMD_UNIT=NAME.service` matches).' }),
    kernel: bool({ default: true, reload: 'restart', help: 'Also read kernel messages (`_TRANSPORT=kernel`: the OOM killer).' }),
    restartMinMs: duration({ default: 1000, min: 10, reload: 'restart', help: 'First delay before restarting journalctl after it exits; doubles (with jitter) up to `restartMaxMs`.' }),
    restartMaxMs: duration({ default: 60_000, min: 10, reload: 'restart', help: 'Longest delay between journalctl restarts.' }),
    fallbackFile: text({ default: '/var/log/docker', reload: 'restart', help: 'Docker log file followed where there is no journal (Amazon Linux 1).' }),
  },
  aggregate: {
    windowMs: duration({ default: 60_000, min: 100, reload: 'live', help: 'Identical findings inside this window become one event with a count. The first is sent at once.' }),
    keyFields: list({ default: ['image', 'taskArn', 'container', 'action', 'resource', 'host', 'path', 'httpStatus', 'mount'], reload: 'live', help: 'Fields that, with the rule id, make two findings "identical".' }),
  },
  checks: {
    enabled: bool({ default: true, reload: 'live', help: 'Run the host checks (disk, inodes, container logs) on a schedule.' }),
    intervalMs: duration({ default: 300_000, min: 1000, reload: 'live', help: 'How often the host checks run.' }),
    repeatMs: duration({ default: 3_600_000, min: 1000, reload: 'live', help: 'A problem that lasts is reported again at this interval.' }),
    diskWarnPercent: percent({ default: 80, flag: '--warn-percent', reload: 'live', help: 'Block use (%) of a filesystem that is a warning (`disk_pressure`).' }),
    diskErrorPercent: percent({ default: 90, flag: '--error-percent', reload: 'live', help: 'Block use (%) that is an error.' }),
    inodeWarnPercent: percent({ default: 80, flag: '--inode-warn-percent', reload: 'live', help: 'Inode use (%) that is a warning (`inode_pressure`).' }),
    inodeErrorPercent: percent({ default: 90, flag: '--inode-error-percent', reload: 'live', help: 'Inode use (%) that is an error.' }),
    maxLogBytes: size({ default: GiB, min: KiB, flag: '--max-log-size', reload: 'live', help: "One container's json-file logs (with rotations) above this are `container_log_oversize`." }),
    maxLogSharePercent: percent({ default: 50, flag: '--max-log-share', reload: 'live', help: '…or above this share (%) of the free space left on their filesystem.' }),
  },
  tasks: {
    enabled: bool({ default: true, reload: 'live', help: 'Keep one record per stopped task (`task_stopped` events) from the Docker Engine API and the ECS agent\'s introspection API; without either, `watch` goes on with what is there.' }),
    dockerSocket: filePath({ default: DOCKER_SOCKET_DEFAULT, reload: 'live', help: "Docker Engine API socket, a host path (under `--root`). Read: the event stream (`die`, `oom`, `kill`, `health_status` of containers with ECS labels) and each stopped container's state." }),
    introspectionUrl: text({ defaultText: `\`${INTROSPECTION_DEFAULT_BASE}\` on the live root (\`/\`); with another \`--root\`, none unless set`, check: httpUrlProblem, describe: 'an http:// URL', reload: 'live', help: "The ECS agent's introspection API (`/v1/metadata`, `/v1/tasks`): the host's tasks, their containers and known/desired status." }),
  },
  checkpoints: {
    intervalMs: duration({ default: 1000, min: 50, reload: 'live', help: 'Longest time between state-file writes while positions move.' }),
  },
  status: {
    intervalMs: duration({ default: 10_000, min: 100, reload: 'live', help: 'How often `status.json` (read by `ecs-triage status`) is written.' }),
    stallAfterMs: duration({ default: 300_000, min: 1000, reload: 'live', help: 'A source with data behind its position (unread or uncommitted bytes) whose position has not moved for this long is reported as stalled by `ecs-triage status`. Keep it above `aggregate.windowMs`: folded lines are committed when their window ends.' }),
  },
  fileSink: {
    path: filePath({ defaultText: '`<stateDir>/events.jsonl`', reload: 'restart', help: 'File sink: JSON lines file.' }),
    maxBytes: size({ default: 10 * MiB, min: KiB, reload: 'restart', help: 'File sink: rotate (to `.1`, `.2` …) when the file would exceed this size.' }),
    maxFiles: integer({ default: 5, min: 1, max: 1000, reload: 'restart', help: 'File sink: rotated files kept.' }),
    fsync: bool({ default: true, reload: 'restart', help: 'File sink: fsync before acknowledging a batch.' }),
  },
  cloudwatch: {
    logGroup: text({ default: '/ecs-triage/events', reload: 'restart', check: logGroupNameProblem, help: 'CloudWatch sink: log group (created if missing): 1–512 of `A-Z a-z 0-9 _ - / . #`, not starting with `aws/`.' }),
    logStream: text({ defaultText: 'instance id, else hostname', pattern: LOG_STREAM_NAME_RE, describe: 'a log stream name (1–512 characters, no `:` or `*`)', reload: 'restart', help: 'CloudWatch sink: log stream.' }),
    region: text({ defaultText: '`AWS_REGION`, then IMDS', reload: 'restart', help: 'CloudWatch sink: AWS Region.' }),
    endpoint: text({ defaultText: 'the Regional endpoint', reload: 'restart', help: 'CloudWatch sink: endpoint URL override (VPC endpoint, tests).' }),
    retentionDays: integer({ defaultText: 'unchanged', min: 1, max: 3653, allowed: RETENTION_DAYS, reload: 'restart', help: 'CloudWatch sink: retention set on a log group it creates (a value PutRetentionPolicy accepts).' }),
    flushIntervalMs: duration({ default: 2000, min: 100, reload: 'restart', help: 'CloudWatch sink: longest wait before a batch is sent.' }),
    spoolMaxBytes: size({ default: 100 * MiB, min: MiB, reload: 'restart', help: 'CloudWatch sink: on-disk spool limit while CloudWatch is unreachable (the oldest events are dropped beyond it).' }),
    metricsNamespace: text({ default: 'ECSTriage', reload: 'restart', check: metricNamespaceProblem, help: 'CloudWatch sink: EMF metrics namespace.' }),
    emf: bool({ default: true, reload: 'restart', help: 'CloudWatch sink: also write Embedded Metric Format records (finding counts as metrics).' }),
  },
} as const;

export type TriageConfig = Resolved<typeof SCHEMA>;

/**
 * Rules that involve two keys; each names the key it reports. `name` spells another key as the user wrote it
 * (its flag when it came from one).
 */
export const CONSTRAINTS: ReadonlyArray<{ key: string; problem: (c: TriageConfig, name: (key: string) => string) => string | undefined }> = [
  { key: 'checks.diskWarnPercent', problem: (c, name) => (c.checks.diskWarnPercent > c.checks.diskErrorPercent ? `must not be above ${name('checks.diskErrorPercent')} (${c.checks.diskErrorPercent})` : undefined) },
  { key: 'checks.inodeWarnPercent', problem: (c, name) => (c.checks.inodeWarnPercent > c.checks.inodeErrorPercent ? `must not be above ${name('checks.inodeErrorPercent')} (${c.checks.inodeErrorPercent})` : undefined) },
  { key: 'journal.restartMaxMs', problem: (c, name) => (c.journal.restartMaxMs < c.journal.restartMinMs ? `must be at least ${name('journal.restartMinMs')} (${c.journal.restartMinMs})` : undefined) },
];
