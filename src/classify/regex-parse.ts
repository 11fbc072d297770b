// A small parser for the JavaScript regex syntax rules use (no `u` flag): enough structure for the backtracking
// checks (redos.ts) and the adversarial inputs built from a regex (stress.ts). It does not validate: a rule's
// regex has already compiled with `new RegExp` before it gets here.

export type RegexNode =
  /** Matches exactly one character: a literal, an escape (`\d`, `\x41`), `.` or a class `[…]`. */
  | { t: 'char'; src: string }
  /** Matches no character: `^`, `$`, `\b`, `\B`, and backreferences (taken as empty: they repeat a capture). */
  | { t: 'empty'; src: string }
  /** `( … | … )`; `look` for look-ahead and look-behind (they match no character). */
  | { t: 'group'; src: string; alts: RegexNode[][]; look: boolean }
  | { t: 'quant'; src: string; node: RegexNode; min: number; max: number; lazy: boolean };

/** The regex's top-level alternatives, each a sequence of nodes. */
export function parseRegex(source: string): RegexNode[][] {
  const p = new Parser(source);
  const alts = p.alternatives();
  return alts;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  alternatives(): RegexNode[][] {
    const alts: RegexNode[][] = [this.sequence()];
    while (this.s[this.i] === '|') {
      this.i += 1;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): RegexNode[] {
    const seq: RegexNode[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const start = this.i;
      let node = this.atom();
      for (;;) {
        const q = this.quantifier();
        if (!q) break;
        node = { t: 'quant', src: this.s.slice(start, this.i), node, ...q };
      }
      seq.push(node);
    }
    return seq;
  }

  private atom(): RegexNode {
    const s = this.s;
    const start = this.i;
    const c = s[this.i]!;
    if (c === '\\') {
      const n = s[this.i + 1] ?? '';
      if (/[bB]/.test(n)) return this.take(start, 2, 'empty');
      if (/[1-9]/.test(n)) {
        let j = this.i + 1;
        while (/\d/.test(s[j] ?? '')) j += 1;
        return this.take(start, j - start, 'empty');
      }
      if (n === 'k' && s[this.i + 2] === '<') return this.take(start, s.indexOf('>', this.i) + 1 - start, 'empty');
      if (n === 'x') return this.take(start, 4, 'char');
      if (n === 'u') return this.take(start, s[this.i + 2] === '{' ? s.indexOf('}', this.i) + 1 - start : 6, 'char');
      if (n === 'c') return this.take(start, 3, 'char');
      if ((n === 'p' || n === 'P') && s[this.i + 2] === '{') return this.take(start, s.indexOf('}', this.i) + 1 - start, 'char');
      return this.take(start, 2, 'char');
    }
    if (c === '[') {
      let j = this.i + 1;
      if (s[j] === '^') j += 1;
      // In JavaScript a `]` right after `[` or `[^` closes the class (`[]` matches nothing, `[^]` anything).
      while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
      return this.take(start, j + 1 - start, 'char');
    }
    if (c === '(') {
      let look = false;
      this.i += 1;
      if (s[this.i] === '?') {
        const kind = s.slice(this.i, this.i + 3);
        if (kind.startsWith('?:')) this.i += 2;
        else if (kind.startsWith('?=') || kind.startsWith('?!')) (this.i += 2), (look = true);
        else if (kind === '?<=' || kind === '?<!') (this.i += 3), (look = true);
        else if (kind.startsWith('?<')) this.i = s.indexOf('>', this.i) + 1;
      }
      const alts = this.alternatives();
      this.i += 1; // ')'
      return { t: 'group', src: s.slice(start, this.i), alts, look };
    }
    if (c === '^' || c === '$') return this.take(start, 1, 'empty');
    return this.take(start, 1, 'char');
  }

  private take(start: number, length: number, t: 'char' | 'empty'): RegexNode {
    this.i = start + length;
    return { t, src: this.s.slice(start, this.i) };
  }

  private quantifier(): { min: number; max: number; lazy: boolean } | undefined {
    const s = this.s;
    const c = s[this.i];
    let min: number;
    let max: number;
    if (c === '*') (min = 0), (max = Infinity), (this.i += 1);
    else if (c === '+') (min = 1), (max = Infinity), (this.i += 1);
    else if (c === '?') (min = 0), (max = 1), (this.i += 1);
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return undefined;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length;
    } else return undefined;
    const lazy = s[this.i] === '?';
    if (lazy) this.i += 1;
    return { min, max, lazy };
  }
}

/** True when the node can match the empty string. */
export function nullable(n: RegexNode): boolean {
  switch (n.t) {
    case 'char':
      return false;
    case 'empty':
      return true;
    case 'group':
      return n.look || n.alts.some((seq) => seq.every(nullable));
    case 'quant':
      return n.min === 0 || nullable(n.node);
  }
}

/**
 * Characters that stand for "any character" in the checks: printable ASCII, tab, and a few outside ASCII (a
 * letter, a no-break space, a line separator, a CJK ideograph, an emoji half).
 */
export const SAMPLE_CHARS: readonly string[] = [
  ...Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)),
  '\t',
  '\n',
  '\u00e9',
  '\u00a0',
  '\u2028',
  '\u4e2d',
  '\ud83d',
];

const setCache = new Map<string, readonly boolean[]>();

/** Which SAMPLE_CHARS a one-character node accepts (with the rule's flags). */
export function charSet(n: Extract<RegexNode, { t: 'char' }>, flags: string): readonly boolean[] {
  const key = `${flags}/${n.src}`;
  let set = setCache.get(key);
  if (!set) {
    const literal = n.src.length === 1 && n.src !== '.' ? n.src : /^\\[^\w]$/.test(n.src) ? n.src[1]! : undefined;
    if (literal !== undefined) {
      // Most atoms are plain characters: no RegExp to build for them.
      const fold = flags.includes('i');
      set = SAMPLE_CHARS.map((c) => c === literal || (fold && c.toLowerCase() === literal.toLowerCase()));
    } else {
      const re = new RegExp(`^(?:${n.src})$`, flags.replace(/[gy]/g, ''));
      set = SAMPLE_CHARS.map((c) => re.test(c));
    }
    setCache.set(key, set);
  }
  return set;
}
