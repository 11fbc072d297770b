// Host checks over real files in temp dirs: filesystems (real statfs and the override file), container logs,
// every bad input, the findings and the disk_full correlation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHost } from '../src/host.js';
import type { ReportFinding } from '../src/types.js';
import { correlateDiskFull, renderChecksText, runHostChecks, type HostCheckReport } from '../src/checks/index.js';
import { defaultConfig } from '../src/config.js';
import { redacted, redactedFields } from '../src/redacted.js';
import { containerId, ecsLabels, statfsMount, writeContainer } from './helpers/index.js';

let root: string;
let containers: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'checks-'));
  containers = path.join(root, 'var/lib/docker/containers');
  await mkdir(containers, { recursive: true });
  await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeJson(rel: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), typeof value === 'string' ? value : JSON.stringify(value));
}
const statfsOverride = (value: unknown): Promise<void> => writeJson('.ecs-triage/statfs.json', value);
const byRule = (r: HostCheckReport, ruleId: string) => r.findings.filter((f) => f.ruleId === ruleId);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function diskFull(fields: Record<string, string> = {}): ReportFinding {
  return {
    category: 'disk_full',
    ruleId: 'docker-no-space-left',
    severity: 'error',
    title: redacted('No space left on device'),
    count: 3,
    images: [],
    tasks: [],
    containers: [],
    registries: [],
    fields: redactedFields(fields),
    example: { text: redacted('write /var/lib/docker/tmp/GetImageBlob1: no space left on device') },
    causes: [],
    remediation: [],
  };
}

/** The checks as the defaults configure them (src/config/keys.ts). */
const DEFAULTS = { thresholds: defaultConfig().checks };

describe('filesystems', () => {
  it('measures the real filesystem with statfs and reports it once for all four paths', async () => {
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.filesystems).toHaveLength(1);
    const fs = r.filesystems[0]!;
    expect(fs.figuresFrom).toBe('statfs');
    expect(fs.paths).toEqual(['/var/lib/docker', '/var/lib/ecs', '/var/log', '/']);
    const real = statfsSync(root);
    expect(fs.sizeBytes).toBe(real.blocks * real.bsize);
    // Other tests write to the same disk meanwhile: the figures agree up to what they wrote in between.
    expect(Math.abs(fs.usedBytes - (real.blocks - real.bfree) * real.bsize)).toBeLessThan(512 * 1024 ** 2);
    expect(fs.usedPercent).toBeGreaterThanOrEqual(0);
    expect(fs.mount).toBeUndefined(); // the real mount point lies outside --root
  });

  it('takes figures from the override, one entry per mount, and flags the full data root', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 40), '/var/lib/docker': statfsMount(100, 95) } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.filesystems.map((f) => [f.mount, f.paths])).toEqual([
      ['/var/lib/docker', ['/var/lib/docker']],
      ['/', ['/var/lib/ecs', '/var/log', '/']],
    ]);
    expect(r.filesystems[0]!.figuresFrom).toBe('override');
    const disk = byRule(r, 'host-disk-pressure');
    expect(disk).toHaveLength(1);
    expect(disk[0]).toMatchObject({ category: 'disk_pressure', severity: 'error', source: 'host-check', fields: { path: '/var/lib/docker', usedPercent: 95 } });
    expect(disk[0]!.remediation.join(' ')).toMatch(/ECS_IMAGE_CLEANUP_INTERVAL.*ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION|ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION.*ECS_IMAGE_CLEANUP_INTERVAL/s);
    expect(disk[0]!.remediation.join(' ')).toMatch(/docker system prune/);
    expect(r.status).toBe('error');
  });

  it('warns between the thresholds, is critical with no space left, and honours custom thresholds', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 85), '/var/log': statfsMount(1, 100) } });
    let r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(byRule(r, 'host-disk-pressure').map((f) => [f.fields.path, f.severity])).toEqual([
      ['/var/log', 'critical'],
      ['/', 'warn'],
    ]);
    r = await runHostChecks(makeHost(root), { thresholds: { ...DEFAULTS.thresholds, diskWarnPercent: 86, diskErrorPercent: 99 } });
    expect(byRule(r, 'host-disk-pressure').map((f) => f.fields.path)).toEqual(['/var/log']);
  });

  it('explains inodes exhausted while blocks are free', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 35, 1_000_000, 100) } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(byRule(r, 'host-disk-pressure')).toHaveLength(0);
    const inode = byRule(r, 'host-inode-pressure');
    expect(inode).toHaveLength(1);
    expect(inode[0]).toMatchObject({ category: 'inode_pressure', severity: 'critical', fields: { inodesFree: 0 } });
    expect(inode[0]!.line).toMatch(/0 free\) while blocks are only 35\.0 % used/);
    expect(inode[0]!.remediation[0]).toMatch(/Deleting large files does not help/);
  });

  it('maps host paths to mounts with the explicit `paths` table', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 10), '/data': statfsMount(200, 50) }, paths: { '/var/lib/docker': '/data' } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.filesystems.find((f) => f.mount === '/data')?.paths).toEqual(['/var/lib/docker']);
  });

  it('reports bad override entries as skipped and measures those paths for real', async () => {
    await statfsOverride({ mounts: { '/': { bsize: 4096, blocks: 10, bfree: 20, bavail: 0, files: 1, ffree: 1 }, '/var/log': statfsMount(1, 10) } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toContainEqual({ path: '/.ecs-triage/statfs.json: mounts./', reason: 'bfree is larger than blocks' });
    expect(r.filesystems.find((f) => f.mount === '/var/log')?.figuresFrom).toBe('override');
    expect(r.filesystems.find((f) => f.paths.includes('/'))?.figuresFrom).toBe('statfs');

    await statfsOverride('{"mounts": {');
    const r2 = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r2.skipped[0]).toMatchObject({ path: '/.ecs-triage/statfs.json', reason: expect.stringMatching(/not valid JSON/) });
    expect(r2.filesystems.every((f) => f.figuresFrom === 'statfs')).toBe(true);
  });
});

