// Catastrophic backtracking guard. V8's regex engine backtracks; a group that repeats something which itself
// repeats without bound, like `(\w+\s?)*` or `(a|a+)+`, can take exponential time on a line that almost
// matches, and unbounded repeats side by side that share characters, like `[ a]*[ a]*`, polynomial time.
// Pattern files are data anyone may edit, so the loader refuses these shapes outright. What no static check
// sees, the timing test in stress.ts measures.
import { charSet, nullable, parseRegex, SAMPLE_CHARS, type RegexNode } from './regex-parse.js';

/** Upper bounds above this count as unbounded for the nesting test. */
const LARGE_BOUND = 64;

interface Frame {
  /** The group (or the whole pattern) contains an unbounded quantifier somewhere inside. */
  unbounded: boolean;
  /** Alternation seen directly in this group. */
  alternation: boolean;
}

/** Returns a reason when the pattern has a nested unbounded quantifier, or undefined when it is safe. */
export function findNestedQuantifier(source: string, flags = ''): string | undefined {
  const stack: Frame[] = [{ unbounded: false, alternation: false }];
  // What the last atom was, so a following quantifier knows what it repeats.
  let lastAtom: { kind: 'char' } | { kind: 'group'; frame: Frame; start: number } | undefined;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      i += source[i + 1] === 'u' && source[i + 2] === '{' ? source.indexOf('}', i) + 1 : 2;
      lastAtom = { kind: 'char' };
      continue;
    }
    if (c === '[') {
      i = skipClass(source, i);
      lastAtom = { kind: 'char' };
      continue;
    }
    if (c === '(') {
      const frame: Frame = { unbounded: false, alternation: false };
      (frame as Frame & { start: number }).start = i;
      stack.push(frame);
      i += source.startsWith('(?', i) ? (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!' ? source.indexOf('>', i) + 1 - i : 3) : 1;
      lastAtom = undefined;
      continue;
    }
    if (c === ')') {
      const frame = stack.pop();
      if (!frame || stack.length === 0) return undefined; // unbalanced: let RegExp report it
      lastAtom = { kind: 'group', frame, start: (frame as Frame & { start: number }).start };
      i += 1;
      // The parent inherits "contains unbounded" unless a quantifier below decides otherwise.
      if (frame.unbounded) stack[stack.length - 1]!.unbounded = true;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1]!.alternation = true;
      lastAtom = undefined;
      i += 1;
      continue;
    }
    const q = readQuantifier(source, i);
    if (q) {
      if (q.unbounded) {
        if (lastAtom?.kind === 'group' && (lastAtom.frame.unbounded || lastAtom.frame.alternation)) {
          const what = lastAtom.frame.unbounded ? 'repeats a group that itself repeats without bound' : 'repeats an alternation without bound';
          // A repeated alternation is only dangerous when its branches can overlap; we cannot prove they do not.
          if (lastAtom.frame.unbounded || alternationMayOverlap(source.slice(lastAtom.start, i), flags)) {
            return `quantifier at offset ${i} ${what} (catastrophic backtracking): rewrite it without the nesting`;
          }
        }
        stack[stack.length - 1]!.unbounded = true;
      }
      i += q.length;
      lastAtom = undefined;
      continue;
    }
    lastAtom = { kind: 'char' };
    i += 1;
  }
  return undefined;
}

function skipClass(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j += 1;
  if (source[j] === ']') j += 1;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j + 1;
}

function readQuantifier(source: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = source[i];
  const lazy = (n: number) => (source[i + n] === '?' || source[i + n] === '+' ? 1 : 0);
  if (c === '*' || c === '+') return { length: 1 + lazy(1), unbounded: true };
  if (c === '?') return { length: 1 + lazy(1), unbounded: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return undefined;
    const upper = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return { length: m[0].length + lazy(m[0].length), unbounded: upper > LARGE_BOUND };
  }
  return undefined;
}

