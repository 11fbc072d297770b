// Delivery to several sinks: positions move only when every sink accepted; a failing sink is retried alone.
import { describe, expect, it } from 'vitest';
import { Delivery } from '../src/daemon/delivery.js';
import { Progress } from '../src/daemon/progress.js';
import { redacted } from '../src/redacted.js';
import { silentLogger } from '../src/log.js';
import type { Sink, TriageEvent } from '../src/types.js';
import { waitFor } from './helpers/index.js';

function sink(name: string, failures: number): Sink & { got: string[] } {
  let left = failures;
  const got: string[] = [];
  return {
    name,
    got,
    async write(events: readonly TriageEvent[]) {
      if (left-- > 0) throw new Error(`${name} unavailable`);
      got.push(...events.map((e) => e.id));
    },
    flush: async () => {},
    close: async () => {},
    health: () => ({ ok: true, delivered: got.length, failed: 0, pending: 0 }),
  };
}

const ev = (id: string): TriageEvent => ({
  schema: 1, id, kind: 'finding', category: 'oom', severity: 'error', ruleId: 'r', title: redacted('t'), count: 1,
  firstSeen: '2026-11-23T00:00:00.000Z', lastSeen: '2026-11-23T00:00:00.000Z', source: 'kernel', message: redacted('t'), fields: {},
});

describe('Delivery', () => {
  it('commits a position only after every sink accepted, retrying only the sink that failed', async () => {
    const good = sink('good', 0);
    const flaky = sink('flaky', 2);
    const d = new Delivery([good, flaky], silentLogger);
    const p = new Progress(0);
    d.push(ev('a'), [p.hold(10)]);
    d.push(ev('b'), [p.hold(20)]);
    await waitFor('first attempt', () => good.got.length === 2);
    expect(p.committed).toBe(0);
    expect(await d.drain(5000)).toBe(true);
    expect(p.committed).toBe(20);
    expect(good.got).toEqual(['a', 'b']); // not written twice while the other sink was retried
    expect(flaky.got).toEqual(['a', 'b']);
  });

  it('gives up at shutdown without acknowledging what was not accepted', async () => {
    const down = sink('down', Infinity);
    const d = new Delivery([down], silentLogger);
    const p = new Progress(0);
    d.push(ev('a'), [p.hold(10)]);
    expect(await d.drain(300)).toBe(false);
    d.stop();
    expect(p.committed).toBe(0);
  });
});
