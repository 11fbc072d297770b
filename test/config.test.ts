// The configuration: one declaration per key (src/config/keys.ts) gives the defaults, the validation (with the
// key named and the nearest key suggested for a typo), the flags' parsing, and the README's reference table.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, changedKeys, defaultConfig, KEYS, keySpec, loadConfig } from '../src/config.js';
import { withReference } from '../src/config/docs.js';
import { tmp } from './helpers/index.js';

const MiB = 1024 ** 2;

describe('config', () => {
  it('has a default for every key', () => {
    const c = defaultConfig();
    expect(c.stateDir).toBe('/var/lib/ecs-triage');
    expect(c.sinks).toEqual(['stdout']);
    expect(c.tail.maxLineBytes).toBe(256 * 1024);
    expect(c.aggregate.windowMs).toBe(60_000);
    // One default for the spool limit (there were two: 100,000,000 here and 104,857,600 in the sink).
    expect(c.cloudwatch).toEqual({ logGroup: '/ecs-triage/events', flushIntervalMs: 2000, spoolMaxBytes: 100 * MiB, metricsNamespace: 'ECSTriage', emf: true });
    expect(c.files.map((f) => f.path)).toEqual(['/var/log/ecs/ecs-agent.log', '/var/log/ecs/ecs-init.log']);
    for (const { key, spec } of KEYS) if (!spec.optional) expect(spec.default, key).toBeDefined();
  });

  it('reads durations and sizes with the one grammar; flags override the file', () => {
    const c = buildConfig({ aggregate: { windowMs: '30s' }, tail: { maxLineBytes: '1MiB' }, checks: { maxLogBytes: '1g' }, sinks: ['file'] }, { sinks: ['stdout', 'file'], 'start.at': 'beginning' });
    expect(c.aggregate.windowMs).toBe(30_000);
    expect(c.tail.maxLineBytes).toBe(MiB);
    expect(c.checks.maxLogBytes).toBe(1024 ** 3); // 1g is 2^30, as the --max-log-size flag and Docker read it
    expect(buildConfig({ fileSink: { maxBytes: '1MB' } }).fileSink.maxBytes).toBe(MiB);
    expect(c.sinks).toEqual(['stdout', 'file']);
    expect(c.start.at).toBe('beginning');
  });

  it('takes --since as scan does: 1w works, and a time without a zone is UTC', () => {
    const before = Date.now();
    const week = buildConfig(undefined, { 'start.since': '1w' }).start.since!;
    expect(week).toBeGreaterThanOrEqual(before - 7 * 86_400_000 - 1000);
    expect(week).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
    // In a zone far from UTC, so a local-time reading would show (Node applies a TZ set at run time).
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Auckland';
    try {
      expect(new Date(Date.parse('2026-11-23T09:00:00')).getUTCHours()).not.toBe(9);
      expect(buildConfig({ start: { since: '2026-11-23T09:00:00' } }).start.since).toBe(Date.parse('2026-11-23T09:00:00Z'));
      expect(buildConfig({ start: { since: '2026-11-23 09:00' } }).start.since).toBe(Date.parse('2026-11-23T09:00:00Z'));
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it.each([
    [{ aggregate: { windowMs: 'soon' } }, /aggregate\.windowMs: expected a duration/],
    [{ sinks: ['stdout', 'kafka'] }, /sinks: unknown value "kafka"/],
    [{ tail: { maxLineByte: 5 } }, /tail\.maxLineByte: unknown key \(did you mean tail\.maxLineBytes\?\)/],
    [{ cloudwach: { logGroup: '/x' } }, /cloudwach: unknown key \(did you mean cloudwatch\?\)/],
    [{ checks: { intervallMs: '5m' } }, /checks\.intervallMs: unknown key \(did you mean checks\.intervalMs\?\)/],
    [{ sinkz: ['file'] }, /sinkz: unknown key \(did you mean sinks\?\)/],
    [{ totallyDifferent: 1 }, /totallyDifferent: unknown key$/],
    [{ files: [{ path: 'relative.log', source: 'ecs-agent' }] }, /files\[0\]\.path: path must be an absolute host path/],
    [{ files: [{ path: '/x.log', source: 'agent' }] }, /files\[0\]\.source: unknown source "agent"/],
    [{ cloudwatch: { emf: 'yes' } }, /cloudwatch\.emf: expected true or false/],
    [{ cloudwatch: { retentionDays: 10 } }, /cloudwatch\.retentionDays: 10 is not allowed \(one of 1, 3, 5, 7, 14, 30/],
    [{ cloudwatch: { logGroup: 'my group' } }, /cloudwatch\.logGroup: a log group name is 1–512 of/],
    [{ cloudwatch: { logGroup: 'x'.repeat(513) } }, /cloudwatch\.logGroup: a log group name is 1–512/],
    [{ cloudwatch: { logGroup: 'aws/ecs' } }, /cloudwatch\.logGroup: log group names starting with aws\/ are reserved/],
    [{ cloudwatch: { logStream: 'a:b' } }, /cloudwatch\.logStream: "a:b" is not a log stream name/],
    [{ cloudwatch: { metricsNamespace: 'AWS/ECS' } }, /cloudwatch\.metricsNamespace: the AWS\/ prefix is reserved/],
    [{ cloudwatch: { spoolMaxBytes: '10k' } }, /cloudwatch\.spoolMaxBytes: must be at least 1MiB/],
    [{ journal: { restartMinMs: 5000, restartMaxMs: 1000 } }, /journal\.restartMaxMs: must be at least/],
    [{ checks: { inodeWarnPercent: 95 } }, /checks\.inodeWarnPercent: must not be above checks\.inodeErrorPercent \(90\)/],
    [{ checks: { diskErrorPercent: 150 } }, /checks\.diskErrorPercent: expected a percentage/],
  ])('rejects %j naming the key', (raw, message) => {
    expect(() => buildConfig(raw, {}, '/etc/ecs-triage/config.yaml')).toThrow(message);
  });

  it('accepts every retention CloudWatch allows and a log group at the length limit', () => {
    for (const d of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]) {
      expect(buildConfig({ cloudwatch: { retentionDays: d } }).cloudwatch.retentionDays).toBe(d);
    }
    expect(buildConfig({ cloudwatch: { logGroup: '/a.b-c_d#e/' + 'x'.repeat(500) } }).cloudwatch.logGroup).toHaveLength(511);
  });

  it('names the flag when a flag is wrong', () => {
    expect(() => buildConfig(undefined, { 'start.since': 'last tuesday' })).toThrow(/^--since: expected a duration ago/);
    expect(() => buildConfig(undefined, { sinks: ['kafka'] })).toThrow(/^--sink: unknown value/);
    expect(() => buildConfig(undefined, { 'checks.diskWarnPercent': '95' })).toThrow(/^--warn-percent: must not be above checks\.diskErrorPercent \(90\)/);
  });

  it('reads YAML, reports bad YAML with the file name, and tolerates a missing default file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'sinks: [file]\nfileSink:\n  maxBytes: 1MB\n');
    expect((await loadConfig({ file })).config.fileSink.maxBytes).toBe(MiB);
    writeFileSync(file, 'sinks: [file\n');
    await expect(loadConfig({ file })).rejects.toThrow(/config\.yaml: not valid YAML/);
    await expect(loadConfig({ file: path.join(dir, 'nope.yaml') })).rejects.toThrow(/cannot read config file/);
    const none = await loadConfig({ env: { ECS_TRIAGE_CONFIG: undefined } });
    expect(none.config.sinks).toEqual(['stdout']);
  });

  it('tells which changed keys a reload applies and which need a restart', () => {
    const a = defaultConfig();
    const b = buildConfig({ logLevel: 'debug', checks: { diskWarnPercent: 50 }, sinks: ['file'], start: { at: 'beginning' } });
    expect(changedKeys(a, b)).toEqual([
      { key: 'logLevel', reload: 'live' },
      { key: 'sinks', reload: 'restart' },
      { key: 'start.at', reload: 'first-start' },
      { key: 'checks.diskWarnPercent', reload: 'live' },
    ]);
    expect(keySpec('cloudwatch.spoolMaxBytes').reload).toBe('restart');
  });

  it('the README configuration reference is the one generated from the declaration', () => {
    const readme = readFileSync('README.md', 'utf8');
    const generated = withReference(readme);
    if (process.env.UPDATE_DOCS && generated !== readme) writeFileSync('README.md', generated);
    else expect(readme, 'run UPDATE_DOCS=1 npx vitest run test/config.test.ts').toBe(generated);
  });
});
