// A small status file in the state directory, rewritten every few seconds by the daemon and read by
// `ecs-triage status`, so a stalled or dead daemon is visible without asking it anything.
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
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
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, STATUS_FILE);
  await writeFile(file + '.tmp', JSON.stringify(status, null, 1) + '\n', { mode: 0o644 });
  await rename(file + '.tmp', file);
}

export async function readStatus(dir: string): Promise<DaemonStatus | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, STATUS_FILE), 'utf8')) as DaemonStatus;
  } catch {
    return undefined;
  }
}
