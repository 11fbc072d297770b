// The task source's memory: the tasks being followed (from the agent's task list and Docker's events), the
// tasks already recorded, the pull timings and the findings index — and the part of it that goes into the
// state file so that a restart neither repeats a record nor loses one.
//
// What decides whether a stopped task is recorded:
// - `recorded`: tasks whose record every sink accepted, by task id, with their stop time. Pruned once the
//   stop time falls behind `since`;
// - `since`: a task whose containers stopped before it is not recorded (the first start's moment, or earlier
//   with `--from-beginning`/`--since`). It follows the clock at a distance (SETTLE_MS) and never passes a
//   stopped task still waiting for its record, so everything behind it is done;
// - `agentOnly`: tasks none of whose containers ever ran (a failed pull): there is no container stop time to
//   compare with `since`, so they are kept, recorded or not, as long as the agent lists them.
import type { ContainerState } from '../docker/engine.js';
import { FindingIndex, taskIdOf, taskKeys, type FindingRef } from './join.js';
import type { PullTiming } from './pulls.js';

/** How far `since` stays behind the clock: a task stopped longer ago than this is found by the next start only if it is still waiting. */
export const SETTLE_MS = 10 * 60_000;
const MAX_RECORDED = 20_000;
const MAX_PULL_TASKS = 2000;

export interface TrackedContainer {
  /** The container's name in the task definition. */
  name?: string;
  dockerId?: string;
  image?: string;
  createdAt?: string;
  startedAt?: string;
  /** Docker says it runs (list or inspect); false once it stopped. */
  running?: boolean;
  /** Docker's state once the container stopped (inspect). */
  state?: ContainerState;
  /** Docker no longer has it (inspect answered 404). */
  gone?: boolean;
  /** From events, for when the container is gone before it could be inspected. */
  exitCode?: number;
  oomEvent?: boolean;
  signals: number[];
  health?: string;
}

export interface TrackedTask {
  arn: string;
  id: string;
  family?: string;
  revision?: string;
  cluster?: string;
  desired?: string;
  known?: string;
  /** The agent listed it in its last answer. */
  agentKnows: boolean;
  containers: TrackedContainer[];
  firstSeenAt: number;
  /** When the agent was first seen reporting it stopped. */
  stoppedSeenAt?: number;
  /** The last `die` of one of its containers (epoch ms). */
  lastDieAt?: number;
  /** Set when its record was handed to delivery: the ticket's sequence number and the record's facts. */
  record?: { seq: number; stoppedAt: number; agentOnly: boolean };
}

/** The state file entry (`tasks`). */
export interface TasksState {
  since: number;
  recorded: Record<string, number>;
  agentOnly?: Record<string, number>;
  /** Facts about tasks not recorded yet: their findings (`f`) and pull timings (`p`: [container, finishedAt, elapsedMs]). */
  live?: Record<string, { f?: FindingRef[]; p?: Array<[string, number, number]> }>;
}

export function validTasksState(v: unknown): v is TasksState {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const s = v as Partial<TasksState>;
  const numMap = (m: unknown): boolean => m === undefined || (m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every((x) => typeof x === 'number'));
  return typeof s.since === 'number' && numMap(s.recorded) && s.recorded !== undefined && numMap(s.agentOnly) && (s.live === undefined || (typeof s.live === 'object' && s.live !== null));
}

export class TaskBook {
  readonly tasks = new Map<string, TrackedTask>();
  /** Docker id → task id. */
  private readonly byDocker = new Map<string, string>();
  readonly findings = new FindingIndex();
  private readonly pulls = new Map<string, PullTiming[]>();
  since: number;
  private readonly recorded = new Map<string, number>();
  private readonly agentOnly = new Map<string, number>();
  /** Stopped before `since` (this run only: worked out again after a restart). */
  private readonly skipped = new Set<string>();
  /** No saved entry: the agent's first answer is a baseline (its stopped tasks are older than this start). */
  baseline: boolean;
  private changes = 0;
  recordedCount = 0;

  constructor(saved: TasksState | undefined, since: number) {
    this.baseline = saved === undefined;
    this.since = saved?.since ?? since;
    for (const [id, t] of Object.entries(saved?.recorded ?? {})) this.recorded.set(id, t);
    for (const [id, t] of Object.entries(saved?.agentOnly ?? {})) this.agentOnly.set(id, t);
    for (const [id, live] of Object.entries(saved?.live ?? {})) {
      const refs = (live.f ?? []).filter((r) => r !== null && typeof r === 'object' && typeof r.id === 'string' && typeof r.category === 'string' && typeof r.severity === 'string');
      if (refs.length) this.findings.add(id, refs);
      for (const [container, finishedAt, elapsedMs] of live.p ?? []) this.addPull({ taskId: id, container, finishedAt, elapsedMs });
    }
  }

  /** Moves whenever the state entry would differ. */
  version(): number {
    return this.changes + this.findings.version;
  }

  /** Recorded, skipped, or its record on its way: nothing more to do for this task. */
  done(id: string): boolean {
    return this.recorded.has(id) || this.agentOnly.has(id) || this.skipped.has(id) || this.tasks.get(id)?.record !== undefined;
  }

  /** Follows a task (idempotent); the ARN's id is the key. */
  track(arn: string, now = Date.now()): TrackedTask {
    const id = taskIdOf(arn);
    let t = this.tasks.get(id);
    if (!t) {
      t = { arn, id, agentKnows: false, containers: [], firstSeenAt: now };
      this.tasks.set(id, t);
      this.changes++;
    }
    return t;
  }

