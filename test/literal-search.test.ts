// The one-pass literal search (src/search/) against a naive reference: a line is nominated exactly when it
// contains a literal (ignoring ASCII case for folded ones), on the byte path (WebAssembly kernel) and the string
// path alike, for rule libraries from a handful of literals to 500 rules. No timing here: `npm run bench` measures.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { silentLogger } from '../src/log.js';
import { LineClassifier } from '../src/pipeline.js';
import { runScan } from '../src/scan/run.js';
import { ByteSearch } from '../src/search/byte-search.js';
import { LiteralSearch, type Needle } from '../src/search/literals.js';
import { scanFile, type CandidateLine } from '../src/sources/file-scan.js';

/** Deterministic pseudo-random numbers (xorshift32). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :=/.-_()[]{}@#%*+,;!?$^`|~\'';
const pick = (rnd: () => number, s: string) => s[Math.floor(rnd() * s.length)]!;
const word = (rnd: () => number, len: number, chars = ALPHABET) => Array.from({ length: len }, () => pick(rnd, chars)).join('');

/** `rules` rules of one to three literals each, a quarter of them case-insensitive, lengths 4 to 30. */
function library(rnd: () => number, rules: number): Needle[] {
  const out = new Map<string, Needle>();
  for (let r = 0; r < rules; r++) {
    const fold = rnd() < 0.25;
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
      const text = word(rnd, 4 + Math.floor(rnd() * 27), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ :=/.-_()0123456789');
      const n = { text: fold ? text.toLowerCase() : text, fold };
      out.set(`${fold}:${n.text}`, n);
    }
  }
  return [...out.values()];
}

