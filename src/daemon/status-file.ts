// A small status file in the state directory, rewritten every few seconds by the daemon and read by
// `ecs-triage status`, so a stalled or dead daemon is visible without asking it anything.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write.js';
import type { SinkHealth } from '../types.js';

export const STATUS_FILE = 'status.json';

export interface SourceStatus {
  kind: 'file' | 'journal';
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
  rules: number;
  sources: SourceStatus[];
  sinks: Array<{ name: string } & SinkHealth>;
  pipeline: { lines: number; matched: number; events: number; folded: number; backlog: number; lastEventAt?: string };
  checks?: { lastRunAt?: string; active: number; error?: string };
  checkpoint: { lastSavedAt?: string; error?: string };
}

export async function writeStatus(dir: string, status: DaemonStatus): Promise<void> {
  // Rewritten every few seconds and worthless after a power loss: atomic, but not worth two fsyncs each time.
  await writeFileAtomic(path.join(dir, STATUS_FILE), JSON.stringify(status, null, 1) + '\n', { mode: 0o644, durable: false, mkdir: true });
}

export async function readStatus(dir: string): Promise<DaemonStatus | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, STATUS_FILE), 'utf8')) as DaemonStatus;
  } catch {
    return undefined;
  }
}
