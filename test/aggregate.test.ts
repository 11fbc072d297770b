// Flood folding: first occurrence at once, the rest counted per window, tickets held until the summary.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Aggregator } from '../src/aggregate.js';
import { eventId } from '../src/events.js';
import type { Finding, TriageEvent } from '../src/types.js';

function finding(fields: Record<string, string>, ruleId = 'r1'): Finding {
  return {
    ruleId,
    category: 'image_not_found',
    severity: 'error',
    title: 'Image not found',
    fields,
    causes: [],
    remediation: ['Push the tag'],
    source: 'ecs-agent',
    line: `pull failed ${JSON.stringify(fields)} Authorization: Bearer abc.def`,
  };
}

describe('Aggregator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first occurrence at once and folds the rest of the window into one counted event', () => {
    const out: Array<{ ev: TriageEvent; tickets: number[] }> = [];
    const agg = new Aggregator<number>({ windowMs: 60_000, keyFields: ['image'], emit: (ev, tickets) => out.push({ ev, tickets }) });
    for (let i = 0; i < 1000; i++) agg.add({ finding: finding({ image: 'a:1' }), anchor: `f@${i}`, ticket: i });
    agg.add({ finding: finding({ image: 'b:1' }), anchor: 'f@b', ticket: 5000 });
    expect(out.map((o) => [o.ev.count, o.tickets.length])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(out).toHaveLength(3);
    expect(out[2]!.ev.count).toBe(999);
    expect(out[2]!.tickets).toHaveLength(999);
    expect(out[2]!.ev.line).toContain('[REDACTED]');
  });

  it('an hour of retries every 5 s gives about one event a minute', () => {
    const out: TriageEvent[] = [];
    const agg = new Aggregator<number>({ windowMs: 60_000, keyFields: ['image'], emit: (ev) => out.push(ev) });
    for (let s = 0; s < 3600; s += 5) {
      agg.add({ finding: finding({ image: 'a:1' }), anchor: `f@${s}` });
      vi.advanceTimersByTime(5000);
    }
    vi.advanceTimersByTime(120_000);
    expect(out.length).toBeGreaterThanOrEqual(55);
    expect(out.length).toBeLessThanOrEqual(65);
    expect(out.reduce((n, e) => n + e.count, 0)).toBe(720);
  });

  it('gives deterministic ids and flushes pending folds on shutdown', () => {
    const a: TriageEvent[] = [];
    const b: TriageEvent[] = [];
    for (const out of [a, b]) {
      const agg = new Aggregator<number>({ windowMs: 60_000, keyFields: ['image'], emit: (ev) => out.push(ev) });
      agg.add({ finding: finding({ image: 'a:1' }), anchor: 'x@1' });
      agg.add({ finding: finding({ image: 'a:1' }), anchor: 'x@2' });
      agg.flush();
    }
    expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
    expect(a.map((e) => e.count)).toEqual([1, 1]);
    expect(new Set(a.map((e) => e.id)).size).toBe(2);
  });
});

describe('Aggregator memory (issue 10.7)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A position sequence that counts what it was asked to hold and to pass. */
  function source(): { holds: number; passes: number; place: (pos: number) => { source: object; hold: () => number; pass: () => void } } {
    const s = {
      holds: 0,
      passes: 0,
      place: (pos: number) => ({ source: s, hold: () => (s.holds++, pos), pass: () => void s.passes++ }),
    };
    return s;
  }

  it('a fold holds one position per source, however many lines it counts; its id is the one eventId gives', () => {
    const out: Array<{ ev: TriageEvent; tickets: number[] }> = [];
    const agg = new Aggregator<number>({ windowMs: 60_000, keyFields: ['image'], emit: (ev, tickets) => out.push({ ev, tickets }) });
    const a = source();
    const b = source();
    for (let i = 0; i < 100_000; i++) agg.add({ finding: finding({ image: 'a:1' }), anchor: `f@${i}`, place: (i % 3 ? a : b).place(i) });
    vi.advanceTimersByTime(60_000);
    expect(out.map((o) => o.ev.count)).toEqual([1, 99_999]);
    expect(out[1]!.tickets).toEqual([1, 3]); // the first folded line of each source
    expect(a.holds + b.holds).toBe(3);
    expect(a.passes + b.passes).toBe(99_997);
    expect(out[1]!.ev.id).toBe(eventId('folded', 'f@1', '99999'));
    expect(out[0]!.ev.id).toBe(eventId('finding', 'f@0'));
  });

  it('closes the oldest window early beyond the bound, sending what it folded: counts stay exact', () => {
    const out: TriageEvent[] = [];
    const agg = new Aggregator<number>({ windowMs: 60_000, keyFields: ['image'], emit: (ev) => out.push(ev), maxWindows: 100 });
    for (let round = 0; round < 3; round++) for (let i = 0; i < 250; i++) agg.add({ finding: finding({ image: `i${i}` }), anchor: `r${round}@${i}` });
    expect(agg.openWindows).toBe(100);
    expect(agg.closedEarly).toBeGreaterThan(0);
    agg.flush();
    expect(out.reduce((n, e) => n + e.count, 0)).toBe(750);
  });

  it('one timer for all windows: windows end in order and a busy one goes on', () => {
    const out: TriageEvent[] = [];
    const agg = new Aggregator<number>({ windowMs: 1000, keyFields: ['image'], emit: (ev) => out.push(ev) });
    agg.add({ finding: finding({ image: 'a' }), anchor: 'a1' });
    vi.advanceTimersByTime(500);
    agg.add({ finding: finding({ image: 'b' }), anchor: 'b1' });
    agg.add({ finding: finding({ image: 'a' }), anchor: 'a2' });
    vi.advanceTimersByTime(500); // a's window ends with a fold of 1; the next one starts
    expect(out.map((e) => `${e.fields.image}:${e.count}`)).toEqual(['a:1', 'b:1', 'a:1']);
    expect(agg.openWindows).toBe(2);
    vi.advanceTimersByTime(1000); // b ends empty, then a's second window ends empty
    expect(agg.openWindows).toBe(0);
  });
});
