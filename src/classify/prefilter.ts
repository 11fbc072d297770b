// Finds the few lines of a large buffer that any rule could match, without decoding the rest.
// Buffer.indexOf on a short literal runs at memory speed when its first byte is rare in the data, so each
// literal is searched by its "anchor": the tail of the literal that starts at its rarest byte. A hit only
// nominates a line; the rules' regexes decide.

import type { Literal } from './literal.js';

const MIN_ANCHOR = 4;
/**
 * Node searches needles shorter than 8 bytes with memchr on their first byte (GB/s when that byte is rare);
 * longer ones switch to Boyer-Moore-Horspool, which measured ~1 GB/s here. Anchors stay short.
 */
const MAX_ANCHOR = 7;

export class LiteralPrefilter {
  private anchors: Buffer[];
  /** Case variants of a short piece of each case-insensitive literal: fixed, not tuned. */
  private readonly foldedAnchors: Buffer[];
  readonly literals: readonly string[];

  constructor(literals: ReadonlyArray<Literal | string>) {
    const specs = literals.map((l) => (typeof l === 'string' ? { text: l, fold: false } : l));
    this.literals = specs.filter((l) => !l.fold).map((l) => l.text);
    this.anchors = dedupe(this.literals.map((l) => Buffer.from(l, 'latin1')));
    this.foldedAnchors = dedupe(specs.filter((l) => l.fold).flatMap((l) => caseVariants(fewestLetters(l.text))));
  }

  /**
   * Picks each literal's anchor for this data (a sample of the file being scanned). Any piece of a literal
   * finds every line the literal would; a piece that starts at a rare byte is searched much faster, but one
   * that is common in this data (`known` of "manifest unknown" in every `knownStatus=`) nominates noise.
   * So each piece (up to MAX_ANCHOR bytes) is scored by how often its first byte occurs (memchr stops) plus, heavily, how often
   * the piece itself occurs in the sample (lines decoded for nothing).
   */
  tune(sample: Buffer): void {
    const freq = new Float64Array(256);
    for (let i = 0; i < sample.length; i++) freq[sample[i]!]! += 1;
    const HIT_WEIGHT = 500;
    this.anchors = dedupe(
      this.literals.map((lit) => {
        const b = Buffer.from(lit, 'latin1');
        let best = b;
        let bestScore = Number.POSITIVE_INFINITY;
        for (let i = 0; i <= b.length - MIN_ANCHOR; i++) {
          const suffix = b.subarray(i, i + MAX_ANCHOR);
          const byteScore = freq[suffix[0]!]!;
          if (byteScore >= bestScore) continue;
          const score = byteScore + HIT_WEIGHT * countUpTo(sample, suffix, 64);
          if (score < bestScore) {
            bestScore = score;
            best = suffix;
          }
        }
        return best;
      }),
    );
  }

  /** Start offsets of the lines in buf[0, end) that contain a literal, ascending and unique. */
  lineStarts(buf: Buffer, end: number): number[] {
    const starts: number[] = [];
    // A loop, not push(...): a chunk of short matching lines can hold more hits than a call takes arguments.
    for (const anchor of this.anchors) for (const st of linesContaining(buf, end, anchor)) starts.push(st);
    for (const anchor of this.foldedAnchors) for (const st of linesContaining(buf, end, anchor)) starts.push(st);
    if (starts.length < 2) return starts;
    starts.sort((a, b) => a - b);
    let w = 1;
    for (let r = 1; r < starts.length; r++) if (starts[r] !== starts[w - 1]) starts[w++] = starts[r]!;
    starts.length = w;
    return starts;
  }
}

/** Start offsets of the lines in buf[0, end) that contain `needle`, ascending, each line once. */
export function linesContaining(buf: Buffer, end: number, needle: Buffer | number): number[] {
  const out: number[] = [];
  const len = typeof needle === 'number' ? 1 : needle.length;
  let pos = buf.indexOf(needle, 0);
  while (pos !== -1 && pos < end) {
    out.push(buf.lastIndexOf(10, pos) + 1);
    // One hit per line is enough: go on from the next line.
    const nl = buf.indexOf(10, pos + len);
    if (nl === -1 || nl >= end) break;
    pos = buf.indexOf(needle, nl + 1);
  }
  return out;
}

function countUpTo(hay: Buffer, needle: Buffer, max: number): number {
  let n = 0;
  let p = hay.indexOf(needle);
  while (p !== -1 && n < max) {
    n += 1;
    p = hay.indexOf(needle, p + 1);
  }
  return n;
}

/**
 * The MIN_ANCHOR-byte piece of a case-insensitive literal with the fewest letters, so that searching every
 * case spelling of it costs at most 2^MIN_ANCHOR passes (usually far fewer: spaces, digits, punctuation).
 */
function fewestLetters(lit: string): string {
  let best = lit.slice(0, MIN_ANCHOR);
  let bestLetters = Number.POSITIVE_INFINITY;
  for (let i = 0; i + MIN_ANCHOR <= lit.length; i++) {
    const piece = lit.slice(i, i + MIN_ANCHOR);
    const letters = (piece.match(/[a-z]/gi) ?? []).length;
    if (letters < bestLetters) {
      best = piece;
      bestLetters = letters;
    }
  }
  return best;
}

function caseVariants(piece: string): Buffer[] {
  let out = [''];
  for (const ch of piece) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out = lower === upper ? out.map((p) => p + ch) : out.flatMap((p) => [p + lower, p + upper]);
  }
  return out.map((v) => Buffer.from(v, 'latin1'));
}

/** Drop anchors that contain another anchor: the shorter one already finds every line the longer would. */
function dedupe(anchors: Buffer[]): Buffer[] {
  const unique = [...new Map(anchors.map((a) => [a.toString('latin1'), a])).values()];
  return unique.filter((a) => !unique.some((b) => b !== a && b.length < a.length && a.includes(b)));
}
