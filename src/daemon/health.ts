// Whether the daemon is doing its job, as `ecs-triage status` judges it. Beyond "alive and writing its status":
// - a source is *stalled* when data waits behind its position (bytes written but not committed) and the
//   position has not moved for `status.stallAfterMs`: a read that hangs, a delivery that never completes, a
//   line held forever. The daemon marks when it last saw the position move (HealthTracker); the reader judges.
// - a source *dropped* lines when it read something it could not hand on (journalctl output that is not an
//   entry, …): each is a lost line, so the daemon is unhealthy for DROP_ALERT_MS after the last one.
import { liveness } from '../base/process-identity.js';
import { formatDuration } from '../base/grammar.js';
import { refreshLag, type DaemonStatus, type SourceStatus } from './status-file.js';

/** How long after the last dropped line `status` keeps reporting it. */
export const DROP_ALERT_MS = 60 * 60_000;
/** For status files written before `stallAfterMs` was recorded. */
const DEFAULT_STALL_AFTER_MS = 300_000;

interface Seen {
  mark: string;
  movedAt: number;
  dropped: number;
  droppedAt?: number;
}

/** Kept by the daemon across status writes: when each source's position last moved and when it last dropped a line. */
export class HealthTracker {
  private readonly seen = new Map<string, Seen>();

  /** Adds `stalledSince` and `lastDroppedAt` to each source's status. */
  observe(sources: SourceStatus[], now = Date.now()): void {
    for (const s of sources) {
      const key = `${s.kind}\u0000${s.name}`;
      const mark = `${s.committed ?? ''}|${s.read ?? ''}|${s.cursor ?? ''}`;
      const pending = (s.lagBytes ?? 0) > 0;
      let h = this.seen.get(key);
      if (!h) {
        h = { mark, movedAt: now, dropped: 0 };
        this.seen.set(key, h);
      }
      if (h.mark !== mark || !pending) {
        h.mark = mark;
        h.movedAt = now;
      } else {
        s.stalledSince = new Date(h.movedAt).toISOString();
      }
      if ((s.dropped ?? 0) > h.dropped) h.droppedAt = now;
      h.dropped = s.dropped ?? 0;
      if (h.droppedAt !== undefined) s.lastDroppedAt = new Date(h.droppedAt).toISOString();
    }
  }
}

export interface StatusView {
  state: 'running' | 'stale' | 'stopped';
  healthy: boolean;
  problems: string[];
  status: DaemonStatus;
}

/** Judges a status file: stale when not rewritten for three intervals. Refreshes lag from the files' sizes. */
export async function judge(status: DaemonStatus, now = Date.now()): Promise<StatusView> {
  const problems: string[] = [];
  const age = now - Date.parse(status.updatedAt);
  // The pid alone could name another program by now: the start time recorded with it says whether it is ours.
  const alive = liveness({ pid: status.pid, ...(status.processStart ? { start: status.processStart } : {}) }, /ecs-triage/) === 'alive';
  let state: StatusView['state'];
  if (status.stoppedAt || !alive) state = 'stopped';
  else if (age > 3 * status.intervalMs + 5000) state = 'stale';
  else state = 'running';
  if (state === 'stopped') problems.push(status.stoppedAt ? `stopped at ${status.stoppedAt}` : `process ${status.pid} is not running (no clean shutdown recorded)`);
  if (state === 'stale') problems.push(`status not updated for ${Math.round(age / 1000)} s: the daemon may be stalled`);
  await refreshLag(status.sources);
  const stallAfter = status.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
  for (const s of status.sources) {
    if (s.error) problems.push(`${s.name}: ${s.error}`);
    if (state === 'running' && s.stalledSince !== undefined) {
      const stuck = Date.parse(status.updatedAt) - Date.parse(s.stalledSince);
      if (stuck >= stallAfter && (s.lagBytes ?? 1) > 0) {
        problems.push(`${s.name}: not advancing for ${formatDuration(Math.round(stuck / 1000) * 1000)} with ${s.lagBytes ?? 'unread'} bytes behind its position`);
      }
    }
    if (s.lastDroppedAt !== undefined && now - Date.parse(s.lastDroppedAt) < DROP_ALERT_MS) {
      problems.push(`${s.name}: ${s.dropped ?? 'some'} line(s) read but dropped (could not be decoded), the last at ${s.lastDroppedAt}`);
    }
  }
  for (const k of status.sinks) if (!k.ok) problems.push(`sink ${k.name}: ${k.lastError ?? 'failing'}`);
  if (status.checkpoint.error) problems.push(`checkpoints: ${status.checkpoint.error}`);
  return { state, healthy: state === 'running' && problems.length === 0, problems, status };
}
