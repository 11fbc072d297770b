// `scan --task`: only what concerns one task, as one timeline. On the container-oom fixture host (three tasks
// OOM-killed) and on hosts built here from recorded dockerd output and genuine container directories, where the
// task's container ids can only be learned from the agent's state or the containers' ECS labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLE, runCli } from './helpers/cli.js';
import type { ScanSummary } from '../src/types.js';
import type { ScanReport } from '../src/report/schema.js';

const OOM_HOST = 'fixtures/hosts/container-oom';
const OOM_TASK = 'f642d5e17795bb3bc6e2d4f40f02270b';
const OTHER_TASKS = ['5e1b310021348b56cbb90e45893fc27b', 'c23bcf6afd79788bdd0d3343f1f3d6c3'];
const WEB_TASK = '0123456789abcdef0123456789abcdef';
const WEB_CONTAINER = '65e31afa85766755d44d8aae97ec631647a5bc7f531d00576817135740dcd47c';
const EXIT1_CONTAINER = '7b7490082bbd9c9dd6ad2e429f6b060a67fad6b093385d788bdbcfffa9e8b4f5';
const UNRELATED_CONTAINER = 'eefd4d99f48f85daf3bd254431c0ddb9356252ec54fe3a95b18a06070b4d4693';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'scan-task-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A host whose dockerd log (recorded) names several containers; which belong to the task is said only by `by`. */
async function builtHost(name: string, by: 'labels+state' | 'agent.db'): Promise<string> {
  const root = path.join(tmp, name);
  await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
  await mkdir(path.join(root, 'var/lib/docker/containers'), { recursive: true });
  await mkdir(path.join(root, 'var/lib/ecs/data'), { recursive: true });
  await cp('fixtures/recorded/dockerd-container-lifecycle.log', path.join(root, 'var/log/docker'));
  // The agent log names another task only: the ids must come from the state or the labels.
  await writeFile(path.join(root, 'var/log/ecs/ecs-agent.log'), 'level=info time=2026-11-23T22:37:00Z msg="Managed task got acs event" task=ffffffffffffffffffffffffffffffff desiredStatus=RUNNING seqnum=1\n');
  const arn = `arn:aws:ecs:us-east-1:123456789012:task/prod/${WEB_TASK}`;
  if (by === 'labels+state') {
    await cp('fixtures/containers/ecs-task-web', path.join(root, 'var/lib/docker/containers', WEB_CONTAINER), { recursive: true });
    await cp('fixtures/containers/stopped-exit1', path.join(root, 'var/lib/docker/containers', EXIT1_CONTAINER), { recursive: true });
    // ecs_agent_data.json, the state file of agents before BoltDB: IdToTask maps Docker ids to task ARNs.
    await writeFile(
      path.join(root, 'var/lib/ecs/data/ecs_agent_data.json'),
      JSON.stringify({ Data: { Cluster: 'prod', TaskEngine: { Tasks: [{ Arn: arn }], IdToTask: { [EXIT1_CONTAINER]: arn, [UNRELATED_CONTAINER]: 'arn:aws:ecs:us-east-1:123456789012:task/prod/ffffffffffffffffffffffffffffffff' } } }, Version: 28 }),
    );
  } else {
    // agent.db is BoltDB: a record's key (`<task id>-<container name>`) is followed by its JSON value in the page.
    const page = Buffer.concat([
      Buffer.from([0x02, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00]),
      Buffer.from(`${WEB_TASK}-web`, 'latin1'),
      Buffer.from(`{"DockerID":"${WEB_CONTAINER}","DockerName":"ecs-prod-web-42-web-a1b2c3d4","Container":{"Name":"web","TaskARNUnsafe":"${arn}"}}`),
      Buffer.alloc(64, 0),
    ]);
    await writeFile(path.join(root, 'var/lib/ecs/data/agent.db'), page);
  }
  return root;
}

