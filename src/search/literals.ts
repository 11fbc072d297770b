// Finds which of a set of literals occur in a text, in one pass whatever their number. Compiled once from the
// rules; searched in strings here (the `watch` path, the classifier) and in raw bytes by byte-search.ts.
//
// The method (measured against Aho-Corasick, Teddy and Buffer.indexOf: README "How scan keeps up"): every
// literal registers two consecutive 4-byte grams of itself in a table of 2^16 slots. The search hashes the gram at
// every second position of the text and looks its slot up; any occurrence of a literal puts one of its two grams
// at a position the search looks at. A hit is then checked exactly against the literals registered there. The
// cost per byte is one hash and one table read, the same for 50 literals or 5,000; only the exact checks grow,
// and they run on hits, which are rare when each literal registers its rarest grams.
//
// Case: grams are folded (0x20 OR'ed into every byte), so one table serves case-sensitive and ASCII
// case-insensitive literals alike; the exact check applies each literal's own rule.

export interface Needle {
  /** Printable ASCII, at least 4 characters; lower-case when `fold` is set. */
  readonly text: string;
  /** Match ignoring ASCII case. */
  readonly fold: boolean;
}

/** The hash of a gram: the slot is its top 16 bits, the sub-hash the next 3 (kernel.wat computes the same). */
export const GOLDEN = 0x9e3779b1;
export const SLOTS = 1 << 16;
const FOLD4 = 0x20202020;
/** A 3-byte gram is a 4-byte one whose last byte is forced to 0xff: for sets with a 4-character literal. */
const FOLD3 = 0xff202020 | 0;
export const MIN_NEEDLE = 4;

/** A literal's registration: an exact check to run when the text's gram at some position has this key. */
interface Entry {
  needle: number;
  /** Where the gram starts inside the literal. */
  offset: number;
}

/** The grams chosen for a set of literals: the table the scan reads and the exact checks behind it. */
export interface GramPlan {
  /** A byte per slot, bit (sub-hash) set for each registered gram. */
  readonly table: Uint8Array;
  /** Entries by key (slot and sub-hash: the hash's top 19 bits). */
  readonly entries: ReadonlyMap<number, readonly Entry[]>;
}

export class LiteralSearch {
  readonly needles: readonly Needle[];
  /** 4, or 3 when a literal has only 4 characters (two consecutive 4-byte grams need 5). */
  readonly gramBytes: 3 | 4;
  readonly fold: number;
  private readonly bytes: readonly Uint8Array[];
  /** Each literal's gram hashes by start position, and the rarity prior of the gram pair starting there. */
  private tables?: { grams: readonly Uint32Array[]; priors: readonly Uint16Array[] };
  private defaultPlan?: GramPlan;

  constructor(needles: readonly Needle[]) {
    for (const n of needles) {
      if (n.text.length < MIN_NEEDLE || !/^[\x20-\x7e]+$/.test(n.text)) {
        throw new Error(`literal ${JSON.stringify(n.text)}: the search takes printable ASCII of at least ${MIN_NEEDLE} characters`);
      }
    }
    this.needles = needles.map((n) => ({ text: n.fold ? n.text.toLowerCase() : n.text, fold: n.fold }));
    this.bytes = this.needles.map((n) => Buffer.from(n.text, 'latin1'));
    this.gramBytes = this.needles.some((n) => n.text.length === MIN_NEEDLE) ? 3 : 4;
    this.fold = this.gramBytes === 3 ? FOLD3 : FOLD4;
  }

  /**
   * Grams chosen without knowing the text, from a fixed estimate of how common each byte is in logs. Built on
   * first use (a few ms at start for the shipped rules): a command that searches nothing never pays for it, and
   * a big file's search chooses its own from a sample of the file (choose with counts).
   */
  get plan(): GramPlan {
    return (this.defaultPlan ??= this.choose());
  }

  /** Computed once, used by every choice of grams. */
  private gramTables(): { grams: readonly Uint32Array[]; priors: readonly Uint16Array[] } {
    if (this.tables) return this.tables;
    const grams = this.bytes.map((b) => {
      const out = new Uint32Array(b.length - this.gramBytes + 1);
      for (let k = 0; k < out.length; k++) out[k] = this.hash(gramAt(b, k, this.gramBytes));
      return out;
    });
    const priors = this.bytes.map((b) => {
      const out = new Uint16Array(b.length - this.gramBytes);
      for (let k = 0; k < out.length; k++) out[k] = rarity(b, k, this.gramBytes + 1);
      return out;
    });
    return (this.tables = { grams, priors });
  }

