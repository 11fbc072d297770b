// The text report on an 80-column SSM console: the width rule over every fixture host, the index of causes,
// one size budget for the whole text (the details of the lowest causes go first, never the index), host-check
// findings printed once, task ARNs as a count and the first few, times with how long ago, and colours only on
// a terminal (a real pseudo-terminal from util-linux `script`) without NO_COLOR.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderText, TEXT_BUDGET, toSummary } from '../src/report/text.js';
import { programOf, units, wrap } from '../src/report/layout.js';
import type { ReportFinding } from '../src/types.js';
import type { ScanReport } from '../src/report/schema.js';
import { redacted as r, redactedList } from '../src/redacted.js';
import { BUNDLE, FIXTURE_HOSTS, runCli, runCliSync, tmp } from './helpers/index.js';

function finding(i: number): ReportFinding {
  return {
    category: 'image_not_found', ruleId: `rule-${i}`, severity: i % 3 === 0 ? 'error' : 'warn', title: r(`Cause number ${i} `.padEnd(120, 'x')), count: 100 - i,
    firstSeen: '2026-11-23T09:00:00.000Z', lastSeen: '2026-11-23T10:00:00.000Z',
    images: Array.from({ length: 8 }, (_, k) => r(`123456789012.dkr.ecr.us-east-1.amazonaws.com/app-${k}:v${i}`)),
    tasks: Array.from({ length: 20 }, (_, k) => r(`arn:aws:ecs:us-east-1:123456789012:task/prod/${String(i * 100 + k).padStart(32, '0')}`)),
    containers: [r('web')], registries: [],
    fields: {}, example: { file: r('/var/log/ecs/ecs-agent.log'), line: i, text: r('level=error '.padEnd(2000, 'y ')) },
    causes: redactedList(['one', 'two', 'three']), remediation: Array.from({ length: 6 }, (_, k) => r(`step ${k} `.padEnd(200, 'z '))),
  };
}

const report = (n: number): ScanReport => ({
  schema: 'ecs-triage/scan-report', schemaVersion: 1, tool: { name: 'ecs-triage', version: 't' }, generatedAt: '2026-11-23T12:00:00.000Z',
  root: '/', status: 'error', findings: Array.from({ length: n }, (_, i) => finding(i)),
  sources: [{ file: '/var/log/ecs/ecs-agent.log', kind: 'ecs-agent', bytes: 1, lines: 1, matched: 1, skipped: 0 }],
  problems: Array.from({ length: 30 }, (_, i) => ({ file: `/f${i}`, reason: 'x' })),
  coverage: { agentLogs: { found: 1, read: 1 }, denied: [] },
});

/**
 * Lines over the width that break the rule: after the indentation and a list marker, a line longer than the
 * width must hold one unbreakable token — a word without spaces, or a command (it starts with a program name).
 */
function overlong(text: string, width: number): string[] {
  return text.split('\n').filter((line) => {
    if ([...line].length <= width) return false;
    const body = line.trimStart().replace(/^(?:\d+\.|-) /, '');
    return body.includes(' ') && !programOf(body.split(' ')[0]!);
  });
}

const HOSTS = readdirSync(FIXTURE_HOSTS).filter((h) => statSync(path.join(FIXTURE_HOSTS, h)).isDirectory());

