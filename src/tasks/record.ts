// A stopped task → its `task_stopped` event (README "Task records"): each container's end and its meaning
// (from the rules, see meaning.ts), the container that decided how the task ended, the cause, the times, the
// pull duration the agent logged, and the ids of its findings. This is where the record's text is redacted
// (the seam, src/redacted.ts), like events.ts for findings.
import { dockerTime } from '../docker/engine.js';
import { eventId } from '../events.js';
import { redacted, redactedCut, redactedFields } from '../redacted.js';
import type { ExitClass, Fields, HealthStatus, Severity, TaskContainerRecord, TriageEvent } from '../types.js';
import { severityRank } from '../types.js';
import type { TrackedContainer, TrackedTask } from './book.js';
import type { FindingRef } from './join.js';
import { exitClass, exitMeaning, healthMeaning, NEVER_STARTED, UNKNOWN_END, type Classify, type Meaning } from './meaning.js';
import type { PullTiming } from './pulls.js';

/** The last health-check output kept in a record. */
export const HEALTH_OUTPUT_MAX = 512;
const ERROR_MAX = 512;
const HEALTH: ReadonlySet<string> = new Set(['healthy', 'unhealthy', 'starting', 'none']);

export interface HostFacts {
  cluster?: string;
  containerInstanceArn?: string;
}

interface Ended {
  c: TrackedContainer;
  meaning: Meaning;
  cls: ExitClass;
  exitCode?: number;
  oomKilled?: boolean;
  finishedAt?: string;
  health?: HealthStatus;
}

/** `arn:aws:ecs:…:cluster/NAME` → NAME; a name stays a name. */
export function clusterName(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /:cluster\/(.+)$/.exec(v);
  return m ? m[1] : v;
}

/** The cluster in a task ARN of the long format (`task/CLUSTER/ID`). */
function clusterOfArn(arn: string): string | undefined {
  const m = /:task\/([^/]+)\/[^/]+$/.exec(arn);
  return m?.[1];
}

function ended(c: TrackedContainer, classify: Classify): Ended {
  const s = c.state;
  const health = (s?.Health?.Status ?? c.health) as HealthStatus | undefined;
  const withHealth = health && HEALTH.has(health) ? { health } : {};
  if (s) {
    const meaning = exitMeaning(s, classify);
    const finishedAt = dockerTime(s.FinishedAt);
    return { c, meaning, cls: exitClass(meaning, s.ExitCode, s.OOMKilled), exitCode: s.ExitCode ?? 0, oomKilled: s.OOMKilled === true, ...(finishedAt ? { finishedAt } : {}), ...withHealth };
  }
  if (c.exitCode !== undefined) {
    // Gone before it could be inspected: what the die and oom events said.
    const meaning = exitMeaning({ ExitCode: c.exitCode, OOMKilled: c.oomEvent === true }, classify);
    return { c, meaning, cls: exitClass(meaning, c.exitCode, c.oomEvent), exitCode: c.exitCode, oomKilled: c.oomEvent === true, ...withHealth };
  }
  return { c, meaning: c.dockerId ? UNKNOWN_END : NEVER_STARTED, cls: 'error', ...withHealth };
}

/** The container whose end the task's end is about: an OOM kill, else the first to end badly, else the first. */
function deciding(list: Ended[]): Ended | undefined {
  const oom = list.find((e) => e.cls === 'oom');
  if (oom) return oom;
  const bad = list.filter((e) => e.cls !== 'normal');
  const time = (e: Ended): number => (e.finishedAt ? Date.parse(e.finishedAt) : Number.POSITIVE_INFINITY);
  bad.sort((a, b) => time(a) - time(b));
  return bad[0] ?? list[0];
}

