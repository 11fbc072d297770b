// The Docker Engine API client over a real unix socket: the recorded event stream of a real dockerd replayed
// byte for byte (chunk framing included, cut at awkward places), version negotiation, inspect and list against
// the test server, and the errors an operator reads when the socket is missing.
import net from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine, CLIENT_MAX_API, dockerTime, type DockerEvent } from '../src/docker/engine.js';
import { LocalApiError } from '../src/docker/http.js';
import { DockerEngineServer } from './servers/docker-engine.js';
import { REPO, tmp, waitFor } from './helpers/index.js';

const RECORDED = path.join(REPO, 'fixtures/recorded/tasks');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function engine(socketPath: string): DockerEngine {
  return new DockerEngine({ socketPath, display: socketPath }, 2000);
}

describe('Docker Engine API client', () => {
  it('reads the event stream a real dockerd sent, however the bytes are cut', async () => {
    const raw = readFileSync(path.join(RECORDED, 'events-stream.raw'));
    for (const pieces of [1, 7, 97, 1000]) {
      const sock = path.join(tmp('dk-'), 'docker.sock');
      // A server that answers any request with the recorded bytes, in `pieces` writes at arbitrary offsets.
      const server = net.createServer((s) => {
        s.once('data', () => {
          const step = Math.ceil(raw.length / pieces);
          for (let i = 0; i < raw.length; i += step) s.write(raw.subarray(i, i + step));
        });
      });
      await new Promise<void>((r) => server.listen(sock, r));
      const events: DockerEvent[] = [];
      const bad: string[] = [];
      const stream = engine(sock).events({ type: ['container'] }, undefined, { event: (e) => events.push(e), bad: (l) => bad.push(l) });
      await waitFor('13 recorded events', () => events.length >= 13, 5000);
      stream.close();
      server.close();
      expect(bad).toEqual([]);
      expect(events.map((e) => `${e.Action} ${e.Actor.Attributes['com.amazonaws.ecs.container-name']} ${e.Actor.Attributes.exitCode ?? e.Actor.Attributes.signal ?? ''}`.trim())).toEqual([
        'die worker 1',
        'kill log-router 15',
        'die log-router 143',
        'die job 3',
        'oom resize',
        'die resize 137',
        'kill web 15',
        'kill web 9',
        'die web 137',
        'health_status: unhealthy api',
        'kill api 15',
        'kill api 9',
        'die api 137',
      ]);
      expect(events[0]!.Actor.ID).toMatch(/^[0-9a-f]{64}$/);
      expect(events[0]!.time).toBeGreaterThan(1_700_000_000);
    }
  });

  it('survives garbage in the stream: broken JSON, binary bytes, a line that never ends, documents that are not events', async () => {
    const sock = path.join(tmp('dk-'), 'docker.sock');
    const good = readFileSync(path.join(RECORDED, 'events-stream.raw'), 'utf8').split('\r\n').find((l) => l.startsWith('{"status":"die"'))!;
    const body = ['{"status":"die", broken', '\u0000\u00ff\ufffd\u0001', '[1,2,3]', '{"Action":"die"}', 'x'.repeat(1_100_000), good, ''].join('\n');
    const server = net.createServer((s) => s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let i = 0; i < body.length; i += 65536) {
        const piece = Buffer.from(body.slice(i, i + 65536));
        s.write(`${piece.length.toString(16)}\r\n`);
        s.write(piece);
        s.write('\r\n');
      }
    }));
    await new Promise<void>((r) => server.listen(sock, r));
    cleanups.push(() => void server.close());
    const events: DockerEvent[] = [];
    const bad: string[] = [];
    const stream = engine(sock).events({}, undefined, { event: (e) => events.push(e), bad: (l) => bad.push(l) });
    cleanups.push(() => stream.close());
    await waitFor('the good event', () => events.length === 1, 5000);
    expect(events[0]!.Action).toBe('die');
    expect(bad.length).toBeGreaterThanOrEqual(4);
  });

  it('negotiates the API version: the daemon\'s own, ours when it is newer, /version without the header', async () => {
    const sock = path.join(tmp('dk-'), 'docker.sock');
    const s = new DockerEngineServer(sock);
    await s.start();
    cleanups.push(() => s.stop());
    const d = engine(sock);
    expect(await d.negotiate()).toBe('1.41');
    expect(d.server).toMatch(/^Docker\/20\.10/);
    s.apiVersion = '1.51';
    expect(await d.negotiate()).toBe(CLIENT_MAX_API);
    s.apiVersion = '1.40';
    s.noPingHeader = true;
    expect(await d.negotiate()).toBe('1.40');
    expect(s.requests.slice(-2)).toEqual(['/_ping', '/version']);
  });

  it('inspects a stopped container, lists by label, and answers undefined for a removed one', async () => {
    const sock = path.join(tmp('dk-'), 'docker.sock');
    const s = new DockerEngineServer(sock);
    await s.start();
    cleanups.push(() => s.stop());
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod-web/0123456789abcdef0123456789abcdef';
    const c = s.run({ taskArn: arn, family: 'web', revision: '3', name: 'app' });
    s.run({ name: 'unlabelled' });
    s.exit(c.id, { exitCode: 137, oomKilled: true });
    const d = engine(sock);
    await d.negotiate();
    const info = await d.inspect(c.id);
    expect(info?.State).toMatchObject({ Status: 'exited', OOMKilled: true, ExitCode: 137, Running: false });
    expect(dockerTime(info?.State?.FinishedAt)).toBeDefined();
    expect(info?.Config?.Labels?.['com.amazonaws.ecs.task-arn']).toBe(arn);
    const listed = await d.list({ label: [`com.amazonaws.ecs.task-arn=${arn}`] }, true);
    expect(listed.map((x) => x.Id)).toEqual([c.id]);
    expect(await d.list({ label: ['com.amazonaws.ecs.task-arn'] }, false)).toEqual([]);
    s.remove(c.id);
    expect(await d.inspect(c.id)).toBeUndefined();
    expect(s.requests).toContain(`/containers/${c.id}/json`);
  });

  it('says why when the socket is missing, and when the stream ends', async () => {
    const dir = tmp('dk-');
    const d = engine(path.join(dir, 'docker.sock'));
    const err = await d.negotiate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalApiError);
    expect(String((err as Error).message)).toMatch(/docker\.sock: ENOENT \(no such socket/);

    const s = new DockerEngineServer(path.join(dir, 'docker.sock'));
    await s.start();
    await d.negotiate();
    const stream = d.events({ type: ['container'] }, undefined, { event: () => {} });
    await waitFor('stream open', () => s.streams === 1, 5000);
    await s.stop();
    const ended = await stream.ended;
    expect(ended?.message).toMatch(/event stream .* (ended|closed)|ECONNRESET/);
  });

  it('replays held events from `since` and filters on the daemon side', async () => {
    const sock = path.join(tmp('dk-'), 'docker.sock');
    const s = new DockerEngineServer(sock);
    await s.start();
    cleanups.push(() => s.stop());
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod-web/11112222333344445555666677778888';
    const t0 = Math.floor(Date.now() / 1000);
    const a = s.run({ taskArn: arn, name: 'a' });
    const plain = s.run({ name: 'plain' });
    s.exit(a.id, { exitCode: 1, signals: [15] });
    s.exit(plain.id, { exitCode: 5 });
    const d = engine(sock);
    await d.negotiate();
    const seen: string[] = [];
    const stream = d.events({ type: ['container'], label: ['com.amazonaws.ecs.task-arn'], event: ['die', 'oom', 'kill', 'health_status'] }, t0, { event: (e) => seen.push(e.Action) });
    cleanups.push(() => stream.close());
    await waitFor('replayed events', () => seen.length >= 2, 5000);
    expect(seen).toEqual(['kill', 'die']);
  });
});

