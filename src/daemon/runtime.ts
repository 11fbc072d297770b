// The watch daemon: sources → LineClassifier → aggregator → delivery (sinks) → checkpoints, plus the host
// checks on their schedule, the status file, and the signals (TERM/INT: stop cleanly; HUP: reload).
import { existsSync } from 'node:fs';
import { CheckpointStore, type DaemonState } from '../checkpoints.js';
import { loadRuleSet } from '../classify/load.js';
import { loadConfig, type TriageConfig } from '../config.js';
import { errorMessage } from '../errors.js';
import { hostPath, makeHost, type Host } from '../host.js';
import type { Logger } from '../log.js';
import { LineClassifier } from '../pipeline.js';
import { createSinks } from '../sinks/index.js';
import { JournalSource } from '../sources/journal.js';
import type { AssembledLine } from '../sources/tail/line-assembler.js';
import type { Finding, LogRecord, Sink } from '../types.js';
import { VERSION } from '../version.js';
import { notifyReady } from '../systemd-notify.js';
import { Aggregator } from '../aggregate.js';
import { Delivery } from './delivery.js';
import { FileSources, type Cursor, type FileSourceTarget } from './file-sources.js';
import { HostCheckScheduler, type RunChecks } from './host-checks.js';
import { lockStateDir } from './lock.js';
import { Progress, type Ticket } from './progress.js';
import { writeStatus, type DaemonStatus, type SourceStatus } from './status-file.js';

/** How long shutdown waits for the sinks to take the last events. */
const SHUTDOWN_DRAIN_MS = 3000;
const SINK_CLOSE_MS = 2000;

export interface DaemonOptions {
  config: TriageConfig;
  /** For SIGHUP: where the config came from and the flags that override it. */
  configFile?: string;
  overrides?: Record<string, unknown>;
  log: Logger;
  stdout?: NodeJS.WritableStream;
  /** The host checks (src/checks runHostChecks); injected so the runtime does not depend on their module. */
  runChecks?: (host: Host) => Promise<{ findings: Finding[] }>;
  /** Install process signal handlers (the CLI does; embedded use may not). */
  signals?: boolean;
}

interface JournalPosition {
  cursor: string;
  time?: number;
}

export class Daemon {
  private config: TriageConfig;
  private readonly log: Logger;
  private readonly host: Host;
  private classifier!: LineClassifier;
  private sinks: Sink[] = [];
  private delivery!: Delivery;
  private aggregator!: Aggregator<Ticket>;
  private files!: FileSources;
  private journal: JournalSource | undefined;
  /** Journal positions carry the entry's time, so a refused cursor can go on from that time. */
  private journalProgress: Progress<JournalPosition | undefined> | undefined;
  private journalLast: { lineAt?: number; eventAt?: number } = {};
  private journalSince: number | undefined;
  private checks: HostCheckScheduler | undefined;
  private store!: CheckpointStore;
  private createdAt = new Date().toISOString();
  private readonly startedAt = new Date().toISOString();
  private timers: NodeJS.Timeout[] = [];
  private stopRequested: (() => void) | undefined;
  private readonly stopped: Promise<void>;
  private savedVersion = -1;
  private lastSavedAt: string | undefined;
  private saveError: string | undefined;
  private lastSaveWarn = 0;
  private saving: Promise<void> | undefined;
  private checksVersion = 0;
  private unlock: (() => Promise<void>) | undefined;
  private reloading = false;
  private readonly counters = { lines: 0, matched: 0, events: 0 };

  constructor(private readonly opts: DaemonOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.host = makeHost(this.config.root);
    this.stopped = new Promise((resolve) => (this.stopRequested = resolve));
  }

  /** Runs until stop() (or SIGTERM/SIGINT); resolves after a clean shutdown. */
  async run(): Promise<void> {
    const cfg = this.config;
    const rules = await loadRuleSet(cfg.patternsDir);
    this.classifier = new LineClassifier(rules);
    this.unlock = await lockStateDir(cfg.stateDir);
    try {
      await this.startAll(rules.rules.length);
      void notifyReady(this.log);
    } catch (err) {
      // Leave nothing running (timers, watchers, child processes) so the process can exit with the error.
      await this.abort();
      throw err;
    }
    await this.stopped;
    await this.shutdown();
  }