/** Flips the case of some ASCII letters. */
function recase(rnd: () => number, s: string): string {
  return [...s].map((c) => (rnd() < 0.5 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
}

/** Lines of noise, some holding literals (as written, re-cased, or cut short by one character). */
function lines(rnd: () => number, needles: readonly Needle[], count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let line = word(rnd, Math.floor(rnd() * 160));
    for (let k = rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0; k > 0; k--) {
      const n = needles[Math.floor(rnd() * needles.length)]!;
      const roll = rnd();
      const text = roll < 0.5 ? n.text : roll < 0.8 ? recase(rnd, n.text) : n.text.slice(1);
      const at = Math.floor(rnd() * (line.length + 1));
      line = line.slice(0, at) + text + line.slice(at);
    }
    out.push(line);
  }
  return out;
}

/** The reference: the indices of the literals this line contains. */
function naiveFind(needles: readonly Needle[], line: string): number[] {
  const folded = line.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  return needles.flatMap((n, i) => ((n.fold ? folded : line).includes(n.text) ? [i] : []));
}

function naive(needles: readonly Needle[], line: string): boolean {
  return naiveFind(needles, line).length > 0;
}

/** Line starts the byte path nominates in `text` (one buffer, one call). */
function byteLineStarts(search: LiteralSearch, text: Buffer, tune = false): number[] {
  const bytes = new ByteSearch(search, text.length);
  text.copy(bytes.text);
  if (tune) bytes.tune(0, text.length);
  return bytes.lineStarts(0, text.length);
}

function expectedStarts(needles: readonly Needle[], ls: readonly string[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const l of ls) {
    if (naive(needles, l)) starts.push(offset);
    offset += Buffer.byteLength(l, 'latin1') + 1;
  }
  return starts;
}

describe('literal search against a naive reference', () => {
  it.each([
    ['8 literals', 7, 6],
    ['60 rules', 11, 60],
    ['500 rules', 23, 500],
  ])('nominates every line holding a literal and no other (%s)', (_name, seed, rules) => {
    const rnd = prng(seed);
    const needles = library(rnd, rules);
    const search = new LiteralSearch(needles);
    const ls = lines(rnd, needles, 4000);
    const text = Buffer.from(ls.join('\n') + '\n', 'latin1');
    const want = expectedStarts(needles, ls);
    expect(want.length).toBeGreaterThan(500);
    expect(byteLineStarts(search, text)).toEqual(want);
    expect(byteLineStarts(search, text, true)).toEqual(want);
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    expect(ls.map((l) => sorted(search.findIn(l)))).toEqual(ls.map((l) => naiveFind(needles, l)));
    expect(ls.map((l) => search.test(l))).toEqual(ls.map((l) => naive(needles, l)));
  });

  it('finds overlapping literals, literals inside literals, and repeats', () => {
    const needles: Needle[] = ['abcdef', 'cdefgh', 'defg', 'aaaa', 'aaaaaaa', 'xyzxyzxyz'].map((text) => ({ text, fold: false }));
    const search = new LiteralSearch(needles);
    expect(search.gramBytes).toBe(3); // a 4-character literal: 3-byte grams
    const cases: Array<[string, string[]]> = [
      ['..abcdefgh..', ['abcdef', 'cdefgh', 'defg']],
      ['defg', ['defg']],
      ['aaa', []],
      ['aaaa', ['aaaa']],
      ['aaaaaaaa', ['aaaa', 'aaaaaaa']],
      ['xyzxyzxyzxyz', ['xyzxyzxyz']],
      ['xyzxyzxy', []],
      ['abcde fgh', []],
    ];
    for (const [line, want] of cases) {
      expect(search.findIn(line).map((i) => needles[i]!.text).sort(), line).toEqual([...want].sort());
      expect(byteLineStarts(search, Buffer.from(line + '\n')), line).toEqual(want.length ? [0] : []);
    }
  });

  it('matches case-insensitive literals in any case, and case-sensitive ones only as written', () => {
    const needles: Needle[] = [
      { text: 'failed to initialize logging driver', fold: true },
      { text: 'OutOfMemoryError', fold: false },
      { text: 'oom-kill', fold: true },
    ];
    const search = new LiteralSearch(needles);
    const yes = ['FAILED TO INITIALIZE LOGGING DRIVER: x', 'x Failed to Initialize logging DRIVER', 'OutOfMemoryError', 'OOM-KILL:', 'Oom-Kill'];
    const no = ['OUTOFMEMORYERROR', 'outofmemoryerror', 'failed to initialise logging driver', 'OOM_KILL', 'failed_to initialize logging driver'];
    for (const l of yes) expect(search.test(l), l).toBe(true);
    for (const l of no) expect(search.test(l), l).toBe(false);
    const text = Buffer.from([...yes, ...no].join('\n') + '\n');
    expect(byteLineStarts(search, text)).toEqual(expectedStarts(needles, [...yes, ...no]));
    // Folding is ASCII only: characters that lower-case to ASCII elsewhere (the Kelvin sign) do not match.
    expect(new LiteralSearch([{ text: 'kill', fold: true }]).test('\u212Aill')).toBe(false);
  });

  it('finds a literal at the very start and the very end of the text, with and without a newline', () => {
    for (const lit of ['abcd', 'abcde', 'abcdefghij']) {
      const search = new LiteralSearch([{ text: lit, fold: false }]);
      for (const pad of ['', 'x', 'xy', 'xyz']) {
        expect(search.test(pad + lit), pad + lit).toBe(true);
        expect(search.test(lit + pad), lit + pad).toBe(true);
        expect(byteLineStarts(search, Buffer.from(pad + lit)), pad + lit).toEqual([0]);
        expect(byteLineStarts(search, Buffer.from(`${pad}\n${pad}${lit}`)), pad + lit).toEqual([pad.length + 1]);
      }
    }
  });

  it('hands over every line when hits outnumber what one kernel call returns', () => {
    const search = new LiteralSearch([{ text: 'ab ab ab', fold: false }]);
    const ls = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? 'ab ab ab ab ab ab' : 'ab ab'));
    const text = Buffer.from(ls.join('\n') + '\n');
    expect(byteLineStarts(search, text)).toEqual(expectedStarts(search.needles, ls));
  });

  it('survives binary and non-ASCII text: NUL, high bytes, characters above 0xff', () => {
    const rnd = prng(5);
    const search = new LiteralSearch([{ text: 'no space left', fold: false }, { text: 'timeout', fold: true }]);
    const bin = Buffer.from(Array.from({ length: 100_000 }, () => Math.floor(rnd() * 256)));
    Buffer.from('\nno space left\n').copy(bin, 50_000);
    const starts = byteLineStarts(search, bin);
    expect(starts).toContain(50_001);
    expect(search.test('\u0100\u0174\uffff no space left \u{1F600}')).toBe(true);
    expect(search.test('\u016e\u0170 space left')).toBe(false);
    // U+0141 is 0x41 ('A') modulo 256: a gram hit, but the exact check reads the string itself.
    expect(new LiteralSearch([{ text: 'abcde', fold: true }]).test('x \u0141bcde')).toBe(false);
    expect(new LiteralSearch([{ text: 'abcde', fold: true }]).test('x Abcde')).toBe(true);
    // Longer than the scratch buffer the string path starts with.
    expect(search.test('y'.repeat(200_000) + 'no space left')).toBe(true);
  });

  it('refuses literals it cannot search: shorter than 4 characters or not printable ASCII', () => {
    expect(() => new LiteralSearch([{ text: 'abc', fold: false }])).toThrow(/at least 4/);
    expect(() => new LiteralSearch([{ text: 'caf\u00e9s', fold: false }])).toThrow(/printable ASCII/);
  });
});

