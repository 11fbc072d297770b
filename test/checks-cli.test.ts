// `ecs-triage check` as a real process over the fixture hosts and temp roots: text, JSON, thresholds,
// exit codes, and a permission error seen by an unprivileged user.
import { describe, expect, it } from 'vitest';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostCheckReport } from '../src/checks/index.js';
import { ecsLabels, runCli, writeContainer } from './helpers/index.js';

const HOSTS = path.resolve('fixtures/hosts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], opts: { uid?: number; gid?: number } = {}): Promise<Run> {
  // Wide, so the patterns below read whole rows (the 80-column layout is tested in report-text.test.ts).
  const r = await runCli(args, { ...opts, env: { COLUMNS: '200' } });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function json(args: string[]): Promise<{ code: number; report: HostCheckReport }> {
  const r = await run([...args, '--format', 'json']);
  return { code: r.code, report: JSON.parse(r.stdout) as HostCheckReport };
}

describe('ecs-triage check', () => {
  it('text report of the many-containers host: table, grouped findings, skipped items; exit 0 below --fail-on', async () => {
    const r = await run(['check', '--root', path.join(HOSTS, 'many-containers')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Host checks: status WARN, data root \/var\/lib\/docker/);
    expect(r.stdout).toMatch(/30\.0 GiB\s+18\.3 GiB\s+11\.7 GiB\s+61\.0 %\s+7\.0 %\s+override\s+\/ \(holds \/var\/lib\/docker, \/var\/lib\/ecs, \/var\/log, \/\)/);
    expect(r.stdout).toMatch(/Container logs: 10 containers/);
    expect(r.stdout).toMatch(/none\s+running\s+container app of web:3 task\/prod\/5e1a9c0d7b2f4e83a6c1d09b8f7e2a41 \[ecs-web-3-app-/);
    expect(r.stdout).toMatch(/1m x 5\s+running\s+container web of web:42 task\/prod\/0123456789abcdef0123456789abcdef \[ecs-prod-web-42-web-a1b2c3d4\]/);
    expect(r.stdout).toMatch(/4\s+10k x 4 gz\s+stopped\s+compressed/);
    expect(r.stdout).toMatch(/3\s+10k x 3\s+stopped\s+rotated/);
    expect(r.stdout).toMatch(/none\s+running\s+ECS agent \(ecs-agent\)/);
    expect(r.stdout).toMatch(/awslogs\s+running\s+container shipper of metrics:2/);
    expect(r.stdout).toMatch(/WARN\s+host-container-log-unbounded: Container log has no size limit \(2\)/);
    expect(r.stdout).toMatch(/- ECS agent \(ecs-agent\): json-file log with no max-size/);
    expect(r.stdout).toMatch(/Skipped \(2\)\n.*7b7490082bbd\w+: no config\.v2\.json[\s\S]*8a6932c6470a\w+\/hostconfig\.json: not valid JSON/);
  });

  it('JSON report of the many-containers host (genuine dockerd 20.10 container dirs)', async () => {
    const { code, report } = await json(['check', '--root', path.join(HOSTS, 'many-containers')]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ schema: 'ecs-triage/host-checks', schemaVersion: 1, dataRoot: '/var/lib/docker', status: 'warn', containerCount: 10 });
    expect(report.skipped).toHaveLength(2);
    const compressed = report.containers.find((c) => c.name === 'compressed')!;
    expect(compressed.logFiles.map((f) => f.name.slice(64))).toEqual(['-json.log', '-json.log.1.gz', '-json.log.2.gz', '-json.log.3.gz']);
    expect(compressed.limits).toEqual({ driver: 'json-file', maxSize: '10k', maxSizeBytes: 10240, maxFile: 4, compress: true, from: 'hostconfig' });
    expect(compressed.running).toBe(false);
    const web = report.containers.find((c) => c.ecs?.family === 'web' && c.ecs.revision === '42')!;
    expect(web).toMatchObject({
      name: 'ecs-prod-web-42-web-a1b2c3d4',
      image: 'local/busybox:1.35',
      running: true,
      kind: 'ecs-task',
      ecs: { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef', containerName: 'web', cluster: 'prod' },
      limits: { maxSize: '1m', maxFile: 5 },
    });
    expect(report.containers.find((c) => c.kind === 'ecs-agent')?.name).toBe('ecs-agent');
    expect(report.containers.find((c) => c.name === 'unbounded')).toMatchObject({ kind: 'other', running: false, limits: { from: 'defaults' } });
    expect(report.findings.map((f) => [f.ruleId, f.fields.dockerName])).toEqual([
      ['host-container-log-unbounded', 'ecs-web-3-app-d2e8c4f6a9b7e1c03a00'],
      ['host-container-log-unbounded', 'ecs-agent'],
    ]);
    expect(report.findings[0]!.fields).toMatchObject({ taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/5e1a9c0d7b2f4e83a6c1d09b8f7e2a41', container: 'app', image: expect.stringContaining('/web:1.4.2') });
  });

  it('disk-full-container-logs: no space left on the root volume: critical, exit 1', async () => {
    const { code, report } = await json(['check', '--root', path.join(HOSTS, 'disk-full-container-logs')]);
    expect(code).toBe(1);
    expect(report.status).toBe('critical');
    expect(report.filesystems).toHaveLength(1); // one root volume holds everything, as on a default ECS-optimized AMI
    expect(report.findings[0]).toMatchObject({ ruleId: 'host-disk-pressure', severity: 'critical', fields: { path: '/', paths: '/var/lib/docker,/var/lib/ecs,/var/log,/', availableBytes: 0 } });
    expect(report.containers[0]).toMatchObject({ id: expect.stringMatching(/^1ebd6a15995a/), ecs: { containerName: 'app', family: 'orders' }, limits: { from: 'defaults' } });
  });

  it('inodes-exhausted: inode finding while blocks are free, logs bounded by daemon.json', async () => {
    const r = await run(['check', '--root', path.join(HOSTS, 'inodes-exhausted')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL host-inode-pressure: Filesystem is running out of inodes\n\s+- .*100\.0 % of 1966080 inodes used \(0 free\) while blocks are only 41\.0 % used/);
    expect(r.stdout).not.toMatch(/host-disk-pressure|host-container-log-unbounded/);
    expect(r.stdout).toMatch(/10m x 3 \(daemon\)/);
  });

  it('thresholds and --fail-on from the command line', async () => {
    const root = path.join(HOSTS, 'many-containers');
    expect((await run(['check', '--root', root, '--fail-on', 'warn'])).code).toBe(1);
    expect((await run(['check', '--root', path.join(HOSTS, 'inodes-exhausted'), '--fail-on', 'never'])).code).toBe(0);
    const { report } = await json(['check', '--root', root, '--max-log-size', '20k', '--warn-percent', '50', '--error-percent', '60.5', '--top', '2']);
    expect(report.containers).toHaveLength(2);
    expect(report.findings.filter((f) => f.ruleId === 'host-container-log-oversize').map((f) => f.fields.dockerName)).toEqual(['ecs-web-3-app-d2e8c4f6a9b7e1c03a00', 'unbounded', 'rotated']);
    expect(report.findings[0]).toMatchObject({ ruleId: 'host-disk-pressure', severity: 'error' });
  });

  it.each([
    [['--warn-percent', '95', '--error-percent', '90'], /--warn-percent: must not be above --error-percent \(90\)/],
    [['--warn-percent', '95'], /--warn-percent: must not be above checks\.diskErrorPercent \(90\)/],
    [['--max-log-size', 'lots'], /--max-log-size: expected a size such as 256k, 100m, 1g/],
    [['--inode-error-percent', 'x'], /--inode-error-percent: expected a percentage/],
    [['--format', 'xml'], /argument 'xml' is invalid/],
    [['--root', '/nonexistent/host'], /--root \/nonexistent\/host: no such directory/],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await run(['check', '--root', path.join(HOSTS, 'many-containers'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a permission error is a skipped item, and the check goes on', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'checks-perm-'));
    try {
      await chmod(root, 0o755);
      const containers = path.join(root, 'var/lib/docker/containers');
      await mkdir(containers, { recursive: true });
      await chmod(path.join(root, 'var/lib/docker'), 0o755);
      await chmod(containers, 0o755);
      const locked = await writeContainer(containers, { name: 'ecs-web-3-app-01', labels: ecsLabels('web', 3, 'app'), logs: { '': 100 } });
      const open = await writeContainer(containers, { name: 'open', logs: { '': 200 } });
      await chmod(path.join(containers, open), 0o755);
      for (const f of ['config.v2.json', 'hostconfig.json', `${open}-json.log`]) await chmod(path.join(containers, open, f), 0o644);
      await chmod(path.join(containers, locked), 0o700);
      // root reads everything, so the unreadable case needs an unprivileged process (nobody) when we are root.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = await run(['check', '--root', root, '--format', 'json', '--fail-on', 'never'], asNobody);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as HostCheckReport;
      expect(report.skipped).toEqual([{ path: `/var/lib/docker/containers/${locked}`, reason: 'permission denied reading container directory (run as root)' }]);
      expect(report.containers.map((c) => c.name)).toEqual(['open']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('scan includes the checks and explains `no space left on device` with them; --no-checks leaves them out', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'checks-scan-'));
    try {
      const containers = path.join(root, 'var/lib/docker/containers');
      await writeContainer(containers, { name: 'ecs-web-3-app-01', labels: ecsLabels('web', 3, 'app'), logs: { '': 5000 } });
      await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
      await mkdir(path.join(root, '.ecs-triage'), { recursive: true });
      await writeFile(
        path.join(root, '.ecs-triage/statfs.json'),
        JSON.stringify({ mounts: { '/': { bsize: 4096, blocks: 7864320, bfree: 5000000, bavail: 4600000, files: 1966080, ffree: 0 } } }),
      );
      await writeFile(
        path.join(root, 'var/log/ecs/ecs-agent.log'),
        'level=error time=2026-11-23T15:22:08Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4: ' +
          '[CannotPullContainerError] failed to register layer: write /usr/lib/node_modules/x/index.js: no space left on device" module=docker_client.go\n',
      );
      const r = await run(['scan', '--root', root, '--format', 'json']);
      const report = JSON.parse(r.stdout) as { checks?: HostCheckReport; findings: Array<{ category: string; context?: string[] }> };
      expect(report.checks?.schema).toBe('ecs-triage/host-checks');
      const full = report.findings.find((f) => f.category === 'disk_full')!;
      expect(full.context?.[1]).toMatch(/^Inodes ran out while .* of blocks are still free/);
      expect(full.context?.[2]).toMatch(/^Largest container logs on it: container app of web:3/);
      expect(report.findings.map((f) => f.category)).toEqual(expect.arrayContaining(['inode_pressure', 'container_log_unbounded']));
      const text = await run(['scan', '--root', root]);
      expect(text.stdout).toMatch(/Inodes ran out while/);
      expect(text.stdout).toMatch(/Host checks: status CRITICAL/);
      const without = JSON.parse((await run(['scan', '--root', root, '--format', 'json', '--no-checks'])).stdout) as { checks?: unknown; findings: Array<{ category: string; context?: string[] }> };
      expect(without.checks).toBeUndefined();
      expect(without.findings.find((f) => f.category === 'disk_full')?.context).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('on the live host (no --root) it measures / with statfs and finds the mount point', async () => {
    const { code, report } = await json(['check', '--fail-on', 'never']);
    expect(code).toBe(0);
    expect(report.root).toBe('/');
    expect(report.filesystems.every((f) => f.figuresFrom === 'statfs' && typeof f.mount === 'string')).toBe(true);
    expect(report.filesystems.flatMap((f) => f.paths).sort()).toEqual(['/', '/var/lib/docker', '/var/lib/ecs', '/var/log']);
  });
});
