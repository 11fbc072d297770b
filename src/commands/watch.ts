// `ecs-triage watch`: the daemon. Follows the agent and Docker logs, classifies, folds floods, runs the
// host checks on a schedule and hands events to sinks; see src/daemon/runtime.ts.
import type { Command } from 'commander';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { requireHostRoot } from '../host.js';
import { Daemon } from '../daemon/runtime.js';
import { runHostChecks } from '../checks/index.js';

interface WatchFlags {
  config?: string;
  root?: string;
  stateDir?: string;
  sink?: string[];
  fromBeginning?: boolean;
  since?: string;
  patterns?: string;
}

/** Flags as dotted config keys: they override the file (each key names its flag in src/config/keys.ts). */
export function watchOverrides(flags: WatchFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (flags.root !== undefined) o.root = flags.root;
  if (flags.stateDir !== undefined) o.stateDir = flags.stateDir;
  if (flags.sink?.length) o.sinks = flags.sink.flatMap((s) => s.split(',')).filter(Boolean);
  if (flags.fromBeginning) o['start.at'] = 'beginning';
  if (flags.since !== undefined) o['start.since'] = flags.since;
  if (flags.patterns !== undefined) o.patternsDir = flags.patterns;
  return o;
}

async function action(flags: WatchFlags, io: CommandIO, exit: ExitCodeSink): Promise<void> {
  const overrides = watchOverrides(flags);
  const loaded = await loadConfig({ ...(flags.config ? { file: flags.config } : {}), overrides });
  // A mistyped root would follow files that never appear and report nothing: refuse it, as `scan` does.
  const host = await requireHostRoot(loaded.config.root);
  const daemon = new Daemon({
    loaded,
    ...(loaded.file ? { configFile: loaded.file } : flags.config ? { configFile: flags.config } : {}),
    overrides,
    // Everything through: the daemon applies `logLevel`, and a new one on SIGHUP.
    log: createLogger(io.stderr, 'debug'),
    stdout: io.stdout,
    hostChecks: (thresholds) => runHostChecks(host, { thresholds }),
  });
  await daemon.run();
  exit.set(EXIT.ok);
}

export const registerWatch: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  program
    .command('watch')
    .description('Run as a daemon: follow the logs, classify, fold floods, run host checks, send events to sinks')
    .option('--config <file>', 'config file (default /etc/ecs-triage/config.yaml if present)')
    .option('--root <dir>', 'host root to read (a fixture or unpacked bundle stands in for /)')
    .option('--state-dir <dir>', 'checkpoints and status (default /var/lib/ecs-triage)')
    .option('--sink <name...>', 'stdout, file or cloudwatch (repeatable)')
    .option('--from-beginning', 'first start: read existing files from their beginning, not their end')
    .option('--since <time>', 'first start: read from the beginning but drop lines older than this (2h, 1w, or an ISO time, UTC unless it has a zone)')
    .option('--patterns <dir>', 'rule directory instead of the shipped rules')
    .action((flags: WatchFlags) => action(flags, io, exit));
};
