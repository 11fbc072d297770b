// Catastrophic backtracking guard. V8's regex engine backtracks; a group that repeats something which itself
// repeats without bound, like `(\w+\s?)*` or `(a|a+)+`, can take exponential time on a line that almost
// matches. Pattern files are data anyone may edit, so the loader refuses these shapes outright.

/** Upper bounds above this count as unbounded for the nesting test. */
const LARGE_BOUND = 64;

interface Frame {
  /** The group (or the whole pattern) contains an unbounded quantifier somewhere inside. */
  unbounded: boolean;
  /** Alternation seen directly in this group. */
  alternation: boolean;
}

/** Returns a reason when the pattern has a nested unbounded quantifier, or undefined when it is safe. */
export function findNestedQuantifier(source: string): string | undefined {
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
          if (lastAtom.frame.unbounded || alternationMayOverlap(source.slice(lastAtom.start, i))) {
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

/** Branches that all start with distinct literal characters cannot overlap; anything else might. */
function alternationMayOverlap(group: string): boolean {
  const body = group.replace(/^\((\?:|\?<[^>]+>)?/, '');
  const branches = body.split('|');
  const firsts = new Set<string>();
  for (const b of branches) {
    const f = b[0];
    if (f === undefined || /[\\[(.]/.test(f)) return true;
    if (firsts.has(f)) return true;
    firsts.add(f);
  }
  return false;
}