  byDockerId(dockerId: string): TrackedTask | undefined {
    const id = this.byDocker.get(dockerId);
    return id === undefined ? undefined : this.tasks.get(id);
  }

  /** The task's container with this Docker id or (before Docker created it) this name; added if new. */
  container(t: TrackedTask, by: { dockerId?: string; name?: string }): TrackedContainer {
    let c = by.dockerId ? t.containers.find((x) => x.dockerId === by.dockerId) : undefined;
    // The agent names a container before Docker created it; its Docker id comes later.
    c ??= by.name ? t.containers.find((x) => x.name === by.name && (!x.dockerId || !by.dockerId)) : undefined;
    if (!c) {
      c = { signals: [] };
      t.containers.push(c);
    }
    if (by.name && !c.name) c.name = by.name;
    if (by.dockerId && !c.dockerId) {
      c.dockerId = by.dockerId;
      this.byDocker.set(by.dockerId, t.id);
    }
    return c;
  }

  addPull(p: PullTiming): void {
    let list = this.pulls.get(p.taskId);
    if (list) this.pulls.delete(p.taskId);
    else list = [];
    if (!list.some((x) => x.container === p.container && x.finishedAt === p.finishedAt)) list.push(p);
    this.pulls.set(p.taskId, list);
    while (this.pulls.size > MAX_PULL_TASKS) this.pulls.delete(this.pulls.keys().next().value!);
    this.changes++;
  }

  pullsOf(id: string): PullTiming[] {
    return this.pulls.get(id) ?? [];
  }

  keysOf(t: TrackedTask): string[] {
    return taskKeys(t.id, t.containers.flatMap((c) => (c.dockerId ? [c.dockerId] : [])));
  }

  /** A task the agent already reported stopped at a first start, with no container stop time: older than this start. */
  baselineSkip(id: string, now: number): void {
    this.agentOnly.set(id, now);
    this.forget(id);
  }

  skip(id: string): void {
    this.skipped.add(id);
    this.forget(id);
  }

  /** The record of `t` is on its way with ticket `seq`. */
  recording(t: TrackedTask, seq: number, stoppedAt: number, agentOnly: boolean): void {
    t.record = { seq, stoppedAt, agentOnly };
    this.changes++;
  }

  /** Records whose ticket is at or before `committed` are done: remember them, forget the task. */
  settle(committed: number): void {
    for (const t of [...this.tasks.values()]) {
      if (!t.record || t.record.seq > committed) continue;
      (t.record.agentOnly ? this.agentOnly : this.recorded).set(t.id, t.record.stoppedAt);
      this.recordedCount++;
      this.forget(t.id);
    }
  }

  private forget(id: string): void {
    const t = this.tasks.get(id);
    if (t) {
      this.findings.forget(this.keysOf(t));
      for (const c of t.containers) if (c.dockerId) this.byDocker.delete(c.dockerId);
      this.tasks.delete(id);
    }
    this.pulls.delete(id);
    this.changes++;
  }

  /** The agent answered with this list: drop agent-only entries it no longer holds, and skips likewise. */
  agentListed(ids: ReadonlySet<string>): void {
    for (const id of [...this.agentOnly.keys()]) if (!ids.has(id)) {
      this.agentOnly.delete(id);
      this.changes++;
    }
    for (const id of [...this.skipped]) if (!ids.has(id) && !this.tasks.has(id)) this.skipped.delete(id);
  }

  /**
   * Moves `since` up to SETTLE_MS behind the clock, but never past a stopped task still waiting, and prunes
   * what falls behind it. `waiting` are the stop times of tasks whose record is not accepted yet.
   */
  advance(now: number, waiting: number[]): void {
    const floor = Math.min(now - SETTLE_MS, ...waiting);
    // Moving with the clock is not a change worth a write of its own (it would be one every second while
    // idle): the file takes the new `since` with the next real change, and an older one is only more careful.
    if (floor > this.since) {
      this.since = floor;
      for (const [id, t] of this.recorded) if (t < this.since) this.recorded.delete(id);
    }
    // A state file that would grow without end (an agent that never answers): the oldest go first.
    for (const m of [this.recorded, this.agentOnly]) {
      if (m.size <= MAX_RECORDED) continue;
      const drop = [...m.entries()].sort((a, b) => a[1] - b[1]).slice(0, m.size - MAX_RECORDED);
      for (const [id, t] of drop) {
        m.delete(id);
        if (m === this.recorded) this.since = Math.max(this.since, t + 1);
      }
      this.changes++;
    }
  }

  /** The state entry: only records every sink accepted (`settle` first). */
  snapshot(): TasksState {
    const live: NonNullable<TasksState['live']> = {};
    for (const t of this.tasks.values()) {
      const f = this.findings.lookup(this.keysOf(t));
      const p = this.pullsOf(t.id).map((x): [string, number, number] => [x.container, x.finishedAt, x.elapsedMs]);
      if (f.length || p.length) live[t.id] = { ...(f.length ? { f } : {}), ...(p.length ? { p } : {}) };
    }
    return {
      since: this.since,
      recorded: Object.fromEntries(this.recorded),
      ...(this.agentOnly.size ? { agentOnly: Object.fromEntries(this.agentOnly) } : {}),
      ...(Object.keys(live).length ? { live } : {}),
    };
  }
}
