// `scan`, `classify` and `explain` as a user runs them: the built bundle in a real process.
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary } from '../src/types.js';
import type { ScanReport } from '../src/report/schema.js';
import { FIXTURE_HOSTS, runCli } from './helpers/cli.js';

const host = (name: string) => path.join(FIXTURE_HOSTS, name);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'scan-cli-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('scan', () => {
  it('names the cause on the demo host, exits 1 at --fail-on error and 0 with never', async () => {
    const r = await runCli(['scan', '--root', host('ecr-auth-denied')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Status: ERROR/);
    expect(r.stdout).toContain('ecr:GetAuthorizationToken');
    expect(r.stdout).toContain('AmazonECSTaskExecutionRolePolicy');
    expect(r.stdout.length).toBeLessThan(24_000);
    expect((await runCli(['scan', '--root', host('ecr-auth-denied'), '--fail-on', 'never'])).code).toBe(0);
    expect((await runCli(['scan', '--root', host('healthy'), '--no-checks'])).code).toBe(0);
  });

  it('writes the versioned JSON report and the compact summary', async () => {
    const j = await runCli(['scan', '--root', host('image-tag-deleted'), '--format', 'json', '--no-checks']);
    const report = JSON.parse(j.stdout) as ScanReport;
    expect(report).toMatchObject({ schema: 'ecs-triage/scan-report', schemaVersion: 1, status: 'error' });
    expect(report.findings[0]).toMatchObject({ category: 'image_not_found' });
    expect(report.sources.length).toBeGreaterThan(0);
    const s = await runCli(['scan', '--root', host('image-tag-deleted'), '--format', 'summary', '--no-checks']);
    const summary = JSON.parse(s.stdout) as ScanSummary;
    expect(summary).toMatchObject({ schema: 'ecs-triage/scan-summary', schemaVersion: 1, status: 'error' });
    expect(summary.findings.map((f) => f.category)).toContain('image_not_found');
  });

  it('limits the window with --since, by each line\'s own timestamp', async () => {
    // After the fixture's last line (a time in the future is a usage error: grammar.test.ts).
    const r = await runCli(['scan', '--root', host('ecr-auth-denied'), '--since', '2026-11-24T00:00:00Z', '--format', 'json', '--no-checks']);
    expect((JSON.parse(r.stdout) as ScanReport).findings).toEqual([]);
    expect(r.code).toBe(0);
    const late = await runCli(['scan', '--root', host('ecr-auth-denied'), '--since', '2026-11-23T10:30:00Z', '--format', 'json', '--no-checks']);
    const all = await runCli(['scan', '--root', host('ecr-auth-denied'), '--format', 'json', '--no-checks']);
    const count = (out: string) => (JSON.parse(out) as ScanReport).findings.reduce((n, f) => n + f.count, 0);
    expect(count(late.stdout)).toBeGreaterThan(0);
    expect(count(late.stdout)).toBeLessThan(count(all.stdout));
  });

  it('exits 2 with a clear message for a missing --root or a bad flag', async () => {
    const r = await runCli(['scan', '--root', path.join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such directory');
    const bad = await runCli(['scan', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected one of: text, json, summary/);
  });

  it('survives bad input: unreadable, binary, 10 MB line, invalid UTF-8, truncated journal JSON', async () => {
    const root = path.join(tmp, 'bad-host');
    await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
    await mkdir(path.join(root, 'journal'), { recursive: true });
    const err = 'level=error time=2026-11-23T09:00:00Z msg="Error pulling image" error="dial tcp 52.1.2.3:443: i/o timeout"';
    await writeFile(
      path.join(root, 'var/log/ecs/ecs-agent.log'),
      Buffer.concat([
        Buffer.from(`${err}\n`),
        Buffer.from('x'.repeat(10 * 1024 * 1024) + '\n'),
        Buffer.from('level=error time=2026-11-23T09:00:01Z msg="bad \xff\xfe" error="no space left on device"\n', 'latin1'),
        Buffer.from(`${err}\n`),
      ]),
    );
    await writeFile(path.join(root, 'var/log/ecs/ecs-agent.log.1'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 0, 0, 0]));
    await writeFile(path.join(root, 'var/log/ecs/ecs-init.log'), 'level=info time=2026-11-23T08:00:00Z msg="started"\n');
    await chmod(path.join(root, 'var/log/ecs/ecs-init.log'), 0o000);
    await writeFile(
      path.join(root, 'journal/docker.json'),
      '{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795400000000000","_SYSTEMD_UNIT":"docker.service","MESSAGE":"level=error msg=\\"write /var/lib/docker/tmp/x: no space left on device\\""}\n{"__CURSOR":"c2","MESSAGE":"level=error msg=\\"no space left',
    );
    // Root reads everything; run as nobody so the chmod 000 file really is unreadable.
    await chmod(tmp, 0o755);
    const r = await runCli(['scan', '--root', root, '--format', 'json', '--no-checks'], { uid: 65534, gid: 65534 });
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as ScanReport;
    const reasons = report.problems.map((p) => `${p.file}: ${p.reason}`).join('\n');
    expect(reasons).toMatch(/ecs-init\.log: cannot read: EACCES/);
    expect(reasons).toMatch(/ecs-agent\.log\.1: binary file/);
    expect(reasons).toMatch(/journal\/docker\.json: 1 malformed journal line/);
    const byCat = Object.fromEntries(report.findings.map((f) => [f.category, f.count]));
    expect(byCat.network_timeout).toBe(2);
    expect(byCat.disk_full).toBe(2); // the invalid-UTF-8 line and the journal entry
    const agent = report.sources.find((s) => s.file === '/var/log/ecs/ecs-agent.log')!;
    expect(agent.lines).toBe(4);
  });

  it('gives the same report from worker threads as from one thread', async () => {
    const root = path.join(tmp, 'par-host');
    await cp(host('private-subnet-no-endpoints'), root, { recursive: true });
    const args = ['scan', '--root', root, '--format', 'json', '--no-checks'];
    const one = JSON.parse((await runCli(args, { env: { ECS_TRIAGE_SCAN_WORKERS: '1' } })).stdout) as ScanReport;
    const strip = (r: ScanReport) => ({ findings: r.findings, sources: r.sources });
    // Pieces of a few KiB: threads take them in turn, and their findings merge back in file order.
    for (const [threads, piece] of [['2', '16777216'], ['2', '3000'], ['4', '1000']] as const) {
      const env = { ECS_TRIAGE_SCAN_WORKERS: threads, ECS_TRIAGE_PARALLEL_MIN_BYTES: '1', ECS_TRIAGE_SCAN_PIECE_BYTES: piece };
      const many = JSON.parse((await runCli(args, { env })).stdout) as ScanReport;
      expect(strip(many), `${threads} threads, pieces of ${piece} bytes`).toEqual(strip(one));
    }
    expect(one.findings.length).toBeGreaterThan(0);
  });

  it('refuses a binary file on the threaded path too, and reports it', async () => {
    const root = path.join(tmp, 'bin-host');
    await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
    const junk = Buffer.alloc(256 * 1024);
    junk.write('\x1f\x8b', 0, 'latin1');
    junk.write('\nlevel=error msg="x" error="dial tcp 1.2.3.4:443: i/o timeout"\n', 100_000);
    await writeFile(path.join(root, 'var/log/ecs/ecs-agent.log'), junk);
    const r = await runCli(['scan', '--root', root, '--format', 'json', '--no-checks'], { env: { ECS_TRIAGE_SCAN_WORKERS: '2', ECS_TRIAGE_PARALLEL_MIN_BYTES: '1' } });
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.findings).toEqual([]);
    expect(report.problems.map((p) => p.reason)).toContain('binary file: not a log, skipped');
  });

  it('shows the filesystem and the biggest container logs behind "no space left on device"', async () => {
    const r = await runCli(['scan', '--root', host('disk-full-container-logs'), '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    const disk = report.findings.find((f) => f.category === 'disk_full')!;
    expect(disk.context?.join('\n')).toMatch(/Blocks ran out/);
    expect(report.findings.map((f) => f.category)).toEqual(expect.arrayContaining(['disk_pressure', 'container_log_unbounded']));
  });
});

describe('classify and explain', () => {
  it('classify writes one JSON result per input line, in order, null when nothing matches', async () => {
    const input = [
      'CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: dial tcp 123456789012.dkr.ecr.us-east-1.amazonaws.com:443: i/o timeout',
      'level=info time=2026-11-23T09:00:00Z msg="Successfully pulled image"',
      'CannotPullContainerError: API error (404): repository 111122223333.dkr.ecr.us-east-1.amazonaws.com/app not found',
    ].join('\n');
    const r = await runCli(['classify', '--format', 'json'], { input });
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; category: string | null; fields: Record<string, unknown> });
    expect(out.map((o) => [o.line, o.category])).toEqual([[1, 'network_timeout'], [2, null], [3, 'image_not_found']]);
    expect(r.code).toBe(0);
  });

  it('explain turns a stopped reason into causes and steps', async () => {
    const r = await runCli(['explain', 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/category: secrets_init_failure/);
    expect(r.stdout).toMatch(/what to do:\n\s+1\. /);
    const none = await runCli(['explain', 'everything is fine']);
    expect(none.stdout).toMatch(/^Not recognised: no rule names the cause in this text\.\n  from: everything is fine\n/);
  });
});
