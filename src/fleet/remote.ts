// What runs on each instance: our Scan document with its parameters, or the same scan through AWS-RunShellScript
// (always present in every account, so `fleet scan` works before the Scan document is created).
import { parseTime } from '../base/grammar.js';
import { UsageError } from '../errors.js';

export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';
/** Name the README uses when creating ssm/ecs-triage-Scan.json in an account. */
export const SCAN_DOCUMENT = 'ecs-triage-Scan';
/** Same pattern as the Scan document's `Since` parameter. */
export const SINCE_PATTERN = /^[0-9]{1,6}[smhd]$/;
const DOCUMENT_NAME = /^[a-zA-Z0-9_\-.:/]{3,128}$/;

const UNITS = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const;
const MAX_COUNT = 999_999;

/**
 * A `--since` of the one grammar (any duration: `1w`, `1h30m`; or a timestamp) in the form the instance's side
 * accepts (SINCE_PATTERN: the Scan document's `Since`): exact when it can be (`1w` → `7d`), else rounded up to
 * the minute, so the window is never shorter than asked. Undefined for what is not a time in the past.
 */
export function remoteSince(value: string, now = Date.now()): string | undefined {
  if (SINCE_PATTERN.test(value)) return value;
  const at = parseTime(value, now);
  if (at === undefined || at > now) return undefined;
  const ms = Math.max(1000, now - at);
  for (const [unit, size] of UNITS) if (ms % size === 0 && ms / size <= MAX_COUNT) return `${ms / size}${unit}`;
  for (const [unit, size] of [...UNITS].reverse().slice(1)) {
    const n = Math.ceil(ms / size);
    if (n <= MAX_COUNT) return `${n}${unit}`;
  }
  return undefined;
}

export interface RemoteScan {
  document: string;
  since: string;
  /** Execution timeout on the instance, seconds (5–172800 for the agent). */
  executionTimeout: number;
}

/**
 * The shell for AWS-RunShellScript. Findings (scan exit 1) are an answer, not an SSM failure, so they map to 0;
 * 3 (could not run, e.g. no ECS agent log: its summary says `unknown`) stays a failure;
 * exit codes the agent treats specially (137 → TimedOut, 194 → reboot, 168/169) can never escape: they become 3.
 * ECS_TRIAGE_ROOT is empty on real hosts; tests set it to a temporary root.
 */
export function runShellScriptCommands(since: string, extra: readonly string[] = []): string[] {
  // Extra arguments (`--task ARN`) go inside single quotes: only characters that cannot end or escape them.
  for (const a of extra) if (!/^[\w:/.@=+-]+$/.test(a)) throw new UsageError(`not a safe argument for the remote shell: ${a}`);
  const more = extra.map((a) => ` '${a}'`).join('');
  return [
    'bin="${ECS_TRIAGE_ROOT:-}/usr/local/bin/ecs-triage"',
    'if [ ! -x "$bin" ]; then bin="$(command -v ecs-triage || true)"; fi',
    'if [ -z "$bin" ]; then echo "ecs-triage is not installed on this instance (run the ecs-triage-Install document)" >&2; exit 3; fi',
    `"$bin" scan --since '${since}' --format summary --fail-on never${more}`,
    'rc=$?',
    'case "$rc" in 0|1) exit 0 ;; 2|3) exit "$rc" ;; *) echo "ecs-triage scan ended abnormally (exit $rc)" >&2; exit 3 ;; esac',
  ];
}

export function remoteParameters(r: RemoteScan): Record<string, string[]> {
  if (!SINCE_PATTERN.test(r.since)) throw new UsageError(`--since: expected a duration such as 30m, 2h or 1d, got "${r.since}"`);
  if (!DOCUMENT_NAME.test(r.document)) throw new UsageError(`--document: not a document name: ${r.document}`);
  const timeout = String(r.executionTimeout);
  if (r.document === RUN_SHELL_SCRIPT) {
    return { commands: runShellScriptCommands(r.since), executionTimeout: [timeout], workingDirectory: ['/'] };
  }
  // Any other name is taken to be (a copy of) ssm/ecs-triage-Scan.json.
  return { Since: [r.since], Format: ['summary'], FailOn: ['never'], ExecutionTimeout: [timeout] };
}