  private async startAll(ruleCount: number): Promise<void> {
    const cfg = this.config;
    this.store = new CheckpointStore(cfg.stateDir, this.log);
    const { state, fresh, from } = await this.store.load();
    this.createdAt = state.createdAt;
    this.sinks = await createSinks(cfg.sinks, cfg, { log: this.log, ...(this.opts.stdout ? { stdout: this.opts.stdout } : {}) });
    this.delivery = new Delivery(this.sinks, this.log);
    this.aggregator = new Aggregator<Ticket>({
      windowMs: cfg.aggregate.windowMs,
      keyFields: cfg.aggregate.keyFields,
      emit: (ev, tickets) => {
        this.counters.events++;
        this.delivery.push(ev, tickets);
      },
    });

    const useJournal = cfg.journal.enabled === 'on' || (cfg.journal.enabled === 'auto' && this.host.live && existsSync('/run/systemd/journal'));
    const targets: FileSourceTarget[] = cfg.files.map((f) => ({ path: hostPath(this.host, f.path), display: f.path, source: f.source }));
    if (!useJournal) targets.push({ path: hostPath(this.host, cfg.journal.fallbackFile), display: cfg.journal.fallbackFile, source: 'dockerd' });
    const startAt = cfg.start.since !== undefined ? 'beginning' : cfg.start.at;
    this.files = new FileSources(targets, cfg.tail, { line: (c, l) => this.onFileLine(c, l), room: () => this.delivery.room() }, this.log);

    this.log.info('watch starting', {
      version: VERSION,
      root: this.host.root,
      stateDir: cfg.stateDir,
      state: from,
      sinks: cfg.sinks.join(','),
      rules: ruleCount,
      files: targets.map((t) => t.display).join(','),
      journal: useJournal,
    });
    if (this.opts.signals !== false) this.installSignals();
    await this.files.start(state.files, fresh, startAt);
    this.files.watch();
    if (useJournal) this.startJournal(state, fresh);
    // A first start records where it began at once: killed before its first periodic save, the next start
    // would otherwise be a "first start" again, begin at the end, and skip what came in between.
    if (fresh) await this.saveCheckpoints(true);
    if (cfg.checks.enabled && this.opts.runChecks) {
      const run: RunChecks = () => this.opts.runChecks!(this.host);
      this.checks = new HostCheckScheduler(
        run,
        {
          intervalMs: cfg.checks.intervalMs,
          repeatMs: cfg.checks.repeatMs,
          log: this.log,
          emit: (ev) => {
            this.counters.events++;
            this.delivery.push(ev, []);
          },
          changed: () => this.checksVersion++,
        },
        state.checks,
      );
      this.checks.start();
    }
    this.timers.push(setInterval(() => void this.saveCheckpoints(), cfg.checkpoints.intervalMs));
    this.timers.push(setInterval(() => void this.writeStatusFile(), cfg.status.intervalMs));
    await this.writeStatusFile();
  }

  private async abort(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.removeSignals();
    await this.checks?.stop().catch(() => {});
    await this.journal?.stop().catch(() => {});
    await this.files?.stop(false).catch(() => {});
    this.aggregator?.flush();
    this.delivery?.stop();
    await Promise.allSettled(this.sinks.map((s) => s.close()));
    await this.unlock?.();
  }

  stop(reason = 'requested'): void {
    if (!this.stopRequested) return; // already stopping
    this.log.info('watch stopping', { reason });
    this.stopRequested();
    this.stopRequested = undefined;
  }

  // ---- lines in ----

  private onFileLine(c: Cursor, l: AssembledLine): void {
    this.counters.lines++;
    c.lastLineAt = Date.now();
    const finding = l.binary
      ? undefined
      : this.classifier.line(l.text, { source: c.source, origin: { file: c.display, offset: l.start } }, this.config.start.since);
    if (!finding) {
      c.progress.pass(l.end);
      return;
    }
    this.counters.matched++;
    c.lastEventAt = Date.now();
    const ticket = c.progress.hold(l.end);
    // The line's place (identity + offset) and its text make the event id: the same line read again after a
    // crash gets the same id.
    this.aggregator.add({ finding, anchor: `${c.id.dev}:${c.id.ino}@${l.start}\u0000${finding.line}`, ticket, truncated: l.truncated });
  }

  private onJournalEntry(rec: LogRecord | undefined, cursor: string): void {
    const progress = this.journalProgress!;
    this.counters.lines++;
    this.journalLast.lineAt = Date.now();
    const finding = rec ? this.classifier.record(rec, this.config.start.since) : undefined;
    const position: JournalPosition = rec?.time !== undefined ? { cursor, time: rec.time } : { cursor };
    if (!finding) {
      progress.pass(position);
      return;
    }
    this.counters.matched++;
    this.journalLast.eventAt = Date.now();
    this.aggregator.add({ finding, anchor: `journal:${cursor}`, ticket: progress.hold(position) });
  }

