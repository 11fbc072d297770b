// Bounds a rule's time per line. The static checks in redos.ts refuse the shapes known to backtrack; this
// measures what they cannot see. Adversarial lines are built from each regex itself: for every repeat (a
// quantified class or group), a prefix that leads the match to it, then characters the repeat accepts up to the
// length of a line, then a character that makes the match fail, so the engine must try every way back; and
// near-misses of the rule's examples; and for every repeat, the text before it over and over (`lit[\s\S]*?x`
// on `lit lit lit …`: each copy starts a scan to the end of the line, quadratic in its length).
// Each line is timed at growing lengths up to MAX_MATCH_CHARS, so a regex that would take minutes is caught on
// a short line, by its growth, instead of being run to the end. Time is CPU time, the least of repeated runs,
// and a rule fails only when its time also grows faster than its line: waiting for a core on a loaded
// machine, or a slower machine, is not the regex's doing.
// `patterns check` runs this on every rule; the loader on rules from a user's pattern directory; the shipped
// rules are verified by the tests, so start-up does not pay for it.
import type { CompiledRule } from './rule.js';
import { MAX_MATCH_CHARS } from './ruleset.js';
import { charSet, parseRegex, SAMPLE_CHARS, type RegexNode } from './regex-parse.js';

/** A rule may spend at most this long on one line of MAX_MATCH_CHARS (its `match` and `unless` together). */
export const STRESS_LIMIT_MS = 100;

export interface SlowRule {
  id: string;
  file: string;
  reason: string;
}

/** One adversarial line, buildable at any length. */
interface Attack {
  what: string;
  build(length: number): string;
}

/** Per regex: enough lines to try every repeat a few ways, not so many that loading a directory drags. */
const MAX_ATTACKS = 40;
/** Per regex, lines that repeat the text before a repeat (one per repeat). */
const MAX_REPEATED_PREFIXES = 12;
/** Characters that end a pump; lines never contain a newline, so it is not among them. */
const ENDINGS = ['!', '\u0001', '"', '~', '#', '\\', '\u00a0', 'Z', '0'];
/** Characters tried first when a repeat accepts several. */
const PREFERRED = [' ', 'a', '0', 'x', 'A', ':', '/', '.', '-', '_', '"', '\\', '='];

function sampleChars(set: readonly boolean[], n: number): string[] {
  const out: string[] = [];
  for (const c of PREFERRED) if (out.length < n && set[SAMPLE_CHARS.indexOf(c)]) out.push(c);
  for (const [k, c] of SAMPLE_CHARS.entries()) if (out.length < n && set[k] && !out.includes(c) && c !== '\n') out.push(c);
  return out;
}

/** The shortest string the node matches (a guess for look-arounds and back-references: the empty string). */
function minimal(n: RegexNode, flags: string): string {
  switch (n.t) {
    case 'char':
      return sampleChars(charSet(n, flags), 1)[0] ?? '';
    case 'empty':
      return '';
    case 'group': {
      if (n.look) return '';
      const options = n.alts.map((seq) => seq.map((x) => minimal(x, flags)).join(''));
      return options.reduce((a, b) => (b.length < a.length ? b : a));
    }
    case 'quant':
      return minimal(n.node, flags).repeat(Math.min(n.min, 1000));
  }
}

/** Strings one pass of a repeated node takes: sample characters, or each alternative of a group. */
function pumps(n: RegexNode, flags: string): string[] {
  if (n.t === 'char') return sampleChars(charSet(n, flags), 3);
  if (n.t === 'group') {
    const out = new Set<string>();
    for (const seq of n.alts) {
      out.add(seq.map((x) => minimal(x, flags)).join(''));
      // A longer pass too: each inner repeat taken twice (where overlapping alternatives differ).
      out.add(seq.map((x) => (x.t === 'quant' ? minimal(x.node, flags).repeat(Math.max(2, x.min)) : minimal(x, flags))).join(''));
    }
    return [...out].filter((s) => s !== '').slice(0, 4);
  }
  if (n.t === 'quant') return pumps(n.node, flags);
  return [];
}

function endings(n: RegexNode, flags: string): string[] {
  const node = n.t === 'quant' ? n.node : n;
  const set = node.t === 'char' ? charSet(node, flags) : undefined;
  const out = ENDINGS.filter((c) => !set || !set[SAMPLE_CHARS.indexOf(c)]);
  return (out.length ? out : ENDINGS).slice(0, 2);
}

function fill(head: string, unit: string, tail: string, length: number): string {
  const room = Math.max(0, length - head.length - tail.length);
  return head + unit.repeat(Math.ceil(room / unit.length)).slice(0, room) + tail;
}

