// `ecs-triage check`: only the host checks (filesystems, inodes, container json-file logs), no log scan.
import type { Command } from 'commander';
import { choice, parseFailOn, type FailOn } from './options.js';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { ConfigError, UsageError } from '../errors.js';
import { requireHostRoot } from '../host.js';
import { redacted } from '../redacted.js';
import { SEVERITIES, type Severity } from '../types.js';
import { DEFAULT_TOP, failsAt, renderChecksText, runHostChecks, thresholdsOf, type Thresholds } from '../checks/index.js';
import { buildConfig, keySpec } from '../config.js';
import { terminalOf } from './terminal.js';

/** The threshold keys, each set by its flag (declared with the key in src/config/keys.ts). */
const THRESHOLD_KEYS = ['diskWarnPercent', 'diskErrorPercent', 'inodeWarnPercent', 'inodeErrorPercent', 'maxLogBytes', 'maxLogSharePercent'] as const;
/** Commander's attribute names: `--warn-percent` → `warnPercent`. */
export type ThresholdFlags = Partial<Record<string, unknown>>;
const attributeOf = (flag: string): string => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

interface CheckFlags extends ThresholdFlags {
  root: string;
  format: 'text' | 'json';
  top: string;
  failOn: Severity | 'never';
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: not a number: ${JSON.stringify(text)}`);
  return n;
}

/** The threshold flags as thresholds, parsed and checked as the `checks.*` keys are; shared with `scan`. */
export function thresholdsFrom(flags: ThresholdFlags): Thresholds {
  const overrides: Record<string, unknown> = {};
  for (const k of THRESHOLD_KEYS) {
    const v = flags[attributeOf(keySpec(`checks.${k}`).flag!)];
    if (v !== undefined) overrides[`checks.${k}`] = v;
  }
  try {
    return thresholdsOf(buildConfig(undefined, overrides).checks);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

async function action(flags: CheckFlags, io: CommandIO, exit: ExitCodeSink): Promise<void> {
  const thresholds = thresholdsFrom(flags);
  const top = number('--top', flags.top);
  if (top === undefined || !Number.isInteger(top) || top < 0) throw new UsageError(`--top: must be a whole number, got ${JSON.stringify(flags.top)}`);
  const report = await runHostChecks(await requireHostRoot(flags.root), { thresholds, top });
  const text = flags.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderChecksText(report, { width: terminalOf(io.stdout).width });
  io.stdout.write(redacted(text));
  exit.set(flags.failOn !== 'never' && failsAt(report, flags.failOn) ? EXIT.findings : EXIT.ok);
}

/** The threshold flags of `check`, also offered by `scan`: names, help and defaults from the declaration. */
export function addThresholdOptions(cmd: Command): Command {
  for (const k of THRESHOLD_KEYS) {
    const spec = keySpec(`checks.${k}`);
    cmd.option(`${spec.flag} <value>`, `${spec.help.replaceAll('`', '')} (${spec.type}; default ${spec.defaultText.replaceAll('`', '')})`);
  }
  return cmd;
}

export const registerCheck: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  const cmd = program
    .command('check')
    .description('Check disk and inode use and container json-file log sizes on this host (no log scan). Reads sizes with stat, never log contents.')
    .option('--root <dir>', 'read the host under this directory (a fixture or an unpacked bundle) instead of /', '/')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text');
  addThresholdOptions(cmd)
    .option('--top <n>', 'containers to list, largest logs first', String(DEFAULT_TOP))
    .option('--fail-on <severity>', `exit 1 when a finding is at or above this: ${SEVERITIES.join(', ')}, never`, parseFailOn, 'error' as FailOn)
    .action((flags: CheckFlags) => action(flags, io, exit));
};
