// The watch daemon's core. It only wires the parts together — sources → classifier → aggregator → delivery →
// sinks, a source's positions committed as delivery acknowledges them, the state file and the status file on
// their timers, the signals — in the shape of node-problem-detector's problem detector. What each part does
// is in its own module; what each part is given comes from the plan (plan.ts); the sources are listed in
// sources.ts and speak the DaemonSource interface (source.ts).
import { Aggregator } from '../aggregate.js';
import { selfRef } from '../base/process-identity.js';
import { withTimeout } from '../base/waiter.js';
import { CheckpointStore } from '../checkpoints.js';
import { loadRuleSet } from '../classify/load.js';
import type { LoadedConfig, TriageConfig } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { LineClassifier, type LineContext } from '../pipeline.js';
import { createSinks } from '../sinks/index.js';
import type { RecordSource, Sink, TriageEvent } from '../types.js';
import { VERSION } from '../version.js';
import { Checkpointer } from './checkpointer.js';
import { installSignals, levelled, reloadConfig } from './control.js';
import { notifyReady } from '../systemd-notify.js';
import { Delivery } from './delivery.js';
import { HealthTracker } from './health.js';
import { lockStateDir } from './lock.js';
import { planDaemon, type DaemonPlan } from './plan.js';
import type { Ticket } from './progress.js';
import type { DaemonSource, SourceContext } from './source.js';
import { daemonSources, type SourceDeps } from './sources.js';
import { composeStatus, refreshLag, writeStatus } from './status-file.js';

/** How long shutdown waits for the sinks to take the last events. */
const SHUTDOWN_DRAIN_MS = 3000;
const SINK_CLOSE_MS = 2000;

export interface DaemonOptions extends SourceDeps {
  loaded: LoadedConfig;
  /** For SIGHUP: where the config came from and the flags that override it. */
  configFile?: string;
  overrides?: Record<string, unknown>;
  /** Lets every level through: the daemon applies `logLevel` (and a reload's new one) itself. */
  log: Logger;
  stdout?: NodeJS.WritableStream;
  /** Install process signal handlers (the CLI does; embedded use may not). */
  signals?: boolean;
}

export class Daemon {
  private config: TriageConfig;
  private inputs: Record<string, unknown>;
  private plan: DaemonPlan;
  private readonly log: Logger;
  private classifier!: LineClassifier;
  private sinks: Sink[] = [];
  private delivery!: Delivery;
  private aggregator!: Aggregator<Ticket>;
  private readonly sources: DaemonSource[];
  private checkpointer: Checkpointer | undefined;
  private readonly health = new HealthTracker();
  private readonly startedAt = new Date().toISOString();
  private saveTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopRequested: (() => void) | undefined;
  private readonly stopped: Promise<void>;
  private removeSignals: (() => void) | undefined;
  private unlock: (() => Promise<void>) | undefined;
  private reloading = false;
  private readonly counters = { lines: 0, matched: 0, events: 0 };
  /** Hands an event to delivery and to the sources that watch events (set up with the sources' context). */
  private pushEvent: (ev: TriageEvent, tickets: Ticket[]) => void = () => {};

  constructor(private readonly opts: DaemonOptions) {
    this.config = opts.loaded.config;
    this.inputs = opts.loaded.inputs;
    this.plan = planDaemon(this.config);
    this.log = levelled(opts.log, () => this.plan.logLevel);
    this.sources = daemonSources(this.plan, opts);
    this.stopped = new Promise((resolve) => (this.stopRequested = resolve));
  }

  /** Runs until stop() (or SIGTERM/SIGINT); resolves after a clean shutdown. */
  async run(): Promise<void> {
    this.classifier = new LineClassifier(await loadRuleSet(this.plan.patternsDir));
    this.unlock = await lockStateDir(this.plan.stateDir);
    try {
      await this.startAll();
      void notifyReady(this.log);
    } catch (err) {
      // Leave nothing running (timers, watchers, child processes) so the process can exit with the error.
      await this.abort();
      throw err;
    }
    await this.stopped;
    await this.shutdown();
  }

  stop(reason = 'requested'): void {
    if (!this.stopRequested) return; // already stopping
    this.log.info('watch stopping', { reason });
    this.stopRequested();
    this.stopRequested = undefined;
  }

