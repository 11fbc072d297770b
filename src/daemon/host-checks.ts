// Host checks on a schedule. A check is reported when its state changes (new problem, or a different
// severity), again at a slow interval while it lasts, and once more as `resolved` when it clears. The
// states are kept in the state file so a restart neither repeats reports nor forgets a pending "resolved".
import type { CheckRecord } from '../checkpoints.js';
import type { Thresholds } from '../checks/types.js';
import { errorMessage } from '../errors.js';
import { eventId, toEvent } from '../events.js';
import type { Logger } from '../log.js';
import { CATEGORIES, type Category, type Finding, type TriageEvent } from '../types.js';
import type { DaemonPlan } from './plan.js';
import type { DaemonSource, SourceContext } from './source.js';
import type { SourceStatus } from './status-file.js';

export type RunChecks = () => Promise<{ findings: Finding[] }>;
/** The host checks with given thresholds (src/checks runHostChecks, injected so the daemon does not load them). */
export type HostChecks = (thresholds: Thresholds) => Promise<{ findings: Finding[] }>;

export interface HostCheckOptions {
  intervalMs: number;
  repeatMs: number;
  log: Logger;
  emit: (event: TriageEvent) => void;
  /** Called after each run that changed the remembered states. */
  changed: () => void;
  now?: () => number;
}

/** What makes two check findings "the same problem": the rule and the thing it is about. */
export function checkKey(f: Finding): string {
  const about = f.fields.path ?? f.fields.dockerId ?? f.fields.mount ?? '';
  return `${f.ruleId}\u0000${String(about)}`;
}

interface Remembered extends CheckRecord {
  finding?: Finding;
}

export class HostCheckScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly states = new Map<string, Remembered>();
  private readonly now: () => number;
  lastRunAt: string | undefined;
  lastError: string | undefined;

  constructor(
    private readonly run: RunChecks,
    private opts: HostCheckOptions,
    saved: Record<string, CheckRecord> = {},
  ) {
    this.now = opts.now ?? Date.now;
    for (const [k, v] of Object.entries(saved)) this.states.set(k, { ...v });
  }

  start(): void {
    void this.tick();
  }

  reconfigure(intervalMs: number, repeatMs: number): void {
    this.opts = { ...this.opts, intervalMs, repeatMs };
  }

  /** For the state file. */
  snapshot(): Record<string, CheckRecord> {
    const out: Record<string, CheckRecord> = {};
    for (const [k, { finding: _f, ...rec }] of this.states) out[k] = rec;
    return out;
  }

  private tick(): Promise<void> {
    this.running = this.once().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs);
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run: compare with what we knew, emit the differences. Exposed for tests. */
  async once(): Promise<void> {
    let findings: Finding[];
    try {
      ({ findings } = await this.run());
      this.lastError = undefined;
    } catch (err) {
      // A failing check run is not a host problem: say so once per distinct error and keep the old states.
      const msg = errorMessage(err);
      if (msg !== this.lastError) this.opts.log.warn('host checks failed; will retry', { error: msg, retryInMs: this.opts.intervalMs });
      this.lastError = msg;
      return;
    }
    const t = this.now();
    const iso = new Date(t).toISOString();
    this.lastRunAt = iso;
    let changed = false;
    const seen = new Set<string>();
    for (const f of findings) {
      const key = checkKey(f);
      if (seen.has(key)) continue;
      seen.add(key);
      const prev = this.states.get(key);
      const fresh = !prev || prev.severity !== f.severity;
      const repeat = !fresh && t - Date.parse(prev.lastReported) >= this.opts.repeatMs;
      if (fresh || repeat) {
        const since = fresh ? iso : prev.since;
        this.opts.emit(
          toEvent(f, { kind: 'check', id: eventId('check', key, f.severity, iso), count: 1, firstSeen: Date.parse(since), lastSeen: t }),
        );
        this.states.set(key, { severity: f.severity, since, lastReported: iso, title: f.title, category: f.category, finding: f });
        changed = true;
      } else {
        prev.finding = f;
      }
    }
    for (const [key, prev] of this.states) {
      if (seen.has(key)) continue;
      const base: Finding = prev.finding ?? resolvedStub(key, prev);
      const f: Finding = { ...base, line: `resolved: ${base.line}` };
      this.opts.emit(toEvent(f, { kind: 'resolved', id: eventId('resolved', key, iso), count: 1, firstSeen: Date.parse(prev.since), lastSeen: t }));
      this.states.delete(key);
      changed = true;
    }
    if (changed) this.opts.changed();
  }
}