describe('ECS agent introspection client', () => {
  it('reads metadata and tasks, answers undefined for a task it does not know, and names what is wrong with a bad answer', async () => {
    const { AgentIntrospection } = await import('../src/tasks/agent.js');
    const { EcsIntrospectionServer } = await import('./servers/ecs-introspection.js');
    const s = new EcsIntrospectionServer();
    await s.start();
    cleanups.push(() => s.stop());
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod-web/0123456789abcdef0123456789abcdef';
    s.tasks.push({ Arn: arn, DesiredStatus: 'RUNNING', KnownStatus: 'RUNNING', Family: 'web', Version: '3', Containers: [{ DockerId: 'a'.repeat(64), DockerName: 'ecs-web-3-web-1', Name: 'web' }] });
    const a = new AgentIntrospection(s.base, 2000);
    expect(await a.metadata()).toEqual({ cluster: 'prod-web', containerInstanceArn: s.metadata.ContainerInstanceArn, version: s.metadata.Version });
    expect((await a.tasks()).map((t) => t.Arn)).toEqual([arn]);
    expect((await a.task(arn))?.Containers?.[0]?.Name).toBe('web');
    expect(await a.task(arn.replace('0123', 'ffff'))).toBeUndefined();
    s.down = true;
    await expect(a.tasks()).rejects.toThrow(/HTTP 503 for \/v1\/tasks/);
    await s.stop();
    await expect(a.tasks()).rejects.toThrow(/ECONNREFUSED \(nothing listening\)/);

    const garbage = (await import('node:http')).createServer((_req, res) => res.end('<html>not the agent</html>'));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    cleanups.push(() => void garbage.close());
    const g = new AgentIntrospection(`http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}`, 2000);
    await expect(g.tasks()).rejects.toThrow(/answer to \/v1\/tasks is not JSON/);
  });
});