describe('container logs', () => {
  it('reads sizes, rotations, limits, names and ECS attribution of each container', async () => {
    await writeContainer(containers, {
      name: 'ecs-web-3-app-e8b6d1c5a1f0d2a3b401',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4',
      labels: ecsLabels('web', 3, 'app'),
      logs: { '': 5000, '.1': 10_000, '.2.gz': 700, '.3.gz': 600 },
      logConfig: { Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '4', compress: 'true' } },
    });
    await writeContainer(containers, {
      name: 'ecs-agent',
      image: 'amazon/amazon-ecs-agent:latest',
      logs: { '': 2000, '.1': 3000 },
      logConfig: { Type: 'json-file', Config: { 'max-size': '16m', 'max-file': '4' } },
    });
    await writeContainer(containers, { name: 'ecs-batch-7-worker-aa', image: 'worker:2', labels: ecsLabels('batch', 7, 'worker'), logs: { '': 40_000 } });
    await writeContainer(containers, { name: 'datadog-agent', image: 'datadog/agent:7', logs: { '': 100 }, logConfig: { Type: 'awslogs', Config: { 'awslogs-group': 'dd' } } });
    await writeContainer(containers, { name: 'old-job', image: 'job:1', running: false, logs: { '': 20_000 } });

    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual([]);
    expect(r.containerCount).toBe(5);
    const web = r.containers.find((c) => c.name?.startsWith('ecs-web'))!;
    const gz = (await Promise.all(['.2.gz', '.3.gz'].map((s) => stat(path.join(containers, web.id, `${web.id}-json.log${s}`))))).reduce((n, st) => n + st.size, 0);
    expect(gz).toBeGreaterThan(0);
    expect(r.totalLogBytes).toBe(5000 + 10_000 + gz + 2000 + 3000 + 40_000 + 100 + 20_000);
    expect(r.containers.map((c) => c.name)).toEqual(['ecs-batch-7-worker-aa', 'old-job', 'ecs-web-3-app-e8b6d1c5a1f0d2a3b401', 'ecs-agent', 'datadog-agent']);

    expect(web.logBytes).toBe(15_000 + gz);
    expect(web.logFiles.map((f) => f.name.replace(web.id, 'ID'))).toEqual(['ID-json.log', 'ID-json.log.1', 'ID-json.log.2.gz', 'ID-json.log.3.gz']);
    expect(web.limits).toEqual({ driver: 'json-file', maxSize: '10k', maxSizeBytes: 10_240, maxFile: 4, compress: true, from: 'hostconfig' });
    expect(web.kind).toBe('ecs-task');
    expect(web.ecs).toEqual({
      taskArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:123456789012:task\/prod\//),
      containerName: 'app',
      cluster: 'prod',
      family: 'web',
      revision: '3',
    });
    expect(r.containers.find((c) => c.name === 'ecs-agent')!.kind).toBe('ecs-agent');
    expect(r.containers.find((c) => c.name === 'datadog-agent')).toMatchObject({ kind: 'other', limits: { driver: 'awslogs' } });

    // Only the running json-file container without max-size is unbounded: the stopped one no longer grows.
    const unbounded = byRule(r, 'host-container-log-unbounded');
    expect(unbounded).toHaveLength(1);
    expect(unbounded[0]).toMatchObject({
      category: 'container_log_unbounded',
      severity: 'warn',
      fields: { container: 'worker', family: 'batch', revision: '7', dockerName: 'ecs-batch-7-worker-aa', logBytes: 40_000 },
    });
    expect(unbounded[0]!.line).toMatch(/^container worker of batch:7 task\/prod\/\w+: json-file log with no max-size/);
    expect(unbounded[0]!.remediation.join('\n')).toMatch(/logConfiguration[\s\S]*daemon\.json[\s\S]*awslogs/);
    expect(byRule(r, 'host-container-log-oversize')).toHaveLength(0);
  });

  it('falls back to daemon.json log-opts for the default driver, and follows its data-root', async () => {
    await writeJson('etc/docker/daemon.json', { 'data-root': '/data/docker', 'log-driver': 'json-file', 'log-opts': { 'max-size': '50m', 'max-file': '3' } });
    const moved = path.join(root, 'data/docker/containers');
    await writeContainer(moved, { name: 'a', logConfig: { Type: 'json-file', Config: {} } });
    await writeContainer(moved, { name: 'b', logConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.dataRoot).toBe('/data/docker');
    expect(r.filesystems[0]!.paths[0]).toBe('/data/docker');
    expect(r.containers.find((c) => c.name === 'a')!.limits).toMatchObject({ maxSize: '50m', maxFile: 3, from: 'daemon.json' });
    expect(r.containers.find((c) => c.name === 'b')!.limits).toMatchObject({ maxSize: '1m', maxFile: 3, from: 'hostconfig' });
    expect(byRule(r, 'host-container-log-unbounded')).toHaveLength(0);
  });

  it('flags logs over the size limit (sparse files, never read)', async () => {
    await writeContainer(containers, {
      name: 'ecs-web-3-chatty-01',
      labels: ecsLabels('web', 3, 'chatty'),
      logs: { '': 1.5 * GiB },
      logConfig: { Type: 'json-file', Config: { 'max-size': '2g' } },
    });
    await writeContainer(containers, { name: 'quiet', logs: { '': 200 * MiB }, logConfig: { Type: 'json-file', Config: { 'max-size': '1g' } } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    const over = byRule(r, 'host-container-log-oversize');
    expect(over.map((f) => f.fields.dockerName)).toEqual(['ecs-web-3-chatty-01']);
    expect(over[0]).toMatchObject({ category: 'container_log_oversize', fields: { logBytes: 1.5 * GiB, container: 'chatty' } });
    expect(over[0]!.line).toMatch(/1\.5 GiB of logs in 1 file\(s\), over the 1\.0 GiB limit/);
    const r2 = await runHostChecks(makeHost(root), { thresholds: { ...DEFAULTS.thresholds, maxLogBytes: 100 * MiB } });
    expect(byRule(r2, 'host-container-log-oversize')).toHaveLength(2);
  });

  it('flags logs over a share of the free space, as an error when the disk is past the error threshold', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(10, 99) } }); // ~100 MiB free
    await writeContainer(containers, { name: 'big', logs: { '': 80 * MiB }, logConfig: { Type: 'json-file', Config: { 'max-size': '100m' } } });
    await writeContainer(containers, { name: 'small', logs: { '': 10 * MiB }, logConfig: { Type: 'json-file', Config: { 'max-size': '100m' } } });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    const over = byRule(r, 'host-container-log-oversize');
    expect(over.map((f) => [f.fields.dockerName, f.severity])).toEqual([['big', 'error']]);
    expect(over[0]!.line).toMatch(/of the 102 MiB still free on its filesystem/);
  });
});

