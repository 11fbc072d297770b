// The host join of `task`: the fleet code sends `ecs-triage scan --task <arn>` to the task's container instance
// through the SSM test server, whose instance really runs the bundle on a fixture host, and the task's report
// carries the host's timeline. The fixture hosts are the repository's own (fixtures/hosts/).
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { TaskReport } from '../src/task/report.js';
import { INSTANCE_ID, baseWorld, scenario, startWorld, taskArn, type RunningWorld } from './task-world.js';

let world: RunningWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FIXTURE_TASK = '6ce9a63354f66a468c502260f57274b6';
const OOM_TASK = 'f642d5e17795bb3bc6e2d4f40f02270b';
const OOM_CONTAINER = '2e47009cad2d36aa42a69b2d5de5d3d2c62be5e541ff7b53a57bc9dda11bfd0e';

async function report(w: RunningWorld, id: string, extra: string[] = []): Promise<{ r: TaskReport; code: number | null; stdout: string }> {
  const out = await w.cli(['task', taskArn(id), '--endpoint-url', w.front.endpoint, '--format', 'json', '--poll-interval', '200ms', ...extra]);
  if (!out.stdout.trim().startsWith('{')) throw new Error(`task failed (exit ${out.code}): ${out.stderr}`);
  return { r: JSON.parse(out.stdout) as TaskReport, code: out.code, stdout: out.stdout };
}

describe('task: the host join through SSM', () => {
  it('the reference incident on the fixture host: the host\'s scan of that task is joined to the report', async () => {
    const w = scenario('reference-incident', 'EC2');
    w.taskId = FIXTURE_TASK;
    w.ssmInstances = [{ id: INSTANCE_ID, root: path.resolve('fixtures/hosts/ecr-auth-denied') }];
    world = await startWorld(w);
    const { r, stdout } = await report(world, FIXTURE_TASK);
    expect(r.host).toMatchObject({ joined: true, instanceId: INSTANCE_ID });
    expect(r.host.since).toMatch(/^\d+m$/);
    const s = r.host.summary!;
    expect(s.schema).toBe('ecs-triage/scan-summary');
    expect(s.findings.map((f) => f.category)).toContain('registry_auth_denied');
    const tl = s.task!;
    expect(tl.taskId).toBe(FIXTURE_TASK);
    expect(tl.timeline.length).toBeGreaterThan(3);
    // Only lines about this task: the fixture's other failing task is left out.
    expect(tl.timeline.filter((e) => e.text.includes(FIXTURE_TASK)).length).toBeGreaterThan(3);
    expect(stdout).not.toContain('31b0171796b4ed79c6494bb2987dbeb7');
    expect(tl.timeline.some((e) => e.category === 'registry_auth_denied')).toBe(true);
    expect(r.verdict).toMatchObject({ status: 'confirmed', category: 'registry_auth_denied' });
    // The command the host ran, as SSM saw it.
    const send = world.front.requests.filter((q) => q.service === 'ssm').map((q) => q.operation);
    expect(send).toEqual(expect.arrayContaining(['DescribeInstanceInformation', 'SendCommand', 'GetCommandInvocation']));
  });

  it('an OOM-killed container: the cause from ECS, no AWS check bears on it, the host timeline shows the kernel\'s kill', async () => {
    const w = baseWorld('EC2');
    w.taskId = OOM_TASK;
    w.stopCode = 'EssentialContainerExited';
    w.stoppedReason = 'Essential container in task exited';
    w.containers = [{ name: 'ledger-api', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ledger-api:7.2.3', reason: 'OutOfMemoryError: Container killed due to memory usage', exitCode: 137 }];
    w.ssmInstances = [{ id: INSTANCE_ID, root: path.resolve('fixtures/hosts/container-oom') }];
    world = await startWorld(w);
    const { r, code, stdout } = await report(world, OOM_TASK);
    expect(code).toBe(1);
    expect(r.verdict).toMatchObject({ category: 'oom', from: 'ecs', status: 'unverified' });
    expect(r.checks).toEqual([]);
    expect(r.checksChosen).toMatch(/no AWS check bears on oom/);
    const tl = r.host.summary!.task!;
    expect(tl.containers).toEqual([OOM_CONTAINER]);
    const kernel = tl.timeline.filter((e) => e.source === 'kernel');
    expect(kernel.some((e) => e.text.includes(`/ecs/${OOM_TASK}/`))).toBe(true);
    expect(kernel.some((e) => /Killed process 25750/.test(e.text))).toBe(true);
    expect(tl.timeline.some((e) => e.source === 'containerd' && e.text.includes(OOM_CONTAINER))).toBe(true);
    // The fixture's two other OOM-killed tasks are not in this task's timeline.
    expect(stdout).not.toContain('5e1b310021348b56cbb90e45893fc27b');
    expect(stdout).not.toContain('c23bcf6afd79788bdd0d3343f1f3d6c3');
    expect(stdout).not.toMatch(/Killed process 25439/);

    const text = await world.cli(['task', taskArn(OOM_TASK), '--endpoint-url', world.front.endpoint, '--poll-interval', '200ms']);
    expect(text.stdout).toMatch(/Cause \(oom\): .*\[NOT VERIFIED\]/);
    expect(text.stdout).toMatch(/Host i-0a1b2c3d4e5f60718 \(scan --task, since \d+m\): status /);
    expect(text.stdout).toMatch(/kernel \[oom\] Memory cgroup out of memory: Killed process 25750 \(java\)/);
  });

  it('an instance SSM does not manage: the report says why the host was not joined, the rest stands', async () => {
    world = await startWorld(scenario('reference-incident', 'EC2'));
    const { r } = await report(world, '4d2f1c0e9b8a47d6a5c4b3a2918f7e6d');
    expect(r.host).toMatchObject({ joined: false, instanceId: INSTANCE_ID, reason: expect.stringMatching(/not a managed instance/) });
    expect(r.verdict.status).toBe('confirmed');
  });
});
