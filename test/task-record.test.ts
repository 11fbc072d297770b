// The task record built from what a real dockerd recorded (fixtures/recorded/tasks/inspect-*.json), with the
// shipped rules naming each exit: the meaning comes from patterns/container-exit.yaml and oom.yaml, not from a
// table of the task source's own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import type { ContainerInspect } from '../src/docker/engine.js';
import type { TrackedContainer, TrackedTask } from '../src/tasks/book.js';
import { TaskBook } from '../src/tasks/book.js';
import { findingKeys } from '../src/tasks/join.js';
import { parsePullLine } from '../src/tasks/pulls.js';
import { buildTaskRecord, HEALTH_OUTPUT_MAX } from '../src/tasks/record.js';
import { redacted, redactedFields } from '../src/redacted.js';
import type { TriageEvent } from '../src/types.js';
import { REPO } from './helpers/index.js';

const RECORDED = path.join(REPO, 'fixtures/recorded/tasks');
let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

function inspect(name: string): ContainerInspect {
  return JSON.parse(readFileSync(path.join(RECORDED, `inspect-${name}.json`), 'utf8')) as ContainerInspect;
}

function containerOf(doc: ContainerInspect, extra: Partial<TrackedContainer> = {}): TrackedContainer {
  return {
    name: doc.Config!.Labels!['com.amazonaws.ecs.container-name']!,
    dockerId: doc.Id,
    image: doc.Config!.Image!,
    createdAt: doc.Created!,
    state: doc.State!,
    running: false,
    signals: [],
    ...extra,
  };
}

function taskOf(docs: ContainerInspect[], extra: Partial<TrackedTask> = {}): TrackedTask {
  const labels = docs[0]!.Config!.Labels!;
  const arn = labels['com.amazonaws.ecs.task-arn']!;
  return {
    arn,
    id: arn.split('/').pop()!,
    family: labels['com.amazonaws.ecs.task-definition-family']!,
    revision: labels['com.amazonaws.ecs.task-definition-version']!,
    cluster: labels['com.amazonaws.ecs.cluster']!,
    agentKnows: false,
    containers: docs.map((d) => containerOf(d)),
    firstSeenAt: 0,
    ...extra,
  };
}

const build = (task: TrackedTask, more: Partial<Parameters<typeof buildTaskRecord>[0]> = {}) =>
  buildTaskRecord({ task, host: { containerInstanceArn: 'arn:aws:ecs:us-east-1:111122223333:container-instance/prod-web/0f1e' }, pulls: [], findings: [], now: Date.now(), classify: (r) => rules.classify(r), ...more });