  private async startAll(): Promise<void> {
    const plan = this.plan;
    const validators = Object.fromEntries(this.sources.map((s) => [s.stateKey, (v: unknown) => s.validState(v)]));
    const store = new CheckpointStore(plan.stateDir, this.log, validators);
    const { state, fresh, from } = await store.load();
    this.sinks = await createSinks(plan.sinks, { log: this.log, ...(this.opts.stdout ? { stdout: this.opts.stdout } : {}) });
    this.delivery = new Delivery(this.sinks, this.log);
    this.aggregator = new Aggregator<Ticket>({
      windowMs: plan.aggregate.windowMs,
      keyFields: plan.aggregate.keyFields,
      emit: (ev, tickets) => this.pushEvent(ev, tickets),
    });
    this.checkpointer = new Checkpointer(store, this.sources, state.createdAt, this.log);
    this.log.info('watch starting', {
      version: VERSION,
      root: plan.host.root,
      stateDir: plan.stateDir,
      state: from,
      sinks: plan.sinks.names.join(','),
      rules: this.classifier.rules.rules.length,
      files: plan.files.map((t) => t.display).join(','),
      journal: plan.journal !== undefined,
    });
    if (this.opts.signals !== false) this.removeSignals = installSignals({ stop: (why) => this.stop(why), reload: () => void this.reload() });
    const ctx = this.context();
    for (const source of this.sources) await source.start(ctx, state[source.stateKey] as never, { fresh, ...plan.start });
    // A first start records where it began at once: killed before its first periodic save, the next start
    // would otherwise be a "first start" again, begin at the end, and skip what came in between.
    if (fresh) await this.checkpointer.save(true);
    this.armTimers();
    await this.writeStatusFile();
  }

  /** What the sources may call: the classifier (swapped on reload), the aggregator, delivery. */
  private context(): SourceContext {
    const since = (): number | undefined => this.plan.start.since;
    const eventListeners: Array<(ev: TriageEvent) => void> = [];
    const lineTaps: Array<{ source: RecordSource; literal: string; listener: (text: string, ctx: LineContext) => void }> = [];
    const push = (ev: TriageEvent, tickets: Ticket[]): void => {
      this.counters.events++;
      this.delivery.push(ev, tickets);
      for (const l of eventListeners) l(ev);
    };
    this.pushEvent = push;
    return {
      log: this.log,
      classifyLine: (text, lineCtx) => {
        this.counters.lines++;
        if (text === undefined) return undefined;
        for (const tap of lineTaps) if (tap.source === lineCtx.source && text.includes(tap.literal)) tap.listener(text, lineCtx);
        const f = this.classifier.line(text, lineCtx, since());
        if (f) this.counters.matched++;
        return f;
      },
      classifyRecord: (rec) => {
        this.counters.lines++;
        if (rec) for (const tap of lineTaps) if (tap.source === rec.source && rec.text.includes(tap.literal)) tap.listener(rec.text, { source: rec.source });
        const f = rec ? this.classifier.record(rec, since()) : undefined;
        if (f) this.counters.matched++;
        return f;
      },
      finding: (o) => this.aggregator.add(o),
      event: (ev, ticket) => push(ev, ticket ? [ticket] : []),
      room: () => this.delivery.room(),
      classifyComposed: (rec) => this.classifier.record(rec),
      onEvent: (listener) => eventListeners.push(listener),
      onLine: (source, literal, listener) => lineTaps.push({ source, literal, listener }),
    };
  }

  private armTimers(): void {
    clearInterval(this.saveTimer);
    clearInterval(this.statusTimer);
    this.saveTimer = setInterval(() => void this.checkpointer?.save(), this.plan.checkpointsIntervalMs);
    this.statusTimer = setInterval(() => void this.writeStatusFile(), this.plan.status.intervalMs);
  }

