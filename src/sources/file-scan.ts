// One-shot reading of a whole log file for `scan`: large chunks, the literal prefilter on raw bytes, and
// only nominated lines decoded. Memory stays bounded by the chunk size whatever the file size or line length.
import { openRegular } from '../base/regular-file.js';
import { linesContaining, type LiteralPrefilter } from '../classify/prefilter.js';

// Small enough that the chunk stays in cache while every anchor is searched through it.
export const CHUNK_BYTES = 256 << 10;
/** A line longer than this is cut: its head is still classified, the rest is skipped and counted. */
export const MAX_LINE_BYTES = 1 << 20;
const TUNE_MIN_BYTES = 32 << 20;
/** How much of an over-long line's head is decoded for classification. */
const LONG_LINE_HEAD = 64 * 1024;

export interface CandidateLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  truncated: boolean;
}

export interface FileScanStats {
  bytes: number;
  lines: number;
  candidates: number;
  /** Lines skipped: binary (NUL bytes). */
  binary: number;
  /** Lines cut at MAX_LINE_BYTES. */
  truncated: number;
  /** The whole file looked binary and was not read. */
  binaryFile: boolean;
}

export interface FileScanOptions {
  /** Byte range to read (worker threads split big files); a start inside a line skips to the next line. */
  start?: number;
  end?: number;
  chunkBytes?: number;
  /** Lines that must always be decoded, e.g. journal entries whose MESSAGE is a byte array. */
  alwaysNominate?: Buffer;
}

export async function scanFile(
  file: string,
  prefilter: LiteralPrefilter,
  onCandidate: (c: CandidateLine) => void,
  opts: FileScanOptions = {},
): Promise<FileScanStats> {
  const stats: FileScanStats = { bytes: 0, lines: 0, candidates: 0, binary: 0, truncated: 0, binaryFile: false };
  const fh = await openRegular(file);
  try {
    const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    const buf = Buffer.allocUnsafe(chunkBytes + MAX_LINE_BYTES);
    let filePos = opts.start ?? 0;
    const end = opts.end ?? Number.POSITIVE_INFINITY;
    let carry = 0; // bytes at buf[0, carry) are the start of an unfinished line
    let skippingLongLine = false;
    let first = true;
    let bufStart = filePos; // file offset of buf[0]

    if (filePos > 0) {
      // Start after the first newline at or after filePos - 1: the line straddling the boundary belongs to the previous range.
      filePos -= 1;
      bufStart = filePos;
      skippingLongLine = true;
    }

    for (;;) {
      const want = Math.min(chunkBytes, buf.length - carry);
      const { bytesRead } = await fh.read(buf, carry, want, filePos);
      const eof = bytesRead === 0;
      filePos += bytesRead;
      let len = carry + bytesRead;
      if (len === 0) break;
      if (first) {
        first = false;
        if (!opts.start && looksBinary(buf.subarray(0, Math.min(len, 8192)))) {
          stats.binaryFile = true;
          return stats;
        }
        // Tuning costs tens of milliseconds; it pays only on files worth seconds of scanning.
        if ((await fh.stat()).size >= TUNE_MIN_BYTES) prefilter.tune(buf.subarray(0, Math.min(len, 512 << 10)));
      }
      let pos = 0;
      if (skippingLongLine) {
        const nl = buf.indexOf(10, 0);
        if (nl === -1 || nl >= len) {
          // Still inside the long line: drop what we have and read on.
          bufStart += len;
          carry = 0;
          if (eof) break;
          continue;
        }
        pos = nl + 1;
        skippingLongLine = false;
        if (bufStart + pos >= end) break;
      }
      // Process complete lines only; at EOF the last unterminated line counts too.
      let lastNl = buf.lastIndexOf(10, len - 1);
      if (lastNl < pos) lastNl = -1;
      let limit = lastNl === -1 ? pos : lastNl + 1;
      if (eof && len > limit) {
        buf[len] = 10; // terminate the final line in place (buffer has spare room)
        len += 1;
        limit = len;
      }
      // The next line starts at or past the range end: it belongs to the next range (even when it is long).
      if (bufStart + pos >= end) break;
      if (limit === pos && !eof && len >= buf.length) {
        // A line longer than the buffer: classify its head, skip the rest.
        emitLongLine(buf, pos, len, bufStart, stats, prefilter, onCandidate);
        skippingLongLine = true;
        bufStart += len;
        carry = 0;
        continue;
      }
      // A range owns the lines that start before its end: stop after the line holding byte end - 1.
      let procLimit = limit;
      let done = eof;
      if (bufStart + limit > end) {
        const nl = buf.indexOf(10, Math.max(pos, end - 1 - bufStart));
        if (nl !== -1 && nl < limit) {
          procLimit = bufStart + pos >= end ? pos : nl + 1;
          done = true;
        }
      }
      processLines(buf, pos, procLimit, bufStart, stats, prefilter, onCandidate, opts.alwaysNominate);
      if (done) break;
      // Keep the unfinished tail for the next read.
      carry = len - limit;
      buf.copy(buf, 0, limit, len);
      bufStart += limit;
    }
    stats.bytes = Math.min(filePos, end) - (opts.start ?? 0);
    return stats;
  } finally {
    await fh.close();
  }
}

