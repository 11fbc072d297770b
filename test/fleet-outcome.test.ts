// Reading invocation results and the command line: pure functions, table-driven.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interpretOutcome, parseSummary, atOrAbove } from '../src/fleet/outcome.js';
import { parseTargetSpec } from '../src/fleet/targets.js';
import { remoteParameters, runShellScriptCommands } from '../src/fleet/remote.js';
import { buildFleetReport } from '../src/fleet/aggregate.js';
import { renderFleetText } from '../src/fleet/render.js';
import { UsageError } from '../src/errors.js';

const summary = (status: string, findings: unknown[] = []) =>
  JSON.stringify({ schema: 'ecs-triage/scan-summary', schemaVersion: 1, generatedAt: '2026-11-23T10:00:00Z', status, findings, problems: 0 });
const base = { commandId: 'c'.repeat(36), instanceId: 'i-0123456789abcdef0' };

describe('interpretOutcome', () => {
  it.each([
    ['Failed', 'Undeliverable', 'unreachable', 'Undeliverable'],
    ['TimedOut', 'Delivery Timed Out', 'unreachable', 'DeliveryTimedOut'],
    ['TimedOut', 'DeliveryTimedOut', 'unreachable', 'DeliveryTimedOut'],
    ['TimedOut', 'Execution Timed Out', 'failed', 'ExecutionTimedOut'],
    ['Failed', 'Terminated', 'unreachable', 'Terminated'],
    ['Cancelled', 'Cancelled', 'failed', 'Cancelled'],
  ])('%s / %s → %s %s', (status, statusDetails, state, shown) => {
    expect(interpretOutcome({ ...base, status, statusDetails })).toMatchObject({ state, status: shown, reason: expect.any(String) });
  });

  it('a failed script shows its exit code and the first line of stderr, redacted', () => {
    const r = interpretOutcome({ ...base, status: 'Failed', statusDetails: 'Failed', responseCode: 2, stdout: '', stderr: '\nerror: key AKIAABCDEFGHIJKLMNOP rejected\nmore' });
    expect(r).toMatchObject({ state: 'failed', reason: 'exit 2: error: key [REDACTED-AKID] rejected' });
  });

  it('reads the summary from the last JSON line, ignoring other output', () => {
    const out = `starting\n{"not":"ours"}\n${summary('error', [{ category: 'oom', ruleId: 'r', severity: 'error', title: 't', count: 2 }])}\n`;
    expect(interpretOutcome({ ...base, status: 'Success', stdout: out })).toMatchObject({ state: 'answered', status: 'error' });
    expect(parseSummary('{"schema":"ecs-triage/scan-report"}')).toBeUndefined();
    expect(interpretOutcome({ ...base, status: 'Success', stdout: 'hello' })).toMatchObject({ state: 'failed', status: 'BadOutput', reason: 'output is not an ecs-triage summary: hello' });
  });

  it('a scan that could not look (exit 3, summary `unknown`) is answered as not checked, not failed and not ok', () => {
    const out = JSON.stringify({ ...JSON.parse(summary('unknown')), blind: 'no ECS agent log found in /var/log/ecs: this does not look like an ECS container instance' });
    const r = interpretOutcome({ ...base, status: 'Failed', statusDetails: 'Failed', responseCode: 3, stdout: `${out}\n`, stderr: '' });
    expect(r).toMatchObject({ state: 'answered', status: 'unknown', reason: 'not checked: no ECS agent log found in /var/log/ecs: this does not look like an ECS container instance' });
    const report = buildFleetReport({
      target: { kind: 'instances', instanceIds: ['i-00000001', base.instanceId] },
      document: 'AWS-RunShellScript',
      commandIds: [],
      instances: [{ instanceId: 'i-00000001', state: 'answered', status: 'ok', summary: JSON.parse(summary('ok')) }, r],
    });
    expect(report.instances.map((i) => i.status)).toEqual(['unknown', 'ok']);
    expect(report.totals.notChecked).toBe(1);
    expect(renderFleetText(report)).toMatch(/i-0123456789abcdef0\s+unknown\s+not checked: no ECS agent log found/);
    // Findings from other logs keep their severity, with the missing agent log noted beside them.
    const found = interpretOutcome({ ...base, status: 'Success', stdout: JSON.stringify({ ...JSON.parse(summary('critical', [{ category: 'disk_full', ruleId: 'r', severity: 'critical', title: 't', count: 1 }])), blind: 'no ECS agent log found' }) });
    expect(found).toMatchObject({ state: 'answered', status: 'critical' });
    const one = buildFleetReport({ target: { kind: 'instances', instanceIds: [base.instanceId] }, document: 'AWS-RunShellScript', commandIds: [], instances: [found] });
    expect(renderFleetText(one)).toMatch(/critical\s+disk_full \(1\) \[no ECS agent log read\]/);
  });

  it('an invocation we stopped waiting for is unreachable when it never started, failed when it was running', () => {
    expect(interpretOutcome({ ...base, status: 'Pending', gaveUp: 'x' }).state).toBe('unreachable');
    expect(interpretOutcome({ ...base, status: 'InProgress', gaveUp: 'x' }).state).toBe('failed');
  });

  it('atOrAbove compares severities and never counts ok', () => {
    expect(atOrAbove('error', 'warn')).toBe(true);
    expect(atOrAbove('warn', 'error')).toBe(false);
    expect(atOrAbove('ok', 'info')).toBe(false);
  });
});