/**
 * Adversarial lines for one regex: each repeat pumped after the prefix that reaches it; and the prefix with one
 * character the repeat takes, over and over, so that every copy is a start from which the repeat runs on to
 * the end of the line.
 */
export function attacksFor(source: string, flags: string): Attack[] {
  const attacks: Attack[] = [];
  const repeated: Attack[] = [];
  const seen = new Set<string>();
  const add = (to: Attack[], what: string, head: string, unit: string, tail: string): void => {
    const key = `${head}\u0000${unit}\u0000${tail}`;
    if (seen.has(key) || unit === '') return;
    seen.add(key);
    to.push({ what, build: (length) => fill(head, unit, tail, length) });
  };
  const walk = (seq: readonly RegexNode[], before: string): void => {
    let prefix = before;
    for (const node of seq) {
      if (node.t === 'quant' && node.max > 1) {
        const ends = endings(node, flags);
        const passes = pumps(node.node, flags);
        for (const pump of passes) {
          for (const end of ends) add(attacks, `\`${node.src}\` repeated after ${JSON.stringify(prefix.slice(-20))}`, prefix, pump, end);
        }
        if (prefix !== '' && passes.length > 0) add(repeated, `${JSON.stringify((prefix + passes[0]!).slice(-24))} over and over (each copy a start for \`${node.src}\`)`, '', prefix + passes[0]!, ends[0]!);
      }
      const inner = node.t === 'quant' ? node.node : node;
      if (inner.t === 'group') for (const alt of inner.alts) walk(alt, prefix);
      prefix += minimal(node, flags);
    }
  };
  for (const alt of parseRegex(source)) walk(alt, '');
  return [...attacks.slice(0, MAX_ATTACKS), ...repeated.slice(0, MAX_REPEATED_PREFIXES)];
}

/** Near-misses of the rule's examples, and floods of single characters (the checks before issue 10). */
function exampleAttacks(rule: CompiledRule): Attack[] {
  const out: Attack[] = [];
  for (const ex of rule.examples.slice(0, 3)) {
    const line = ex.line;
    const body = line.slice(0, -1) || line;
    out.push({ what: 'an example without its last character, repeated', build: (n) => fill('', body, '', n) });
    out.push({ what: 'the first half of an example, then spaces', build: (n) => fill(line.slice(0, Math.floor(line.length / 2)), ' ', '', n) });
  }
  for (const ch of ['a', ' ', '0', ':', '/', '"']) out.push({ what: `${JSON.stringify(ch)} repeated`, build: (n) => ch.repeat(n) });
  return out;
}

/** Below this a measurement is mostly timer noise: its growth steers nothing. */
const NOISE_MS = 0.02;
/** Runs of one line before a time counts against a rule: the least is kept (a pause only ever adds time). */
const CONFIRM_RUNS = 5;
/** Time on a line twice as long grows by 2^this or more for a regex that is slower than linear. */
const SUPERLINEAR = 1.25;

/**
 * One run's cost: its CPU time, or the wall-clock time when that is smaller (CPU time counts the process's
 * other threads too). Waiting for a core on a loaded machine is not the regex's time.
 */
function timeOnce(regexes: readonly RegExp[], input: string): number {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (const re of regexes) re.test(input);
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return Math.min(wall, (used.user + used.system) / 1000);
}

/** The least of up to `runs` runs, stopping early once one is below `enough`. */
function timeBest(regexes: readonly RegExp[], input: string, runs: number, enough = 0, first = Infinity): number {
  let best = first;
  for (let k = 0; k < runs && best >= enough; k++) best = Math.min(best, timeOnce(regexes, input));
  return best;
}

interface Verdict {
  ms: number;
  length: number;
  projected: boolean;
}

/**
 * Time for the regexes on the attack at MAX_MATCH_CHARS, measured at growing lengths. Each next length is
 * chosen so that even exponential growth, as measured so far, keeps the next run within the limit; when the
 * limit is already near on a line far shorter than MAX_MATCH_CHARS, the rule is reported with a projection
 * instead of being run for minutes. A time over the limit counts only as the least of repeated runs, and only
 * when the time also grows faster than the line (measured again on a line half as long): a linear regex is
 * never failed by a busy machine, and a backtracking one fails on a quiet machine and a loaded one alike.
 */
