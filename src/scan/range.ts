// What the scan's main thread and its worker threads exchange: the task for one byte range of a file, and the
// one message a worker sends back. Types only; parallel.ts starts the workers and worker.ts runs a range.
import type { ParsedSource } from '../classify/compile.js';
import type { FormatName } from '../formats/index.js';
import type { GroupSnapshot } from '../report/collect.js';
import type { FileScanStats } from '../sources/file-scan.js';
import type { Finding, LogSourceKind } from '../types.js';

export interface RangeTask {
  file: string;
  display: string;
  start: number;
  end: number;
  patterns: ParsedSource[];
  since?: number;
  source: LogSourceKind | 'unknown';
  format?: FormatName;
}

/** A finding without the rule's shared text: the main thread re-attaches it from its own rule set. */
export type WireFinding = Omit<Finding, 'causes' | 'remediation' | 'alternatives'>;

export type WorkerMessage =
  | { type: 'done'; stats: FileScanStats; matched: number; groups: Array<GroupSnapshot<WireFinding>> }
  | { type: 'error'; message: string };