describe('bad input is skipped with a reason, and the check goes on', () => {
  it('container dir without config.v2.json: logs still counted, name unknown', async () => {
    const id = await writeContainer(containers, { name: 'half-created', configV2: false, logs: { '': 1234 } });
    await writeContainer(containers, { name: 'fine' });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual([{ path: `/var/lib/docker/containers/${id}`, reason: expect.stringMatching(/^no config\.v2\.json/) }]);
    expect(r.containerCount).toBe(2);
    expect(r.containers.find((c) => c.id === id)).toMatchObject({ kind: 'unknown', logBytes: 1234 });
  });

  it('truncated, empty or non-JSON hostconfig.json / config.v2.json', async () => {
    const a = await writeContainer(containers, { name: 'truncated', hostconfig: '{"Binds":null,"LogConfig":{"Type":"json-fi' });
    const b = await writeContainer(containers, { name: 'empty', hostconfig: '' });
    const c = await writeContainer(containers, { name: 'garbage', configV2: '\u0000\u0000\u0000' });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped.map((s) => [s.path.replace(/[0-9a-f]{64}/, (m) => (m === a ? 'A' : m === b ? 'B' : m === c ? 'C' : m)), s.reason])).toEqual(
      expect.arrayContaining([
        ['/var/lib/docker/containers/A/hostconfig.json', expect.stringMatching(/^not valid JSON .*truncated/)],
        ['/var/lib/docker/containers/B/hostconfig.json', expect.stringMatching(/^empty file/)],
        ['/var/lib/docker/containers/C/config.v2.json', expect.stringMatching(/^not valid JSON/)],
      ]),
    );
    expect(r.containerCount).toBe(3);
    // Unknown limits are not called unbounded: we cannot tell.
    expect(r.containers.find((x) => x.id === a)!.limits.from).toBe('unknown');
    // The one with unreadable config.v2.json still has a readable hostconfig: its unbounded log is still reported.
    expect(byRule(r, 'host-container-log-unbounded').map((f) => f.fields.dockerId)).toEqual([c.slice(0, 12)]);
  });

  it('a metadata file that is a FIFO or far too large does not hang the check', async () => {
    const fifo = await writeContainer(containers, { name: 'fifo', configV2: false });
    execFileSync('mkfifo', [path.join(containers, fifo, 'config.v2.json')]);
    const big = await writeContainer(containers, { name: 'big', hostconfig: false });
    await writeFile(path.join(containers, big, 'hostconfig.json'), '');
    await truncate(path.join(containers, big, 'hostconfig.json'), 5 * MiB);
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { path: `/var/lib/docker/containers/${fifo}/config.v2.json`, reason: 'cannot read config.v2.json: is a FIFO (named pipe), not a regular file' },
        { path: `/var/lib/docker/containers/${big}/hostconfig.json`, reason: 'cannot read hostconfig.json: 5242880 bytes, too large for container metadata' },
      ]),
    );
    expect(r.containerCount).toBe(2);
  });

  it('a log file that vanishes between listing and stat', async () => {
    const id = await writeContainer(containers, { name: 'rotating', logs: { '': 500 } });
    // A dangling entry is exactly what readdir-then-stat sees when Docker rotates or removes in between.
    await symlink(path.join(containers, id, 'gone'), path.join(containers, id, `${id}-json.log.1`));
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual([{ path: `/var/lib/docker/containers/${id}/${id}-json.log.1`, reason: expect.stringMatching(/vanished while checking/) }]);
    expect(r.containers[0]).toMatchObject({ id, logBytes: 500 });
  });

  it('containers removed while the walk runs', async () => {
    for (let i = 0; i < 100; i++) await writeContainer(containers, { name: `c${i}`, logs: { '': 10 } });
    const removing = (async () => {
      for (let i = 0; i < 100; i += 2) await rm(path.join(containers, containerId(`c${i}`)), { recursive: true, force: true });
    })();
    const [r] = await Promise.all([runHostChecks(makeHost(root), DEFAULTS), removing]);
    // Whatever raced, every container is either reported or skipped with a reason; nothing threw.
    expect(r.containerCount).toBeGreaterThanOrEqual(50);
    for (const s of r.skipped) expect(s.reason).toMatch(/vanished|no config\.v2\.json/);
  });

  it('a data root that does not exist', async () => {
    await rm(path.join(root, 'var/lib/docker'), { recursive: true });
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual([{ path: '/var/lib/docker', reason: expect.stringMatching(/^Docker data root does not exist/) }]);
    expect(r.containerCount).toBe(0);
    expect(r.filesystems[0]!.paths).toContain('/var/lib/docker'); // measured at its nearest existing parent
  });

  it('a daemon.json that is not JSON', async () => {
    await writeJson('etc/docker/daemon.json', '{ "log-opts": { "max-size": "10m" ');
    const r = await runHostChecks(makeHost(root), DEFAULTS);
    expect(r.skipped).toEqual([{ path: '/etc/docker/daemon.json', reason: expect.stringMatching(/not valid JSON.*using Docker defaults/) }]);
    expect(r.dataRoot).toBe('/var/lib/docker');
  });
});