function lastHealthOutput(c: TrackedContainer): string | undefined {
  const log = c.state?.Health?.Log;
  const last = log?.[log.length - 1];
  return last?.Output?.trim() || undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function earliest(values: Array<string | undefined>): string | undefined {
  const ok = values.filter((v): v is string => !!v).sort();
  return ok[0];
}

export interface RecordInput {
  task: TrackedTask;
  host: HostFacts;
  pulls: PullTiming[];
  findings: FindingRef[];
  /** When the task was seen stopped, for a task none of whose containers ran. */
  now: number;
  classify: Classify;
}

export interface TaskRecord {
  event: TriageEvent;
  stoppedAt: number;
  /** None of its containers ran: no stop time of Docker's to go by. */
  agentOnly: boolean;
  exitClass: ExitClass;
}

export function buildTaskRecord(input: RecordInput): TaskRecord {
  const { task, classify } = input;
  const list = task.containers.map((c) => ended(c, classify));
  const decider = deciding(list);
  const ran = list.some((e) => e.exitCode !== undefined);
  const cls: ExitClass = decider?.cls ?? 'error';

  // The cause: an OOM kill or a crash is its own; a container that was stopped (killed or a clean stop)
  // while its health check failed was stopped for that; a task whose containers never ran, by its findings.
  let cause: Meaning = decider?.meaning ?? NEVER_STARTED;
  const unhealthy = list.find((e) => e.health === 'unhealthy');
  if (unhealthy && (cls === 'killed' || cls === 'normal')) cause = healthMeaning('unhealthy', classify) ?? cause;
  if (!ran) {
    const worst = [...input.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
    if (worst) cause = { text: worst.title, category: worst.category, severity: worst.severity, ruleId: worst.ruleId };
  }

  const pulls = input.pulls;
  const pullStart = pulls.length ? Math.min(...pulls.map((p) => p.finishedAt - p.elapsedMs)) : undefined;
  const pullStop = pulls.length ? Math.max(...pulls.map((p) => p.finishedAt)) : undefined;
  const finished = list.map((e) => e.finishedAt).filter((v): v is string => !!v).sort();
  const stoppedAt = finished.length ? Date.parse(finished[finished.length - 1]!) : (task.stoppedSeenAt ?? input.now);
  const createdAt = earliest(task.containers.map((c) => c.createdAt));
  const startedAt = earliest(list.map((e) => dockerTime(e.c.state?.StartedAt) ?? e.c.startedAt));

  const containers: TaskContainerRecord[] = list.map((e) => {
    const c = e.c;
    const out: TaskContainerRecord = { name: redacted(c.name ?? c.dockerId?.slice(0, 12) ?? 'unknown'), exitMeaning: redacted(e.meaning.text), exitClass: e.cls };
    if (c.dockerId) out.dockerId = redacted(c.dockerId);
    if (c.image) out.image = redacted(c.image);
    if (e.exitCode !== undefined) out.exitCode = e.exitCode;
    if (e.meaning.ruleId) out.exitRuleId = e.meaning.ruleId;
    if (e.oomKilled !== undefined) out.oomKilled = e.oomKilled;
    if (c.state?.Error) out.error = redactedCut(c.state.Error, ERROR_MAX);
    if (c.signals.length) out.signals = [...c.signals];
    if (e.health) out.health = e.health;
    const output = lastHealthOutput(c);
    if (output) out.healthOutput = redactedCut(output, HEALTH_OUTPUT_MAX);
    const started = dockerTime(c.state?.StartedAt) ?? c.startedAt;
    if (started) out.startedAt = started;
    if (e.finishedAt) out.finishedAt = e.finishedAt;
    const pull = pulls.filter((p) => p.container === c.name).map((p) => p.elapsedMs);
    if (pull.length) out.pullMs = Math.max(...pull);
    return out;
  });

  const family = task.family;
  const revision = task.revision;
  const taskDefinition = family ? `${family}:${revision ?? '?'}` : undefined;
  const cluster = clusterName(input.host.cluster ?? task.cluster) ?? clusterOfArn(task.arn);
  const fields: Fields = { taskArn: task.arn, taskId: task.id, exitClass: cls, exitMeaning: cause.text, containerCount: containers.length, findingCount: input.findings.length };
  if (family) fields.family = family;
  if (revision) fields.revision = revision;
  if (taskDefinition) fields.taskDefinition = taskDefinition;
  if (cluster) fields.cluster = cluster;
  if (input.host.containerInstanceArn) fields.containerInstanceArn = input.host.containerInstanceArn;
  if (task.desired) fields.desiredStatus = task.desired;
  if (task.known) fields.knownStatus = task.known;
  if (decider) {
    fields.stoppedContainer = decider.c.name ?? decider.c.dockerId?.slice(0, 12) ?? 'unknown';
    if (decider.exitCode !== undefined) fields.exitCode = decider.exitCode;
  }
  fields.oomKilled = list.some((e) => e.oomKilled === true);
  if (unhealthy) fields.health = 'unhealthy';
  if (createdAt) fields.createdAt = createdAt;
  if (startedAt) fields.startedAt = startedAt;
  fields.stoppedAt = iso(stoppedAt);
  if (pullStart !== undefined && pullStop !== undefined) {
    fields.pullStartedAt = iso(pullStart);
    fields.pullStoppedAt = iso(pullStop);
    fields.pullDurationMs = pullStop - pullStart;
  }

  const severity: Severity = cls === 'normal' && cause === decider?.meaning ? 'info' : cause.severity;
  const label = taskDefinition ?? task.id;
  const how = decider
    ? decider.exitCode !== undefined
      ? `container ${fields.stoppedContainer} exited ${decider.exitCode}${decider.oomKilled ? ' (OOM-killed)' : ''}`
      : `container ${fields.stoppedContainer} never ran`
    : 'no container';
  const first = createdAt ? Date.parse(createdAt) : startedAt ? Date.parse(startedAt) : stoppedAt;
  const event: TriageEvent = {
    schema: 1,
    id: eventId('task_stopped', task.arn),
    kind: 'task_stopped',
    category: cause.category,
    severity,
    ruleId: cause.ruleId ?? 'task-stopped',
    title: redacted(`Task ${label} stopped: ${cause.text}`),
    count: 1,
    firstSeen: iso(Math.min(first, stoppedAt)),
    lastSeen: iso(stoppedAt),
    source: 'task',
    message: redacted(`Task ${task.id} (${label}) stopped: ${how}; ${cause.text}`),
    fields: redactedFields(fields),
    containers,
    findingIds: input.findings.map((f) => f.id),
  };
  if (cause.hint && severity !== 'info') event.hint = redacted(cause.hint);
  return { event, stoppedAt, agentOnly: !ran, exitClass: cls };
}
