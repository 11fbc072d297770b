// Splits a large file into pieces that the main thread and worker threads take in turn. The search scales with
// cores (each thread runs its own kernel over its own pieces); the few lines it nominates are classified on the
// main thread, which has the rules and warm code: a worker that classified too needed its own copy of the rule
// set and its compiled regexes, about 20 MB and a cold start per thread. The worker is a small separate bundle
// (search only) embedded in the main one as a string.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../classify/ruleset.js';
import type { FindingCollector } from '../report/collect.js';
import type { FileScanStats } from '../sources/file-scan.js';
import type { Finding } from '../types.js';
import type { FileTask, PieceResult, PiecesTask, WorkerMessage } from './range.js';
import { processEnv } from '../env.js';
import { keepYoungGenerationSmall } from './heap.js';

declare const __SCAN_WORKER_SOURCE__: string | undefined;
/** Below this a file is scanned on the main thread: starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = Number(processEnv().ECS_TRIAGE_PARALLEL_MIN_BYTES ?? 64 << 20);
/**
 * The pieces threads take in turn: small enough that all threads finish within a piece's time (tens of ms) of
 * each other; large enough that the per-piece garbage stays small (16 MiB pieces measured ~4 MB more peak RSS
 * on 1 GiB).
 */
export const PIECE_BYTES = Number(processEnv().ECS_TRIAGE_SCAN_PIECE_BYTES ?? 32 << 20);

const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 };

/** The worker's code, when running from the bundle (tests of the TypeScript sources scan on one thread). */
export function workerSource(): string | undefined {
  return typeof __SCAN_WORKER_SOURCE__ === 'string' ? __SCAN_WORKER_SOURCE__ : undefined;
}

export function workerCount(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, Number(processEnv().ECS_TRIAGE_SCAN_WORKERS ?? n)));
}

export interface RangeResult {
  /** The thread that scanned it (0: the main thread). */
  thread: number;
  start: number;
  end: number;
  stats: FileScanStats;
  matched: number;
}

/**
 * Scans a file in pieces on this thread and `threads - 1` workers at once: each takes the next piece as it gets
 * free, so a worker still starting (tens of milliseconds) takes fewer and all finish together; a file this
 * thread gets through alone leaves the workers nothing. The workers' candidate lines are classified here as
 * they come, into a collector per piece; each piece's findings are merged as soon as every piece before it is
 * in, with their line numbers made absolute. Resolves with every piece's stats in file order.
 */
export async function scanRanges(
  source: string,
  rules: RuleSet,
  collector: FindingCollector,
  base: FileTask,
  size: number,
  threads: number,
): Promise<RangeResult[]> {
  const { candidateClassifier, scanPieces, strip } = await import('./worker.js');
  const task: PiecesTask = { ...base, size, pieceBytes: PIECE_BYTES, next: new SharedArrayBuffer(4), queued: new SharedArrayBuffer(4) };
  const queued = new Int32Array(task.queued);
  // The workers' pieces being classified here, by index.
  const classifying = new Map<number, ReturnType<typeof candidateClassifier>>();
  const classifierOf = (index: number): ReturnType<typeof candidateClassifier> => {
    let c = classifying.get(index);
    if (!c) classifying.set(index, (c = candidateClassifier(base, rules)));
    return c;
  };
  const count = Math.max(1, Math.ceil(size / PIECE_BYTES));
  const results: RangeResult[] = [];
  // Pieces that arrived before one ahead of them: threads take pieces in order, so this stays short.
  const early = new Map<number, PieceResult>();
  let linesBefore = 0;
  const merge = (r: PieceResult): void => {
    for (const g of r.groups) {
      const rule = rules.ruleById(g.latest.ruleId)!;
      const o = g.latest.origin;
      const latest: Finding = {
        ...g.latest,
        ...(o?.line !== undefined ? { origin: { ...o, line: o.line + linesBefore } } : {}),
        causes: rule.causes,
        remediation: rules.remediationOf(g.latest),
        ...(rule.alternatives ? { alternatives: rule.alternatives } : {}),
      };
      collector.merge(g, latest);
    }
    linesBefore += r.stats.lines;
    const start = r.index * PIECE_BYTES;
    results.push({ thread: r.thread, start, end: Math.min(size, start + PIECE_BYTES), stats: r.stats, matched: r.matched });
  };
  const workers: Worker[] = [];
  let allIn: () => void = () => {};
  let failed: (err: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    allIn = resolve;
    failed = reject;
  });
  const take = (r: PieceResult): void => {
    early.set(r.index, r);
    for (let next = early.get(results.length); next; next = early.get(results.length)) {
      early.delete(next.index);
      merge(next);
    }
    if (results.length === count) allIn();
  };
  const onMessage = (m: WorkerMessage): void => {
    if (m.type === 'lines') {
      const c = classifierOf(m.index);
      for (let i = 0; i < m.texts.length; i++) c.line(m.texts[i]!, m.lines[i]!, m.offsets[i]!);
      Atomics.sub(queued, 0, 1);
      Atomics.notify(queued, 0);
    } else if (m.type === 'piece') {
      const c = classifierOf(m.index);
      classifying.delete(m.index);
      take({ index: m.index, thread: m.thread, stats: m.stats, matched: c.matched, groups: c.collector.snapshot(strip) });
    } else failed(new Error(m.message));
  };
  for (let i = 1; i < threads; i++) {
    // Small heap limits keep a worker's garbage from growing to V8's defaults before it is collected.
    const worker = new Worker(source, { eval: true, workerData: task, resourceLimits: WORKER_LIMITS });
    workers.push(worker);
    // Starting a worker resets V8's flags: set again at once for this thread (the worker sets it for itself).
    keepYoungGenerationSmall();
    worker.once('online', keepYoungGenerationSmall);
    worker.on('message', (m: WorkerMessage) => {
      try {
        onMessage(m);
      } catch (err) {
        failed(err as Error);
      }
    });
    worker.on('error', failed);
    worker.on('exit', (code) => code !== 0 && results.length < count && failed(new Error(`scan worker exited with code ${code}`)));
  }
  try {
    await Promise.all([scanPieces(task, rules, take), finished]);
  } finally {
    // Done, or one failed piece fails the file: either way no worker has anything left to do.
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