describe('correlateDiskFull', () => {
  beforeEach(async () => {
    await writeContainer(containers, { name: 'ecs-web-3-app-01', labels: ecsLabels('web', 3, 'app'), logs: { '': 300 * MiB } });
    await writeContainer(containers, { name: 'ecs-agent', image: 'amazon/amazon-ecs-agent:latest', logs: { '': 1000 }, logConfig: { Type: 'json-file', Config: { 'max-size': '16m', 'max-file': '4' } } });
  });

  it('names the full data-root filesystem, says blocks ran out, and lists the largest logs', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 20), '/var/lib/docker': statfsMount(50, 100) } });
    const checks = await runHostChecks(makeHost(root), DEFAULTS);
    const findings = [diskFull({ path: '/var/lib/docker/tmp/GetImageBlob123' }), { ...diskFull(), category: 'oom' as const }];
    correlateDiskFull(findings, checks);
    const ctx = findings[0]!.context!;
    expect(ctx[0]).toMatch(/^Filesystem holding \/var\/lib\/docker\/tmp\/GetImageBlob123: \/var\/lib\/docker, 100\.0 % of 50\.0 GiB used, 0 B available/);
    expect(ctx[1]).toMatch(/^Blocks ran out/);
    expect(ctx[2]).toMatch(/^Largest container logs on it: container app of web:3 task\/prod\/\w+ 300 MiB \(no max-size\); ECS agent \(ecs-agent\) 1000 B\. All 2 containers' logs/);
    expect(findings[1]!.context).toBeUndefined();
  });

  it('explains inodes exhausted while blocks are free', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 20, 500_000, 100) } });
    const checks = await runHostChecks(makeHost(root), DEFAULTS);
    const findings = [diskFull()];
    correlateDiskFull(findings, checks);
    expect(findings[0]!.context![0]).toMatch(/^Filesystem holding the Docker data root: \/ \(holds .*inodes 100\.0 % used \(0 free\)/);
    expect(findings[0]!.context![1]).toMatch(/^Inodes ran out while 24\.0 GiB of blocks are still free.*Deleting large files will not help/);
  });

  it('maps paths inside image layers to the data root, and the agent\'s /data to /var/lib/ecs', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 20), '/var/lib/docker': statfsMount(50, 100), '/var/lib/ecs': statfsMount(1, 100, 1000, 5) } });
    const checks = await runHostChecks(makeHost(root), DEFAULTS);
    const findings = [diskFull({ path: '/usr/share/elasticsearch/lib/lucene-core-9.8.0.jar' }), diskFull({ path: '/data/agent.db' })];
    correlateDiskFull(findings, checks);
    expect(findings[0]!.context![0]).toMatch(/^Filesystem holding the Docker data root \(\/usr\/share\/elasticsearch\/lib\/lucene-core-9\.8\.0\.jar is inside an image or container layer\): \/var\/lib\/docker, 100\.0 %/);
    expect(findings[0]!.context).toHaveLength(3);
    expect(findings[1]!.context![0]).toMatch(/^Filesystem holding \/data\/agent\.db \(host path \/var\/lib\/ecs\/data\/agent\.db\): \/var\/lib\/ecs, 100\.0 % of 1\.0 GiB/);
    expect(findings[1]!.context).toHaveLength(2);
  });

  it('a path on another filesystem gets that filesystem, without the container logs', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 20), '/var/lib/docker': statfsMount(50, 100) } });
    const checks = await runHostChecks(makeHost(root), DEFAULTS);
    const findings = [diskFull({ path: '/var/log/ecs/ecs-agent.log' })];
    correlateDiskFull(findings, checks);
    expect(findings[0]!.context).toHaveLength(2);
    expect(findings[0]!.context![0]).toMatch(/^Filesystem holding \/var\/log\/ecs\/ecs-agent\.log: \/ \(holds \/var\/lib\/ecs, \/var\/log, \/\), 20\.0 %/);
    expect(findings[0]!.context![1]).toMatch(/^Neither blocks nor inodes are exhausted now/);
  });
});

