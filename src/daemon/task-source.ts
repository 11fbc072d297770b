// Task records as a daemon source: one `task_stopped` event per stopped task, from the Docker Engine API (the
// event stream, each stopped container's state) and the ECS agent's introspection API (the host's tasks, their
// containers, known and desired status), joined to the findings of the task's lifetime and to the pull timings
// the agent logged. Its state entry (`tasks`, see tasks/book.ts) is what a restart needs to neither repeat nor
// lose a record; a record counts as made only once every sink accepted it (its ticket).
//
// Either API may be missing (no agent, no permission on the socket): that is said once in the log and in
// `status`, and the source goes on with the other, reconnecting with backoff. Nothing here waits on the log
// sources or makes them wait: requests have deadlines and run one task at a time off the read path.
import { Backoff } from '../base/backoff.js';
import { Sleeper, withTimeout } from '../base/waiter.js';
import { DockerEngine, dockerTime, type ContainerSummary, type DockerEvent } from '../docker/engine.js';
import { LocalApiError, type Stream } from '../docker/http.js';
import { ECS_LABELS } from '../ecs-host.js';
import { errorMessage } from '../errors.js';
import { AgentIntrospection, stoppedStatus, type AgentTask } from '../tasks/agent.js';
import { TaskBook, validTasksState, type TasksState, type TrackedTask } from '../tasks/book.js';
import { findingKeys, taskIdOf } from '../tasks/join.js';
import { parsePullLine, PULL_FINISHED } from '../tasks/pulls.js';
import { buildTaskRecord, type HostFacts } from '../tasks/record.js';
import type { TriageEvent } from '../types.js';
import type { DaemonPlan, TasksPlan } from './plan.js';
import { Progress } from './progress.js';
import type { DaemonSource, SourceContext, StartPoint } from './source.js';
import type { SourceStatus } from './status-file.js';

const REQUEST_TIMEOUT_MS = 5000;
/**
 * The agent's whole task list (100 tasks: ~40 KB of JSON). A stop is seen sooner through Docker's `die`, and a
 * task that never ran usually through a finding naming it, which asks the agent at once.
 */
const POLL_MS = 60_000;
const POKE_MIN_GAP_MS = 2000;
/** A task's containers die within moments of each other: look once they are all through. */
const DIE_SETTLE_MS = 300;
/** The agent normally reports STOPPED within seconds of the last container's end; after this it is taken as lagging. */
const AGENT_GRACE_MS = 30_000;
/** Without the agent, no container of the task may have started or ended for this long (dependsOn chains). */
const QUIET_WITHOUT_AGENT_MS = 5000;
const RECHECK_MS = 2000;
/** Docker not answering (restarting, or the source just started): how long a stopped task waits for its state. */
const DOCKER_GRACE_MS = 30_000;
const STOP_WAIT_MS = 2000;
const MAX_RECONCILE_CHECKS = 500;
const MAX_SIGNALS = 8;
const EVENT_FILTERS = { type: ['container'], label: [ECS_LABELS.taskArn], event: ['die', 'oom', 'kill', 'health_status'] };

interface PartState {
  ok: boolean;
  /** Why not, once it failed. */
  reason?: string;
  detail?: string;
}

export class TaskSource implements DaemonSource<TasksState> {
  readonly stateKey = 'tasks';
  private ctx!: SourceContext;
  private book!: TaskBook;
  private readonly progress = new Progress<number>(0);
  private seq = 0;
  private saved: TasksState | undefined;
  private since = 0;
  private running = false;
  private stopped = false;
  private docker: DockerEngine | undefined;
  private agent: AgentIntrospection | undefined;
  private stream: Stream | undefined;
  private readonly dockerSleep = new Sleeper();
  private readonly agentSleep = new Sleeper();
  private loops: Promise<void>[] = [];
  private readonly dockerState: PartState = { ok: false };
  private readonly agentState: PartState = { ok: false };
  private host: HostFacts = {};
  private lastEventSec: number | undefined;
  private readonly seenEvents = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  private lastPoke = 0;
  private lastEventAt: number | undefined;
  private lastRecordAt: number | undefined;
  private polls = 0;

  constructor(private plan: TasksPlan) {}

  validState(saved: unknown): saved is TasksState {
    return validTasksState(saved);
  }

