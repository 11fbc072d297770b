// Task records against a real dockerd (Debian's docker.io 20.10) under systemd 252: the harness's `docker`
// machine (test/system/harness/, README there) runs ecs-triage as the real hardened unit, reading the real
// /var/run/docker.sock; a container with ECS labels and a 16 MiB memory limit allocates past it (the kernel
// OOM-kills it), another exits 3. Their records, in the file sink, must show OOMKilled and exit code 3. There
// is no ECS agent in the machine: the records come from Docker alone, and `status` says the agent is missing.
// `npm run test:system` runs it; it needs the docker rootfs (built on first use, a few minutes, then cached).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Machine } from './harness/machine.js';
import { importBusybox, waitForDockerd } from './harness/docker.js';

const BUNDLE = readFileSync('dist/ecs-triage.mjs');
const UNIT = readFileSync('systemd/ecs-triage.service', 'utf8');
const STATE = '/var/lib/ecs-triage';
const CONFIG = `# system test: the shipped defaults, with the file sink (nothing reaches AWS)
sinks: [file]
stateDir: ${STATE}
`;
const ARN = (id: string): string => `arn:aws:ecs:us-east-1:111122223333:task/prod/${id}`;
const OOM_TASK = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01';
const EXIT3_TASK = '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b02';

const log = (s: string): void => void process.stderr.write(`[system/tasks] ${s}\n`);
let m: Machine | undefined;
afterAll(async () => {
  await m?.destroy();
});

interface Rec {
  kind: string;
  category: string;
  ruleId: string;
  fields: Record<string, unknown>;
  containers: Array<Record<string, unknown>>;
}

function records(machine: Machine): Rec[] {
  let text = '';
  try {
    text = machine.readFile(`${STATE}/events.jsonl`);
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec)
    .filter((e) => e.kind === 'task_stopped');
}

describe('task records from a real dockerd', () => {
  it('records an OOM-killed container (OOMKilled) and one that exits 3, once each, as the real unit', async () => {
    const t0 = Date.now();
    m = await Machine.create({ variant: 'docker', log });
    await m.boot();
    const version = await waitForDockerd(m);
    log(`dockerd ${version} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const image = importBusybox(m);

    m.writeFile('/usr/local/bin/ecs-triage', BUNDLE, 0o755);
    m.writeFile('/etc/ecs-triage/config.yaml', CONFIG);
    m.writeFile('/etc/systemd/system/ecs-triage.service', UNIT);
    m.useBootIdIn('ecs-triage.service');
    m.exec(['systemctl', 'daemon-reload']);
    m.exec(['systemctl', 'start', 'ecs-triage.service'], { timeoutMs: 60_000 });
    const up = Date.now() + 30_000;
    while (m.exec(['ecs-triage', 'status', '--state-dir', STATE, '--format', 'json'], { check: false }).status !== 0) {
      if (Date.now() > up) throw new Error(`ecs-triage did not come up:\n${m.exec(['journalctl', '-u', 'ecs-triage', '-n', '40', '--no-pager'], { check: false }).stdout}`);
      await sleep(500);
    }

    const labels = (task: string, family: string, name: string): string[] =>
      ['com.amazonaws.ecs.task-arn=' + ARN(task), `com.amazonaws.ecs.task-definition-family=${family}`, 'com.amazonaws.ecs.task-definition-version=3', 'com.amazonaws.ecs.cluster=prod', `com.amazonaws.ecs.container-name=${name}`].flatMap((l) => ['--label', l]);
    const hog = m.exec(['docker', 'run', '--network', 'none', ...labels(OOM_TASK, 'thumbnailer', 'resize'), '--memory', '16m', '--memory-swap', '16m', image, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], { check: false, timeoutMs: 60_000 });
    expect(hog.status).toBe(137);
    const three = m.exec(['docker', 'run', '--network', 'none', ...labels(EXIT3_TASK, 'batch', 'job'), image, 'sh', '-c', 'exit 3'], { check: false, timeoutMs: 60_000 });
    expect(three.status).toBe(3);

    // No agent here: a task is recorded once its containers have ended and 5 s passed quietly.
    const deadline = Date.now() + 60_000;
    while (records(m).length < 2 && Date.now() < deadline) await sleep(500);
    await sleep(3000);
    const recs = records(m);
    log(`records:\n${recs.map((r) => JSON.stringify(r)).join('\n')}`);
    expect(recs.map((r) => r.fields.taskId).sort()).toEqual([OOM_TASK, EXIT3_TASK]);

    const oom = recs.find((r) => r.fields.taskId === OOM_TASK)!;
    expect(oom).toMatchObject({ category: 'oom', ruleId: 'container-oomkilled', fields: { exitClass: 'oom', oomKilled: true, exitCode: 137, taskDefinition: 'thumbnailer:3' } });
    expect(oom.containers[0]).toMatchObject({ name: 'resize', oomKilled: true, exitCode: 137, exitClass: 'oom' });

    const exit3 = recs.find((r) => r.fields.taskId === EXIT3_TASK)!;
    expect(exit3).toMatchObject({ category: 'container_exit', ruleId: 'container-exit-other-code', fields: { exitClass: 'error', exitCode: 3, oomKilled: false, taskDefinition: 'batch:3' } });
    expect(exit3.containers[0]).toMatchObject({ name: 'job', exitCode: 3, oomKilled: false });
    expect(String(exit3.containers[0]!.dockerId)).toMatch(/^[0-9a-f]{64}$/);

    // The hardened unit could reach the socket; the missing agent is said, and is no failure.
    const st = m.exec(['ecs-triage', 'status', '--state-dir', STATE], { check: false });
    log(st.stdout);
    expect(st.status).toBe(0);
    expect(st.stdout).toMatch(/task records: Docker \/var\/run\/docker\.sock: API 1\.41/);
    expect(st.stdout).toMatch(/task records: ECS agent http:\/\/127\.0\.0\.1:51678: unavailable \(ECONNREFUSED/);

    // A restart of the unit repeats nothing.
    m.exec(['systemctl', 'restart', 'ecs-triage.service'], { timeoutMs: 60_000 });
    await sleep(8000);
    expect(records(m)).toHaveLength(2);
  }, 900_000);
});