  /**
   * Picks each literal's pair of grams. With `counts` (how often each slot's grams occur in a sample of the
   * text, from kernel.wat's tally) the pair seen least in the sample; without, the pair of rarest bytes.
   */
  choose(counts?: Uint16Array): GramPlan {
    const table = new Uint8Array(SLOTS);
    const entries = new Map<number, Entry[]>();
    const { grams: allGrams, priors: allPriors } = this.gramTables();
    const register = (needle: number, offset: number): void => {
      const h = allGrams[needle]![offset]!;
      table[h >>> 16]! |= 1 << ((h >>> 13) & 7);
      const key = h >>> 13;
      const list = entries.get(key);
      if (list) list.push({ needle, offset });
      else entries.set(key, [{ needle, offset }]);
    };
    for (let needle = 0; needle < allGrams.length; needle++) {
      const grams = allGrams[needle]!;
      const priors = allPriors[needle]!;
      // Two grams at k and k + 1 must fit: the last pair starts at the second-to-last gram.
      let best = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let k = 0; k + 1 < grams.length; k++) {
        const cost = counts ? (counts[grams[k]! >>> 16]! + counts[grams[k + 1]! >>> 16]!) * 64 + priors[k]! : priors[k]!;
        if (cost < bestCost) {
          bestCost = cost;
          best = k;
        }
      }
      register(needle, best);
      register(needle, best + 1);
    }
    return { table, entries };
  }

  hash(word: number): number {
    return Math.imul(word | this.fold, GOLDEN) >>> 0;
  }

  /** Does the literal `needle` occur in the bytes `text` at `start`, ending by `end`? */
  matchesAt(needle: number, text: Uint8Array, start: number, end: number): boolean {
    const lit = this.bytes[needle]!;
    if (start < 0 || start + lit.length > end) return false;
    if (this.needles[needle]!.fold) {
      for (let i = 0; i < lit.length; i++) if (foldByte(text[start + i]!) !== lit[i]) return false;
    } else {
      for (let i = 0; i < lit.length; i++) if (text[start + i] !== lit[i]) return false;
    }
    return true;
  }

  /** Indices of the literals that occur in `text`, each once, in no particular order. */
  findIn(text: string): number[] {
    const found: number[] = [];
    this.scanString(text, (needle) => {
      if (!found.includes(needle)) found.push(needle);
      return false;
    });
    return found;
  }

  /** Does any literal occur in `text`? */
  test(text: string): boolean {
    return this.scanString(text, stop);
  }

  /**
   * The string form of the byte scan (same grams, same table): the string is written as latin1 into a scratch
   * buffer (one byte per UTF-16 unit, taken modulo 256, which can only add hits), every second position's gram is
   * looked up, and a hit is checked exactly against the string itself. `onFound` returns true to stop. Writing
   * the bytes first measured twice as fast as reading the grams with charCodeAt.
   */
  private scanString(text: string, onFound: (needle: number) => boolean): boolean {
    const { table, entries } = this.plan;
    const fold = this.fold;
    if (text.length + 4 > scratch.length) scratch = Buffer.allocUnsafe(text.length + 4);
    const bytes = scratch;
    bytes.write(text, 0, 'latin1');
    // A 3-byte gram's fourth byte (past the end of the text at the last position) is masked by the fold.
    const last = text.length - this.gramBytes;
    for (let p = 0; p <= last; p += 2) {
      const word = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
      const h = Math.imul(word | fold, GOLDEN) >>> 0;
      if ((table[h >>> 16]! & (1 << ((h >>> 13) & 7))) === 0) continue;
      for (const e of entries.get(h >>> 13) ?? []) {
        if (this.stringMatchesAt(e.needle, text, p - e.offset) && onFound(e.needle)) return true;
      }
    }
    return false;
  }

  private stringMatchesAt(needle: number, text: string, start: number): boolean {
    const { text: lit, fold } = this.needles[needle]!;
    if (start < 0 || start + lit.length > text.length) return false;
    if (!fold) return text.startsWith(lit, start);
    for (let i = 0; i < lit.length; i++) {
      const c = text.charCodeAt(start + i);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== lit.charCodeAt(i)) return false;
    }
    return true;
  }
}

const stop = (): boolean => true;

/** Grows to the longest string searched (classify caps lines at 64 KiB; watch lines are capped before this). */
let scratch = Buffer.allocUnsafe(64 * 1024 + 4);

function foldByte(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** The little-endian word of the gram at `k` (a 3-byte gram's fourth byte is masked by the fold). */
function gramAt(b: Uint8Array, k: number, gramBytes: number): number {
  return (b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (gramBytes === 4 ? b[k + 3]! << 24 : 0)) >>> 0;
}

/**
 * How common `len` bytes from `k` are in log text, as a sum of rough per-byte costs after case folding:
 * spaces, vowels and frequent consonants cost most; digits and common punctuation less; other punctuation
 * least. Only used before a sample of the text is available, and to break ties.
 */
function rarity(b: Uint8Array, k: number, len: number): number {
  let cost = 0;
  for (let i = k; i < k + len; i++) cost += BYTE_COST[foldByte(b[i]!)]!;
  return cost;
}

const BYTE_COST = (() => {
  const cost = new Uint8Array(256).fill(1);
  const set = (chars: string, c: number) => {
    for (const ch of chars) cost[ch.charCodeAt(0)] = c;
  };
  set('bcdfghjklmnpqrstuvwxyz', 4);
  set('0123456789=":/.-_,', 4);
  set('aeionrst', 6);
  set(' ', 8);
  return cost;
})();