  async start(ctx: SourceContext, saved: TasksState | undefined, from: StartPoint): Promise<void> {
    this.ctx = ctx;
    this.saved = saved;
    // A first start records tasks that stop from now on (or from `--since`, or everything still on the host).
    this.since = from.since ?? (from.at === 'beginning' ? 0 : Date.now());
    this.book = new TaskBook(saved, this.since);
    ctx.onEvent((ev) => this.onEvent(ev));
    ctx.onLine('ecs-agent', PULL_FINISHED, (text, lctx) => {
      const p = parsePullLine(text, lctx.format);
      if (p) this.book.addPull(p);
    });
    if (this.plan.enabled) this.begin();
  }

  private begin(): void {
    this.running = true;
    this.stopped = false;
    this.docker = new DockerEngine({ socketPath: this.plan.dockerSocket.path, display: this.plan.dockerSocket.display }, REQUEST_TIMEOUT_MS);
    this.agent = this.plan.introspectionUrl ? new AgentIntrospection(this.plan.introspectionUrl, REQUEST_TIMEOUT_MS) : undefined;
    this.loops = [this.dockerLoop(), ...(this.agent ? [this.agentLoop()] : [])];
  }

  private async end(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.stream?.close();
    this.dockerSleep.poke();
    this.agentSleep.poke();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled(this.loops);
    // A check waiting on a slow API is not worth holding the shutdown for: its task is looked at again next start.
    await withTimeout(this.queue, STOP_WAIT_MS, undefined);
    this.loops = [];
  }

  async reconfigure(plan: DaemonPlan): Promise<void> {
    const next = plan.tasks;
    const same = JSON.stringify(next) === JSON.stringify(this.plan);
    this.plan = next;
    if (same) return;
    if (this.running) await this.end();
    Object.assign(this.dockerState, { ok: false, reason: undefined, detail: undefined });
    Object.assign(this.agentState, { ok: false, reason: undefined, detail: undefined });
    if (next.enabled) this.begin();
  }

  async stop(): Promise<void> {
    if (this.running) await this.end();
  }

  // ---- the two APIs ----

  private unavailable(part: 'docker' | 'agent', err: unknown): void {
    const st = part === 'docker' ? this.dockerState : this.agentState;
    // The endpoint is named by the status line already: the reason alone.
    const reason = err instanceof LocalApiError ? err.reason : errorMessage(err);
    if (st.ok || st.reason !== reason) {
      this.ctx.log.warn(part === 'docker' ? 'task records: Docker Engine API unavailable; going on without it' : "task records: ECS agent introspection unavailable; going on without it", { error: reason });
    }
    st.ok = false;
    st.reason = reason;
  }

  private available(part: 'docker' | 'agent', detail: string): void {
    const st = part === 'docker' ? this.dockerState : this.agentState;
    if (!st.ok && st.reason) this.ctx.log.info(part === 'docker' ? 'task records: Docker Engine API available again' : 'task records: ECS agent introspection available again', { detail });
    st.ok = true;
    st.reason = undefined;
    st.detail = detail;
  }

