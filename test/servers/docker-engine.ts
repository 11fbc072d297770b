// The Docker Engine API for tests, on a real unix socket: `/_ping` (with the `Api-Version` header), `/version`,
// `GET /containers/json` (all, label and status filters), `GET /containers/{id}/json`, and the event stream
// `GET /events` (type, label and event filters, `since` replay from the events it still holds, one chunk per
// event with `Transfer-Encoding: chunked`), under `/v1.NN/` or unversioned, as dockerd serves them. Answers are
// built from the documents a real dockerd 20.10 returned (fixtures/recorded/tasks/). The test drives the
// containers: run, health changes, exit (with the `kill`/`oom`/`die` events Docker sends), removal, and the
// socket going away and coming back.
import http from 'node:http';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/cli.js';

let templates: { inspect: Record<string, unknown>; healthcheck: unknown } | undefined;
/** The recorded inspect documents the answers are built from (read once; the benchmark bundles this file elsewhere, so it may say where). */
function recorded(dir = path.join(REPO, 'fixtures/recorded/tasks')): NonNullable<typeof templates> {
  templates ??= {
    inspect: JSON.parse(readFileSync(path.join(dir, 'inspect-ecs-batch-2-job-b1c2d3e4f5a6b7c8d901.json'), 'utf8')) as Record<string, unknown>,
    healthcheck: (JSON.parse(readFileSync(path.join(dir, 'inspect-ecs-api-31-api-e1f2a3b4c5d6e7f8a901.json'), 'utf8')) as { Config: { Healthcheck: unknown } }).Config.Healthcheck,
  };
  return templates;
}
/** dockerd keeps this many events for `since` (moby daemon/events: eventsLimit). */
const EVENTS_KEPT = 256;

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  created: string;
  running: boolean;
  state: Record<string, unknown>;
}