/** Scans complete lines buf[from, to): counts them and hands the nominated ones over. */
function processLines(
  buf: Buffer,
  from: number,
  to: number,
  bufStart: number,
  stats: FileScanStats,
  prefilter: LiteralPrefilter,
  onCandidate: (c: CandidateLine) => void,
  alwaysNominate: Buffer | undefined,
): void {
  if (to <= from) return;
  // Bounded view: an unbounded indexOf would run on into the stale bytes past `to`.
  const view = buf.subarray(from, to);
  const viewEnd = to - from;
  let starts = prefilter.lineStarts(view, viewEnd);
  if (alwaysNominate) starts = mergeStarts(starts, linesContaining(view, viewEnd, alwaysNominate));
  const binaryStarts = linesContaining(view, viewEnd, 0);
  // Count lines up to each nominated line, then the rest, with memchr-speed indexOf.
  let counted = 0; // offset in view up to which newlines were counted
  let line = stats.lines;
  let bi = 0;
  for (const s of starts) {
    line += countNewlines(view, counted, s);
    counted = s;
    while (bi < binaryStarts.length && binaryStarts[bi]! < s) bi++;
    if (binaryStarts[bi] === s) continue; // binary garbage: counted in stats.binary below
    let e = view.indexOf(10, s);
    if (e === -1 || e > viewEnd) e = viewEnd;
    const cut = e - s > MAX_LINE_BYTES;
    if (cut) stats.truncated += 1;
    stats.candidates += 1;
    onCandidate({
      text: view.toString('utf8', s, cut ? s + LONG_LINE_HEAD : e).replace(/\r$/, ''),
      line: line + 1,
      offset: bufStart + from + s,
      truncated: cut,
    });
  }
  line += countNewlines(view, counted, viewEnd);
  stats.lines = line;
  stats.binary += binaryStarts.length;
}

function emitLongLine(
  buf: Buffer,
  from: number,
  len: number,
  bufStart: number,
  stats: FileScanStats,
  prefilter: LiteralPrefilter,
  onCandidate: (c: CandidateLine) => void,
): void {
  const head = buf.subarray(from, Math.min(len, from + LONG_LINE_HEAD));
  stats.truncated += 1;
  stats.lines += 1;
  if (prefilter.lineStarts(head, head.length).length === 0 || head.includes(0)) return;
  stats.candidates += 1;
  onCandidate({ text: head.toString('utf8'), line: stats.lines, offset: bufStart + from, truncated: true });
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let p = buf.indexOf(10, from);
  while (p !== -1 && p < to) {
    n += 1;
    p = buf.indexOf(10, p + 1);
  }
  return n;
}

function mergeStarts(a: number[], b: number[]): number[] {
  if (b.length === 0) return a;
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** Reads the first 8 KiB of a file and applies looksBinary. */
export async function headLooksBinary(file: string): Promise<boolean> {
  const fh = await openRegular(file);
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return looksBinary(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A file whose head is mostly NUL or control bytes is not a log (a core dump, a gzip left with a .log name). */
function looksBinary(head: Buffer): boolean {
  if (head.length === 0) return false;
  if (head[0] === 0x1f && head[1] === 0x8b) return true; // gzip
  let bad = 0;
  for (const b of head) if (b === 0 || (b < 9 && b !== 0)) bad += 1;
  return bad / head.length > 0.1;
}
