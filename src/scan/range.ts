// What the scan's main thread and its worker threads share: the file and how to read it, the pieces it is cut
// into, and the messages a worker sends for each piece it searched. Types only; parallel.ts starts the workers
// and classifies what they find, worker.ts scans pieces on the main thread, search-worker.ts searches them in a
// worker.
import type { Literal } from '../classify/literal.js';
import type { FormatName } from '../formats/index.js';
import type { GroupSnapshot } from '../report/collect.js';
import type { FileScanStats } from '../sources/file-scan.js';
import type { Finding, LogSourceKind } from '../types.js';

/** One file to scan, as every thread needs it. */
export interface FileTask {
  file: string;
  display: string;
  /** The rules' literals: what a worker searches for (the rules themselves stay on the main thread). */
  literals: readonly Literal[];
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
 * `next` (shared memory) until none is left. `queued` (shared memory) counts a worker's batches of lines the
 * main thread has not classified yet: past MAX_QUEUED_BATCHES the worker waits, so a file where most lines
 * are candidates cannot pile its text up in the main thread's queue.
 */
export interface PiecesTask extends FileTask {
  size: number;
  pieceBytes: number;
  next: SharedArrayBuffer;
  queued: SharedArrayBuffer;
}

/** A batch of candidate lines is sent when its text reaches this many characters (and at a piece's end). */
export const BATCH_CHARS = 256 * 1024;
export const MAX_QUEUED_BATCHES = 8;

/** Candidate lines of one piece, line numbers relative to the piece. */
export interface LinesBatch {
  index: number;
  texts: string[];
  lines: number[];
  offsets: number[];
}

/** A piece a worker finished searching: every batch of its lines was sent before this. */
export interface PieceDone {
  index: number;
  thread: number;
  stats: FileScanStats;
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

export type WorkerMessage = ({ type: 'lines' } & LinesBatch) | ({ type: 'piece' } & PieceDone) | { type: 'error'; message: string };
