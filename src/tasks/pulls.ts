// Image pull timings, as the ECS agent logs them (agent ≥ 1.60, agent/engine/docker_task_engine.go
// pullContainer): `msg="Finished pulling image for container" task=<id> container=<name> image=<ref>
// elapsed=1.5s elapsedMs=1500`, in logfmt or JSON. Older agents, and pulls skipped because the image is
// cached, log nothing: the record then has no pull duration.
import { parseLine, type FormatName } from '../formats/index.js';

/** The literal a line must contain: the daemon hands the task source only agent lines that have it. */
export const PULL_FINISHED = 'Finished pulling image for container';

export interface PullTiming {
  taskId: string;
  container: string;
  /** Epoch ms: when the pull finished (the line's time) and how long it took. */
  finishedAt: number;
  elapsedMs: number;
}

const FIELD = (name: string): RegExp => new RegExp(`(?:^|\\s)${name}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`);
const TASK = FIELD('task');
const CONTAINER = FIELD('container');
const ELAPSED_MS = FIELD('elapsedMs');

function value(re: RegExp, text: string): string | undefined {
  const m = re.exec(text);
  if (!m) return undefined;
  const v = m[1]!;
  if (!v.startsWith('"')) return v;
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}

/** A pull timing from one agent line, or undefined when the line is not one (or lacks a field). */
export function parsePullLine(line: string, format?: FormatName, now = Date.now()): PullTiming | undefined {
  if (!line.includes(PULL_FINISHED)) return undefined;
  const rec = parseLine(line, { source: 'ecs-agent', ...(format ? { format } : {}) });
  const taskId = value(TASK, rec.text);
  const container = value(CONTAINER, rec.text);
  const elapsedMs = Number(value(ELAPSED_MS, rec.text));
  if (!taskId || !container || !Number.isFinite(elapsedMs) || elapsedMs < 0) return undefined;
  // Agent lines carry seconds; the elapsed time is exact.
  return { taskId: taskId.replace(/^.*\//, ''), container, finishedAt: rec.time ?? now, elapsedMs: Math.round(elapsedMs) };
}
