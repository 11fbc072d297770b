// The byte side of a LiteralSearch: a kernel (kernel.wat) over a buffer the caller reads raw text into, and the
// exact checks on its hits. Nothing is decoded: a text of mostly misses costs one hash per two bytes. One per
// file, or per thread scanning pieces of one; its memory holds the gram table, the kernel's output and the text.
import { instantiateKernel, type Kernel } from './kernel.js';
import { SLOTS, type GramPlan, type LiteralSearch } from './literals.js';

/** Hits handed back per kernel call; a text with more is searched in several calls. */
const OUT_SLOTS = 4096;
const TABLE = 0;
const OUT = TABLE + SLOTS;
/** The kernel may write a block's 8 hits past the limit before it stops. */
const COUNTS = OUT + (OUT_SLOTS + 8) * 4;
const TEXT = COUNTS + SLOTS * 2;
/** A 3-byte gram at the text's last position loads one byte past it. */
const TEXT_PAD = 4;

export class ByteSearch {
  /** Read the text into this (its first `capacity` bytes); offsets below are into it. */
  readonly text: Buffer;
  private readonly kernel: Kernel;
  private readonly memory: ArrayBuffer;
  private readonly hits: Uint32Array;
  private readonly words: DataView;
  private plan: GramPlan;
  /** Grams chosen from a sample of the text (tune), rather than the defaults. */
  tuned = false;

  constructor(
    readonly search: LiteralSearch,
    readonly capacity: number,
  ) {
    const { kernel, memory } = instantiateKernel(TEXT + capacity + TEXT_PAD);
    this.kernel = kernel;
    this.memory = memory;
    this.text = Buffer.from(memory, TEXT, capacity);
    this.hits = new Uint32Array(memory, OUT, OUT_SLOTS + 8);
    this.words = new DataView(memory);
    kernel.configure(search.gramBytes);
    this.plan = search.plan;
    this.install();
  }

  /**
   * Chooses the grams from a sample of the text about to be searched (text[from, to)): the literals then
   * register the grams this text has least of. Costs about a tenth of searching the sample.
   */
  tune(from: number, to: number): void {
    const counts = new Uint16Array(this.memory, COUNTS, SLOTS);
    counts.fill(0);
    this.kernel.tally(TEXT + from, TEXT + to, COUNTS);
    this.plan = this.search.choose(counts);
    this.install();
    this.tuned = true;
  }

  /** Start offsets of the lines in text[from, to) that contain a literal, ascending; `from` starts a line. */
  lineStarts(from: number, to: number): number[] {
    const starts: number[] = [];
    const { text, hits } = this;
    let p = from;
    let lineEnd = from; // hits before this are on a line already nominated
    for (;;) {
      const n = this.kernel.find(TEXT + p, TEXT + to, OUT, OUT + OUT_SLOTS * 4);
      for (let i = 0; i < n; i++) {
        const q = hits[i]! - TEXT;
        if (q < lineEnd || !this.confirmed(q, from, to)) continue;
        starts.push(Math.max(from, text.lastIndexOf(10, q) + 1));
        const nl = text.indexOf(10, q);
        lineEnd = nl === -1 || nl >= to ? to : nl + 1;
      }
      if (n < OUT_SLOTS) return starts;
      p = hits[n - 1]! - TEXT + 2;
    }
  }

  /** How many bytes of text[from, to) equal `byte`. */
  count(from: number, to: number, byte: number): number {
    return from >= to ? 0 : this.kernel.count(TEXT + from, TEXT + to, byte);
  }

  /** A hit at q is a literal: some literal registered under q's gram occurs around it, inside [from, to). */
  private confirmed(q: number, from: number, to: number): boolean {
    const h = this.search.hash(this.words.getUint32(TEXT + q, true));
    for (const e of this.plan.entries.get(h >>> 13) ?? []) {
      if (q - e.offset >= from && this.search.matchesAt(e.needle, this.text, q - e.offset, to)) return true;
    }
    return false;
  }

  private install(): void {
    new Uint8Array(this.memory, TABLE, SLOTS).set(this.plan.table);
  }
}
