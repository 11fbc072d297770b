// Splits a large file into byte ranges scanned by worker threads. The prefilter design scales with cores
// (each worker runs its own memchr passes); classification happens in the workers too, so the main thread
// only folds findings. Workers run from the single-file bundle, which is its own worker entry.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PatternSource } from '../classify/load.js';
import type { FormatName } from '../formats/index.js';
import type { Finding, LogSourceKind } from '../types.js';
import type { FileScanStats } from '../sources/file-scan.js';

export const SCAN_WORKER_ROLE = 'ecs-triage/scan-range';
/** Below this a file is scanned on the main thread: starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = Number(process.env.ECS_TRIAGE_PARALLEL_MIN_BYTES ?? 64 << 20);

export interface RangeTask {
  role: typeof SCAN_WORKER_ROLE;
  file: string;
  display: string;
  start: number;
  end: number;
  patterns: PatternSource[];
  since?: number;
  source: LogSourceKind | 'unknown';
  format?: FormatName;
}

/** A finding without the rule's shared text: the main thread re-attaches it from its own rule set. */
export type WireFinding = Omit<Finding, 'causes' | 'remediation' | 'alternatives'>;

export type WorkerMessage =
  | { type: 'findings'; findings: WireFinding[] }
  | { type: 'done'; stats: FileScanStats; matched: number }
  | { type: 'error'; message: string };

/** The bundle can start itself as a worker; a TypeScript source file (tests) cannot. */
export function workerEntry(): URL | undefined {
  const self = new URL(import.meta.url);
  return /\.m?js$/.test(fileURLToPath(self)) ? self : undefined;
}

export function workerCount(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, Number(process.env.ECS_TRIAGE_SCAN_WORKERS ?? n)));
}

export interface RangeResult {
  start: number;
  end: number;
  stats: FileScanStats;
  matched: number;
}

/**
 * Runs one worker per range; `onFindings` receives batches as they come (line numbers relative to the
 * range). Resolves with every range's stats in file order, so callers can make line numbers absolute.
 */
export async function scanRanges(
  entry: URL,
  base: Omit<RangeTask, 'start' | 'end' | 'role'>,
  size: number,
  parts: number,
  onFindings: (findings: WireFinding[]) => void,
): Promise<RangeResult[]> {
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.floor((size * i) / parts));
  return Promise.all(
    bounds.slice(0, -1).map(
      (start, i) =>
        new Promise<RangeResult>((resolve, reject) => {
          const task: RangeTask = { ...base, role: SCAN_WORKER_ROLE, start, end: bounds[i + 1]! };
          const worker = new Worker(entry, { workerData: task });
          worker.on('message', (m: WorkerMessage) => {
            if (m.type === 'findings') onFindings(m.findings);
            else if (m.type === 'done') resolve({ start, end: task.end, stats: m.stats, matched: m.matched });
            else reject(new Error(m.message));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => code !== 0 && reject(new Error(`scan worker exited with code ${code}`)));
        }),
    ),
  );
}