interface Ev {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

interface Watcher {
  res: http.ServerResponse;
  filters: Record<string, string[]>;
}

const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function labelMatch(labels: Record<string, string>, want: string[] | undefined): boolean {
  if (!want?.length) return true;
  return want.every((w) => {
    const i = w.indexOf('=');
    return i < 0 ? w in labels : labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

/** Docker's event filter: exact actions, except `health_status` (and exec_*) which match as a prefix. */
function eventMatch(action: string, want: string[] | undefined): boolean {
  if (!want?.length) return true;
  return want.some((w) => w === action || (['health_status', 'exec_create', 'exec_start'].includes(w) && action.startsWith(w)));
}

export class DockerEngineServer {
  apiVersion = '1.41';
  /** Leave out the Api-Version header of /_ping (older daemons, proxies): the client must ask /version. */
  noPingHeader = false;
  readonly containers = new Map<string, FakeContainer>();
  private history: Ev[] = [];
  private readonly watchers = new Set<Watcher>();
  private server: http.Server | undefined;
  /** Requests seen, by path without the version (for tests of what the client asked). */
  readonly requests: string[] = [];
  private clock = 0;

  constructor(
    readonly socketPath: string,
    recordedDir?: string,
  ) {
    recorded(recordedDir);
  }

  async start(mode?: number): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
    if (mode !== undefined) chmodSync(this.socketPath, mode);
  }

  /** The daemon goes away: streams cut, the socket file removed. */
  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    rmSync(this.socketPath, { force: true });
  }

  get streams(): number {
    return this.watchers.size;
  }

  private now(): { time: number; timeNano: number; iso: string } {
    // Strictly increasing, so every event is distinct even within one millisecond.
    const ms = Math.max(Date.now(), this.clock + 1);
    this.clock = ms;
    return { time: Math.floor(ms / 1000), timeNano: ms * 1_000_000, iso: new Date(ms).toISOString() };
  }

  private emit(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const t = this.now();
    const ev: Ev = { Type: 'container', Action: action, Actor: { ID: c.id, Attributes: { ...c.labels, ...extra, image: c.image, name: c.name } }, scope: 'local', time: t.time, timeNano: t.timeNano };
    this.history.push(ev);
    if (this.history.length > EVENTS_KEPT) this.history.shift();
    for (const w of this.watchers) if (this.matches(ev, w.filters)) this.write(w, ev);
  }

  private write(w: Watcher, ev: Ev): void {
    // Docker's own encoding: the deprecated status/id/from first, then the rest; one document per chunk.
    const doc = { status: ev.Action, id: ev.Actor.ID, from: ev.Actor.Attributes.image, ...ev };
    w.res.write(JSON.stringify(doc) + '\n');
  }

  private matches(ev: Ev, f: Record<string, string[]>): boolean {
    return (!f.type?.length || f.type.includes(ev.Type)) && labelMatch(ev.Actor.Attributes, f.label) && eventMatch(ev.Action, f.event);
  }

  run(o: { taskArn?: string; family?: string; revision?: string; name: string; cluster?: string; image?: string; health?: boolean; id?: string }): FakeContainer {
    const labels: Record<string, string> = {};
    if (o.taskArn) {
      labels['com.amazonaws.ecs.task-arn'] = o.taskArn;
      labels['com.amazonaws.ecs.container-name'] = o.name;
      labels['com.amazonaws.ecs.task-definition-family'] = o.family ?? 'web';
      labels['com.amazonaws.ecs.task-definition-version'] = o.revision ?? '1';
      labels['com.amazonaws.ecs.cluster'] = o.cluster ?? 'prod-web';
    }
    const t = this.now();
    const c: FakeContainer = {
      id: o.id ?? hex(64),
      name: `ecs-${o.family ?? 'web'}-${o.revision ?? '1'}-${o.name}-${hex(20)}`,
      image: o.image ?? 'tiny:1',
      labels,
      created: t.iso,
      running: true,
      state: {
        Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 4242, ExitCode: 0, Error: '', StartedAt: t.iso, FinishedAt: '0001-01-01T00:00:00Z',
        ...(o.health ? { Health: { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
      },
    };
    this.containers.set(c.id, c);
    this.emit(c, 'create');
    this.emit(c, 'start');
    return c;
  }

  /** One health-check result; the status event when it changes, as Docker sends it. */
  health(id: string, status: 'healthy' | 'unhealthy', output: string, exitCode = status === 'healthy' ? 0 : 1): void {
    const c = this.containers.get(id)!;
    const h = (c.state.Health ?? { Status: 'starting', FailingStreak: 0, Log: [] }) as { Status: string; FailingStreak: number; Log: unknown[] };
    const t = this.now();
    h.Log.push({ Start: t.iso, End: t.iso, ExitCode: exitCode, Output: output });
    if (h.Log.length > 5) h.Log.shift();
    h.FailingStreak = status === 'healthy' ? 0 : h.FailingStreak + 1;
    const changed = h.Status !== status;
    h.Status = status;
    c.state.Health = h;
    if (changed) this.emit(c, `health_status: ${status}`);
  }

  /** The container ends: `kill` for each signal sent, `oom` if the kernel killed it, then `die`. */
  exit(id: string, o: { exitCode: number; oomKilled?: boolean; signals?: number[]; error?: string }): void {
    const c = this.containers.get(id)!;
    for (const s of o.signals ?? []) this.emit(c, 'kill', { signal: String(s) });
    if (o.oomKilled) this.emit(c, 'oom');
    const t = this.now();
    c.running = false;
    Object.assign(c.state, { Status: 'exited', Running: false, Pid: 0, ExitCode: o.exitCode, OOMKilled: o.oomKilled === true, Error: o.error ?? '', FinishedAt: t.iso });
    this.emit(c, 'die', { exitCode: String(o.exitCode) });
  }

  remove(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    this.containers.delete(id);
    this.emit(c, 'destroy');
  }

  inspectDoc(c: FakeContainer): Record<string, unknown> {
    const t = recorded();
    const doc = structuredClone(t.inspect) as Record<string, unknown> & { Config: Record<string, unknown> };
    doc.Id = c.id;
    doc.Created = c.created;
    doc.Name = `/${c.name}`;
    doc.State = structuredClone(c.state);
    doc.Config = { ...doc.Config, Image: c.image, Labels: c.labels, ...(c.state.Health ? { Healthcheck: t.healthcheck } : {}) };
    return doc;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://docker');
    const route = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    this.requests.push(route);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': this.apiVersion, Server: 'Docker/20.10.24+dfsg1 (linux)' });
      res.end(JSON.stringify(body) + '\n');
    };
    const filters = (): Record<string, string[]> => {
      try {
        return JSON.parse(url.searchParams.get('filters') ?? '{}') as Record<string, string[]>;
      } catch {
        return {};
      }
    };
    if (route === '/_ping') {
      res.writeHead(200, { ...(this.noPingHeader ? {} : { 'Api-Version': this.apiVersion }), 'Docker-Experimental': 'false', Ostype: 'linux', Server: 'Docker/20.10.24+dfsg1 (linux)', 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('OK');
    }
    if (route === '/version') return json(200, { Version: '20.10.24+dfsg1', ApiVersion: this.apiVersion, MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' });
    if (route === '/events') {
      const f = filters();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': this.apiVersion, Server: 'Docker/20.10.24+dfsg1 (linux)' });
      res.flushHeaders();
      const w: Watcher = { res, filters: f };
      const since = url.searchParams.get('since');
      if (since !== null) for (const ev of this.history) if (ev.time >= Number(since) && this.matches(ev, f)) this.write(w, ev);
      this.watchers.add(w);
      res.on('close', () => this.watchers.delete(w));
      return;
    }
    if (route === '/containers/json') {
      const f = filters();
      const all = url.searchParams.get('all') === '1' || url.searchParams.get('all') === 'true';
      const list = [...this.containers.values()]
        .filter((c) => (all || c.running) && labelMatch(c.labels, f.label) && (!f.status?.length || f.status.includes(String(c.state.Status))))
        .map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Image: c.image,
          Command: 'sh',
          Created: Math.floor(Date.parse(c.created) / 1000),
          Ports: [],
          Labels: c.labels,
          State: c.state.Status,
          Status: c.running ? 'Up 1 second' : `Exited (${String(c.state.ExitCode)}) 1 second ago`,
          HostConfig: { NetworkMode: 'none' },
          Mounts: [],
        }));
      return json(200, list);
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(route);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.id.startsWith(id) || x.name === id);
      if (!c) return json(404, { message: `No such container: ${id}` });
      return json(200, this.inspectDoc(c));
    }
    json(404, { message: 'page not found' });
  }
}
