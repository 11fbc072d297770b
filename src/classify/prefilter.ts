// Finds the few lines of a large buffer that any rule could match, without decoding the rest.
// Buffer.indexOf on a short literal runs at memory speed when its first byte is rare in the data, so each
// literal is searched by its "anchor": the tail of the literal that starts at its rarest byte. A hit only
// nominates a line; the rules' regexes decide.

const MIN_ANCHOR = 4;

export class LiteralPrefilter {
  private anchors: Buffer[];

  constructor(readonly literals: readonly string[]) {
    this.anchors = dedupe(literals.map((l) => Buffer.from(l, 'latin1')));
  }

  /** Picks anchors for the byte frequencies of this data (a sample of the file being scanned). */
  tune(sample: Buffer): void {
    const freq = new Float64Array(256);
    const step = sample.length > 1 << 20 ? Math.floor(sample.length / (1 << 20)) : 1;
    for (let i = 0; i < sample.length; i += step) freq[sample[i]!]! += 1;
    this.anchors = dedupe(
      this.literals.map((lit) => {
        const b = Buffer.from(lit, 'latin1');
        let best = 0;
        for (let i = 1; i <= b.length - MIN_ANCHOR; i++) if (freq[b[i]!]! < freq[b[best]!]!) best = i;
        return b.subarray(best);
      }),
    );
  }

  /** Start offsets of the lines in buf[0, end) that contain a literal, ascending and unique. */
  lineStarts(buf: Buffer, end: number): number[] {
    const starts: number[] = [];
    for (const anchor of this.anchors) {
      let pos = buf.indexOf(anchor, 0);
      while (pos !== -1 && pos < end) {
        const start = buf.lastIndexOf(10, pos) + 1;
        starts.push(start);
        const nl = buf.indexOf(10, pos + anchor.length);
        if (nl === -1 || nl >= end) break;
        pos = buf.indexOf(anchor, nl + 1);
      }
    }
    if (starts.length < 2) return starts;
    starts.sort((a, b) => a - b);
    let w = 1;
    for (let r = 1; r < starts.length; r++) if (starts[r] !== starts[w - 1]) starts[w++] = starts[r]!;
    starts.length = w;
    return starts;
  }
}

/** Drop anchors that contain another anchor: the shorter one already finds every line the longer would. */
function dedupe(anchors: Buffer[]): Buffer[] {
  const unique = [...new Map(anchors.map((a) => [a.toString('latin1'), a])).values()];
  return unique.filter((a) => !unique.some((b) => b !== a && b.length < a.length && a.includes(b)));
}