describe('renderChecksText', () => {
  it('shows filesystems, the largest logs with their ECS task, grouped findings and skipped items', async () => {
    await statfsOverride({ mounts: { '/': statfsMount(30, 92) } });
    await writeContainer(containers, { name: 'ecs-web-3-app-01', labels: ecsLabels('web', 3, 'app'), logs: { '': 3000, '.1': 4000 } });
    for (let i = 0; i < 7; i++) await writeContainer(containers, { name: `loose-${i}`, logs: { '': 100 + i } });
    await writeContainer(containers, { name: 'broken', hostconfig: '{' });
    const report = await runHostChecks(makeHost(root), { ...DEFAULTS, top: 3 });
    // At 80 columns (the default) the long label goes under its figures; the rest is read at 200.
    expect(renderChecksText(report)).toMatch(/SIZE\s+USED\s+AVAIL\s+USE\s+INODES\s+FROM\s+FILESYSTEM\n\s+30\.0 GiB .* 92\.0 %\s+10\.0 %\s+override\n\s+\/ \(holds \/var\/lib\/docker, \/var\/lib\/ecs, \/var\/log, \/\)/);
    const text = renderChecksText(report, { width: 200 });
    expect(text).toMatch(/^Host checks: status ERROR, data root \/var\/lib\/docker/);
    expect(text).toMatch(/30\.0 GiB .* 92\.0 %\s+10\.0 %\s+override\s+\/ \(holds \/var\/lib\/docker, \/var\/lib\/ecs, \/var\/log, \/\)\n/);
    expect(text).toMatch(/Container logs: 9 containers, .* \(largest 3 shown\)/);
    expect(text).toMatch(/6\.8 KiB\s+2\s+none\s+running\s+container app of web:3 task\/prod\/\w+ \[ecs-web-3-app-01\]/);
    expect(text).toMatch(/ERROR\s+host-disk-pressure: Filesystem is nearly full\n/);
    expect(text).toMatch(/WARN\s+host-container-log-unbounded: Container log has no size limit \(8\)\n(\s+- .*\n){5}\s+… and 3 more/);
    expect(text).toMatch(/Skipped \(1\)\n\s+\/var\/lib\/docker\/containers\/[0-9a-f]{64}\/hostconfig\.json: not valid JSON/);
  });
});
