// Flood folding: first occurrence at once, the rest counted per window, tickets held until the summary.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Aggregator } from '../src/aggregate.js';
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