  private async writeStatusFile(stoppedAt?: string): Promise<void> {
    const sources = this.sources.flatMap((s) => s.status());
    await refreshLag(sources);
    this.health.observe(sources);
    const self = selfRef();
    const status = composeStatus({
      process: { pid: self.pid, ...(self.start ? { start: self.start } : {}), version: VERSION, startedAt: this.startedAt },
      root: this.plan.host.root,
      intervalMs: this.plan.status.intervalMs,
      stallAfterMs: this.plan.status.stallAfterMs,
      rules: this.classifier.rules.rules.length,
      sources,
      sinks: this.sinks.map((s) => ({ name: s.name, ...s.health() })),
      pipeline: {
        ...this.counters,
        folded: this.aggregator.folded,
        closedEarly: this.aggregator.closedEarly,
        backlog: this.delivery.backlog,
        ...(this.delivery.lastEventAt ? { lastEventAt: this.delivery.lastEventAt } : {}),
      },
      checkpoint: {
        ...(this.checkpointer?.lastSavedAt ? { lastSavedAt: this.checkpointer.lastSavedAt } : {}),
        ...(this.checkpointer?.error ? { error: this.checkpointer.error } : {}),
      },
      ...(stoppedAt ? { stoppedAt } : {}),
    });
    try {
      await writeStatus(this.plan.stateDir, status);
    } catch (err) {
      this.log.debug('cannot write status file', { error: errorMessage(err) });
    }
  }

  /** SIGHUP: re-read the config and the rules; apply every key declared `live`; a broken rule file keeps the running rules. */
  async reload(): Promise<void> {
    if (this.reloading) return;
    this.reloading = true;
    try {
      const next = await reloadConfig(this.config, { ...(this.opts.configFile ? { file: this.opts.configFile } : {}), overrides: this.opts.overrides ?? {}, inputs: this.inputs }, this.log);
      if (next) {
        this.config = next.config;
        this.inputs = next.inputs;
        const p = planDaemon(this.config);
        const timersChanged = p.checkpointsIntervalMs !== this.plan.checkpointsIntervalMs || p.status.intervalMs !== this.plan.status.intervalMs;
        // Only the parts that come from live keys: the rest keeps running as it was built.
        this.plan = { ...this.plan, patternsDir: p.patternsDir, logLevel: p.logLevel, aggregate: p.aggregate, checks: p.checks, tasks: p.tasks, checkpointsIntervalMs: p.checkpointsIntervalMs, status: p.status };
        this.aggregator.reconfigure(this.plan.aggregate.windowMs, this.plan.aggregate.keyFields);
        for (const s of this.sources) await s.reconfigure?.(this.plan);
        if (timersChanged) this.armTimers();
        if (next.applied.length) this.log.info('reload: applied', { keys: next.applied.join(',') });
      }
      try {
        const rules = await loadRuleSet(this.plan.patternsDir);
        this.classifier = new LineClassifier(rules);
        this.log.info('reload: rules loaded', { rules: rules.rules.length });
      } catch (err) {
        this.log.error('reload: rules are invalid; keeping the running rules', { error: errorMessage(err) });
      }
      await this.writeStatusFile();
    } finally {
      this.reloading = false;
    }
  }

  private async abort(): Promise<void> {
    clearInterval(this.saveTimer);
    clearInterval(this.statusTimer);
    this.removeSignals?.();
    await Promise.allSettled(this.sources.map((s) => s.stop(false)));
    this.aggregator?.flush();
    this.delivery?.stop();
    await Promise.allSettled(this.sinks.map((s) => s.close()));
    await this.unlock?.();
  }

  private async shutdown(): Promise<void> {
    const t0 = Date.now();
    clearInterval(this.saveTimer);
    clearInterval(this.statusTimer);
    // Last source first (the host checks, then the journal, then the files); an unfinished last line is taken
    // as complete now rather than lost.
    for (const s of [...this.sources].reverse()) await s.stop(true);
    this.aggregator.flush();
    const drained = await this.delivery.drain(SHUTDOWN_DRAIN_MS);
    if (!drained) {
      this.delivery.stop();
      this.log.warn('sinks did not take every event before shutdown; those lines are read again next start', { backlog: this.delivery.backlog });
    }
    await this.checkpointer?.final();
    await withTimeout(Promise.allSettled(this.sinks.map((s) => s.close())), SINK_CLOSE_MS, undefined);
    await this.writeStatusFile(new Date().toISOString());
    await this.unlock?.();
    this.removeSignals?.();
    this.log.info('watch stopped', { ms: Date.now() - t0, events: this.counters.events, lines: this.counters.lines });
  }
}
