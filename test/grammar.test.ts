// One grammar for every flag and config key: durations, points in time, sizes (src/base/grammar.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize, parseTime } from '../src/base/grammar.js';
import { FIXTURE_HOSTS, runCliSync } from './helpers/index.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    [' 10S ', 10_000],
  ])('%j', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 'soon', '5', '-5s', '5 parsecs', '1h 30m', 'h', '1.2.3s', '5mo'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
  it('takes a bare number in the caller unit', () => {
    expect(parseDuration(250, { bare: 'ms' })).toBe(250);
    expect(parseDuration('250', { bare: 'ms' })).toBe(250);
    expect(parseDuration('600', { bare: 's' })).toBe(600_000);
    expect(parseDuration(600)).toBeUndefined();
  });
  it('prints the shortest exact spelling', () => {
    expect([60_000, 3_600_000, 1500, 300_000, 604_800_000, 0].map(formatDuration)).toEqual(['1m', '1h', '1500ms', '5m', '1w', '0s']);
  });
});

describe('points in time', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  it('a duration ago', () => {
    expect(parseTime('2h', now)).toBe(now - 2 * 3600_000);
    expect(parseTime('90s', now)).toBe(now - 90_000);
    expect(parseTime('1w', now)).toBe(now - 7 * 86_400_000);
  });
  it('ISO timestamps; without a zone they are UTC, a date alone is midnight UTC', () => {
    expect(parseTime('2026-11-23T09:00:00Z', now)).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(parseTime('2026-11-23T09:00:00', now)).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(parseTime('2026-11-23 09:00', now)).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(parseTime('2026-11-23T09:00:00.250+02:00', now)).toBe(Date.parse('2026-11-23T07:00:00.250Z'));
    expect(parseTime('2026-11-23', now)).toBe(Date.parse('2026-11-23T00:00:00Z'));
  });
  it.each(['yesterday-ish', 'Nov 23 2026', '2026-13-45', '', '5'])('rejects %j', (text) => expect(parseTime(text, now)).toBeUndefined());
});

describe('sizes (Docker syntax: binary multiples)', () => {
  it.each([
    ['10m', 10 * MiB],
    ['1g', GiB],
    ['1.5G', 1.5 * GiB],
    ['500k', 500 * KiB],
    ['100', 100],
    ['20MB', 20 * MiB],
    ['256KiB', 256 * KiB],
    ['2gib', 2 * GiB],
    ['1 MiB', MiB],
    ['64b', 64],
  ])('%j', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  it.each(['', 'ten', '-1', '1x', '1.2.3m', 'MiB', '1e6'])('rejects %j', (text) => expect(parseSize(text)).toBeUndefined());
  it('prints the shortest exact spelling', () => {
    expect([256 * KiB, 100 * MiB, GiB, 1000, 10 * MiB].map(formatSize)).toEqual(['256KiB', '100MiB', '1GiB', '1000', '10MiB']);
  });
});

describe('flags read with the same grammar in every command', () => {
  const fleet = (...args: string[]) => runCliSync(['fleet', 'scan', '--cluster', 'prod', ...args], { isolated: true });
  it('fleet --fail-on never is accepted; --timeout takes a duration or bare seconds', () => {
    // No Region in an isolated environment: the flags parsed, the command then stops there.
    for (const args of [['--fail-on', 'never'], ['--timeout', '10m'], ['--timeout', '600'], ['--poll-interval', '500ms']]) {
      const r = fleet(...args);
      expect(r.stderr, args.join(' ')).toMatch(/no AWS Region/);
      expect(r.code).toBe(2);
    }
    expect(fleet('--timeout', 'soon').stderr).toMatch(/--timeout.*expected a duration such as 90s, 10m or 1h/);
    expect(fleet('--timeout', '2s').stderr).toMatch(/--timeout: between 5s and 48h/);
  });

  it('a bad --format or --fail-on reads the same in every command (status and check said "Allowed choices are")', () => {
    for (const cmd of [['scan'], ['check'], ['status'], ['classify'], ['explain'], ['patterns', 'list'], ['queries', 'list'], ['task'], ['fleet', 'scan'], ['insights', 'x']]) {
      const r = runCliSync([...cmd, '--format', 'xml']);
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr, cmd.join(' ')).toMatch(/argument 'xml' is invalid\. expected one of: text, json/);
    }
    for (const cmd of [['scan'], ['check'], ['task'], ['fleet', 'scan']]) {
      expect(runCliSync([...cmd, '--fail-on', 'bogus']).stderr, cmd.join(' ')).toMatch(/expected one of: info, warn, error, critical, never/);
    }
  });

  it('--format text everywhere; `table` is still accepted where it was the name', () => {
    const text = runCliSync(['queries', 'list', '--format', 'text']);
    expect(text.code).toBe(0);
    expect(runCliSync(['queries', 'list', '--format', 'table']).stdout).toBe(text.stdout);
    expect(runCliSync(['queries', 'list']).stdout).toBe(text.stdout);
  });

  it('scan --since takes weeks and zone-less timestamps as UTC', () => {
    const root = `${FIXTURE_HOSTS}/ecr-auth-denied`;
    const week = runCliSync(['scan', '--root', root, '--since', '1w', '--format', 'json', '--no-checks', '--fail-on', 'never']);
    expect(week.code).toBe(0);
    const at = runCliSync(['scan', '--root', root, '--since', '2026-11-23 10:00', '--format', 'json', '--no-checks', '--fail-on', 'never']);
    const utc = runCliSync(['scan', '--root', root, '--since', '2026-11-23T10:00:00Z', '--format', 'json', '--no-checks', '--fail-on', 'never']);
    const counts = (out: string): number[] => (JSON.parse(out) as { findings: Array<{ count: number }> }).findings.map((f) => f.count);
    expect(counts(at.stdout)).toEqual(counts(utc.stdout));
  });

  it('a --since in the future is a usage error: scan kept no line and said OK, watch would drop every line until then', () => {
    const root = `${FIXTURE_HOSTS}/container-oom`;
    const scan = runCliSync(['scan', '--root', root, '--since', '2099-01-01', '--no-checks']);
    expect(scan.code).toBe(2);
    expect(scan.stderr).toMatch(/--since.*in the future \(a timestamp without a zone is UTC\)/);
    expect(scan.stdout).toBe('');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'since-future-'));
    try {
      const watch = runCliSync(['watch', '--root', root, '--state-dir', path.join(dir, 'state'), '--since', '2099-01-01T00:00']);
      expect(watch.code).toBe(2);
      expect(watch.stderr).toMatch(/--since: "2099-01-01T00:00" is in the future/);
      writeFileSync(path.join(dir, 'config.yaml'), 'start:\n  since: 2099-01-01\n');
      const validate = runCliSync(['validate', '--config', path.join(dir, 'config.yaml')]);
      expect(validate.code).toBe(2);
      expect(validate.stderr).toMatch(/start\.since: "2099-01-01" is in the future/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