describe('the shipped rules', () => {
  it('every example line is nominated by the search, on the string and the byte path, through one of its own literals', async () => {
    const rules = await loadRuleSet();
    let examples = 0;
    for (const rule of rules.rules) {
      const own = new Set(rule.literals.map((l) => (rule.caseInsensitive ? l.toLowerCase() : l)));
      for (const ex of rule.examples) {
        const found = rules.search.findIn(ex.line).map((i) => rules.search.needles[i]!.text);
        expect(found.some((t) => own.has(t)), `${rule.id}: ${ex.line}`).toBe(true);
        expect(byteLineStarts(rules.search, Buffer.from(`noise\n${ex.line}\n`)), `${rule.id}: ${ex.line}`).toEqual([6]);
        examples += 1;
      }
    }
    expect(examples).toBeGreaterThan(60);
  });
});

describe('file scan: chunks, boundaries and worker ranges', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lsearch-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function scan(file: string, search: LiteralSearch, opts: Parameters<typeof scanFile>[3] = {}) {
    const got: CandidateLine[] = [];
    const stats = await scanFile(file, search, (c) => got.push(c), opts);
    return { got, stats };
  }

  it('a 500-rule library over a file read in small chunks: lines straddling chunks, literals across chunk ends', async () => {
    const rnd = prng(99);
    const needles = library(rnd, 500);
    const search = new LiteralSearch(needles);
    const ls = lines(rnd, needles, 6000);
    const file = path.join(dir, 'big.log');
    await writeFile(file, Buffer.from(ls.join('\n') + '\n', 'latin1'));
    const want = ls.map((l, i) => [i + 1, l] as const).filter(([, l]) => naive(needles, l));
    for (const chunkBytes of [4096, 4099, 65_536]) {
      const { got, stats } = await scan(file, search, { chunkBytes });
      expect(got.map((c) => [c.line, c.text])).toEqual(want.map(([n, l]) => [n, Buffer.from(l, 'latin1').toString('utf8')]));
      expect(stats.lines).toBe(ls.length);
    }
  });

  it('a literal cut by a chunk end at every offset is still found, with the right line number', async () => {
    const lit = 'CannotPullContainerError';
    const search = new LiteralSearch([{ text: lit, fold: false }]);
    const chunkBytes = 4096;
    for (let cut = 0; cut <= lit.length; cut++) {
      // The literal starts `cut` bytes before the first chunk's end, on line 3.
      const head = `line one\nline two\n`;
      const pad = 'x'.repeat(chunkBytes - head.length - cut);
      const file = path.join(dir, `cut-${cut}.log`);
      await writeFile(file, `${head}${pad}${lit} tail\nlast line\n`);
      const { got, stats } = await scan(file, search, { chunkBytes });
      expect(got.map((c) => [c.line, c.offset]), `cut ${cut}`).toEqual([[3, head.length]]);
      expect(stats.lines).toBe(4);
    }
  });

  it('worker ranges: any split of the file nominates each line exactly once, with literals on the range edges', async () => {
    const rnd = prng(1234);
    const needles = library(rnd, 200);
    const search = new LiteralSearch(needles);
    const ls = lines(rnd, needles, 3000);
    const body = Buffer.from(ls.join('\n') + '\n', 'latin1');
    const file = path.join(dir, 'ranges.log');
    await writeFile(file, body);
    const whole = (await scan(file, search, { chunkBytes: 8192 })).got.map((c) => c.offset);
    expect(whole).toEqual(expectedStarts(needles, ls));
    // Cuts at random places, and at the first and middle byte of nominated lines.
    const cuts = new Set([0, body.length]);
    for (let k = 0; k < 12; k++) cuts.add(Math.floor(rnd() * body.length));
    for (const s of whole.slice(0, 10)) [s, s + 1, s + 5].forEach((c) => cuts.add(Math.min(c, body.length)));
    const bounds = [...cuts].sort((a, b) => a - b);
    const offsets: number[] = [];
    let lineTotal = 0;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const r = await scan(file, search, { start: bounds[i], end: bounds[i + 1], chunkBytes: 8192 });
      offsets.push(...r.got.map((c) => c.offset));
      lineTotal += r.stats.lines;
    }
    expect(offsets).toEqual(whole);
    expect(lineTotal).toBe(ls.length);
  });

  it('tunes its grams on a big file without changing what it finds', async () => {
    const rnd = prng(77);
    const needles = library(rnd, 100);
    const search = new LiteralSearch(needles);
    const ls = lines(rnd, needles, 20_000); // over the size that tunes on the first chunk
    const file = path.join(dir, 'tuned.log');
    const body = Buffer.from(ls.join('\n') + '\n', 'latin1');
    expect(body.length).toBeGreaterThan(1 << 20);
    await writeFile(file, body);
    const { got } = await scan(file, search);
    expect(got.map((c) => c.offset)).toEqual(expectedStarts(needles, ls));
  });
});

