// `watch` keeps one record per stopped task: the real daemon process against the Docker Engine API test
// server (a unix socket under --root, where `tasks.dockerSocket` points) and the agent's introspection API test
// server. The task source runs with its own defaults (no test timings exist for it); the rest of the daemon
// with the helpers' fast config. Records go through the file sink, so "once" is checked on what it wrote.
import { appendFileSync, chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngineServer, type FakeContainer } from './servers/docker-engine.js';
import { EcsIntrospectionServer, type FakeAgentTask } from './servers/ecs-introspection.js';
import { ready, readEvents, runCli, sleep, startDaemon, tmp, waitFor, writeConfig, type Daemon, type EventLike } from './helpers/index.js';

interface Record_ extends EventLike {
  category: string;
  severity: string;
  containers: Array<Record<string, unknown>>;
  findingIds: string[];
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Host {
  root: string;
  state: string;
  config: string;
  agentLog: string;
  docker: DockerEngineServer;
  agent: EcsIntrospectionServer;
  start(): Promise<Daemon>;
}

async function host(opts: { docker?: boolean; agent?: boolean } = {}): Promise<Host> {
  const root = tmp('tasks-root-');
  const state = tmp('tasks-state-');
  mkdirSync(path.join(root, 'var/run'), { recursive: true });
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const agentLog = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(agentLog, '');
  const docker = new DockerEngineServer(path.join(root, 'var/run/docker.sock'));
  if (opts.docker !== false) {
    await docker.start();
    cleanups.push(() => docker.stop());
  }
  const agent = new EcsIntrospectionServer();
  if (opts.agent !== false) {
    await agent.start();
    cleanups.push(() => agent.stop());
  }
  const config = writeConfig(state, opts.agent !== false ? `tasks:\n  introspectionUrl: ${agent.base}\n` : '');
  return {
    root,
    state,
    config,
    agentLog,
    docker,
    agent,
    async start() {
      const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
      cleanups.push(() => (d.proc.exitCode === null && d.proc.signalCode === null ? d.stop() : undefined));
      await ready(d, state);
      return d;
    },
  };
}

const ARN = (id: string): string => `arn:aws:ecs:eu-west-1:111122223333:task/prod-web/${id}`;

/** A task on both APIs: its containers running in Docker, the agent knowing them. */
function runTask(h: Host, id: string, family: string, revision: string, names: string[], health = false): { arn: string; containers: FakeContainer[]; agent: FakeAgentTask } {
  const arn = ARN(id);
  const containers = names.map((name) => h.docker.run({ taskArn: arn, family, revision, name, health }));
  const agent: FakeAgentTask = {
    Arn: arn,
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    Family: family,
    Version: revision,
    Containers: containers.map((c, i) => ({ DockerId: c.id, DockerName: c.name, Name: names[i]!, Image: 'tiny:1', CreatedAt: c.created, StartedAt: c.created })),
  };
  h.agent.tasks.push(agent);
  return { arn, containers, agent };
}

function stopped(agentTask: FakeAgentTask): void {
  agentTask.DesiredStatus = 'STOPPED';
  agentTask.KnownStatus = 'STOPPED';
}

const records = (state: string): Record_[] => readEvents(state).filter((e) => e.kind === 'task_stopped') as Record_[];
const recordOf = (state: string, id: string): Record_ | undefined => records(state).find((r) => r.fields.taskId === id);

async function waitRecords(d: Daemon, state: string, n: number, timeoutMs = 20_000): Promise<Record_[]> {
  await waitFor(`${n} task record(s)`, () => records(state).length >= n, timeoutMs, d);
  return records(state);
}

describe('watch: task records', () => {
  it('records an OOM kill, an exit 1 with its findings and pull time, a stop timeout and an unhealthy container, each once', async () => {
    const h = await host();
    const d = await h.start();
    const oom = runTask(h, 'a0000000000000000000000000000001', 'thumbnailer', '9', ['resize']);
    const exit1 = runTask(h, 'a0000000000000000000000000000002', 'worker', '5', ['worker', 'log-router']);
    const slow = runTask(h, 'a0000000000000000000000000000003', 'web', '12', ['web']);
    const sick = runTask(h, 'a0000000000000000000000000000004', 'api', '31', ['api'], true);
    // What the agent logged for the worker task: its pull, and the state change naming the container's runtime id.
    const workerId = exit1.containers[0]!.id;
    appendFileSync(
      h.agentLog,
      `level=info time=2026-12-04T18:00:00Z msg="Finished pulling image for container" task="a0000000000000000000000000000002" container="worker" image="tiny:1" elapsed=2.5s elapsedMs=2500\n` +
        `level=info time=2026-12-04T18:00:05Z msg="Sending state change to ECS" containerName=worker containerStatus=STOPPED containerExitCode=1 containerKnownSentStatus=RUNNING containerRuntimeID=${workerId.slice(0, 12)} containerIsEssential=true\n`,
    );
    await waitFor('the finding of the worker', () => readEvents(h.state).some((e) => e.kind === 'finding'), 15_000, d);
    await sleep(300);

    h.docker.exit(oom.containers[0]!.id, { exitCode: 137, oomKilled: true });
    stopped(oom.agent);
    h.docker.exit(exit1.containers[0]!.id, { exitCode: 1 });
    h.docker.exit(exit1.containers[1]!.id, { exitCode: 143, signals: [15] });
    stopped(exit1.agent);
    h.docker.exit(slow.containers[0]!.id, { exitCode: 137, signals: [15, 9] });
    stopped(slow.agent);
    h.docker.health(sick.containers[0]!.id, 'unhealthy', 'GET /healthz: connection refused on 127.0.0.1:8080\n');
    h.docker.exit(sick.containers[0]!.id, { exitCode: 143, signals: [15] });
    stopped(sick.agent);

    await waitRecords(d, h.state, 4);
    const r1 = recordOf(h.state, 'a0000000000000000000000000000001')!;
    expect(r1).toMatchObject({ category: 'oom', fields: { exitClass: 'oom', oomKilled: true, exitCode: 137, taskDefinition: 'thumbnailer:9', cluster: 'prod-web' } });
    expect(r1.fields.containerInstanceArn).toMatch(/container-instance\/prod-web\//);
    expect(r1.containers[0]).toMatchObject({ name: 'resize', exitCode: 137, oomKilled: true, exitClass: 'oom' });

    const r2 = recordOf(h.state, 'a0000000000000000000000000000002')!;
    expect(r2).toMatchObject({ category: 'container_exit', ruleId: 'container-exit-application-error', fields: { exitClass: 'error', exitCode: 1, stoppedContainer: 'worker', pullDurationMs: 2500 } });
    const finding = readEvents(h.state).find((e) => e.kind === 'finding')!;
    expect(r2.findingIds).toEqual([finding.id]);
    expect(r2.fields.findingCount).toBe(1);
    expect(r2.containers.map((c) => [c.name, c.exitCode, c.exitClass])).toEqual([
      ['worker', 1, 'error'],
      ['log-router', 143, 'normal'],
    ]);

    const r3 = recordOf(h.state, 'a0000000000000000000000000000003')!;
    expect(r3).toMatchObject({ ruleId: 'container-exit-137-killed', fields: { exitClass: 'killed', exitCode: 137, oomKilled: false } });
    expect(r3.containers[0]!.signals).toEqual([15, 9]);

    const r4 = recordOf(h.state, 'a0000000000000000000000000000004')!;
    expect(r4).toMatchObject({ category: 'health_check_failure', fields: { exitClass: 'normal', health: 'unhealthy' } });
    expect(r4.containers[0]).toMatchObject({ health: 'unhealthy', healthOutput: 'GET /healthz: connection refused on 127.0.0.1:8080' });

    // Nothing more comes: one record per task. And an idle source asks for no state-file writes.
    await sleep(1500);
    expect(records(h.state)).toHaveLength(4);
    const written = (): string => (JSON.parse(readFileSync(path.join(h.state, 'checkpoints.json'), 'utf8')) as { writtenAt: string }).writtenAt;
    const w0 = written();
    await sleep(1500);
    expect(written()).toBe(w0);
    const st = await runCli(['status', '--state-dir', h.state, '--format', 'json']);
    const status = JSON.parse(st.stdout) as { sources: Array<{ kind: string; committed?: number; notes?: string[] }> };
    const tasks = status.sources.find((s) => s.kind === 'tasks')!;
    expect(tasks.notes!.join('\n')).toMatch(/Docker \/var\/run\/docker\.sock: API 1\.41/);
    expect(tasks.notes!.join('\n')).toMatch(/ECS agent http:\/\/127\.0\.0\.1:\d+: Amazon ECS Agent/);
    await d.stop();
    expect((await d.exited).code).toBe(0);
  }, 60_000);

  it('SIGHUP applies tasks.*: off, then on, then another agent URL', async () => {
    const h = await host();
    writeFileSync(h.config, readFileSync(h.config, 'utf8').replace('tasks:\n', 'tasks:\n  enabled: false\n'));
    const d = await h.start();
    const t = runTask(h, 'f0000000000000000000000000000001', 'web', '1', ['web']);
    await sleep(1000);
    expect(h.docker.streams).toBe(0);
    expect(h.agent.requests).toEqual([]);
    writeFileSync(h.config, readFileSync(h.config, 'utf8').replace('tasks:\n  enabled: false\n', 'tasks:\n'));
    d.proc.kill('SIGHUP');
    await waitFor('reload applied', () => /reload: applied.*tasks\.enabled/.test(d.stderr()), 10_000, d);
    await waitFor('the event stream', () => h.docker.streams === 1, 10_000, d);
    h.docker.exit(t.containers[0]!.id, { exitCode: 1 });
    stopped(t.agent);
    await waitRecords(d, h.state, 1);
    // Another agent: the source reconnects to it.
    const other = new EcsIntrospectionServer();
    await other.start();
    cleanups.push(() => other.stop());
    writeFileSync(h.config, readFileSync(h.config, 'utf8').replace(h.agent.base, other.base));
    d.proc.kill('SIGHUP');
    await waitFor('the other agent asked', () => other.requests.includes('/v1/tasks'), 15_000, d);
    await d.stop();
  }, 60_000);

  it('a restart between the die and the record loses nothing and repeats nothing', async () => {
    const h = await host();
    let d = await h.start();
    const t = runTask(h, 'b0000000000000000000000000000001', 'web', '3', ['web']);
    const first = runTask(h, 'b0000000000000000000000000000002', 'web', '3', ['web']);
    h.docker.exit(first.containers[0]!.id, { exitCode: 2 });
    stopped(first.agent);
    await waitRecords(d, h.state, 1);
    // The container dies; the agent has not said STOPPED yet, so the record waits; the daemon is killed.
    h.docker.exit(t.containers[0]!.id, { exitCode: 1 });
    await sleep(1500);
    expect(records(h.state)).toHaveLength(1);
    await d.stop('SIGKILL');
    stopped(t.agent);
    d = await h.start();
    await waitRecords(d, h.state, 2);
    expect(recordOf(h.state, 'b0000000000000000000000000000001')).toMatchObject({ fields: { exitCode: 1 } });
    // And again: both already recorded, neither comes twice.
    await d.stop();
    d = await h.start();
    await sleep(3000);
    expect(records(h.state).map((r) => r.fields.taskId).sort()).toEqual(['b0000000000000000000000000000001', 'b0000000000000000000000000000002']);
    await d.stop();
  }, 60_000);

  it('the Docker socket goes away and comes back: said in status, and the task that stopped meanwhile is recorded', async () => {
    const h = await host();
    const d = await h.start();
    const t = runTask(h, 'c0000000000000000000000000000001', 'web', '4', ['web']);
    await waitFor('the event stream', () => h.docker.streams === 1, 10_000, d);
    await h.docker.stop();
    h.docker.exit(t.containers[0]!.id, { exitCode: 137, oomKilled: true });
    stopped(t.agent);
    await waitFor('status saying Docker is unavailable', () => {
      const s = JSON.stringify(readStatusSync(h.state));
      return /Docker \/var\/run\/docker\.sock: unavailable \(.*(ENOENT|ended|closed|ECONNRESET)/.test(s);
    }, 15_000, d);
    expect(d.stderr()).toMatch(/task records: Docker Engine API unavailable; going on without it/);
    await h.docker.start();
    const [r] = await waitRecords(d, h.state, 1, 60_000);
    expect(r).toMatchObject({ fields: { taskId: 'c0000000000000000000000000000001', exitClass: 'oom' } });
    // The record has Docker's state, not only the agent's word.
    expect(r!.containers[0]).toMatchObject({ oomKilled: true, exitCode: 137 });
    expect(d.stderr()).toMatch(/Docker Engine API available again/);
    await d.stop();
  }, 90_000);

  it('a task that never started (a refused pull) is recorded from the agent with its finding as the cause', async () => {
    const h = await host();
    const d = await h.start();
    const id = 'd0000000000000000000000000000001';
    h.agent.tasks.push({ Arn: ARN(id), DesiredStatus: 'STOPPED', KnownStatus: 'STOPPED', Family: 'web', Version: '8', Containers: [{ DockerId: '', DockerName: '', Name: 'web', Image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:8' }] });
    appendFileSync(
      h.agentLog,
      `level=error time=2026-12-04T18:00:00Z msg="Error while pulling image; will try to run anyway" image="111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:8" taskARN="${ARN(id)}" error="CannotPullContainerError: Error response from daemon: pull access denied for 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web, repository does not exist or may require 'docker login': denied: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/i-0abc is not authorized to perform: ecr:BatchGetImage"\n`,
    );
    const [r] = await waitRecords(d, h.state, 1);
    expect(r).toMatchObject({ category: 'registry_auth_denied', fields: { exitClass: 'error', taskDefinition: 'web:8' } });
    expect(r!.findingIds).toHaveLength(1);
    expect(r!.containers[0]!.exitMeaning).toMatch(/^Never ran/);
    await d.stop();
  }, 60_000);

  it('without Docker or the agent, watch behaves as before and says so once in status', async () => {
    const h = await host({ docker: false, agent: false });
    const d = await h.start();
    appendFileSync(h.agentLog, 'level=error time=2026-11-23T18:01:02Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries" module=docker_client.go\n');
    await waitFor('the finding', () => readEvents(h.state).length === 1, 15_000, d);
    await sleep(500);
    const st = await runCli(['status', '--state-dir', h.state]);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/task records: Docker \/var\/run\/docker\.sock: unavailable \(.*ENOENT/);
    expect(st.stdout).toMatch(/task records: ECS agent: not asked/);
    expect(d.stderr().match(/Docker Engine API unavailable/g)).toHaveLength(1);
    expect(readEvents(h.state).map((e) => e.kind)).toEqual(['finding']);
    await d.stop();
    expect((await d.exited).code).toBe(0);
  }, 60_000);

  it('no permission on the Docker socket (a daemon not run as root): said in status, the rest goes on', async () => {
    const h = await host({ agent: false });
    await h.docker.stop();
    await h.docker.start(0o600);
    // Run as nobody: it may read the root and write its state directory, but not connect to root's 0600 socket.
    for (const dir of [h.root, path.join(h.root, 'var'), path.join(h.root, 'var/run'), path.join(h.root, 'var/log'), path.join(h.root, 'var/log/ecs')]) chmodSync(dir, 0o755);
    chownSync(h.state, 65534, 65534);
    chownSync(h.config, 65534, 65534);
    const d = startDaemon(['--config', h.config, '--root', h.root, '--state-dir', h.state], {}, { uid: 65534, gid: 65534 });
    cleanups.push(() => (d.proc.exitCode === null ? d.stop() : undefined));
    await ready(d, h.state);
    await waitFor('status with the reason', () => /EACCES \(no permission to connect\)/.test(JSON.stringify(readStatusSync(h.state))), 15_000, d);
    appendFileSync(h.agentLog, 'level=error time=2026-11-23T18:01:02Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries" module=docker_client.go\n');
    await waitFor('the finding', () => readEvents(h.state).length === 1, 15_000, d);
    await d.stop();
    expect((await d.exited).code).toBe(0);
  }, 60_000);

  it('with the agent but no Docker: the stopped task is still recorded, saying Docker could not be asked', async () => {
    const h = await host({ docker: false });
    const d = await h.start();
    const id = 'e0000000000000000000000000000001';
    // Created before this start, so it is not stopped yet at the agent's first answer.
    h.agent.tasks.push({ Arn: ARN(id), DesiredStatus: 'RUNNING', KnownStatus: 'RUNNING', Family: 'web', Version: '2', Containers: [{ DockerId: 'f'.repeat(64), DockerName: 'ecs-web-2-web-1', Name: 'web' }] });
    await waitFor('the agent asked', () => h.agent.requests.some((r) => r === '/v1/tasks'), 10_000, d);
    h.agent.tasks[0]!.KnownStatus = 'STOPPED';
    h.agent.tasks[0]!.DesiredStatus = 'STOPPED';
    // The next poll is up to 30 s away; a finding naming the task makes the source ask sooner.
    appendFileSync(h.agentLog, `level=error time=2026-12-04T18:00:00Z msg="Error while pulling image; will try to run anyway" image="docker.io/library/redis:7.4" taskARN="${ARN(id)}" error="CannotPullContainerError: failed to resolve reference \\"docker.io/library/redis:7.4\\": not found"\n`);
    // Docker's state is waited for 30 s (it may be restarting), then the record is made with what there is.
    const [r] = await waitRecords(d, h.state, 1, 75_000);
    expect(r!.containers[0]!.exitMeaning).toMatch(/Docker could not be asked/);
    await d.stop();
  }, 100_000);
});

function readStatusSync(state: string): unknown {
  try {
    return JSON.parse(readFileSync(path.join(state, 'status.json'), 'utf8'));
  } catch {
    return {};
  }
}
