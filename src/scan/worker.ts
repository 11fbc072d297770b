// Scanning pieces of one file: read, search, classify, fold. Runs in the worker threads (scan/parallel.ts) and
// on the main thread alike; each thread takes the next piece until none is left.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { compileParsed } from '../classify/compile.js';
import type { RuleSet } from '../classify/ruleset.js';
import { parseLine } from '../formats/index.js';
import { classifyRecord } from '../pipeline.js';
import { FindingCollector } from '../report/collect.js';
import { ByteSearch } from '../search/byte-search.js';
import { scanFile, searchCapacity, type FileScanStats } from '../sources/file-scan.js';
import type { Finding } from '../types.js';
import type { PieceResult, PiecesTask, RangeTask, WireFinding, WorkerMessage } from './range.js';

/** One byte range: its candidate lines parsed and classified, the findings handed to `onFinding`. */
async function scanRange(task: RangeTask, rules: RuleSet, search: ByteSearch, onFinding: (f: Finding) => void): Promise<{ stats: FileScanStats; matched: number }> {
  let matched = 0;
  const stats = await scanFile(
    task.file,
    search,
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

/**
 * Takes pieces until none is left, and hands each one's result over. One byte search serves every piece this
 * thread takes (its grams chosen on the first).
 */
export async function scanPieces(task: PiecesTask, rules: RuleSet, onPiece: (r: PieceResult) => void): Promise<void> {
  const next = new Int32Array(task.next);
  const search = new ByteSearch(rules.search, searchCapacity());
  for (;;) {
    const index = Atomics.add(next, 0, 1);
    const start = index * task.pieceBytes;
    if (start >= task.size) return;
    const collector = new FindingCollector();
    const end = Math.min(task.size, start + task.pieceBytes);
    const { stats, matched } = await scanRange({ ...task, start, end }, rules, search, (f) => collector.add(f));
    onPiece({ index, thread: threadId, stats, matched, groups: collector.snapshot(strip) });
  }
}

/** The rule's shared text stays behind: the main thread re-attaches it from its own rule set. */
function strip(f: Finding): WireFinding {
  const { causes: _c, remediation: _r, alternatives: _a, ...wire } = f;
  return wire;
}

/** The worker thread's entry (scan/worker-entry.ts, bundled separately and started from a string). */
export async function runScanWorker(): Promise<void> {
  const task = workerData as PiecesTask;
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  try {
    const rules = compileParsed(task.patterns, [], { verified: true });
    await scanPieces(task, rules, (r) => post({ type: 'piece', ...r }));
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}