describe('journal entries whose MESSAGE is a byte array', () => {
  it('are nominated by scan and by watch although their text is hidden from the literal search', async () => {
    const rules = await loadRuleSet();
    const message = 'level=error time=2026-11-23T10:00:00Z msg="DockerGoClient: failed to pull" error="no space left on device"';
    const entry = (m: unknown, i: number) =>
      JSON.stringify({ __REALTIME_TIMESTAMP: String(1795420660000000 + i), _SYSTEMD_UNIT: 'docker.service', SYSLOG_IDENTIFIER: 'dockerd', MESSAGE: m });
    const root = await mkdtemp(path.join(os.tmpdir(), 'lsearch-journal-'));
    try {
      await mkdir(path.join(root, 'journal'));
      const body = [entry('starting up', 0), entry([...Buffer.from(message)], 1), entry('all fine', 2)].join('\n') + '\n';
      await writeFile(path.join(root, 'journal/docker.json'), body);
      const report = await runScan({ root, rules, checks: false, log: silentLogger });
      expect(report.findings.map((f) => [f.category, f.count])).toEqual([['disk_full', 1]]);
      expect(new LineClassifier(rules).mayMatch(entry([...Buffer.from(message)], 1))).toBe(true);
      expect(new LineClassifier(rules).mayMatch(entry('all fine', 2))).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