function measure(regexes: readonly RegExp[], attack: Attack, limitMs: number): Verdict {
  const best = (length: number, first?: number): number => timeBest(regexes, attack.build(length), CONFIRM_RUNS, 0, first);
  /** Whether the time at `length` (`ms`, confirmed) grows faster than the line, from half of it. */
  const superlinear = (length: number, ms: number): boolean => {
    const half = Math.floor(length / 2);
    if (half < 16) return true;
    return ms >= best(half) * 2 ** SUPERLINEAR;
  };
  /** Whether the growth from `a` to `b` still condemns the regex when both are measured again. */
  const holds = (a: Sample, b: Sample, verdict: (a: Sample, b: Sample) => number | undefined): number | undefined => {
    if (verdict(a, b) === undefined) return undefined;
    return verdict({ length: a.length, ms: best(a.length) }, { length: b.length, ms: best(b.length) });
  };
  // V8 first runs a regex in its bytecode interpreter and compiles it after: time the compiled code only.
  for (let k = 0; k < 3; k++) timeOnce(regexes, attack.build(8));
  let prev: Sample | undefined;
  for (let length = 16; ; ) {
    const input = attack.build(length);
    let ms = timeOnce(regexes, input);
    // Far over the limit is a verdict at once (running it again would cost more than the check is worth).
    if (ms > limitMs && ms < 10 * limitMs) ms = timeBest(regexes, input, CONFIRM_RUNS - 1, limitMs, ms);
    if (ms > limitMs) {
      if (ms >= 10 * limitMs || superlinear(length, ms)) return { ms, length, projected: false };
      return { ms: 0, length, projected: false };
    }
    if (length >= MAX_MATCH_CHARS) return { ms, length, projected: false };
    const here: Sample = { length, ms };
    // Doubling while the time is noise; carefully once it is measurable and its growth is not yet known.
    let next = ms < NOISE_MS ? length * 2 : Math.ceil(length * 1.25);
    if (prev && ms >= NOISE_MS && ms > prev.ms) {
      // Near the limit already, on a line far shorter than MAX_MATCH_CHARS, and still growing.
      const projected = holds(prev, here, (a, b) => (allowedAfter(a, b, limitMs) < b.length * 1.05 && exponentOf(a, b) >= SUPERLINEAR ? projectedAt(a, b, MAX_MATCH_CHARS) : undefined));
      if (projected !== undefined && projected > limitMs) return { ms: projected, length: MAX_MATCH_CHARS, projected: true };
      next = Math.min(length * 2, Math.max(length + 1, Math.floor(allowedAfter(prev, here, limitMs))));
    }
    prev = here;
    length = Math.min(MAX_MATCH_CHARS, next);
  }
}

interface Sample {
  length: number;
  ms: number;
}

/** The power of the length the time grows with between two samples. */
function exponentOf(a: Sample, b: Sample): number {
  return b.ms > a.ms ? Math.log(b.ms / a.ms) / Math.log(b.length / a.length) : 0;
}

function projectedAt(a: Sample, b: Sample, length: number): number {
  return b.ms * (length / b.length) ** Math.max(1, exponentOf(a, b));
}

/** The longest line whose time stays within the limit if each added character multiplied it as between a and b. */
function allowedAfter(a: Sample, b: Sample, limitMs: number): number {
  if (b.ms <= a.ms) return Infinity;
  const perChar = Math.log(b.ms / a.ms) / (b.length - a.length);
  return b.length + Math.log(limitMs / b.ms) / perChar;
}

/** Why the rule is too slow on some line, or undefined when every adversarial line stays within the limit. */
export function stressRule(rule: CompiledRule, limitMs = STRESS_LIMIT_MS): string | undefined {
  const regexes = rule.unless ? [rule.re, rule.unless] : [rule.re];
  const flags = rule.re.flags;
  const attacks = [
    ...attacksFor(rule.re.source, flags),
    ...(rule.unless ? attacksFor(rule.unless.source, rule.unless.flags) : []),
    ...exampleAttacks(rule),
  ];
  for (const attack of attacks) {
    const r = measure(regexes, attack, limitMs);
    if (r.ms > limitMs) {
      const took = r.projected
        ? `would take ${formatMs(r.ms)} on a ${MAX_MATCH_CHARS}-character line (projected from its growth on shorter ones)`
        : `took ${formatMs(r.ms)} on a ${r.length}-character line`;
      return `regex ${took}: ${attack.what} (limit ${limitMs} ms per line): rewrite it so each character can be matched one way only`;
    }
  }
  return undefined;
}

function formatMs(ms: number): string {
  if (ms > 3_600_000) return 'more than an hour';
  return ms >= 10_000 ? `about ${Math.round(ms / 1000)} s` : `about ${Math.round(ms)} ms`;
}

export function stressRules(rules: readonly CompiledRule[], limitMs = STRESS_LIMIT_MS): SlowRule[] {
  const slow: SlowRule[] = [];
  for (const rule of rules) {
    const reason = stressRule(rule, limitMs);
    if (reason) slow.push({ id: rule.id, file: rule.file, reason });
  }
  return slow;
}