  private startJournal(state: DaemonState, fresh: boolean): void {
    const cfg = this.config;
    const saved = state.journal ?? {};
    this.journalProgress = new Progress<JournalPosition | undefined>(
      saved.cursor ? { cursor: saved.cursor, ...(saved.since !== undefined ? { time: saved.since } : {}) } : undefined,
    );
    // With no cursor yet, remember when we started so a restart before the first entry misses nothing.
    this.journalSince = saved.since ?? (cfg.start.since ?? (fresh && cfg.start.at === 'end' ? Date.now() : 0));
    this.journal = new JournalSource(
      {
        command: cfg.journal.command,
        units: cfg.journal.units,
        kernel: cfg.journal.kernel,
        restartMinMs: cfg.journal.restartMinMs,
        restartMaxMs: cfg.journal.restartMaxMs,
        log: this.log,
      },
      { entry: (rec, cursor) => this.onJournalEntry(rec, cursor), room: () => this.delivery.room() },
    );
    // With a cursor, `since` is the time of that entry: where to go on if journalctl refuses the cursor.
    this.journal.start(saved.cursor ? { cursor: saved.cursor, ...(saved.since !== undefined ? { since: saved.since } : {}) } : { since: this.journalSince });
  }

  // ---- state out ----

  private buildState(): DaemonState {
    const now = new Date().toISOString();
    const state: DaemonState = { version: 1, createdAt: this.createdAt, files: this.files.checkpoints(now) };
    if (this.journalProgress) {
      const pos = this.journalProgress.committed;
      state.journal = pos
        ? { cursor: pos.cursor, ...(pos.time !== undefined ? { since: pos.time } : {}) }
        : { ...(this.journalSince !== undefined ? { since: this.journalSince } : {}) };
    }
    if (this.checks) state.checks = this.checks.snapshot();
    return state;
  }

  /** Writes the state file if a position moved. Never throws: a full disk is logged and retried next time. */
  private saveCheckpoints(force = false): Promise<void> {
    if (this.saving) return this.saving;
    // Idle cost matters: compare counters first, build and serialise the state only when something moved.
    const version = this.files.version() + (this.journalProgress?.version ?? 0) + this.checksVersion;
    if (!force && version === this.savedVersion) return Promise.resolve();
    const state = this.buildState();
    this.saving = this.store
      .save(state)
      .then(
        () => {
          this.savedVersion = version;
          this.lastSavedAt = new Date().toISOString();
          if (this.saveError) this.log.info('state file written again', { file: this.store.file });
          this.saveError = undefined;
        },
        (err: unknown) => {
          const msg = errorMessage(err);
          // Say it at once, then at most once a minute while it lasts.
          if (msg !== this.saveError || Date.now() - this.lastSaveWarn > 60_000) {
            this.log.error('cannot save checkpoints; positions are kept in memory and saved when possible', { error: msg });
            this.lastSaveWarn = Date.now();
          }
          this.saveError = msg;
        },
      )
      .finally(() => (this.saving = undefined));
    return this.saving;
  }

  private status(stoppedAt?: string): DaemonStatus {
    const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
    const sources: SourceStatus[] = this.files.status().map((s) => {
      const out: SourceStatus = { kind: 'file', name: s.display, source: s.source, path: s.path };
      if (s.committed !== undefined) out.committed = s.committed;
      if (s.offset !== undefined) out.read = s.offset;
      if (s.size !== undefined) out.size = s.size;
      if (s.size !== undefined && s.committed !== undefined) out.lagBytes = Math.max(0, s.size - s.committed);
      const ll = iso(s.lastLineAt);
      const le = iso(s.lastEventAt);
      if (ll) out.lastLineAt = ll;
      if (le) out.lastEventAt = le;
      if (s.error) out.error = s.error;
      out.skipped = { binary: s.stats.binary, truncated: s.stats.truncated, invalidUtf8: s.stats.invalidUtf8 };
      return out;
    });
    if (this.journal) {
      const j = this.journal.status();
      const out: SourceStatus = { kind: 'journal', name: `journal:${this.config.journal.units.join(',')}${this.config.journal.kernel ? ',kernel' : ''}`, source: 'journal' };
      const c = this.journalProgress?.committed;
      if (c) out.cursor = c.cursor;
      const ll = iso(this.journalLast.lineAt);
      const le = iso(this.journalLast.eventAt);
      if (ll) out.lastLineAt = ll;
      if (le) out.lastEventAt = le;
      if (!j.running && j.error) out.error = j.error;
      sources.push(out);
    }
    const st: DaemonStatus = {
      schema: 'ecs-triage/daemon-status',
      schemaVersion: 1,
      pid: process.pid,
      version: VERSION,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      root: this.host.root,
      intervalMs: this.config.status.intervalMs,
      rules: this.classifier.rules.rules.length,
      sources,
      sinks: this.sinks.map((s) => ({ name: s.name, ...s.health() })),
      pipeline: {
        lines: this.counters.lines,
        matched: this.counters.matched,
        events: this.counters.events,
        folded: this.aggregator.folded,
        backlog: this.delivery.backlog,
        ...(this.delivery.lastEventAt ? { lastEventAt: this.delivery.lastEventAt } : {}),
      },
      checkpoint: { ...(this.lastSavedAt ? { lastSavedAt: this.lastSavedAt } : {}), ...(this.saveError ? { error: this.saveError } : {}) },
    };
    if (this.checks) {
      st.checks = {
        active: Object.keys(this.checks.snapshot()).length,
        ...(this.checks.lastRunAt ? { lastRunAt: this.checks.lastRunAt } : {}),
        ...(this.checks.lastError ? { error: this.checks.lastError } : {}),
      };
    }
    if (stoppedAt) st.stoppedAt = stoppedAt;
    return st;
  }

