// `scan --task`: which of a host's lines concern one ECS task. The agent names the task (its id or ARN); dockerd
// and containerd name only its containers, whose ids are learned before the scan from the agent's own lines, its
// state in /var/lib/ecs/data, and the containers' ECS labels in config.v2.json, and during the scan from every
// agent line about the task; the kernel names its cgroup (`/ecs/<task id>/…`, or `ecstasks-<task id>.slice` under
// systemd) and then the PID it kills. The scan keeps those lines only, as one timeline.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { openRegular, readRegularFile } from '../base/regular-file.js';
import { LiteralSearch } from '../search/literals.js';
import { readDaemonConfig } from '../checks/daemon-config.js';
import { hostPath, type Host } from '../host.js';
import { redacted, redactedCut } from '../redacted.js';
import { discoverLogFiles } from '../sources/discover.js';
import { scanFile } from '../sources/file-scan.js';
import { UsageError } from '../errors.js';
import { FindingCollector, scanStatus, sortReportFindings } from '../report/collect.js';
import { type Finding, type LogRecord, type TaskTimeline, type TimelineEntry } from '../types.js';
import type { ScanReport } from '../report/schema.js';

/** A scan keeps at most this many timeline lines in memory (a crash-looping task can write thousands). */
export const MAX_TIMELINE = 400;
const LINE_CHARS = 400;
const TASK_ARN = /^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task\/(?:[^/]+\/)?([\w-]+)$/;
const TASK_ID = /^[a-zA-Z0-9-]{8,64}$/;
/** How agent lines name a container's Docker id. */
const AGENT_DOCKER_ID = /\b(?:dockerId|DockerId|dockerID|DockerID|runtimeID|runtimeId|RuntimeID)["']?[=:]\s*"?([0-9a-f]{64})\b/g;
/** The kernel's `pid=N` in an oom-kill line of the task's cgroup, then `Killed process N` / `reaped process N`. */
const KERNEL_PID = /\bpid=(\d+)\b/;
/** agent.db is BoltDB; its container records are JSON kept inline after their key (`<task id>-<container name>`). */
const MAX_STATE_BYTES = 64 * 1024 * 1024;

export function parseTaskArg(text: string): { id: string; arn?: string } {
  const t = text.trim();
  const m = TASK_ARN.exec(t);
  if (m) return { id: m[1]!, arn: t };
  if (!TASK_ID.test(t)) throw new UsageError(`--task: not a task id or task ARN: ${text}`, { hint: 'e.g. 0123456789abcdef0123456789abcdef or arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef' });
  return { id: t };
}

/** The hook the scan pipeline calls (see src/scan/run.ts `ScanFocus`). */
export class TaskFocus {
  readonly containers = new Set<string>();
  readonly learnedFrom = new Set<string>();
  private readonly pids = new Set<string>();
  private readonly entries: TimelineEntry[] = [];
  private omitted = 0;
  private since: number | undefined;

  constructor(
    readonly taskId: string,
    readonly taskArn?: string,
  ) {}

  /** Extra prefilter literals: the task id and a 12-hex prefix of each container id (dockerd also prints short ids). */
  get literals(): string[] {
    return [this.taskId, ...[...this.containers].map((c) => c.slice(0, 12))];
  }

  setSince(since: number | undefined): void {
    this.since = since;
  }

  learnContainer(id: string, from: string): void {
    if (!/^[0-9a-f]{64}$/.test(id)) return;
    if (!this.containers.has(id)) this.learnedFrom.add(from);
    this.containers.add(id);
  }

  /** True when the record is about this task (and learns container ids and OOM-killed PIDs on the way). */
  concerns(rec: LogRecord): boolean {
    const text = rec.text;
    if (text.includes(this.taskId) || (this.taskArn !== undefined && text.includes(this.taskArn))) {
      if (rec.source === 'ecs-agent' || rec.source === 'ecs-init' || rec.source === 'unknown') {
        for (const m of text.matchAll(AGENT_DOCKER_ID)) this.learnContainer(m[1]!, 'agent log');
      }
      if (rec.source === 'kernel' || rec.source === 'unknown') {
        const pid = KERNEL_PID.exec(text);
        if (pid) this.pids.add(pid[1]!);
      }
      return true;
    }
    for (const c of this.containers) if (text.includes(c.slice(0, 12))) return true;
    if (this.pids.size > 0 && (rec.source === 'kernel' || rec.source === 'unknown')) {
      const killed = /(?:Killed|reaped) process (\d+)\b/.exec(text);
      if (killed && this.pids.has(killed[1]!)) return true;
    }
    return false;
  }

  /** Called for each record that concerns the task, with what the rules made of it. */
  observe(rec: LogRecord, finding: Finding | undefined): void {
    if (this.since !== undefined && rec.time !== undefined && rec.time < this.since) return;
    if (this.entries.length >= MAX_TIMELINE) {
      // Keep the lines rules recognise over plain ones when the timeline is full.
      const plain = finding ? this.entries.findIndex((e) => !e.ruleId) : -1;
      if (plain < 0) {
        this.omitted += 1;
        return;
      }
      this.entries.splice(plain, 1);
      this.omitted += 1;
    }
    const e: TimelineEntry = { source: rec.source, text: redactedCut(rec.raw ?? rec.text, LINE_CHARS, '…') };
    if (rec.time !== undefined) e.time = new Date(rec.time).toISOString();
    if (finding) {
      e.ruleId = finding.ruleId;
      e.category = finding.category;
    }
    if (rec.origin?.file) e.file = rec.origin.file;
    if (rec.origin?.line !== undefined) e.line = rec.origin.line;
    this.entries.push(e);
  }

  result(hostState: TimelineEntry[] = []): TaskTimeline {
    // Files are read one after another; time order is what a reader wants. Lines without a time keep their place.
    const timed = [...this.entries, ...hostState].map((e, i) => ({ e, i }));
    timed.sort((a, b) => (a.e.time && b.e.time ? a.e.time.localeCompare(b.e.time) : 0) || a.i - b.i);
    return {
      taskId: this.taskId,
      ...(this.taskArn ? { taskArn: this.taskArn } : {}),
      containers: [...this.containers].sort(),
      learnedFrom: [...this.learnedFrom],
      timeline: timed.map((x) => x.e),
      omitted: this.omitted,
    };
  }
}

/** Learns the task's container ids before the scan, so dockerd and containerd lines are found in any file order. */
export async function prepareTaskFocus(host: Host, taskArg: string): Promise<TaskFocus> {
  const { id, arn } = parseTaskArg(taskArg);
  const focus = new TaskFocus(id, arn);
  await Promise.all([fromAgentLogs(host, focus), fromAgentState(host, focus), fromContainerLabels(host, focus)]);
  return focus;
}

async function fromAgentLogs(host: Host, focus: TaskFocus): Promise<void> {
  const { files } = await discoverLogFiles(host);
  const prefilter = new LiteralSearch([{ text: focus.taskId, fold: false }]);
  for (const f of files.filter((x) => x.source === 'ecs-agent')) {
    await scanFile(f.path, prefilter, (c) => {
      for (const m of c.text.matchAll(AGENT_DOCKER_ID)) focus.learnContainer(m[1]!, 'agent log');
    }).catch(() => undefined); // unreadable files are reported by the scan itself
  }
}

/** ecs_agent_data.json (older agents: `IdToTask` maps Docker ids to task ARNs) or agent.db (BoltDB, newer agents). */
async function fromAgentState(host: Host, focus: TaskFocus): Promise<void> {
  const dir = hostPath(host, '/var/lib/ecs/data');
  const json = await readRegularFile(path.join(dir, 'ecs_agent_data.json'), { maxBytes: MAX_STATE_BYTES, what: 'agent state' }).catch(() => undefined);
  if (json) {
    try {
      const doc = JSON.parse(json) as { Data?: { TaskEngine?: { IdToTask?: Record<string, string> } } };
      for (const [dockerId, taskArn] of Object.entries(doc.Data?.TaskEngine?.IdToTask ?? {})) {
        if (typeof taskArn === 'string' && (taskArn === focus.taskArn || taskArn.endsWith(`/${focus.taskId}`))) focus.learnContainer(dockerId, 'agent state');
      }
    } catch {
      // a state file being rewritten: the other sources still work
    }
  }
  const db = path.join(dir, 'agent.db');
  const size = await stat(db).then((s) => s.size, () => 0);
  if (size === 0 || size > MAX_STATE_BYTES) return;
  const fh = await openRegular(db).catch(() => undefined);
  if (!fh) return;
  try {
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, 0);
    const key = Buffer.from(`${focus.taskId}-`, 'latin1');
    for (let at = buf.indexOf(key); at !== -1; at = buf.indexOf(key, at + key.length)) {
      const window = buf.toString('latin1', at, Math.min(size, at + 512));
      const m = /"DockerID":"([0-9a-f]{64})"/.exec(window);
      if (m) focus.learnContainer(m[1]!, 'agent state');
    }
  } finally {
    await fh.close();
  }
}

