// A small status file in the state directory, rewritten every few seconds by the daemon and read by
// `ecs-triage status`, so a stalled or dead daemon is visible without asking it anything. The mapping from
// the daemon's parts to the file's schema is here too (composeStatus), next to the schema it fills.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write.js';
import { readRegularFile } from '../base/regular-file.js';
import { fsReason, TriageError } from '../errors.js';
import type { SinkHealth } from '../types.js';

export const STATUS_FILE = 'status.json';

export interface SourceStatus {
  /** `file`, `journal`, `checks` (the host checks: shown in their own section), or a newer source's kind. */
  kind: string;
  name: string;
  source: string;
  /** Real path read (under --root), for files. */
  path?: string;
  /** Committed position (bytes) and how far reading got. */
  committed?: number;
  read?: number;
  size?: number;
  lagBytes?: number;
  cursor?: string;
  lastLineAt?: string;
  lastEventAt?: string;
  error?: string;
  skipped?: { binary: number; truncated: number; invalidUtf8: number };
  /** Items read but not handed on (not decodable, or their handling failed): each one is a line lost. */
  dropped?: number;
  lastDroppedAt?: string;
  /** Since when the source has had data behind its position without the position moving (see daemon/health.ts). */
  stalledSince?: string;
  /** Host checks: problems being tracked. */
  active?: number;
  /** What the source wants the operator to know that is not a failure (a part it reads is unavailable). */
  notes?: string[];
}

export interface DaemonStatus {
  schema: 'ecs-triage/daemon-status';
  schemaVersion: 1;
  pid: number;
  /** The process's start time (clock ticks since boot): tells it from a later process that got the same pid. */
  processStart?: string;
  version: string;
  startedAt: string;
  updatedAt: string;
  /** Set on a clean shutdown. */
  stoppedAt?: string;
  root: string;
  intervalMs: number;
  /** A source whose position has not moved for this long while data waits behind it is stalled. */
  stallAfterMs?: number;
  rules: number;
  sources: SourceStatus[];
  sinks: Array<{ name: string } & SinkHealth>;
  pipeline: {
    lines: number;
    matched: number;
    events: number;
    folded: number;
    /** Aggregation windows closed before their end because too many were open (a flood of distinct findings). */
    closedEarly?: number;
    backlog: number;
    lastEventAt?: string;
  };
  checks?: { lastRunAt?: string; active: number; error?: string };
  checkpoint: { lastSavedAt?: string; error?: string };
}

export interface StatusParts {
  process: { pid: number; start?: string; version: string; startedAt: string };
  root: string;
  intervalMs: number;
  stallAfterMs: number;
  rules: number;
  sources: SourceStatus[];
  sinks: Array<{ name: string } & SinkHealth>;
  pipeline: DaemonStatus['pipeline'];
  checkpoint: DaemonStatus['checkpoint'];
  stoppedAt?: string;
}

export function composeStatus(p: StatusParts, now = new Date()): DaemonStatus {
  const st: DaemonStatus = {
    schema: 'ecs-triage/daemon-status',
    schemaVersion: 1,
    pid: p.process.pid,
    ...(p.process.start ? { processStart: p.process.start } : {}),
    version: p.process.version,
    startedAt: p.process.startedAt,
    updatedAt: now.toISOString(),
    root: p.root,
    intervalMs: p.intervalMs,
    stallAfterMs: p.stallAfterMs,
    rules: p.rules,
    sources: p.sources.filter((s) => s.kind !== 'checks'),
    sinks: p.sinks,
    pipeline: p.pipeline,
    checkpoint: p.checkpoint,
  };
  const checks = p.sources.find((s) => s.kind === 'checks');
  if (checks) {
    st.checks = { active: checks.active ?? 0, ...(checks.lastLineAt ? { lastRunAt: checks.lastLineAt } : {}), ...(checks.error ? { error: checks.error } : {}) };
  }
  if (p.stoppedAt) st.stoppedAt = p.stoppedAt;
  return st;
}

/** Brings the size and lag of followed files up to date (the reader and the daemon both do, before judging). */
export async function refreshLag(sources: SourceStatus[]): Promise<void> {
  await Promise.all(
    sources.map(async (s) => {
      if (s.kind !== 'file' || !s.path || s.committed === undefined) return;
      try {
        const st = await stat(s.path);
        if (st.size >= s.committed) s.lagBytes = st.size - s.committed;
        s.size = st.size;
      } catch {
        /* keep the recorded figures */
      }
    }),
  );
}

export async function writeStatus(dir: string, status: DaemonStatus): Promise<void> {
  // Rewritten every few seconds and worthless after a power loss: atomic, but not worth two fsyncs each time.
  await writeFileAtomic(path.join(dir, STATUS_FILE), JSON.stringify(status, null, 1) + '\n', { mode: 0o644, durable: false, mkdir: true });
}

/**
 * The status file, or undefined when there is none (the daemon never ran with this state directory). One that
 * cannot be read (no permission: the unit's state directory is root's, mode 0700; a FIFO) or parsed is an error
 * that says so: "no status file" would send the operator looking for a daemon that may well be running.
 */
export async function readStatus(dir: string): Promise<DaemonStatus | undefined> {
  const file = path.join(dir, STATUS_FILE);
  let text: string;
  try {
    text = await readRegularFile(file, { maxBytes: 64 * 1024 * 1024, what: 'a status file' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    const hint = code === 'EACCES' || code === 'EPERM' ? 'the state directory is the daemon\'s (root\'s): sudo ecs-triage status' : undefined;
    throw new TriageError(`${file}: cannot read the status file (${fsReason(err)})`, { cause: err, ...(hint ? { hint } : {}) });
  }
  try {
    return JSON.parse(text) as DaemonStatus;
  } catch {
    throw new TriageError(`${file}: not a status file written by ecs-triage watch (not valid JSON)`);
  }
}
