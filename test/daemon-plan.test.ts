// Every declared configuration key reaches the part of the daemon that uses it: each key is changed in turn
// and the daemon's plan (what runtime.ts builds its parts from, src/daemon/plan.ts) must change with it. A key
// declared but never passed on, or a part that keeps a default of its own, fails here. Keys that SIGHUP applies
// must reach the part of the plan a reload replaces.
import { describe, expect, it } from 'vitest';
import { buildConfig, KEYS } from '../src/config.js';
import { planDaemon, type DaemonPlan } from '../src/daemon/plan.js';

/** A valid value other than the default for every key, and the base it needs (the journal keys need the journal). */
const CHANGES: Record<string, { value: unknown; base?: Record<string, unknown> }> = {
  root: { value: '/tmp/plan-root' },
  stateDir: { value: '/tmp/plan-state' },
  patternsDir: { value: '/tmp/plan-patterns' },
  logLevel: { value: 'debug' },
  sinks: { value: ['file', 'cloudwatch'] },
  'start.at': { value: 'beginning' },
  'start.since': { value: '2026-11-23T09:00:00Z' },
  files: { value: [{ path: '/var/log/other.log', source: 'dockerd' }] },
  'tail.maxLineBytes': { value: '64k' },
  'tail.partialLineTimeoutMs': { value: '7s' },
  'tail.pollIntervalMs': { value: '3s' },
  'tail.readChunkBytes': { value: '64k' },
  'tail.retryUnreadableMs': { value: '9s' },
  'journal.enabled': { value: 'on' },
  'journal.command': { value: '/opt/bin/journalctl', base: { 'journal.enabled': 'on' } },
  'journal.units': { value: ['docker'], base: { 'journal.enabled': 'on' } },
  'journal.kernel': { value: false, base: { 'journal.enabled': 'on' } },
  'journal.restartMinMs': { value: '2s', base: { 'journal.enabled': 'on' } },
  'journal.restartMaxMs': { value: '2m', base: { 'journal.enabled': 'on' } },
  'journal.fallbackFile': { value: '/var/log/docker.log', base: { 'journal.enabled': 'off' } },
  'aggregate.windowMs': { value: '2m' },
  'aggregate.keyFields': { value: ['image'] },
  'checks.enabled': { value: false },
  'checks.intervalMs': { value: '1m' },
  'checks.repeatMs': { value: '2h' },
  'checks.diskWarnPercent': { value: 70 },
  'checks.diskErrorPercent': { value: 95 },
  'checks.inodeWarnPercent': { value: 70 },
  'checks.inodeErrorPercent': { value: 95 },
  'checks.maxLogBytes': { value: '2g' },
  'checks.maxLogSharePercent': { value: 25 },
  'tasks.enabled': { value: false },
  'tasks.dockerSocket': { value: '/run/other/docker.sock' },
  'tasks.introspectionUrl': { value: 'http://127.0.0.1:51999' },
  'checkpoints.intervalMs': { value: '5s' },
  'status.intervalMs': { value: '30s' },
  'status.stallAfterMs': { value: '10m' },
  'fileSink.path': { value: '/tmp/plan-events.jsonl' },
  'fileSink.maxBytes': { value: '20m' },
  'fileSink.maxFiles': { value: 9 },
  'fileSink.fsync': { value: false },
  'cloudwatch.logGroup': { value: '/plan/group' },
  'cloudwatch.logStream': { value: 'plan-stream' },
  'cloudwatch.region': { value: 'eu-north-1' },
  'cloudwatch.endpoint': { value: 'http://127.0.0.1:1' },
  'cloudwatch.retentionDays': { value: 30 },
  'cloudwatch.flushIntervalMs': { value: '5s' },
  'cloudwatch.spoolMaxBytes': { value: '50m' },
  'cloudwatch.metricsNamespace': { value: 'PlanNS' },
  'cloudwatch.emf': { value: false },
};

/** The part of the plan a reload replaces (runtime.ts reload()): live keys must land here. */
const LIVE_PART = ['patternsDir', 'logLevel', 'aggregate', 'checks', 'tasks', 'checkpointsIntervalMs', 'status'] as const;

const plan = (overrides: Record<string, unknown>): DaemonPlan => planDaemon(buildConfig(undefined, overrides), { journalAvailable: () => false });
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x === undefined ? null : x));

describe('daemon plan', () => {
  it('has a test value for every declared key', () => {
    expect(Object.keys(CHANGES).sort()).toEqual(KEYS.map((k) => k.key).sort());
  });

  it.each(KEYS.map((k) => [k.key, k.spec.reload] as const))('%s reaches the daemon (%s)', (key, reload) => {
    const change = CHANGES[key]!;
    const before = plan(change.base ?? {});
    const after = plan({ ...change.base, [key]: change.value });
    expect(json(after), `${key} changed nothing in the plan`).not.toBe(json(before));
    if (reload === 'live') {
      const part = (p: DaemonPlan): string => json(LIVE_PART.map((f) => p[f]));
      expect(part(after), `${key} is applied on SIGHUP but does not reach the part a reload replaces`).not.toBe(part(before));
    }
  });
});
