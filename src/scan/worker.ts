// One byte range of one file: scan, classify, fold. Runs in a worker thread (scan/parallel.ts) and, for
// the first range, on the main thread with the rules and the collector it already has.
import { parentPort, workerData } from 'node:worker_threads';
import { compileParsed } from '../classify/compile.js';
import type { RuleSet } from '../classify/ruleset.js';
import { parseLine } from '../formats/index.js';
import { classifyRecord } from '../pipeline.js';
import { FindingCollector } from '../report/collect.js';
import { scanFile, type FileScanStats } from '../sources/file-scan.js';
import type { Finding } from '../types.js';
import type { RangeTask, WireFinding, WorkerMessage } from './range.js';

export async function scanRange(task: RangeTask, rules: RuleSet, onFinding: (f: Finding) => void): Promise<{ stats: FileScanStats; matched: number }> {
  let matched = 0;
  const stats = await scanFile(
    task.file,
    rules.search,
    (c) => {
      const rec = parseLine(c.text, {
        source: task.source,
        ...(task.format ? { format: task.format } : {}),
        origin: { file: task.display, line: c.line, offset: c.offset },
      });
      const f = classifyRecord(rules, rec, task.since);
      if (!f) return;
      matched += 1;
      onFinding(f);
    },
    { start: task.start, end: task.end },
  );
  return { stats, matched };
}

/** The rule's shared text stays behind: the main thread re-attaches it from its own rule set. */
function strip(f: Finding): WireFinding {
  const { causes: _c, remediation: _r, alternatives: _a, ...wire } = f;
  return wire;
}

/** The worker thread's entry (scan/worker-entry.ts, bundled separately and started from a string). */
export async function runScanWorker(): Promise<void> {
  const task = workerData as RangeTask;
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  try {
    const rules = compileParsed(task.patterns, [], { verifyExamples: false });
    const collector = new FindingCollector();
    const { stats, matched } = await scanRange(task, rules, (f) => collector.add(f));
    post({ type: 'done', stats, matched, groups: collector.snapshot(strip) });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}
