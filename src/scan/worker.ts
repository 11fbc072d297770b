// Scanning pieces of one file on the main thread: read, search, classify, fold. It takes the next piece until
// none is left, as the worker threads do (search-worker.ts), and classifies what they send (candidateClassifier).
import type { RuleSet } from '../classify/ruleset.js';
import { parseLine } from '../formats/index.js';
import { classifyRecord } from '../pipeline.js';
import { FindingCollector } from '../report/collect.js';
import { ByteSearch } from '../search/byte-search.js';
import { scanFile, searchCapacity, type FileScanStats } from '../sources/file-scan.js';
import type { Finding } from '../types.js';
import type { FileTask, PieceResult, PiecesTask, RangeTask, WireFinding } from './range.js';

/** Classifies candidate lines of one piece of a file into a collector of its own; counts the matches. */
export function candidateClassifier(task: FileTask, rules: RuleSet): { collector: FindingCollector; matched: number; line(text: string, line: number, offset: number): void } {
  const state = {
    collector: new FindingCollector(),
    matched: 0,
    line(text: string, line: number, offset: number): void {
      const rec = parseLine(text, {
        source: task.source,
        ...(task.format ? { format: task.format } : {}),
        origin: { file: task.display, line, offset },
      });
      const f = classifyRecord(rules, rec, task.since);
      if (!f) return;
      state.matched += 1;
      state.collector.add(f);
    },
  };
  return state;
}

/** One byte range: its candidate lines parsed, classified and folded. */
async function scanRange(task: RangeTask, rules: RuleSet, search: ByteSearch): Promise<{ stats: FileScanStats; classified: ReturnType<typeof candidateClassifier> }> {
  const classified = candidateClassifier(task, rules);
  const stats = await scanFile(task.file, search, (c) => classified.line(c.text, c.line, c.offset), { start: task.start, end: task.end });
  return { stats, classified };
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
    const end = Math.min(task.size, start + task.pieceBytes);
    const { stats, classified } = await scanRange({ ...task, start, end }, rules, search);
    onPiece({ index, thread: 0, stats, matched: classified.matched, groups: classified.collector.snapshot(strip) });
  }
}

/** Folded groups carry the rule's shared text once more on merge (parallel.ts): not twice meanwhile. */
export function strip(f: Finding): WireFinding {
  const { causes: _c, remediation: _r, alternatives: _a, ...wire } = f;
  return wire;
}