describe('text report at 80 columns', () => {
  it.each(HOSTS)('%s: every line fits in 80 columns or is one unbreakable token', (host) => {
    const res = runCliSync(['scan', '--root', path.join(FIXTURE_HOSTS, host), '--since', '3650d', '--fail-on', 'never'], { env: { COLUMNS: '' } });
    expect(res.stderr).toBe('');
    expect(overlong(res.stdout, 80)).toEqual([]);
    // Not a TTY: no colour codes, ever.
    expect(res.stdout).not.toMatch(/\x1b\[/);
    // The index: one line per cause, in the order of the details below it.
    const json = JSON.parse(runCliSync(['scan', '--root', path.join(FIXTURE_HOSTS, host), '--since', '3650d', '--format', 'json']).stdout) as ScanReport;
    const index = res.stdout.split('\n').filter((l) => /^ {2}\s*\d+ {2}(CRITICAL|ERROR|WARN|INFO)\s/.test(l));
    expect(index.map((l) => l.trim().split(/\s+/)[1])).toEqual(json.findings.map((f) => f.severity.toUpperCase()));
    for (const [i, f] of json.findings.entries()) {
      expect(index[i]).toContain(String(f.count));
      expect(res.stdout).toContain(`\n${i + 1}. ${f.severity.toUpperCase()} `);
    }
    // Host-check findings are causes; the host state section does not list them a second time.
    expect(res.stdout).not.toMatch(/^Findings \(\d+\)/m);
  });

  it('COLUMNS sets the width; the index cuts titles to it and keeps one line per cause', () => {
    const host = path.join(FIXTURE_HOSTS, 'task-start-conflicts');
    const narrow = runCliSync(['scan', '--root', host, '--fail-on', 'never'], { env: { COLUMNS: '60' } }).stdout;
    expect(overlong(narrow, 60)).toEqual([]);
    const wide = runCliSync(['scan', '--root', host, '--fail-on', 'never'], { env: { COLUMNS: '200' } }).stdout;
    const titles = (t: string) => t.split('\n').filter((l) => /^ {2}\s*\d+ {2}[A-Z]+\s/.test(l));
    expect(titles(narrow).length).toBe(titles(wide).length);
    expect(titles(narrow).every((l) => l.length <= 60)).toBe(true);
    expect(titles(narrow).some((l) => l.endsWith('…'))).toBe(true);
    expect(titles(wide).some((l) => l.length > 80)).toBe(true);
  });

  it('commands stay whole so they can be pasted; prose around them wraps', () => {
    const step = 'Confirm the role: aws ecs describe-task-definition --task-definition FAMILY:REVISION --query taskDefinition.executionRoleArn --output text (the refused role here: prod-api-task-execution)';
    expect(units(step)).toContain('aws ecs describe-task-definition --task-definition FAMILY:REVISION --query taskDefinition.executionRoleArn --output text');
    const lines = wrap(step, 80, '  1. ', '     ');
    expect(lines).toEqual([
      '  1. Confirm the role:',
      '     aws ecs describe-task-definition --task-definition FAMILY:REVISION --query taskDefinition.executionRoleArn --output text',
      '     (the refused role here: prod-api-task-execution)',
    ]);
    // Quotes hold a command together; `;` and `and` end it; a program name inside prose is prose.
    expect(units("Check: docker inspect C --format '{{.State.OOMKilled}} {{.State.ExitCode}}'; then look")).toContain("docker inspect C --format '{{.State.OOMKilled}} {{.State.ExitCode}}';");
    expect(units('Compare: grep X /etc/ecs/ecs.config and aws ecs list-clusters')).toEqual(['Compare:', 'grep X /etc/ecs/ecs.config', 'and', 'aws ecs list-clusters']);
    expect(units('restart the docker daemon now')).toEqual(['restart', 'the', 'docker', 'daemon', 'now']);
    // A sentence's full stop ends the command: the prose after it wraps (it made an 82-column line of prose).
    expect(units('After the fix: systemctl is-active docker. The ECS agent comes back')).toEqual(['After', 'the', 'fix:', 'systemctl is-active docker.', 'The', 'ECS', 'agent', 'comes', 'back']);
    expect(units("Run grep 'a. B' /etc/ecs/ecs.config now")).toEqual(['Run', "grep 'a. B' /etc/ecs/ecs.config now"]);
  });

  it('the example of the README: the index first, times with how long ago, task ARNs as a count and the first few', () => {
    const res = runCliSync(['scan', '--root', path.join(FIXTURE_HOSTS, 'ecr-auth-denied'), '--fail-on', 'never'], { env: { COLUMNS: '' } });
    const out = res.stdout;
    expect(out.indexOf('Causes, most severe first:')).toBeLessThan(out.indexOf('\n1. ERROR'));
    expect(out).toMatch(/^ {2}1 {2}ERROR {5} +12 {2}\d+d ago +The role pulling the image may not call ecr:Ge/m);
    expect(out).toMatch(/first 2026-11-23T09:12:07Z \(\d+d ago\), last 2026-11-23T10:58:19Z \(\d+d ago\)/);
    expect(out).toMatch(/tasks \(4, under arn:aws:ecs:us-east-1:123456789012:task\/\):\n {5}prod\/31b0171796b4ed79c6494bb2987dbeb7,/);
    expect(out).toMatch(/prod\/794e97f3760e8aaef4ae5bdea9898a9a \(\+1 more; --format json lists them\)/);
    expect(out).not.toContain('prod/99e6ff9e85a464ebd16400ad7319c3d0');
  });
});

describe('one size budget', () => {
  it('cuts the details of the lowest causes, never the index, and stays within the budget', () => {
    const text = renderText(report(40));
    expect(text.length).toBeLessThanOrEqual(TEXT_BUDGET);
    const index = text.split('\n').filter((l) => /^ {2}\s*\d+ {2}(ERROR|WARN)\s/.test(l));
    expect(index).toHaveLength(40);
    const shown = [...text.matchAll(/^(\d+)\. (ERROR|WARN) /gm)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(40);
    expect(shown).toEqual(shown.map((_, i) => i + 1)); // the first causes, in order
    expect(text).toMatch(new RegExp(`Details of causes ${shown.length + 1}–40 left out to keep the report within 24,000`));
    // What follows the details stays: the notes and the sources.
    expect(text).toMatch(/Notes \(30\):/);
    expect(text).toMatch(/Sources: \/var\/log\/ecs\/ecs-agent\.log/);
  });

  it('a smaller budget keeps fewer details, the same index', () => {
    const small = renderText(report(10), { budget: 6_000 });
    expect(small.length).toBeLessThanOrEqual(6_000);
    expect(small.split('\n').filter((l) => /^ {2}\s*\d+ {2}(ERROR|WARN)\s/.test(l))).toHaveLength(10);
    expect(small).toMatch(/Details of causes \d+–10 left out/);
  });

  it('shows everything when it fits, and long lists as a count and the first few', () => {
    const text = renderText(report(2));
    expect(text).not.toMatch(/left out/);
    expect(text).toMatch(/fix:\n\s+1\. step 0/);
    expect(text).toMatch(/images \(8\): 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/app-0:v0,/);
    expect(text).toMatch(/tasks \(20\+, under arn:aws:ecs:us-east-1:123456789012:task\/\):/);
    expect(text).toMatch(/\(\+17 more, maybe others; --format\s+json lists 20\)/);
    expect(text).toMatch(/last 2026-11-23T10:00:00Z \(2h ago\)/);
  });

  it('the summary form fits in 24,000 characters and says when it was cut', () => {
    const s = toSummary(report(2000));
    expect(JSON.stringify(s).length).toBeLessThan(24_000);
    expect(s.truncated).toBe(true);
  });
});

/** Runs the bundle on a pseudo-terminal (util-linux `script`): stdout is a TTY as on an operator's screen. */
function onTerminal(args: string[], env: Record<string, string> = {}, redirect = ''): string {
  const cmd = [process.execPath, BUNDLE, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', `stty cols 100; ${cmd}${redirect}`, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, TERM: 'xterm', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  return r.stdout.replace(/\r\n/g, '\n');
}

describe('on a terminal', () => {
  const args = ['scan', '--root', path.join(FIXTURE_HOSTS, 'ecr-auth-denied'), '--fail-on', 'never', '--no-checks'];

  it('colours severities and wraps at the terminal width', () => {
    const out = onTerminal(args);
    expect(out).toContain('\x1b[31mStatus: ERROR\x1b[0m');
    expect(out).toMatch(/ {2}1 {2}\x1b\[31mERROR {3}\x1b\[0m/);
    expect(out).toContain('1. \x1b[31mERROR\x1b[0m The role pulling');
    // The terminal is 100 columns wide here: the index shows more of each title than at 80.
    expect(out).toMatch(/The role pulling the image may not call ecr:GetAuthorizationToken\n/);
  });

  it('a scan that takes more than a second shows files and bytes read on stderr, then clears the line; none when stderr is not a TTY', async () => {
    // Every line is a candidate that the rules classify: a few seconds of work on any machine.
    const root = tmp('ecs-triage-progress-');
    mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
    const line = 'level=error time=2026-11-23T09:00:00Z msg="Error pulling image" error="write /var/lib/docker/tmp/x: no space left on device"\n';
    writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), line.repeat(200_000));
    const slow = ['scan', '--root', root, '--no-checks', '--format', 'summary'];
    const err = onTerminal(slow, { ECS_TRIAGE_SCAN_WORKERS: '1' }, ' >/dev/null');
    expect(err).toMatch(/^\rscanning: 0 of 1 files, [\d.]+ (?:KiB|MiB) read — \/var\/log\/ecs\/ecs-agent\.log\x1b\[K/);
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    const piped = await runCli(slow, { env: { ECS_TRIAGE_SCAN_WORKERS: '1' } });
    expect(piped.stderr).toBe('');
    expect(JSON.parse(piped.stdout).findings[0].count).toBe(200_000);
  }, 60_000);

  it('NO_COLOR turns colours off; COLUMNS wins over the terminal width', () => {
    const out = onTerminal(args, { NO_COLOR: '1', COLUMNS: '80' });
    expect(out).toMatch(/Status: ERROR/);
    expect(out).not.toMatch(/\x1b\[\d/);
    expect(overlong(out, 80)).toEqual([]);
  });
});
