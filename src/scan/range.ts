// What the scan's main thread and its worker threads share: the file and how to read it, the pieces it is cut
// into, and the message a worker sends for each piece it scanned. Types only; parallel.ts starts the workers,
// worker.ts scans pieces (on either side).
import type { ParsedSource } from '../classify/compile.js';
import type { FormatName } from '../formats/index.js';
import type { GroupSnapshot } from '../report/collect.js';
import type { FileScanStats } from '../sources/file-scan.js';
import type { Finding, LogSourceKind } from '../types.js';

/** One file to scan, as every thread needs it. */
export interface FileTask {
  file: string;
  display: string;
  patterns: ParsedSource[];
  since?: number;
  source: LogSourceKind | 'unknown';
  format?: FormatName;
}

/** A byte range of that file. */
export interface RangeTask extends FileTask {
  start: number;
  end: number;
}

/**
 * The file cut into pieces of `pieceBytes`: each thread takes the next piece by incrementing the counter in
 * `next` (shared memory) until none is left.
 */
export interface PiecesTask extends FileTask {
  size: number;
  pieceBytes: number;
  next: SharedArrayBuffer;
}

/** A finding without the rule's shared text: the main thread re-attaches it from its own rule set. */
export type WireFinding = Omit<Finding, 'causes' | 'remediation' | 'alternatives'>;

/** One scanned piece: its statistics and its findings folded, line numbers relative to the piece. */
export interface PieceResult {
  index: number;
  /** The thread that scanned it (0: the main thread). */
  thread: number;
  stats: FileScanStats;
  matched: number;
  groups: Array<GroupSnapshot<WireFinding>>;
}

export type WorkerMessage = ({ type: 'piece' } & PieceResult) | { type: 'error'; message: string };