  private async writeStatusFile(stoppedAt?: string): Promise<void> {
    try {
      await writeStatus(this.config.stateDir, this.status(stoppedAt));
    } catch (err) {
      this.log.debug('cannot write status file', { error: errorMessage(err) });
    }
  }

  // ---- lifecycle ----

  private readonly onTerm = (): void => this.stop('SIGTERM');
  private readonly onInt = (): void => this.stop('SIGINT');
  private readonly onHup = (): void => void this.reload();

  private installSignals(): void {
    process.on('SIGTERM', this.onTerm);
    process.on('SIGINT', this.onInt);
    process.on('SIGHUP', this.onHup);
  }

  private removeSignals(): void {
    process.off('SIGTERM', this.onTerm);
    process.off('SIGINT', this.onInt);
    process.off('SIGHUP', this.onHup);
  }

  /** SIGHUP: re-read config and rules. A broken rule file keeps the running rules. */
  async reload(): Promise<void> {
    if (this.reloading) return;
    this.reloading = true;
    try {
      let next: TriageConfig = this.config;
      try {
        next = (await loadConfig({ ...(this.opts.configFile ? { file: this.opts.configFile } : {}), overrides: this.opts.overrides ?? {} })).config;
      } catch (err) {
        this.log.error('reload: config is invalid; keeping the running config', { error: errorMessage(err) });
      }
      try {
        const rules = await loadRuleSet(next.patternsDir);
        this.classifier = new LineClassifier(rules);
        this.log.info('reload: rules loaded', { rules: rules.rules.length });
      } catch (err) {
        this.log.error('reload: rules are invalid; keeping the running rules', { error: errorMessage(err) });
      }
      const needsRestart = (['root', 'stateDir', 'sinks', 'files', 'journal', 'tail', 'fileSink', 'cloudwatch'] as const).filter(
        (k) => JSON.stringify(next[k]) !== JSON.stringify(this.config[k]),
      );
      if (needsRestart.length) this.log.warn('reload: these settings take effect after a restart', { keys: needsRestart.join(',') });
      this.aggregator.reconfigure(next.aggregate.windowMs, next.aggregate.keyFields);
      this.checks?.reconfigure(next.checks.intervalMs, next.checks.repeatMs);
      this.config = { ...this.config, patternsDir: next.patternsDir, aggregate: next.aggregate, checks: next.checks, start: next.start };
    } finally {
      this.reloading = false;
    }
  }

  private async shutdown(): Promise<void> {
    const t0 = Date.now();
    for (const t of this.timers) clearInterval(t);
    await this.checks?.stop();
    await this.journal?.stop();
    // An unfinished last line is taken as complete now rather than lost.
    await this.files.stop(true);
    this.aggregator.flush();
    const drained = await this.delivery.drain(SHUTDOWN_DRAIN_MS);
    if (!drained) {
      this.delivery.stop();
      this.log.warn('sinks did not take every event before shutdown; those lines are read again next start', { backlog: this.delivery.backlog });
    }
    await this.saving;
    await this.saveCheckpoints(true);
    await Promise.race([
      Promise.allSettled(this.sinks.map((s) => s.close())),
      new Promise((resolve) => setTimeout(resolve, SINK_CLOSE_MS).unref()),
    ]);
    await this.writeStatusFile(new Date().toISOString());
    await this.unlock?.();
    this.removeSignals();
    this.log.info('watch stopped', { ms: Date.now() - t0, events: this.counters.events, lines: this.counters.lines });
  }
}
