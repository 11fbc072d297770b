// Lines from a stream (standard input) with the limits `scan` applies to files: a line longer than
// MAX_LINE_BYTES keeps only its head and the rest is counted and dropped as it arrives, so memory stays
// bounded by the limit whatever the input. Lines end at `\n` (a `\r` before it is removed); a last line
// without one still counts; empty lines are lines.
import { MAX_LINE_BYTES } from './file-scan.js';
import { MAX_MATCH_CHARS } from '../classify/ruleset.js';

/** What an over-long line keeps: as much as the rules ever read of a line. */
export const LONG_LINE_HEAD_BYTES = MAX_MATCH_CHARS;

export interface BoundedLine {
  text: string;
  /** The line was longer than the limit: `text` is its head. */
  truncated: boolean;
  /** The line's whole length in bytes (without the newline). */
  bytes: number;
}

export interface BoundedLineOptions {
  maxLineBytes?: number;
  headBytes?: number;
}

export async function* boundedLines(input: AsyncIterable<Buffer | string>, opts: BoundedLineOptions = {}): AsyncGenerator<BoundedLine> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const head = Math.min(opts.headBytes ?? LONG_LINE_HEAD_BYTES, max);
  let parts: Buffer[] = [];
  let held = 0;
  let bytes = 0;
  let cut = false;
  let open = false;
  const finish = (): BoundedLine => {
    let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    if (!cut && buf.length > 0 && buf[buf.length - 1] === 13) buf = buf.subarray(0, buf.length - 1);
    const line: BoundedLine = { text: buf.toString('utf8'), truncated: cut, bytes: cut ? bytes : buf.length };
    parts = [];
    held = 0;
    bytes = 0;
    cut = false;
    open = false;
    return line;
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (end > start) {
        open = true;
        bytes += end - start;
        if (!cut) {
          // Copied: a slice would keep the whole chunk alive while the line is assembled.
          const piece = Buffer.from(chunk.subarray(start, end));
          if (held + piece.length <= max) {
            parts.push(piece);
            held += piece.length;
          } else {
            const whole = Buffer.concat([...parts, piece]);
            parts = [Buffer.from(whole.subarray(0, head))];
            held = parts[0]!.length;
            cut = true;
          }
        }
      }
      if (nl === -1) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (open) yield finish();
}
