// The small mechanisms every part uses (src/base/): backoff with jitter, the waiters, the atomic write.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/base/atomic-write.js';
import { Backoff, backoffCeiling, backoffDelay } from '../src/base/backoff.js';
import { Sleeper, Waiters, withTimeout } from '../src/base/waiter.js';
import { tmp } from './helpers/index.js';

describe('backoff', () => {
  it('doubles from the base to the cap', () => {
    expect([0, 1, 2, 3, 10, 100].map((n) => backoffCeiling(n, { baseMs: 500, maxMs: 30_000 }))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });
  it('full jitter is uniform up to the ceiling, equal jitter keeps half, none is the ceiling', () => {
    const o = { baseMs: 1000, maxMs: 8000 };
    expect(backoffDelay(2, { ...o, jitter: 'full', random: () => 0.25 })).toBe(1000);
    expect(backoffDelay(2, { ...o, jitter: 'equal', random: () => 0 })).toBe(2000);
    expect(backoffDelay(2, { ...o, jitter: 'equal', random: () => 0.5 })).toBe(3000);
    expect(backoffDelay(2, { ...o, jitter: 'none' })).toBe(4000);
    expect(backoffDelay(0, { ...o, jitter: 'full', random: () => 0 })).toBe(1); // never 0: a retry loop must yield
  });
  it('a sequence grows until reset', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 1000, jitter: 'none' });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    b.reset();
    expect(b.next()).toBe(10);
  });
});

describe('waiters', () => {
  it('wake every waiter at once', async () => {
    const w = new Waiters();
    const woken: number[] = [];
    const all = Promise.all([1, 2, 3].map((i) => w.wait().then(() => woken.push(i))));
    expect(w.size).toBe(3);
    w.wakeAll();
    await all;
    expect(woken).toEqual([1, 2, 3]);
  });
  it('a poke ends a sleep, and a poke while nobody sleeps ends the next one at once', async () => {
    const s = new Sleeper();
    const t0 = Date.now();
    const sleeping = s.sleep(10_000);
    s.poke();
    await sleeping;
    s.poke();
    await s.sleep(10_000);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
  it('withTimeout gives the fallback when the promise is late', async () => {
    expect(await withTimeout(new Promise(() => {}), 20, 'late')).toBe('late');
    expect(await withTimeout(Promise.resolve('on time'), 1000, 'late')).toBe('on time');
  });
});

describe('atomic write', () => {
  it('replaces the file whole and leaves no temp file', async () => {
    const dir = path.join(tmp(), 'sub');
    await writeFileAtomic(path.join(dir, 'x.json'), 'one', { mkdir: true });
    await writeFileAtomic(path.join(dir, 'x.json'), 'two');
    expect(readFileSync(path.join(dir, 'x.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });
});
