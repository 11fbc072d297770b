// `ecs-triage check`: only the host checks (filesystems, inodes, container json-file logs), no log scan.
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { ConfigError, UsageError } from '../errors.js';
import { makeHost } from '../host.js';
import { redact } from '../redact.js';
import { SEVERITIES, type Severity } from '../types.js';
import { DEFAULT_THRESHOLDS, DEFAULT_TOP, failsAt, renderChecksText, resolveThresholds, runHostChecks, type Thresholds } from '../checks/index.js';
import { parseDockerSize } from '../checks/sizes.js';

export interface ThresholdFlags {
  warnPercent?: string;
  errorPercent?: string;
  inodeWarnPercent?: string;
  inodeErrorPercent?: string;
  maxLogSize?: string;
  maxLogShare?: string;
}

interface CheckFlags extends ThresholdFlags {
  root: string;
  format: 'text' | 'json';
  top: string;
  failOn: Severity | 'never';
}

const FLAG_OF_KEY: Record<keyof Thresholds, string> = {
  diskWarnPercent: '--warn-percent',
  diskErrorPercent: '--error-percent',
  inodeWarnPercent: '--inode-warn-percent',
  inodeErrorPercent: '--inode-error-percent',
  maxLogBytes: '--max-log-size',
  maxLogFreeShare: '--max-log-share',
  minOversizeBytes: '--max-log-share',
};

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: not a number: ${JSON.stringify(text)}`);
  return n;
}

/** The threshold flags as thresholds; shared with `scan`, which takes the same flags. */
export function thresholdsFrom(flags: ThresholdFlags): Thresholds {
  const partial: Partial<Thresholds> = {};
  const set = (key: keyof Thresholds, v: number | undefined): void => {
    if (v !== undefined) partial[key] = v;
  };
  set('diskWarnPercent', number('--warn-percent', flags.warnPercent));
  set('diskErrorPercent', number('--error-percent', flags.errorPercent));
  set('inodeWarnPercent', number('--inode-warn-percent', flags.inodeWarnPercent));
  set('inodeErrorPercent', number('--inode-error-percent', flags.inodeErrorPercent));
  const share = number('--max-log-share', flags.maxLogShare);
  if (share !== undefined) set('maxLogFreeShare', share / 100);
  if (flags.maxLogSize !== undefined) {
    const bytes = parseDockerSize(flags.maxLogSize);
    if (bytes === undefined || bytes <= 0) throw new UsageError(`--max-log-size: not a size: ${JSON.stringify(flags.maxLogSize)} (use e.g. 500m, 1g, 2.5g)`);
    partial.maxLogBytes = bytes;
  }
  try {
    return resolveThresholds(partial);
  } catch (err) {
    if (err instanceof ConfigError && err.key) {
      throw new UsageError(`${FLAG_OF_KEY[err.key as keyof Thresholds] ?? err.key}: ${err.message.replace(/^[^:]*: /, '')}`);
    }
    throw err;
  }
}

async function action(flags: CheckFlags, io: CommandIO, exit: ExitCodeSink): Promise<void> {
  const thresholds = thresholdsFrom(flags);
  const top = number('--top', flags.top);
  if (top === undefined || !Number.isInteger(top) || top < 0) throw new UsageError(`--top: must be a whole number, got ${JSON.stringify(flags.top)}`);
  // A mistyped --root would otherwise be measured at its nearest existing parent and look like a real host.
  const isDir = await stat(flags.root).then((st) => st.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`--root ${flags.root}: no such directory`, { hint: "pass the directory that stands for the host's / (default /)" });
  const report = await runHostChecks(makeHost(flags.root), { thresholds, top });
  const text = flags.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderChecksText(report);
  io.stdout.write(redact(text));
  exit.set(flags.failOn !== 'never' && failsAt(report, flags.failOn) ? EXIT.findings : EXIT.ok);
}

/** The threshold flags of `check`, also offered by `scan`. */
export function addThresholdOptions(cmd: Command): Command {
  const d = DEFAULT_THRESHOLDS;
  return cmd
    .option('--warn-percent <n>', `block use (%) that is a warning`, String(d.diskWarnPercent))
    .option('--error-percent <n>', `block use (%) that is an error`, String(d.diskErrorPercent))
    .option('--inode-warn-percent <n>', 'inode use (%) that is a warning', String(d.inodeWarnPercent))
    .option('--inode-error-percent <n>', 'inode use (%) that is an error', String(d.inodeErrorPercent))
    .option('--max-log-size <size>', "one container's logs above this are oversize (Docker size syntax: 500m, 1g)", '1g')
    .option('--max-log-share <percent>', "…or above this share of the free space on the data root's filesystem", String(d.maxLogFreeShare * 100));
}

export const registerCheck: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  const cmd = program
    .command('check')
    .description('Check disk and inode use and container json-file log sizes on this host (no log scan). Reads sizes with stat, never log contents.')
    .option('--root <dir>', 'read the host under this directory (a fixture or an unpacked bundle) instead of /', '/')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  addThresholdOptions(cmd)
    .option('--top <n>', 'containers to list, largest logs first', String(DEFAULT_TOP))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES, 'never']).default('error'))
    .action((flags: CheckFlags) => action(flags, io, exit));
};
