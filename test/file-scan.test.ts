import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiteralSearch } from '../src/search/literals.js';
import { scanFile, type CandidateLine } from '../src/sources/file-scan.js';

const LITERALS = ['i/o timeout', 'no space left', 'Too Many Requests', 'CannotPullContainerError'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fscan-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random lines, some containing a literal. */
function makeLines(n: number, seed = 7): string[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const pad = 'x'.repeat(Math.floor(rnd() * 300));
    const lit = rnd() < 0.05 ? LITERALS[Math.floor(rnd() * LITERALS.length)] : '';
    lines.push(`level=info time=2026-11-23T09:00:00Z msg="line ${i} ${pad}${lit ? ` ${lit}` : ''}"`);
  }
  return lines;
}

async function collect(file: string, opts: Parameters<typeof scanFile>[3] = {}) {
  const got: CandidateLine[] = [];
  const stats = await scanFile(file, new LiteralSearch(LITERALS.map((text) => ({ text, fold: false }))), (c) => got.push(c), opts);
  return { got, stats };
}

describe('chunked scanning with the literal prefilter', () => {
  it('nominates exactly the lines a naive filter finds, with correct line numbers, across chunk boundaries', async () => {
    const lines = makeLines(20_000);
    const file = path.join(dir, 'a.log');
    await writeFile(file, lines.join('\n') + '\n');
    const want = lines.map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => LITERALS.some((x) => l.includes(x)));
    for (const chunkBytes of [4096, 65_536, 4 << 20]) {
      const { got, stats } = await collect(file, { chunkBytes });
      expect(got.map((c) => [c.line, c.text])).toEqual(want.map(({ l, n }) => [n, l]));
      expect(stats.lines).toBe(lines.length);
    }
  });

  it('reads a last line without a newline', async () => {
    const file = path.join(dir, 'b.log');
    await writeFile(file, 'a\nb i/o timeout');
    const { got, stats } = await collect(file);
    expect(got).toMatchObject([{ line: 2, text: 'b i/o timeout' }]);
    expect(stats.lines).toBe(2);
  });

  it('splits a file into byte ranges that together nominate every line exactly once', async () => {
    const lines = makeLines(5_000, 3);
    const file = path.join(dir, 'c.log');
    const body = lines.join('\n') + '\n';
    await writeFile(file, body);
    const whole = (await collect(file)).got.map((c) => c.offset);
    const size = Buffer.byteLength(body);
    const cuts = [0, 1, Math.floor(size / 3), Math.floor(size / 3) + 1, size - 5, size];
    for (let k = 0; k < 20; k++) {
      const a = Math.floor((size * k) / 20);
      cuts.push(a);
    }
    const bounds = [...new Set(cuts)].sort((x, y) => x - y);
    const parts: number[] = [];
    let lineTotal = 0;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const r = await collect(file, { start: bounds[i], end: bounds[i + 1], chunkBytes: 8192 });
      parts.push(...r.got.map((c) => c.offset));
      lineTotal += r.stats.lines;
    }
    expect(parts).toEqual(whole);
    expect(lineTotal).toBe(lines.length);
  });

  it('cuts a 10 MB line: its head is still classified, memory stays bounded, the next line is read', async () => {
    const file = path.join(dir, 'd.log');
    const huge = 'CannotPullContainerError ' + 'y'.repeat(10 * 1024 * 1024);
    await writeFile(file, `first\n${huge}\nafter no space left\n`);
    const { got, stats } = await collect(file);
    expect(stats.truncated).toBe(1);
    expect(got.map((c) => c.line)).toEqual([2, 3]);
    expect(got[0]!.truncated).toBe(true);
    expect(got[0]!.text.length).toBeLessThanOrEqual(64 * 1024);
    expect(got[1]!.text).toBe('after no space left');
    expect(stats.lines).toBe(3);
  });

  it('replaces invalid UTF-8 and skips lines with NUL bytes, counting them', async () => {
    const file = path.join(dir, 'e.log');
    const bad = Buffer.concat([Buffer.from('bad \xff\xfe bytes i/o timeout\n', 'latin1'), Buffer.from('nul \0 i/o timeout\n'), Buffer.from('ok i/o timeout\n')]);
    await writeFile(file, bad);
    const { got, stats } = await collect(file);
    expect(got.map((c) => c.text)).toEqual(['bad \ufffd\ufffd bytes i/o timeout', 'ok i/o timeout']);
    expect(stats.binary).toBe(1);
  });

  it('refuses a binary file (gzip) without reading it as text', async () => {
    const file = path.join(dir, 'f.log');
    await writeFile(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    const { got, stats } = await collect(file);
    expect(stats.binaryFile).toBe(true);
    expect(got).toEqual([]);
  });
});

describe('range boundaries', () => {
  it('a long line starting exactly at a range end belongs to the next range only', async () => {
    const dir2 = await mkdtemp(path.join(os.tmpdir(), 'fscan-range-'));
    const file = path.join(dir2, 'r.log');
    const head = 'a i/o timeout\n';
    const long = 'CannotPullContainerError ' + 'z'.repeat(2 * 1024 * 1024) + '\n';
    await writeFile(file, head + long + 'tail no space left\n');
    const cut = Buffer.byteLength(head);
    const p = new LiteralSearch(LITERALS.map((text) => ({ text, fold: false })));
    const a: CandidateLine[] = [];
    const b: CandidateLine[] = [];
    const sa = await scanFile(file, p, (c) => a.push(c), { start: 0, end: cut });
    const sb = await scanFile(file, p, (c) => b.push(c), { start: cut, end: Buffer.byteLength(head + long) + 19 });
    expect(a.map((c) => c.text)).toEqual(['a i/o timeout']);
    expect(sa.lines).toBe(1);
    expect(b.map((c) => c.line)).toEqual([1, 2]);
    expect(sb.lines + sa.lines).toBe(3);
    await rm(dir2, { recursive: true, force: true });
  });
});