/** After a restart only the remembered record is known; enough to say what cleared. */
function resolvedStub(key: string, rec: CheckRecord): Finding {
  const [ruleId = 'host-check', about = ''] = key.split('\u0000');
  return {
    ruleId,
    category: (CATEGORIES as readonly string[]).includes(rec.category ?? '') ? (rec.category as Category) : 'disk_pressure',
    severity: 'info',
    title: rec.title,
    fields: about ? { path: about } : {},
    causes: [],
    remediation: [],
    source: 'host-check',
    line: `${rec.title}${about ? ` (${about})` : ''}`,
  };
}

/**
 * The host checks as a daemon source: events of their own (`check`, `resolved`) with their own saved state
 * (the problems being tracked, entry `checks`). The thresholds and timings are read from the current plan,
 * so SIGHUP applies them; `checks.enabled` starts or stops the schedule.
 */
export class HostCheckSource implements DaemonSource<Record<string, CheckRecord>> {
  readonly stateKey = 'checks';
  private scheduler: HostCheckScheduler | undefined;
  private saved: Record<string, CheckRecord> = {};
  private changes = 0;
  private ctx!: SourceContext;

  constructor(
    private readonly run: HostChecks,
    private plan: DaemonPlan['checks'],
  ) {}

  validState(saved: unknown): saved is Record<string, CheckRecord> {
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) return false;
    return Object.values(saved).every(
      (r: Partial<CheckRecord> | null) => r !== null && typeof r === 'object' && typeof r.severity === 'string' && typeof r.since === 'string' && typeof r.lastReported === 'string' && typeof r.title === 'string',
    );
  }

  async start(ctx: SourceContext, saved: Record<string, CheckRecord> | undefined): Promise<void> {
    this.ctx = ctx;
    this.saved = saved ?? {};
    if (this.plan.enabled) this.begin();
  }

  private begin(): void {
    this.scheduler = new HostCheckScheduler(
      () => this.run(this.plan.thresholds),
      {
        intervalMs: this.plan.intervalMs,
        repeatMs: this.plan.repeatMs,
        log: this.ctx.log,
        emit: (ev) => this.ctx.event(ev),
        changed: () => this.changes++,
      },
      this.saved,
    );
    this.scheduler.start();
  }

  async reconfigure(plan: DaemonPlan): Promise<void> {
    this.plan = plan.checks;
    if (this.plan.enabled && !this.scheduler) {
      this.begin();
    } else if (!this.plan.enabled && this.scheduler) {
      // Remember what is being tracked: enabled again (or restarted), the checks go on from there.
      this.saved = this.scheduler.snapshot();
      const s = this.scheduler;
      this.scheduler = undefined;
      await s.stop();
    } else {
      this.scheduler?.reconfigure(this.plan.intervalMs, this.plan.repeatMs);
    }
  }

  checkpoint(): Record<string, CheckRecord> {
    return this.scheduler ? this.scheduler.snapshot() : this.saved;
  }

  version(): number {
    return this.changes;
  }

  status(): SourceStatus[] {
    const s = this.scheduler;
    if (!s) return [];
    return [
      {
        kind: 'checks',
        name: 'host checks',
        source: 'host-check',
        active: Object.keys(s.snapshot()).length,
        ...(s.lastRunAt ? { lastLineAt: s.lastRunAt } : {}),
        ...(s.lastError ? { error: s.lastError } : {}),
      },
    ];
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }
}
