// What the daemon hands to each of its parts, computed from the configuration in one place: every key ends
// up in exactly one field here, and runtime.ts builds its parts from this plan only. test/daemon-plan.test.ts
// changes each declared key in turn and checks the plan changes with it, so a key that is declared but never
// reaches its user (or a part that keeps a default of its own) shows up there.
import { existsSync } from 'node:fs';
import { fileSinkPath, type TriageConfig } from '../config.js';
import type { Thresholds } from '../checks/types.js';
import { thresholdsOf } from '../checks/types.js';
import { hostPath, makeHost, type Host } from '../host.js';
import type { LogLevel } from '../log.js';
import type { RecordSource } from '../types.js';
import type { SinkPlan } from '../sinks/index.js';
import { INTROSPECTION_DEFAULT_BASE } from '../ecs-host.js';

export interface FileTarget {
  /** Real path read (under the root). */
  path: string;
  /** As on the host. */
  display: string;
  source: RecordSource;
}

export interface JournalPlan {
  command: string;
  units: readonly string[];
  kernel: boolean;
  restartMinMs: number;
  restartMaxMs: number;
}

export interface TasksPlan {
  enabled: boolean;
  /** The Docker Engine API socket: real path (under the root) and as on the host. */
  dockerSocket: { path: string; display: string };
  /** Base URL of the agent's introspection API; undefined when it is not asked (another root, none configured). */
  introspectionUrl: string | undefined;
}

export interface DaemonPlan {
  host: Host;
  stateDir: string;
  patternsDir: string | undefined;
  logLevel: LogLevel;
  /** Where a first start reads existing files (see StartPoint in source.ts). */
  start: { at: 'end' | 'beginning'; since?: number };
  files: FileTarget[];
  tail: { maxLineBytes: number; partialLineTimeoutMs: number; pollIntervalMs: number; readChunkBytes: number; retryUnreadableMs: number };
  /** Undefined when the journal is not read (then the fallback file is among `files`). */
  journal: JournalPlan | undefined;
  aggregate: { windowMs: number; keyFields: readonly string[] };
  checks: { enabled: boolean; intervalMs: number; repeatMs: number; thresholds: Thresholds };
  tasks: TasksPlan;
  checkpointsIntervalMs: number;
  status: { intervalMs: number; stallAfterMs: number };
  sinks: SinkPlan;
}

/** Whether this machine has a journal to read (the live root and a running journald). */
export function journalAvailable(host: Host): boolean {
  return host.live && existsSync('/run/systemd/journal');
}

export function planDaemon(cfg: TriageConfig, opts: { journalAvailable: (host: Host) => boolean } = { journalAvailable }): DaemonPlan {
  const host = makeHost(cfg.root);
  const useJournal = cfg.journal.enabled === 'on' || (cfg.journal.enabled === 'auto' && opts.journalAvailable(host));
  const files: FileTarget[] = cfg.files.map((f) => ({ path: hostPath(host, f.path), display: f.path, source: f.source }));
  if (!useJournal) files.push({ path: hostPath(host, cfg.journal.fallbackFile), display: cfg.journal.fallbackFile, source: 'dockerd' });
  const j = cfg.journal;
  return {
    host,
    stateDir: cfg.stateDir,
    patternsDir: cfg.patternsDir,
    logLevel: cfg.logLevel,
    // `--since` reads existing files from their beginning and leaves older lines out.
    start: { at: cfg.start.since !== undefined ? 'beginning' : cfg.start.at, ...(cfg.start.since !== undefined ? { since: cfg.start.since } : {}) },
    files,
    tail: {
      maxLineBytes: cfg.tail.maxLineBytes,
      partialLineTimeoutMs: cfg.tail.partialLineTimeoutMs,
      pollIntervalMs: cfg.tail.pollIntervalMs,
      readChunkBytes: cfg.tail.readChunkBytes,
      retryUnreadableMs: cfg.tail.retryUnreadableMs,
    },
    journal: useJournal ? { command: j.command, units: j.units, kernel: j.kernel, restartMinMs: j.restartMinMs, restartMaxMs: j.restartMaxMs } : undefined,
    aggregate: { windowMs: cfg.aggregate.windowMs, keyFields: cfg.aggregate.keyFields },
    checks: { enabled: cfg.checks.enabled, intervalMs: cfg.checks.intervalMs, repeatMs: cfg.checks.repeatMs, thresholds: thresholdsOf(cfg.checks) },
    tasks: {
      enabled: cfg.tasks.enabled,
      dockerSocket: { path: hostPath(host, cfg.tasks.dockerSocket), display: cfg.tasks.dockerSocket },
      // Like the CloudWatch identity: a fixture or bundle root is not this host's agent unless one is configured.
      introspectionUrl: (cfg.tasks.introspectionUrl ?? (host.live ? INTROSPECTION_DEFAULT_BASE : undefined))?.replace(/\/+$/, ''),
    },
    checkpointsIntervalMs: cfg.checkpoints.intervalMs,
    status: { intervalMs: cfg.status.intervalMs, stallAfterMs: cfg.status.stallAfterMs },
    sinks: {
      names: cfg.sinks,
      stateDir: cfg.stateDir,
      root: host.root,
      file: { path: fileSinkPath(cfg), maxBytes: cfg.fileSink.maxBytes, maxFiles: cfg.fileSink.maxFiles, fsync: cfg.fileSink.fsync },
      cloudwatch: cfg.cloudwatch,
    },
  };
}
