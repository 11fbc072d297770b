// One-shot reading of a whole log file for `scan`: large chunks read straight into the byte search's memory,
// the rules' literals searched in the raw bytes, and only nominated lines decoded. Memory stays bounded by the
// chunk size whatever the file size or line length.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ByteSearch } from '../search/byte-search.js';
import type { LiteralSearch } from '../search/literals.js';

/** Small enough to stay in the core's cache through the passes over it (search, newlines, NUL bytes). */
export const CHUNK_BYTES = 256 << 10;
/** A line longer than this is cut: its head is still classified, the rest is skipped and counted. */
export const MAX_LINE_BYTES = 1 << 20;
/** Choosing grams from the first chunk costs well under a millisecond; below this the defaults do. */
const TUNE_MIN_BYTES = 1 << 20;
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
}

/** The byte search's room for one chunk and the longest line, plus a byte to terminate a last line. */
export function searchCapacity(chunkBytes = CHUNK_BYTES): number {
  return chunkBytes + MAX_LINE_BYTES + 1;
}

/**
 * Reads `file` (or a byte range of it) and hands over every line that contains one of the literals. Given a
 * ByteSearch (of at least searchCapacity(chunkBytes)), reads into it: a thread that scans several ranges keeps
 * one, and the grams it chose on the first.
 */
export async function scanFile(
  file: string,
  literals: LiteralSearch | ByteSearch,
  onCandidate: (c: CandidateLine) => void,
  opts: FileScanOptions = {},
): Promise<FileScanStats> {
  const stats: FileScanStats = { bytes: 0, lines: 0, candidates: 0, binary: 0, truncated: 0, binaryFile: false };
  const fh = await open(file, 'r');
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    const search = literals instanceof ByteSearch ? literals : new ByteSearch(literals, searchCapacity(chunkBytes));
    const buf = search.text;
    // The spare byte past the room terminates a last line that has no newline.
    const room = searchCapacity(chunkBytes) - 1;
    if (buf.length < room + 1) throw new Error(`byte search too small for ${chunkBytes}-byte chunks`);
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
      const want = Math.min(chunkBytes, room - carry);
      // Synchronous: a scan thread has nothing else to do meanwhile, and a thread-pool round trip per chunk
      // measured a third of the main thread's time idle.
      const bytesRead = readSync(fh.fd, buf, carry, want, filePos);
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
        if (info.size >= TUNE_MIN_BYTES && !search.tuned) search.tune(0, len);
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
      if (limit === pos && !eof && len >= room) {
        // A line longer than the buffer: classify its head, skip the rest.
        emitLongLine(search, pos, len, bufStart, stats, onCandidate);
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
      processLines(search, pos, procLimit, bufStart, stats, onCandidate);
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
  search: ByteSearch,
  from: number,
  to: number,
  bufStart: number,
  stats: FileScanStats,
  onCandidate: (c: CandidateLine) => void,
): void {
  if (to <= from) return;
  const buf = search.text;
  const starts = search.lineStarts(from, to);
  const binaryStarts = linesWithNul(buf, from, to);
  // Line numbers: newlines counted up to each nominated line, then to the end, 16 bytes at a time.
  let counted = from;
  let line = stats.lines;
  let bi = 0;
  for (const s of starts) {
    line += search.count(counted, s, 10);
    counted = s;
    while (bi < binaryStarts.length && binaryStarts[bi]! < s) bi++;
    if (binaryStarts[bi] === s) continue; // binary garbage: counted in stats.binary below
    let e = buf.indexOf(10, s);
    if (e === -1 || e > to) e = to;
    const cut = e - s > MAX_LINE_BYTES;
    if (cut) stats.truncated += 1;
    stats.candidates += 1;
    onCandidate({
      text: buf.toString('utf8', s, cut ? s + LONG_LINE_HEAD : e).replace(/\r$/, ''),
      line: line + 1,
      offset: bufStart + s,
      truncated: cut,
    });
  }
  line += search.count(counted, to, 10);
  stats.lines = line;
  stats.binary += binaryStarts.length;
}

function emitLongLine(
  search: ByteSearch,
  from: number,
  len: number,
  bufStart: number,
  stats: FileScanStats,
  onCandidate: (c: CandidateLine) => void,
): void {
  const end = Math.min(len, from + LONG_LINE_HEAD);
  const head = search.text.subarray(from, end);
  stats.truncated += 1;
  stats.lines += 1;
  if (search.lineStarts(from, end).length === 0 || head.includes(0)) return;
  stats.candidates += 1;
  onCandidate({ text: head.toString('utf8'), line: stats.lines, offset: bufStart + from, truncated: true });
}

/** Start offsets of the lines in buf[from, to) that hold a NUL byte (binary garbage), ascending. */
function linesWithNul(buf: Buffer, from: number, to: number): number[] {
  const out: number[] = [];
  // A bounded view: indexOf on the whole buffer would run on into the stale bytes past `to`.
  const view = buf.subarray(from, to);
  let pos = view.indexOf(0);
  while (pos !== -1) {
    out.push(from + view.lastIndexOf(10, pos) + 1);
    const nl = view.indexOf(10, pos);
    if (nl === -1) break;
    pos = view.indexOf(0, nl + 1);
  }
  return out;
}

/** Reads the first 8 KiB of a file and applies looksBinary. */
export async function headLooksBinary(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
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
