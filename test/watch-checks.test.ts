// Host checks on a schedule: reported on change, repeated slowly while they last, resolved when they clear.
import { describe, expect, it } from 'vitest';
import { HostCheckScheduler } from '../src/daemon/host-checks.js';
import { silentLogger } from '../src/log.js';
import type { Finding, Severity, TriageEvent } from '../src/types.js';

const disk = (severity: Severity): Finding => ({
  ruleId: 'host-disk-pressure',
  category: 'disk_pressure',
  severity,
  title: 'Disk nearly full',
  fields: { path: '/var/lib/docker', usedPercent: 91 },
  causes: [],
  remediation: ['Clean up images'],
  source: 'host-check',
  line: '/var/lib/docker: 91% used',
});

describe('HostCheckScheduler', () => {
  it('emits on state change, repeats at the slow interval, and reports resolution', async () => {
    let now = 0;
    let results: Finding[] = [];
    const events: TriageEvent[] = [];
    const s = new HostCheckScheduler(async () => ({ findings: results }), {
      intervalMs: 1000,
      repeatMs: 10_000,
      log: silentLogger,
      emit: (e) => events.push(e),
      changed: () => {},
      now: () => now,
    });
    results = [disk('warn')];
    await s.once();
    now += 1000;
    await s.once(); // unchanged: nothing
    results = [disk('error')];
    now += 1000;
    await s.once(); // warn → error
    now += 10_000;
    await s.once(); // still error after repeatMs: reminder
    results = [];
    now += 1000;
    await s.once(); // cleared
    expect(events.map((e) => [e.kind, e.severity])).toEqual([
      ['check', 'warn'],
      ['check', 'error'],
      ['check', 'error'],
      ['resolved', 'info'],
    ]);
    expect(events[3]!.message).toMatch(/^Resolved: /);
    expect(Object.keys(s.snapshot())).toHaveLength(0);
  });

  it('remembers states across a restart and resolves a problem that cleared while down', async () => {
    const events: TriageEvent[] = [];
    const saved = { 'host-disk-pressure\u0000/var/lib/docker': { severity: 'error', since: new Date(0).toISOString(), lastReported: new Date(0).toISOString(), title: 'Disk nearly full', category: 'disk_pressure' } };
    const s = new HostCheckScheduler(async () => ({ findings: [] }), { intervalMs: 1000, repeatMs: 10_000, log: silentLogger, emit: (e) => events.push(e), changed: () => {} }, saved);
    await s.once();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'resolved', category: 'disk_pressure', fields: { path: '/var/lib/docker' } });
  });
});