describe('task record', () => {
  it('OOM kill: class oom, the oom rule names it, OOMKilled true', () => {
    const r = build(taskOf([inspect('ecs-thumbnailer-9-resize-c1d2e3f4a5b6c7d8e901')]));
    expect(r.exitClass).toBe('oom');
    const ev = r.event;
    expect(ev).toMatchObject({ kind: 'task_stopped', category: 'oom', ruleId: 'container-oomkilled', severity: 'error', count: 1 });
    expect(ev.fields).toMatchObject({ taskDefinition: 'thumbnailer:9', exitClass: 'oom', exitCode: 137, oomKilled: true, stoppedContainer: 'resize', cluster: 'prod-web' });
    expect(ev.containers).toHaveLength(1);
    expect(ev.containers![0]).toMatchObject({ name: 'resize', exitCode: 137, oomKilled: true, exitClass: 'oom', exitRuleId: 'container-oomkilled' });
    expect(ev.containers![0]!.exitMeaning).toMatch(/OOM-killed/);
    expect(ev.lastSeen).toBe(new Date(Date.parse(inspect('ecs-thumbnailer-9-resize-c1d2e3f4a5b6c7d8e901').State!.FinishedAt!)).toISOString());
    expect(ev.title).toMatch(/^Task thumbnailer:9 stopped: /);
  });

  it('exit 1: the application error, decided by the container that failed first; the sidecar stopped on SIGTERM is normal', () => {
    const r = build(taskOf([inspect('ecs-worker-5-log-router-d0e1f2a3b4c5d6e7f801'), inspect('ecs-worker-5-worker-a2b3c4d5e6f708192a01')]));
    expect(r.exitClass).toBe('error');
    expect(r.event.fields).toMatchObject({ stoppedContainer: 'worker', exitCode: 1 });
    expect(r.event.category).toBe('container_exit');
    expect(r.event.ruleId).toBe('container-exit-application-error');
    const byName = Object.fromEntries(r.event.containers!.map((c) => [c.name, c]));
    expect(byName['log-router']).toMatchObject({ exitCode: 143, exitClass: 'normal', exitRuleId: 'container-exit-143-sigterm' });
    expect(byName.worker).toMatchObject({ exitCode: 1, exitClass: 'error' });
    expect(r.event.hint).toBeDefined();
  });

  it('exit 137 after a stop timeout: killed, with the signals Docker sent', () => {
    const doc = inspect('ecs-web-12-web-d1e2f3a4b5c6d7e8f901');
    const t = taskOf([doc]);
    t.containers[0]!.signals = [15, 9];
    const r = build(t);
    expect(r.exitClass).toBe('killed');
    expect(r.event.ruleId).toBe('container-exit-137-killed');
    expect(r.event.containers![0]).toMatchObject({ exitCode: 137, oomKilled: false, signals: [15, 9] });
    expect(r.event.severity).toBe('error');
  });

  it('exit 3: another code, named by the rule for other codes', () => {
    const r = build(taskOf([inspect('ecs-batch-2-job-b1c2d3e4f5a6b7c8d901')]));
    expect(r.event.fields).toMatchObject({ exitCode: 3, exitClass: 'error' });
    expect(r.event.ruleId).toBe('container-exit-other-code');
  });

  it('unhealthy container stopped: the cause is the health check, the exit is still told; the last output redacted and cut', () => {
    const doc = inspect('ecs-api-31-api-e1f2a3b4c5d6e7f8a901');
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    doc.State!.Health!.Log!.at(-1)!.Output = `GET /healthz failed, key ${secret} ` + 'x'.repeat(2000);
    const r = build(taskOf([doc]));
    expect(r.exitClass).toBe('killed');
    expect(r.event.category).toBe('health_check_failure');
    expect(r.event.fields).toMatchObject({ health: 'unhealthy', exitCode: 137 });
    const c = r.event.containers![0]!;
    expect(c.health).toBe('unhealthy');
    expect(c.healthOutput).toMatch(/^GET \/healthz failed/);
    expect(c.healthOutput).not.toContain(secret);
    expect(c.healthOutput!.length).toBeLessThanOrEqual(HEALTH_OUTPUT_MAX + 1);
  });

  it('exit 0 everywhere is a normal end at severity info', () => {
    const doc = inspect('ecs-batch-2-job-b1c2d3e4f5a6b7c8d901');
    doc.State!.ExitCode = 0;
    const r = build(taskOf([doc]));
    expect(r.exitClass).toBe('normal');
    expect(r.event.severity).toBe('info');
    expect(r.event.containers![0]!.exitMeaning).toMatch(/code 0/);
  });

  it('a task whose container never ran: its cause is the worst finding, and the findings are listed', () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod-web/00112233445566778899aabbccddeeff';
    const task: TrackedTask = { arn, id: '00112233445566778899aabbccddeeff', family: 'web', revision: '8', agentKnows: true, known: 'STOPPED', desired: 'STOPPED', containers: [{ name: 'web', signals: [] }], firstSeenAt: 0, stoppedSeenAt: 1_796_000_000_000 };
    const findings = [
      { id: 'f1', category: 'network_timeout' as const, severity: 'warn' as const, ruleId: 'registry-dial-timeout', title: 'Timeout' },
      { id: 'f2', category: 'registry_auth_denied' as const, severity: 'error' as const, ruleId: 'ecr-get-authorization-token-denied', title: 'The task execution role may not pull from ECR' },
    ];
    const r = build(task, { findings });
    expect(r.agentOnly).toBe(true);
    expect(r.stoppedAt).toBe(1_796_000_000_000);
    expect(r.event).toMatchObject({ category: 'registry_auth_denied', ruleId: 'ecr-get-authorization-token-denied', findingIds: ['f1', 'f2'] });
    expect(r.event.containers![0]).toMatchObject({ name: 'web', exitClass: 'error' });
    expect(r.event.containers![0]!.exitCode).toBeUndefined();
    expect(r.event.containers![0]!.exitMeaning).toMatch(/^Never ran/);
  });

  it('pull duration from the agent\'s lines, per container and for the task', () => {
    const doc = inspect('ecs-batch-2-job-b1c2d3e4f5a6b7c8d901');
    const t = taskOf([doc]);
    const p = parsePullLine(`level=info time=2026-12-04T18:21:30Z msg="Finished pulling image for container" task="${t.id}" container="job" image="tiny:1" elapsed=2.5s elapsedMs=2500`);
    expect(p).toEqual({ taskId: t.id, container: 'job', finishedAt: Date.parse('2026-12-04T18:21:30Z'), elapsedMs: 2500 });
    const json = parsePullLine(JSON.stringify({ level: 'info', time: '2026-12-04T18:21:31Z', msg: 'Finished pulling image for container', task: t.id, container: 'side', elapsedMs: 400 }));
    expect(json?.container).toBe('side');
    const r = build(t, { pulls: [p!, json!] });
    expect(r.event.fields).toMatchObject({ pullStartedAt: '2026-12-04T18:21:27.500Z', pullStoppedAt: '2026-12-04T18:21:31.000Z', pullDurationMs: 3500 });
    expect(r.event.containers![0]!.pullMs).toBe(2500);
  });
});