/**
 * Branches whose first characters cannot be the same cannot overlap (`(?:[^\\&]|\\\\|&x)*`); a branch that
 * starts with something other than one character (a group, an optional part, nothing) might.
 */
function alternationMayOverlap(group: string, flags: string): boolean {
  const node = parseRegex(group)[0]?.[0];
  if (node?.t !== 'group') return true;
  const firsts: Array<readonly boolean[]> = [];
  for (const alt of node.alts) {
    const first = alt[0];
    const atom = first?.t === 'char' ? first : first?.t === 'quant' && first.min > 0 && first.node.t === 'char' ? first.node : undefined;
    if (!atom) return true;
    const set = charSet(atom, flags);
    if (firsts.some((other) => other.some((c, k) => c && set[k]))) return true;
    firsts.push(set);
  }
  return false;
}

/**
 * Two unbounded repeats next to each other that can take the same character, like `[ a]*[ a]*`, `\s*\s+`,
 * `.*:.*` or `\w+\d+`, split a run of that character in every possible way before a failing match gives up:
 * O(n²) per start position for two, O(n^k) for k. Between them may stand only what can be empty or single
 * characters the run also contains (so the split point can move across them). Returns a reason, or undefined.
 */
export function findAdjacentOverlap(source: string, flags = ''): string | undefined {
  let found: string | undefined;
  const visit = (seq: readonly RegexNode[]): void => {
    // The characters a run that began at an earlier unbounded repeat could still be made of here.
    let run: { set: boolean[]; from: string } | undefined;
    for (const node of seq) {
      if (found) return;
      const single = singleCharRepeat(node);
      if (single && single.max > PAIR_BOUND) {
        const set = charSet(single.node, flags);
        if (run && run.set.some((c, k) => c && set[k])) {
          const shared = SAMPLE_CHARS.find((_, k) => run!.set[k] && set[k])!;
          found = `\`${run.from}\` and \`${node.src}\` can both take ${JSON.stringify(shared)} with only that between them: a run of it can be split between them in every way (polynomial backtracking); make the two disjoint or merge them`;
          return;
        }
        run = { set: [...set], from: node.src };
        continue;
      }
      if (node.t === 'group' || (node.t === 'quant' && node.node.t === 'group')) {
        for (const alt of (node.t === 'group' ? node : (node.node as Extract<RegexNode, { t: 'group' }>)).alts) visit(alt);
      }
      if (!run) continue;
      if (single) {
        // An optional one (`[:=]?`, `\s{0,3}`) can be skipped: the run goes on past it unchanged.
        if (single.min === 0) continue;
        // A bounded repeat of one character class: the run goes on only through characters it shares.
        const set = charSet(single.node, flags);
        run.set = run.set.map((c, k) => c && set[k]!);
        if (!run.set.some(Boolean)) run = undefined;
        continue;
      }
      if (node.t === 'empty' || node.t === 'group' && node.look) {
        run = undefined; // an anchor or \b fixes where the split can be
        continue;
      }
      if (!nullable(node)) run = undefined;
    }
  };
  const visitAll = (alts: RegexNode[][]): void => alts.forEach(visit);
  visitAll(parseRegex(source));
  return found;
}

/**
 * Side by side, a repeat bounded by this or less costs a constant factor (`\s*[^:]{3,120}`: at most 120 ways
 * per position); the timing test judges those.
 */
const PAIR_BOUND = 1000;

function singleCharRepeat(n: RegexNode): { node: Extract<RegexNode, { t: 'char' }>; min: number; max: number } | undefined {
  if (n.t === 'char') return { node: n, min: 1, max: 1 };
  if (n.t === 'quant' && n.node.t === 'char') return { node: n.node, min: n.min, max: n.max };
  return undefined;
}

/** Every static backtracking check: nested unbounded repeats, then adjacent overlapping ones. */
export function findBacktrackingRisk(source: string, flags = ''): string | undefined {
  return findNestedQuantifier(source, flags) ?? findAdjacentOverlap(source, flags);
}
