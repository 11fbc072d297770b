// Splits a large file into byte ranges: the main thread scans the first, worker threads the others. The
// search scales with cores (each thread runs its own kernel over its own range) and classification happens
// where the line was read, so the main thread only folds findings. The worker is a small separate bundle
// embedded in the main one as a string, so each thread costs a few MB, not a copy of the whole CLI.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../classify/ruleset.js';
import type { FindingCollector, GroupSnapshot } from '../report/collect.js';
import type { FileScanStats } from '../sources/file-scan.js';
import type { Finding } from '../types.js';
import type { RangeTask, WireFinding, WorkerMessage } from './range.js';

declare const __SCAN_WORKER_SOURCE__: string | undefined;
/** Below this a file is scanned on the main thread: starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = Number(process.env.ECS_TRIAGE_PARALLEL_MIN_BYTES ?? 64 << 20);

const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 };

/** The worker's code, when running from the bundle (tests of the TypeScript sources scan on one thread). */
export function workerSource(): string | undefined {
  return typeof __SCAN_WORKER_SOURCE__ === 'string' ? __SCAN_WORKER_SOURCE__ : undefined;
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
  /** A worker's folded findings, line numbers relative to its range (absent for the main thread's range). */
  groups?: Array<GroupSnapshot<WireFinding>>;
}

/**
 * Scans `parts` ranges at once: the first on this thread straight into `collector`, each other in a worker
 * that folds its own findings and sends them once at the end. Then the workers' groups are merged with
 * their line numbers made absolute. Resolves with every range's stats in file order.
 */
export async function scanRanges(
  source: string,
  rules: RuleSet,
  collector: FindingCollector,
  base: Omit<RangeTask, 'start' | 'end'>,
  size: number,
  parts: number,
): Promise<RangeResult[]> {
  const { scanRange } = await import('./worker.js');
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.floor((size * i) / parts));
  const workers: Worker[] = [];
  const running = Promise.all(
    bounds.slice(0, -1).map((start, i) => {
      const task: RangeTask = { ...base, start, end: bounds[i + 1]! };
      if (i === 0) return scanRange(task, rules, (f) => collector.add(f)).then((r): RangeResult => ({ start, end: task.end, ...r }));
      return new Promise<RangeResult>((resolve, reject) => {
        // The worker needs a chunk buffer and the rules; small heap limits keep its garbage from growing
        // to V8's defaults before it is collected.
        const worker = new Worker(source, { eval: true, workerData: task, resourceLimits: WORKER_LIMITS });
        workers.push(worker);
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'done') resolve({ start, end: task.end, stats: m.stats, matched: m.matched, groups: m.groups });
          else reject(new Error(m.message));
        });
        worker.on('error', reject);
        worker.on('exit', (code) => code !== 0 && reject(new Error(`scan worker exited with code ${code}`)));
      });
    }),
  );
  // One failed range fails the file: stop the others rather than let them scan on for nothing.
  const results = await running.catch(async (err: unknown) => {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  });
  let linesBefore = 0;
  for (const r of results) {
    for (const g of r.groups ?? []) {
      const rule = rules.ruleById(g.latest.ruleId)!;
      const o = g.latest.origin;
      const latest: Finding = {
        ...g.latest,
        ...(o?.line !== undefined ? { origin: { ...o, line: o.line + linesBefore } } : {}),
        causes: rule.causes,
        remediation: rule.remediation,
        ...(rule.alternatives ? { alternatives: rule.alternatives } : {}),
      };
      collector.merge(g, latest);
    }
    linesBefore += r.stats.lines;
  }
  return results;
}