describe('findings join', () => {
  const ev = (id: string, line: string, fields: Record<string, string> = {}): TriageEvent => ({
    schema: 1, id, kind: 'finding', category: 'oom', severity: 'error', ruleId: 'r', title: redacted('t'), count: 1, firstSeen: '', lastSeen: '', source: 'kernel', message: redacted('m'), line: redacted(line), fields: redactedFields(fields),
  });

  it('files findings under the task ids and container ids they name, and finds them by a task\'s keys', () => {
    const book = new TaskBook(undefined, 0);
    const arn = 'arn:aws:ecs:us-east-1:111122223333:task/prod-web/a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const t = book.track(arn);
    book.container(t, { dockerId: '53072927d1ac97ad9136dcc2c92ad3f88df610b3896f50a540bb712dcb07698d', name: 'worker' });
    book.findings.observe(ev('by-arn', 'x', { taskArn: arn }));
    book.findings.observe(ev('by-cgroup', 'Memory cgroup out of memory: Killed process 4242 (node) ... oom_memcg=/docker/53072927d1ac97ad9136dcc2c92ad3f88df610b3896f50a540bb712dcb07698d'));
    book.findings.observe(ev('by-short-id', 'level=info msg="x" containerRuntimeID=53072927d1ac'));
    book.findings.observe(ev('other', 'level=error task="ffffffffffffffffffffffffffffffff"'));
    expect(book.findings.lookup(book.keysOf(t)).map((f) => f.id)).toEqual(['by-arn', 'by-cgroup', 'by-short-id']);
    expect(findingKeys(ev('k', 'task 5e1b3100-2134-8b56-cbb9-0e45893fc27b failed'))).toContain('5e1b3100-2134-8b56-cbb9-0e45893fc27b');
  });

  it('keeps what a running task needs across a restart (its findings and pull timings), and nothing of recorded ones', () => {
    const book = new TaskBook(undefined, 0);
    const t = book.track('arn:aws:ecs:us-east-1:111122223333:task/prod-web/a1b2c3d4e5f60718293a4b5c6d7e8f90');
    book.findings.observe(ev('f', 'x', { taskId: t.id }));
    book.addPull({ taskId: t.id, container: 'web', finishedAt: 5, elapsedMs: 3 });
    const saved = book.snapshot();
    expect(saved.live?.[t.id]?.f?.map((x) => x.id)).toEqual(['f']);
    const again = new TaskBook(saved, 0);
    const t2 = again.track(t.arn);
    expect(again.findings.lookup(again.keysOf(t2)).map((x) => x.id)).toEqual(['f']);
    expect(again.pullsOf(t.id)).toEqual([{ taskId: t.id, container: 'web', finishedAt: 5, elapsedMs: 3 }]);
    again.recording(t2, 1, 100, false);
    again.settle(1);
    const after = again.snapshot();
    expect(after.recorded).toEqual({ [t.id]: 100 });
    expect(after.live).toBeUndefined();
    expect(again.done(t.id)).toBe(true);
  });

  it('moves `since` behind the clock, never past a waiting task, and prunes what it passed', () => {
    const book = new TaskBook(undefined, 0);
    const a = book.track('arn:aws:ecs:r:1:task/c/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    book.recording(a, 1, 1000, false);
    book.settle(1);
    book.advance(10_000_000, [1_500_000]);
    expect(book.since).toBe(1_500_000);
    expect(book.snapshot().recorded).toEqual({});
    book.advance(10_000_000, [100]);
    expect(book.since).toBe(1_500_000);
  });
});

describe('task record in CloudWatch', () => {
  it('is counted in TasksStopped by cluster and exit class, not in Findings, with its containers as an array', async () => {
    const { encodeEvent } = await import('../src/sinks/cloudwatch/event.js');
    const { TEST_IDENTITY, makeTaskEvent } = await import('./servers/cloudwatch-fixtures.js');
    const w = encodeEvent(makeTaskEvent(0, Date.now()), TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
    const o = JSON.parse(w.message) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }; containers: Array<Record<string, unknown>> };
    expect(o).toMatchObject({ kind: 'task_stopped', Cluster: 'prod-web', ExitClass: 'oom', TasksStopped: 1, exitClass: 'oom', taskDefinition: 'web:7' });
    expect(o.Findings).toBeUndefined();
    expect(o.Category).toBeUndefined();
    expect(o._aws.CloudWatchMetrics).toEqual([{ Namespace: 'ECSTriage', Dimensions: [['Cluster', 'ExitClass'], ['ExitClass']], Metrics: [{ Name: 'TasksStopped', Unit: 'Count' }] }]);
    expect(o.containers[0]).toMatchObject({ name: 'app', exitCode: 137, oomKilled: true });
    expect(o.findingIds).toEqual(['evt-00000000']);
    // Without emf: no metric members at all.
    const plain = JSON.parse(encodeEvent(makeTaskEvent(1), TEST_IDENTITY, { namespace: 'ECSTriage', emf: false }).message) as Record<string, unknown>;
    expect(plain.TasksStopped).toBeUndefined();
    // Oversized (a huge health output): cut, still valid, still counted.
    const big = makeTaskEvent(2);
    big.containers![0]!.healthOutput = redacted('z'.repeat(300_000));
    const cut = encodeEvent(big, TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
    expect(Buffer.byteLength(cut.message)).toBeLessThan(256 * 1024);
    expect(JSON.parse(cut.message)).toMatchObject({ truncated: true, TasksStopped: 1, ExitClass: 'killed' });
  });
});

describe('tasks.* configuration', () => {
  it('validates the keys and plans the agent only where it belongs', async () => {
    const { buildConfig } = await import('../src/config.js');
    const { planDaemon } = await import('../src/daemon/plan.js');
    expect(() => buildConfig({ tasks: { introspectionUrl: 'https://127.0.0.1:51678' } }, {}, 'c.yaml')).toThrow(/c\.yaml: tasks\.introspectionUrl: expected an http:\/\/ URL/);
    expect(() => buildConfig({ tasks: { introspectionUrl: 'not a url' } }, {}, 'c.yaml')).toThrow(/is not a URL/);
    expect(() => buildConfig({ tasks: { enable: true } }, {}, 'c.yaml')).toThrow(/tasks\.enable: unknown key \(did you mean tasks\.enabled\?\)/);
    const live = planDaemon(buildConfig({}), { journalAvailable: () => false }).tasks;
    expect(live).toEqual({ enabled: true, dockerSocket: { path: '/var/run/docker.sock', display: '/var/run/docker.sock' }, introspectionUrl: 'http://127.0.0.1:51678' });
    const fixture = planDaemon(buildConfig({ root: '/tmp/host' }), { journalAvailable: () => false }).tasks;
    expect(fixture).toEqual({ enabled: true, dockerSocket: { path: '/tmp/host/var/run/docker.sock', display: '/var/run/docker.sock' }, introspectionUrl: undefined });
    expect(planDaemon(buildConfig({ root: '/tmp/host', tasks: { introspectionUrl: 'http://127.0.0.1:9/' } }), { journalAvailable: () => false }).tasks.introspectionUrl).toBe('http://127.0.0.1:9');
  });
});

describe('task source state while idle', () => {
  it('does not ask for a state-file write just because the clock moved', () => {
    const book = new TaskBook({ since: 1, recorded: { a: 5 } }, 0);
    const v = book.version();
    book.advance(Date.now(), []);
    expect(book.version()).toBe(v);
    expect(book.since).toBeGreaterThan(1);
    expect(book.snapshot().recorded).toEqual({});
  });
});