  private async dockerLoop(): Promise<void> {
    const docker = this.docker!;
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, jitter: 'equal' });
    while (!this.stopped) {
      let stream: Stream | undefined;
      try {
        const version = await docker.negotiate();
        let opened!: () => void;
        const open = new Promise<void>((resolve) => (opened = resolve));
        stream = docker.events(EVENT_FILTERS, this.lastEventSec, {
          open: () => opened(),
          event: (e) => this.onDockerEvent(e),
          bad: (line) => this.ctx.log.debug('task records: not a Docker event', { line }),
        });
        this.stream = stream;
        const refused = await Promise.race([open.then(() => undefined), stream.ended.then((e) => e ?? new Error('event stream ended'))]);
        if (refused) throw refused;
        backoff.reset();
        this.available('docker', `API ${version ?? 'unversioned'}${docker.server ? ` (${docker.server})` : ''}`);
        // Once the stream is open: a container that ends after this look arrives as an event.
        await this.reconcile();
        const err = await stream.ended;
        if (this.stopped) break;
        this.unavailable('docker', err ?? new Error('event stream ended'));
      } catch (err) {
        if (this.stopped) break;
        this.unavailable('docker', err);
      } finally {
        stream?.close();
      }
      await this.dockerSleep.sleep(backoff.next());
    }
  }

  private async agentLoop(): Promise<void> {
    const agent = this.agent!;
    const backoff = new Backoff({ baseMs: 1000, maxMs: POLL_MS, jitter: 'equal' });
    while (!this.stopped) {
      let wait = POLL_MS;
      try {
        if (this.polls++ % 10 === 0 || !this.host.containerInstanceArn) {
          const m = await agent.metadata();
          this.host = { ...(m.cluster ? { cluster: m.cluster } : {}), ...(m.containerInstanceArn ? { containerInstanceArn: m.containerInstanceArn } : {}) };
          this.available('agent', m.version ?? 'answering');
        }
        const tasks = await agent.tasks();
        this.available('agent', this.agentState.detail ?? 'answering');
        backoff.reset();
        this.onAgentTasks(tasks);
      } catch (err) {
        if (this.stopped) break;
        this.unavailable('agent', err);
        wait = backoff.next();
      }
      await this.agentSleep.sleep(wait);
    }
  }

  /** Asks the agent for its task list soon (at most every POKE_MIN_GAP_MS). */
  private pokeAgent(): void {
    const now = Date.now();
    if (!this.agent || now - this.lastPoke < POKE_MIN_GAP_MS) return;
    this.lastPoke = now;
    this.agentSleep.poke();
  }

  // ---- what they tell ----

  private onEvent(ev: TriageEvent): void {
    if (ev.kind !== 'finding') return;
    this.book.findings.observe(ev);
    // A failure about a task (a pull that failed before the next poll): the agent may have news, ask it now.
    if (this.running && findingKeys(ev).some((k) => k.length >= 32 && !this.book.done(k))) this.pokeAgent();
  }

  private onDockerEvent(e: DockerEvent): void {
    const key = `${e.Actor.ID}|${e.Action}|${e.timeNano ?? e.time}`;
    if (this.seenEvents.has(key)) return; // replayed after a reconnect
    this.seenEvents.add(key);
    if (this.seenEvents.size > 1024) this.seenEvents.delete(this.seenEvents.values().next().value!);
    this.lastEventSec = e.time;
    this.lastEventAt = Date.now();
    const a = e.Actor.Attributes;
    const arn = a[ECS_LABELS.taskArn];
    if (!arn || this.book.done(taskIdOf(arn))) return;
    const t = this.book.track(arn);
    this.labels(t, a);
    const c = this.book.container(t, { dockerId: e.Actor.ID, ...(a[ECS_LABELS.containerName] ? { name: a[ECS_LABELS.containerName] } : {}) });
    c.image ??= a.image;
    if (e.Action === 'die') {
      c.running = false;
      const code = Number(a.exitCode);
      if (Number.isInteger(code)) c.exitCode = code;
      t.lastDieAt = Date.now();
      this.schedule(t, DIE_SETTLE_MS);
    } else if (e.Action === 'oom') {
      c.oomEvent = true;
    } else if (e.Action === 'kill') {
      const sig = Number(a.signal);
      if (Number.isInteger(sig) && c.signals.length < MAX_SIGNALS) c.signals.push(sig);
    } else if (e.Action.startsWith('health_status')) {
      c.health = e.Action.replace(/^health_status:\s*/, '');
    }
  }

  private labels(t: TrackedTask, a: Record<string, string | undefined>): void {
    t.family ??= a[ECS_LABELS.family];
    t.revision ??= a[ECS_LABELS.revision];
    t.cluster ??= a[ECS_LABELS.cluster];
  }

  private mergeAgentTask(t: TrackedTask, at: AgentTask, now: number): void {
    t.agentKnows = true;
    if (at.Family) t.family = at.Family;
    if (at.Version) t.revision = at.Version;
    if (at.DesiredStatus) t.desired = at.DesiredStatus;
    if (at.KnownStatus) t.known = at.KnownStatus;
    if (stoppedStatus(at.KnownStatus)) t.stoppedSeenAt ??= now;
    for (const ac of at.Containers ?? []) {
      const c = this.book.container(t, { ...(ac.DockerId ? { dockerId: ac.DockerId } : {}), ...(ac.Name ? { name: ac.Name } : {}) });
      if (ac.Image) c.image = ac.Image;
      if (ac.CreatedAt) c.createdAt ??= dockerTime(ac.CreatedAt);
      if (ac.StartedAt) c.startedAt ??= dockerTime(ac.StartedAt);
    }
  }

  private mergeSummary(t: TrackedTask, s: ContainerSummary): void {
    const labels = s.Labels ?? {};
    this.labels(t, labels);
    const c = this.book.container(t, { dockerId: s.Id, ...(labels[ECS_LABELS.containerName] ? { name: labels[ECS_LABELS.containerName] } : {}) });
    c.running = s.State === 'running' || s.State === 'restarting' || s.State === 'paused';
    if (s.Image) c.image ??= s.Image;
    if (typeof s.Created === 'number') c.createdAt ??= new Date(s.Created * 1000).toISOString();
  }

  private onAgentTasks(tasks: AgentTask[]): void {
    const now = Date.now();
    const ids = new Set<string>();
    for (const at of tasks) {
      const id = taskIdOf(at.Arn);
      ids.add(id);
      if (this.book.done(id)) continue;
      const t = this.book.track(at.Arn, now);
      this.mergeAgentTask(t, at, now);
      if (!stoppedStatus(at.KnownStatus)) continue;
      if (t.containers.some((c) => c.dockerId)) this.schedule(t, 0);
      else if (this.book.baseline && this.since > 0) this.book.baselineSkip(id, now);
      else this.enqueue(t, () => this.finish(t));
    }
    // Followed tasks the agent dropped (cleaned up, or the agent lost its state): settle them with Docker.
    for (const t of this.book.tasks.values()) if (!ids.has(t.id) && t.agentKnows && !t.record) {
      t.agentKnows = false;
      this.schedule(t, 0);
    }
    this.book.agentListed(ids);
    this.book.baseline = false;
  }

  /** After (re)connecting to Docker: containers that stopped while the stream was down, or before a restart. */
  private async reconcile(): Promise<void> {
    const list = await this.docker!.list({ label: [ECS_LABELS.taskArn] }, true);
    const byTask = new Map<string, ContainerSummary[]>();
    for (const s of list) {
      const arn = s.Labels?.[ECS_LABELS.taskArn];
      if (!arn || this.book.done(taskIdOf(arn))) continue;
      (byTask.get(arn) ?? byTask.set(arn, []).get(arn)!).push(s);
    }
    const stopped: Array<{ arn: string; containers: ContainerSummary[]; created: number }> = [];
    for (const [arn, containers] of byTask) {
      if (containers.some((s) => s.State === 'running' || s.State === 'restarting' || s.State === 'paused')) {
        const t = this.book.track(arn);
        for (const s of containers) this.mergeSummary(t, s);
      } else stopped.push({ arn, containers, created: Math.max(...containers.map((s) => s.Created ?? 0)) });
    }
    stopped.sort((a, b) => b.created - a.created);
    if (stopped.length > MAX_RECONCILE_CHECKS) {
      // Left alone, not forgotten: the agent's list still brings the ones it holds.
      this.ctx.log.warn('task records: more stopped tasks on the host than are looked at after a (re)connect; the oldest are left out', { stopped: stopped.length, checked: MAX_RECONCILE_CHECKS });
    }
    for (const { arn, containers } of stopped.slice(0, MAX_RECONCILE_CHECKS)) {
      const t = this.book.track(arn);
      for (const s of containers) this.mergeSummary(t, s);
      this.schedule(t, 0);
    }
  }

  // ---- deciding that a task stopped ----

  private schedule(t: TrackedTask, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(t.id));
    this.timers.set(
      t.id,
      setTimeout(() => {
        this.timers.delete(t.id);
        this.enqueue(t, () => this.check(t));
      }, delayMs),
    );
  }

  /** One task at a time: a burst of stops is worked through in order, never all at once. */
  private enqueue(t: TrackedTask, work: () => Promise<void>): void {
    if (this.queued.has(t.id) || this.stopped) return;
    this.queued.add(t.id);
    this.queue = this.queue.then(async () => {
      this.queued.delete(t.id);
      if (this.stopped || this.book.done(t.id)) return;
      try {
        await work();
      } catch (err) {
        this.ctx.log.debug('task records: check failed; will look again', { task: t.arn, error: errorMessage(err) });
        this.schedule(t, RECHECK_MS);
      }
    });
  }

  private async check(t: TrackedTask): Promise<void> {
    const now = Date.now();
    let agentTask: AgentTask | undefined;
    let agentAnswered = false;
    if (this.agent && this.agentState.ok) {
      try {
        agentTask = await this.agent.task(t.arn);
        agentAnswered = true;
      } catch (err) {
        this.unavailable('agent', err);
      }
    }
    if (agentTask) this.mergeAgentTask(t, agentTask, now);
    if (this.docker && this.dockerState.ok) {
      // The agent names the task's containers with their Docker ids; without it, Docker's labels do.
      if (!agentTask?.Containers?.some((c) => c.DockerId)) for (const s of await this.docker.list({ label: [`${ECS_LABELS.taskArn}=${t.arn}`] }, true)) this.mergeSummary(t, s);
      for (const c of t.containers) {
        if (!c.dockerId || c.running || c.state || c.gone) continue;
        const info = await this.docker.inspect(c.dockerId);
        if (!info) c.gone = true;
        else if (info.State?.Running) c.running = true;
        else {
          c.state = info.State ?? {};
          c.createdAt = dockerTime(info.Created) ?? c.createdAt;
          c.image ??= info.Config?.Image;
        }
      }
    }
    if (t.containers.some((c) => c.running)) return; // its next die brings it back
    const created = t.containers.filter((c) => c.dockerId);
    let complete: boolean;
    if (agentTask && stoppedStatus(agentTask.KnownStatus)) complete = true;
    else if (agentTask) {
      // The agent still runs it: containers not created yet (dependsOn), or it is about to say STOPPED.
      const lagging = created.length > 0 && created.length === t.containers.length && t.lastDieAt !== undefined && now - t.lastDieAt >= AGENT_GRACE_MS;
      complete = lagging;
      if (!complete && t.lastDieAt !== undefined) this.schedule(t, RECHECK_MS);
    } else {
      // Without the agent's word (unavailable, or it no longer knows the task): Docker's containers, once quiet.
      const quietFor = now - (t.lastDieAt ?? 0);
      complete = created.length > 0 && quietFor >= QUIET_WITHOUT_AGENT_MS;
      if (!complete && created.length > 0) this.schedule(t, QUIET_WITHOUT_AGENT_MS - quietFor);
      if (!agentAnswered && this.agent && !complete) this.pokeAgent();
    }
    if (!complete) return;
    // Docker's state is worth waiting for a while: the containers are still there when it answers again.
    const unread = created.some((c) => !c.state && !c.gone);
    const since = t.stoppedSeenAt ?? t.lastDieAt ?? now;
    if (unread && !this.dockerState.ok && now - since < DOCKER_GRACE_MS) {
      this.schedule(t, Math.min(RECHECK_MS * 2, DOCKER_GRACE_MS - (now - since)));
      return;
    }
    await this.finish(t);
  }

  private async finish(t: TrackedTask): Promise<void> {
    const now = Date.now();
    const rec = buildTaskRecord({
      task: t,
      host: this.host,
      pulls: this.book.pullsOf(t.id),
      findings: this.book.findings.lookup(this.book.keysOf(t)),
      now,
      classify: (r) => this.ctx.classifyComposed(r),
    });
    if (!rec.agentOnly && rec.stoppedAt < this.book.since) {
      this.book.skip(t.id);
      return;
    }
    await this.ctx.room();
    if (this.book.done(t.id)) return;
    const seq = ++this.seq;
    this.book.recording(t, seq, rec.stoppedAt, rec.agentOnly);
    this.lastRecordAt = Date.now();
    this.ctx.event(rec.event, this.progress.hold(seq));
  }

  // ---- state and status ----

  checkpoint(): TasksState | undefined {
    if (!this.book) return this.saved;
    this.book.settle(this.progress.committed);
    const waiting: number[] = [];
    for (const t of this.book.tasks.values()) {
      if (t.record) waiting.push(t.record.stoppedAt);
      else if (t.lastDieAt !== undefined) waiting.push(t.lastDieAt - 60_000);
    }
    this.book.advance(Date.now(), waiting);
    return this.book.snapshot();
  }

  version(): number {
    return this.progress.version + (this.book?.version() ?? 0);
  }

  status(): SourceStatus[] {
    if (!this.running) return [];
    const notes: string[] = [];
    const part = (name: string, st: PartState): string => (st.ok ? `${name}: ${st.detail}` : `${name}: unavailable${st.reason ? ` (${st.reason})` : ' (connecting)'}`);
    notes.push(part(`Docker ${this.plan.dockerSocket.display}`, this.dockerState));
    notes.push(this.agent ? part(`ECS agent ${this.plan.introspectionUrl}`, this.agentState) : 'ECS agent: not asked (another --root and no tasks.introspectionUrl)');
    notes.push(`${this.book.tasks.size} task(s) followed, ${this.book.recordedCount} recorded since start`);
    const out: SourceStatus = { kind: 'tasks', name: 'task records', source: 'docker+agent', committed: this.book.recordedCount, notes };
    if (this.lastEventAt) out.lastLineAt = new Date(this.lastEventAt).toISOString();
    if (this.lastRecordAt) out.lastEventAt = new Date(this.lastRecordAt).toISOString();
    return [out];
  }
}
