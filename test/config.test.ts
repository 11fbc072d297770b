// The config schema: defaults, validation messages that name the key, flag overrides, and the README reference.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, KEYS, loadConfig, parseBytes, parseDurationMs } from '../src/config.js';
import { tmp } from './watch-helpers.js';

describe('config', () => {
  it('has a default for every key', () => {
    const c = buildConfig(undefined);
    expect(c.stateDir).toBe('/var/lib/ecs-triage');
    expect(c.sinks).toEqual(['stdout']);
    expect(c.tail.maxLineBytes).toBe(256 * 1024);
    expect(c.aggregate.windowMs).toBe(60_000);
    expect(c.cloudwatch).toMatchObject({ logGroup: '/ecs-triage/events', flushIntervalMs: 2000, spoolMaxBytes: 100_000_000, metricsNamespace: 'ECSTriage', emf: true });
    expect(c.files.map((f) => f.path)).toEqual(['/var/log/ecs/ecs-agent.log', '/var/log/ecs/ecs-init.log']);
  });

  it('accepts human durations and sizes; flags override the file', () => {
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseBytes('256KiB')).toBe(262_144);
    const c = buildConfig({ aggregate: { windowMs: '30s' }, tail: { maxLineBytes: '1MiB' }, sinks: ['file'] }, { sinks: ['stdout', 'file'], 'start.at': 'beginning' });
    expect(c.aggregate.windowMs).toBe(30_000);
    expect(c.tail.maxLineBytes).toBe(1024 * 1024);
    expect(c.sinks).toEqual(['stdout', 'file']);
    expect(c.start.at).toBe('beginning');
  });

  it.each([
    [{ aggregate: { windowMs: 'soon' } }, /aggregate\.windowMs: expected a duration/],
    [{ sinks: ['stdout', 'kafka'] }, /sinks: unknown value "kafka"/],
    [{ tail: { maxLineByte: 5 } }, /tail\.maxLineByte: unknown key/],
    [{ files: [{ path: 'relative.log', source: 'ecs-agent' }] }, /files\[0\]\.path: path must be an absolute host path/],
    [{ files: [{ path: '/x.log', source: 'agent' }] }, /files\[0\]\.source: unknown source "agent"/],
    [{ cloudwatch: { emf: 'yes' } }, /cloudwatch\.emf: expected true or false/],
    [{ journal: { restartMinMs: 5000, restartMaxMs: 1000 } }, /journal\.restartMaxMs: must be at least/],
  ])('rejects %j naming the key', (raw, message) => {
    expect(() => buildConfig(raw, {}, '/etc/ecs-triage/config.yaml')).toThrow(message);
  });

  it('reads YAML, reports bad YAML with the file name, and tolerates a missing default file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'sinks: [file]\nfileSink:\n  maxBytes: 1MB\n');
    expect((await loadConfig({ file })).config.fileSink.maxBytes).toBe(1_000_000);
    writeFileSync(file, 'sinks: [file\n');
    await expect(loadConfig({ file })).rejects.toThrow(/config\.yaml: not valid YAML/);
    await expect(loadConfig({ file: path.join(dir, 'nope.yaml') })).rejects.toThrow(/cannot read config file/);
    const none = await loadConfig({ env: { ECS_TRIAGE_CONFIG: undefined } });
    expect(none.config.sinks).toEqual(['stdout']);
  });

  it('every key is documented in the README configuration reference', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('<!-- section: config -->'));
    for (const k of KEYS) expect(section, k.key).toContain(`\`${k.key}\``);
  });
});
