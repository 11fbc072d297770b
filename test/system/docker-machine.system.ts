// The harness's `docker` variant: a machine whose docker.service is Debian's real dockerd, for system tests
// of the Docker sources (containers with ECS labels, OOM kills, exit codes). Building its rootfs costs a few
// minutes and ~600 MB, so it runs only when asked: ECS_TRIAGE_SYSTEM_DOCKER=1 npm run test:system.
import { afterAll, describe, expect, it } from 'vitest';
import { Machine } from './harness/machine.js';
import { forwardOomKill, importBusybox, waitForDockerd } from './harness/docker.js';

const wanted = process.env.ECS_TRIAGE_SYSTEM_DOCKER === '1';
let m: Machine | undefined;
afterAll(async () => {
  await m?.destroy();
});
const log = (s: string): void => void process.stderr.write(`[system/docker] ${s}\n`);

describe.runIf(wanted)('docker variant: a real dockerd under systemd 252', () => {
  it('boots with docker.service running dockerd, runs containers, and dockerd logs to the journal', async () => {
    const t0 = Date.now();
    m = await Machine.create({ variant: 'docker', log });
    await m.boot();
    const version = await waitForDockerd(m);
    log(`machine up with dockerd ${version} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(version).toMatch(/^20\.10\./);
    expect(m.exec(['docker', 'info', '--format', '{{.Driver}}']).stdout.trim()).toBe('vfs');

    const image = importBusybox(m);
    const labels = ['--label', 'com.amazonaws.ecs.task-arn=arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef', '--label', 'com.amazonaws.ecs.container-name=web'];
    const run = (args: string[]): number | null => m!.exec(['docker', 'run', '--network', 'none', ...labels, ...args], { check: false, timeoutMs: 60_000 }).status;
    expect(run(['--rm', image, 'true'])).toBe(0);
    expect(run(['--name', 'exits-3', image, 'sh', '-c', 'echo bye; exit 3'])).toBe(3);
    const inspect = m.exec(['docker', 'inspect', 'exits-3', '--format', '{{.State.ExitCode}} {{index .Config.Labels "com.amazonaws.ecs.container-name"}} {{.LogPath}}']).stdout.trim();
    expect(inspect).toMatch(/^3 web \/var\/lib\/docker\/containers\/[0-9a-f]{64}\/[0-9a-f]{64}-json\.log$/);
    expect(m.readFile(inspect.split(' ')[2]!)).toContain('"log":"bye\\n"');

    // A memory limit is enforced (here through the host's cgroup v1 memory controller, which the harness makes
    // writable; AL2023 uses cgroup v2): the kernel OOM-kills the process, Docker records it.
    const hog = m.exec(['docker', 'run', '--network', 'none', ...labels, '--memory', '16m', '--memory-swap', '16m', '--name', 'hog', image, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], {
      check: false,
      timeoutMs: 60_000,
    });
    expect(hog.status).toBe(137);
    const [oomKilled, hogId] = m.exec(['docker', 'inspect', 'hog', '--format', '{{.State.OOMKilled}} {{.Id}}']).stdout.trim().split(' ');
    expect(oomKilled).toBe('true');
    const kernel = forwardOomKill(m, hogId!);
    log(`kernel lines for the OOM kill:\n${kernel.join('\n')}`);
    expect(kernel.some((l) => /^oom-kill:constraint=CONSTRAINT_MEMCG,.*task=dd,/.test(l))).toBe(true);
    expect(kernel.some((l) => /^Memory cgroup out of memory: Killed process \d+ \(dd\)/.test(l))).toBe(true);

    // dockerd's own lines are in the journal as docker.service.
    const units = m.exec(['journalctl', '-u', 'docker.service', '-o', 'json', '--no-pager', '-n', '50']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(units.some((e) => e._SYSTEMD_UNIT === 'docker.service' && e.SYSLOG_IDENTIFIER === 'dockerd')).toBe(true);
  }, 900_000);
});