describe('scan --task', () => {
  it('keeps only the task\'s own lines on a host where three tasks were OOM-killed', async () => {
    const r = await runCli(['scan', '--root', OOM_HOST, '--task', OOM_TASK, '--format', 'json', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ScanReport;
    const t = report.task!;
    expect(t.taskId).toBe(OOM_TASK);
    expect(t.learnedFrom).toEqual(['agent log']);
    for (const other of OTHER_TASKS) expect(r.stdout).not.toContain(other);
    expect(report.findings.every((f) => f.category === 'oom')).toBe(true);
    expect(report.findings.reduce((n, f) => n + f.count, 0)).toBeLessThanOrEqual(4);
    const sources = new Set(t.timeline.map((e) => e.source));
    for (const s of ['ecs-agent', 'containerd', 'dockerd', 'kernel', 'host-state']) expect(sources.has(s as never), s).toBe(true);
    // In time order, the agent's start first and its stop report last among the logged lines.
    const logged = t.timeline.filter((e) => e.source !== 'host-state');
    expect(logged.map((e) => e.time)).toEqual([...logged.map((e) => e.time)].sort());
    expect(logged[0]!.text).toMatch(/Received task payload from ACS/);
  });

  it('by task ARN, and as text', async () => {
    const r = await runCli(['scan', '--root', OOM_HOST, '--task', `arn:aws:ecs:us-east-1:123456789012:task/prod/${OOM_TASK}`, '--fail-on', 'never']);
    expect(r.stdout).toMatch(new RegExp(`Timeline of task ${OOM_TASK} on this host \\(\\d+ lines\\):\n  arn:aws:ecs:us-east-1:123456789012:task/prod/${OOM_TASK}\n`));
    expect(r.stdout).toMatch(/containers: 2e47009cad2d \(learned from agent log\)/);
    expect(r.stdout).toMatch(/kernel +\[oom\] Memory cgroup out of memory: Killed\s+process 25750 \(java\)/);
  });

  it('the text fits 80 columns (not a terminal) like the rest of the report: log lines wrap under their time', async () => {
    for (const task of [OOM_TASK, ...OTHER_TASKS]) {
      const r = await runCli(['scan', '--root', OOM_HOST, '--task', `arn:aws:ecs:us-east-1:123456789012:task/prod/${task}`, '--fail-on', 'never'], { env: { COLUMNS: '' } });
      const timeline = r.stdout.slice(r.stdout.indexOf('Timeline of task'));
      // Over 80 only when the line (after its indentation) is one token without spaces.
      const overlong = timeline.split('\n').filter((l) => [...l].length > 80 && l.trim().includes(' '));
      expect(overlong).toEqual([]);
      expect(timeline).toMatch(/\n {2}\S{24} kernel {4} \[oom\] /);
    }
  });

  it('the summary for SSM carries the timeline within its budget', async () => {
    const r = await runCli(['scan', '--root', OOM_HOST, '--task', OOM_TASK, '--format', 'summary', '--fail-on', 'never']);
    expect(r.stdout.length).toBeLessThan(24_000);
    const s = JSON.parse(r.stdout) as ScanSummary;
    expect(s.task?.taskId).toBe(OOM_TASK);
    expect(s.task!.timeline.length).toBeGreaterThan(10);
    expect(s.findings.map((f) => f.category)).toContain('oom');
  });

  it('--since leaves out earlier lines from the timeline too', async () => {
    const r = await runCli(['scan', '--root', OOM_HOST, '--task', OOM_TASK, '--since', '2026-11-23T18:00:00Z', '--format', 'json', '--fail-on', 'never']);
    const t = (JSON.parse(r.stdout) as ScanReport).task!;
    expect(t.timeline.filter((e) => e.source !== 'host-state').every((e) => (e.time ?? '') >= '2026-11-23T18:00:00')).toBe(true);
    expect(t.timeline.some((e) => /Killed process 25750/.test(e.text))).toBe(true);
  });

  it('learns the containers from their ECS labels and the agent\'s state file', async () => {
    const root = await builtHost('labels-state', 'labels+state');
    const r = await runCli(['scan', '--root', root, '--task', WEB_TASK, '--format', 'json', '--fail-on', 'never', '--no-checks']);
    const t = (JSON.parse(r.stdout) as ScanReport).task!;
    expect(t.containers).toEqual([WEB_CONTAINER, EXIT1_CONTAINER].sort());
    expect(t.learnedFrom.sort()).toEqual(['agent state', 'container labels']);
    expect(t.timeline.some((e) => e.text.includes(WEB_CONTAINER))).toBe(true);
    expect(t.timeline.some((e) => e.text.includes(EXIT1_CONTAINER))).toBe(true);
    expect(r.stdout).not.toContain(UNRELATED_CONTAINER);
  });

  it('learns them from agent.db (BoltDB) records', async () => {
    const root = await builtHost('agent-db', 'agent.db');
    const r = await runCli(['scan', '--root', root, '--task', `arn:aws:ecs:us-east-1:123456789012:task/prod/${WEB_TASK}`, '--format', 'json', '--fail-on', 'never', '--no-checks']);
    const t = (JSON.parse(r.stdout) as ScanReport).task!;
    expect(t.containers).toEqual([WEB_CONTAINER]);
    expect(t.learnedFrom).toEqual(['agent state']);
    expect(t.timeline.length).toBeGreaterThan(0);
  });

  it('host checks: the filesystems stay, container-log findings only for the task\'s own containers', async () => {
    const all = JSON.parse((await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--format', 'summary', '--fail-on', 'never'])).stdout) as ScanSummary;
    expect(all.findings.map((f) => f.category)).toContain('container_log_unbounded');
    const mine = JSON.parse((await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--task', '6ce9a63354f66a468c502260f57274b6', '--format', 'summary', '--fail-on', 'never'])).stdout) as ScanSummary;
    expect(mine.findings.map((f) => f.category)).toEqual(['registry_auth_denied']);
    expect(mine.task!.timeline.some((e) => e.source === 'host-state' && /filesystem/.test(e.text))).toBe(true);
  });

  it('loads neither the AWS SDK nor TLS: scan --task, task --help', () => {
    const probe = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nBUILTINS "+JSON.stringify(process.moduleLoadList.filter(m=>/^NativeModule (http2|https)$/.test(m)))+"\\n"))';
    for (const args of [['scan', '--root', OOM_HOST, '--task', OOM_TASK, '--format', 'summary', '--fail-on', 'never'], ['task', '--help']]) {
      const r = spawnSync(process.execPath, ['--import', probe, BUNDLE, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(0);
      const line = r.stderr.split('\n').find((l) => l.startsWith('BUILTINS ')) ?? 'BUILTINS ?';
      expect(JSON.parse(line.slice(9)), args.join(' ')).toEqual([]);
    }
  });

  it('a task the host never saw: an empty timeline that says so, and bad task ids are usage errors', async () => {
    const r = await runCli(['scan', '--root', OOM_HOST, '--task', '99999999999999999999999999999999', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no line on this host names the task or its containers/);
    const bad = await runCli(['scan', '--root', OOM_HOST, '--task', 'not a task']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--task: not a task id or task ARN/);
  });
});