describe('parseTargetSpec', () => {
  it('reads each form', () => {
    expect(parseTargetSpec({ cluster: 'prod' })).toEqual({ kind: 'cluster', cluster: 'prod' });
    expect(parseTargetSpec({ instanceIds: ['i-0123456789abcdef0,i-01234567', 'i-01234567'] })).toEqual({ kind: 'instances', instanceIds: ['i-0123456789abcdef0', 'i-01234567'] });
    expect(parseTargetSpec({ targets: ['tag:Env=prod,staging', 'tag-key=Team'] })).toEqual({
      kind: 'tags',
      targets: [{ Key: 'tag:Env', Values: ['prod', 'staging'] }, { Key: 'tag-key', Values: ['Team'] }],
    });
  });
  it.each([
    [{}],
    [{ cluster: 'a', targets: ['tag:A=b'] }],
    [{ instanceIds: ['i-xyz'] }],
    [{ targets: ['Env=prod'] }],
    [{ targets: Array.from({ length: 6 }, (_, i) => `tag:K${i}=v`) }],
  ])('rejects %j with a usage error', (opts) => {
    expect(() => parseTargetSpec(opts)).toThrow(UsageError);
  });
});

describe('remote command', () => {
  it('validates --since before it reaches a shell', () => {
    expect(() => remoteParameters({ document: 'AWS-RunShellScript', since: "2h'; reboot; '", executionTimeout: 60 })).toThrow(UsageError);
  });

  it.each([
    [0, 0],
    [1, 0],
    [2, 2],
    [3, 3],
    [137, 3],
    [194, 3],
  ])('AWS-RunShellScript commands map a scan exit %i to %i', (code, expected) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-remote-'));
    mkdirSync(path.join(dir, 'usr/local/bin'), { recursive: true });
    writeFileSync(path.join(dir, 'usr/local/bin/ecs-triage'), `#!/bin/sh\necho "$*"\nexit ${code}\n`);
    chmodSync(path.join(dir, 'usr/local/bin/ecs-triage'), 0o755);
    const r = spawnSync('sh', ['-c', runShellScriptCommands('2h').join('\n')], { env: { PATH: process.env.PATH, ECS_TRIAGE_ROOT: dir }, encoding: 'utf8' });
    expect(r.status).toBe(expected);
    expect(r.stdout.trim()).toBe('scan --since 2h --format summary --fail-on never');
  });
});

describe('renderFleetText', () => {
  it('says so when nothing matched, instead of an empty table', () => {
    const r = buildFleetReport({ target: { kind: 'tags', targets: [{ Key: 'tag:Env', Values: ['nope'] }] }, document: 'AWS-RunShellScript', commandIds: [], instances: [] });
    expect(renderFleetText(r)).toBe('No instances: nothing matched the targets.\n');
  });
});

describe('buildFleetReport', () => {
  it('counts a cause once per instance and sorts worst instance first', () => {
    const f = (ruleId: string, severity: 'warn' | 'error', count: number) => ({ category: 'oom' as const, ruleId, severity, title: ruleId, count });
    const ans = (id: string, status: 'ok' | 'warn' | 'error', findings: ReturnType<typeof f>[]) => ({
      instanceId: id,
      state: 'answered' as const,
      status,
      summary: { schema: 'ecs-triage/scan-summary' as const, schemaVersion: 1 as const, generatedAt: '', status, findings, problems: 0 },
    });
    const r = buildFleetReport({
      target: { kind: 'cluster', cluster: 'c' },
      document: 'AWS-RunShellScript',
      commandIds: [],
      instances: [
        ans('i-00000001', 'ok', []),
        ans('i-00000002', 'warn', [f('b', 'warn', 9)]),
        ans('i-00000003', 'error', [f('a', 'error', 1), f('b', 'warn', 1)]),
        { instanceId: 'i-00000004', state: 'unreachable', status: 'Undeliverable', reason: 'x' },
      ],
    });
    expect(r.instances.map((i) => i.instanceId)).toEqual(['i-00000003', 'i-00000002', 'i-00000004', 'i-00000001']);
    expect(r.causes.map((c) => [c.ruleId, c.instances, c.count])).toEqual([
      ['b', 2, 10],
      ['a', 1, 1],
    ]);
  });
});