async function fromContainerLabels(host: Host, focus: TaskFocus): Promise<void> {
  const daemon = await readDaemonConfig(host, []);
  const dir = hostPath(host, path.posix.join(daemon.dataRoot, 'containers'));
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .map(async (n) => {
        const text = await readRegularFile(path.join(dir, n, 'config.v2.json'), { maxBytes: 4 * 1024 * 1024, what: 'container metadata' }).catch(() => undefined);
        if (!text || !text.includes(focus.taskId)) return;
        try {
          const labels = (JSON.parse(text) as { Config?: { Labels?: Record<string, string> } }).Config?.Labels ?? {};
          const arn = labels['com.amazonaws.ecs.task-arn'];
          if (arn && (arn === focus.taskArn || arn.endsWith(`/${focus.taskId}`))) focus.learnContainer(n, 'container labels');
        } catch {
          // a half-written config: skip it
        }
      }),
  );
}

/**
 * Host checks in a task-focused scan: the filesystems stay (they are the host's state for every task), container-log
 * findings only for the task's own containers (the checks report one finding per container before folding).
 */
export function focusHostFindings(report: ScanReport, focus: TaskFocus): void {
  const checks = report.checks as { findings?: Finding[] } | undefined;
  if (!checks?.findings) return;
  const perContainer = (c: string): boolean => c.startsWith('container_log');
  const collector = new FindingCollector();
  for (const f of checks.findings) {
    if (!perContainer(f.category)) continue;
    const id = String(f.fields.dockerId ?? '');
    if (id && [...focus.containers].some((c) => c.startsWith(id))) collector.add(f);
  }
  report.findings = sortReportFindings([...report.findings.filter((f) => !perContainer(f.category)), ...collector.findings()]);
  report.status = scanStatus(report);
}

/** One line per filesystem Docker and the agent write to: the host state next to the timeline. */
export function hostStateEntries(checks: unknown, at: string): TimelineEntry[] {
  const fs = (checks as { filesystems?: Array<{ mount?: string; paths: string[]; usedPercent: number; inodeUsedPercent?: number; availableBytes: number }> } | undefined)?.filesystems;
  return (fs ?? []).map((f) => ({
    time: at,
    source: 'host-state' as const,
    text: redacted(
      `${f.mount ? `filesystem ${f.mount} (holding ${f.paths.join(', ')})` : `filesystem holding ${f.paths.join(', ')}`}: ${f.usedPercent.toFixed(0)}% of space used, ` +
      `${(f.availableBytes / 2 ** 30).toFixed(1)} GiB free${f.inodeUsedPercent !== undefined ? `, ${f.inodeUsedPercent.toFixed(0)}% of inodes used` : ''} (at scan time)`,
    ),
  }));
}
