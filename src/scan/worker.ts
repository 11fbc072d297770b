// One byte range of one file: scan, classify, hand findings over in batches. Runs in a worker thread
// (scan/parallel.ts) and, for the first range, on the main thread with the rules it already compiled.
import { parentPort, workerData } from 'node:worker_threads';
import { compileParsed } from '../classify/compile.js';
import { LiteralPrefilter } from '../classify/prefilter.js';
import type { RuleSet } from '../classify/ruleset.js';
import { parseLine } from '../formats/index.js';
import { scanFile, type FileScanStats } from '../sources/file-scan.js';
import type { RangeTask, WireFinding, WorkerMessage } from './parallel.js';

const BATCH = 256;

export async function scanRange(
  task: RangeTask,
  rules: RuleSet,
  onFindings: (batch: WireFinding[]) => void,
): Promise<{ stats: FileScanStats; matched: number }> {
  let batch: WireFinding[] = [];
  let matched = 0;
  const stats = await scanFile(
    task.file,
    new LiteralPrefilter(rules.literals),
    (c) => {
      const rec = parseLine(c.text, {
        source: task.source,
        ...(task.format ? { format: task.format } : {}),
        origin: { file: task.display, line: c.line, offset: c.offset },
      });
      if (task.since !== undefined && rec.time !== undefined && rec.time < task.since) return;
      const f = rules.classify(rec);
      if (!f) return;
      matched += 1;
      const { causes: _c, remediation: _r, alternatives: _a, ...wire } = f;
      batch.push(wire);
      if (batch.length >= BATCH) {
        onFindings(batch);
        batch = [];
      }
    },
    { start: task.start, end: task.end },
  );
  if (batch.length > 0) onFindings(batch);
  return { stats, matched };
}

/** The worker thread's entry (scan/worker-entry.ts, bundled separately and started from a string). */
export async function runScanWorker(): Promise<void> {
  const task = workerData as RangeTask;
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  try {
    const rules = compileParsed(task.patterns);
    const { stats, matched } = await scanRange(task, rules, (findings) => post({ type: 'findings', findings }));
    post({ type: 'done', stats, matched });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}
