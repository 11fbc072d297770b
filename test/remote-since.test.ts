// `--since` and `--timeout` of the commands that run a scan on instances through SSM (`fleet scan`, `task`) read
// the one grammar like every other flag (README, "One grammar"): `1w`, `1h30m` and timestamps were usage errors
// there, `task --host-timeout 2m` too, and the help showed the --timeout default as 600000 next to "a bare number
// is seconds". What reaches the instance stays in the Scan document's `Since` form.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { remoteParameters, remoteSince, SINCE_PATTERN } from '../src/fleet/remote.js';
import { BUNDLE } from './helpers/cli.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('remoteSince', () => {
  it('keeps what the Scan document accepts, says the rest in its form, exact or rounded up', () => {
    expect(remoteSince('2h', NOW)).toBe('2h');
    expect(remoteSince('1w', NOW)).toBe('7d');
    expect(remoteSince('1h30m', NOW)).toBe('90m');
    expect(remoteSince('500ms', NOW)).toBe('1s');
    expect(remoteSince('2026-11-23T09:00:00Z', NOW)).toBe('3h');
    expect(remoteSince('2026-11-23 11:58:30', NOW)).toBe('90s');
    expect(remoteSince('2026-11-23T11:58:30.5Z', NOW)).toBe('2m');
    // A service task that ran for years: more than 999999 minutes back.
    expect(remoteSince('2024-01-01T00:00:00Z', NOW)).toBe('25380h');
    expect(remoteSince('2024-01-01T12:00:00Z', NOW)).toBe('1057d');
    for (const v of ['1w', '1h30m', '2026-11-23T11:58:30.5Z', '2024-01-01T00:00:00Z']) expect(remoteSince(v, NOW)).toMatch(SINCE_PATTERN);
    expect(remoteSince('yesterday', NOW)).toBeUndefined();
    expect(remoteSince('2027-01-01', NOW)).toBeUndefined();
    expect(remoteParameters({ document: 'ecs-triage-Scan', since: remoteSince('1w', NOW)!, executionTimeout: 600 }).Since).toEqual(['7d']);
  });
});

describe('the CLI', () => {
  // Nothing listens on port 1: a flag that was accepted ends in "could not run" (3), a refused one in 2.
  const env = { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_EC2_METADATA_DISABLED: 'true' };
  const run = (args: readonly string[]) => spawnSync(process.execPath, [BUNDLE, ...args, '--endpoint-url', 'http://127.0.0.1:1'], { env, encoding: 'utf8', timeout: 60_000 });

  it.each([
    ['fleet', 'scan', '--cluster', 'prod', '--since', '1w'],
    ['fleet', 'scan', '--cluster', 'prod', '--since', '2026-11-23T09:00:00Z'],
    ['task', '0123456789abcdef0123456789abcdef', '--since', '1w'],
    ['task', '0123456789abcdef0123456789abcdef', '--since', '1h30m'],
    ['task', '0123456789abcdef0123456789abcdef', '--host-timeout', '5m'],
    ['task', '0123456789abcdef0123456789abcdef', '--host-timeout', '300'],
  ].map((a) => [a.join(' '), a] as const))('accepts %s', (_, args) => {
    const r = run(args);
    expect(r.stderr).not.toMatch(/--since|--host-timeout|invalid/);
    expect(r.status, r.stderr).toBe(3);
  });

  it.each([
    ['fleet', 'scan', '--cluster', 'prod', '--since', 'yesterday'],
    ['fleet', 'scan', '--cluster', 'prod', '--since', '2099-01-01'],
    ['task', '0123456789abcdef0123456789abcdef', '--since', 'yesterday'],
    ['task', '0123456789abcdef0123456789abcdef', '--host-timeout', '1s'],
  ].map((a) => [a.join(' '), a] as const))('refuses %s as a usage error', (_, args) => {
    const r = run(args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--since|--host-timeout/);
  });

  it('help shows duration defaults as they are written', () => {
    const help = (args: string[]) => spawnSync(process.execPath, [BUNDLE, ...args, '--help'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(help(['fleet', 'scan'])).toMatch(/--timeout <duration> .*\(default: 10m\)/);
    expect(help(['fleet', 'scan'])).toMatch(/--poll-interval <interval> .*\(default: 2s\)/);
    expect(help(['insights'])).toMatch(/--timeout <duration> .*\(default: 10m\)/);
    expect(help(['task'])).toMatch(/--host-timeout <duration> .*\(default: 2m\)/);
    for (const args of [['fleet', 'scan'], ['insights'], ['task']]) expect(help(args)).not.toMatch(/default: (600000|2000|120)\)/);
  });
});
