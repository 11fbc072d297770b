// Typed errors. Each carries a stable code, an optional hint for the operator, the native `cause`, and the
// exit code it ends a command with; cli.ts is the only place that turns them into the process's exit code.

/**
 * The exit codes, the same for every command and the SSM scripts (README, "Exit codes"). Nothing else is ever
 * returned: the SSM agent reads 137 as a timeout and 194 as "reboot the instance".
 */
export const EXIT = {
  /** Ran; nothing at or above `--fail-on`. */
  ok: 0,
  /** Ran; findings at or above `--fail-on` (for `status`: the daemon is stopped, stale or unhealthy). */
  findings: 1,
  /** The command line, a config file or a rule file is wrong: fixing the invocation fixes it. */
  usage: 2,
  /** Could not do its job: I/O (reading the host, writing the output), AWS, a lock, no ECS agent log found. */
  couldNotRun: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorDetails {
  code?: string;
  hint?: string;
  cause?: unknown;
  /** Overrides the class's exit code. */
  exitCode?: ExitCode;
}

export class TriageError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Exit code the CLI uses when this error ends a command: a problem of the environment unless a subclass says otherwise. */
  readonly exitCode: ExitCode;

  constructor(message: string, details: ErrorDetails = {}, exitCode: ExitCode = EXIT.couldNotRun) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code ?? 'ETRIAGE';
    this.exitCode = details.exitCode ?? exitCode;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** Bad command-line usage. */
export class UsageError extends TriageError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { code: 'EUSAGE', ...details }, EXIT.usage);
  }
}

/** A configuration file or value is invalid. Names the file and key. */
export class ConfigError extends TriageError {
  readonly file?: string;
  readonly key?: string;
  constructor(message: string, where: { file?: string; key?: string } = {}, details: ErrorDetails = {}) {
    const prefix = [where.file, where.key].filter(Boolean).join(': ');
    super(prefix ? `${prefix}: ${message}` : message, { code: 'ECONFIG', ...details }, EXIT.usage);
    if (where.file !== undefined) this.file = where.file;
    if (where.key !== undefined) this.key = where.key;
  }
}

/** A pattern file or rule is invalid. Names the file, the rule id and the reason. */
export class RuleError extends TriageError {
  readonly file: string;
  readonly ruleId?: string;
  readonly reason: string;
  constructor(file: string, ruleId: string | undefined, reason: string, details: ErrorDetails = {}) {
    super(`${file}${ruleId ? ` rule ${ruleId}` : ''}: ${reason}`, { code: 'ERULE', ...details }, EXIT.usage);
    this.file = file;
    if (ruleId !== undefined) this.ruleId = ruleId;
    this.reason = reason;
  }
}

/** Several rule errors at once: the loader reports every problem, not only the first. */
export class RuleSetError extends TriageError {
  readonly errors: RuleError[];
  constructor(errors: RuleError[]) {
    super(
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in pattern files:\n` +
        errors.map((e) => `  - ${e.message}`).join('\n'),
      { code: 'ERULES' },
      EXIT.usage,
    );
    this.errors = errors;
  }
}

/** An AWS call failed after retries. */
export class AwsError extends TriageError {
  readonly operation: string;
  constructor(operation: string, message: string, details: ErrorDetails = {}) {
    super(`${operation}: ${message}`, { code: 'EAWS', ...details });
    this.operation = operation;
  }
}

/** Standard output or standard error could not be written (disk full, a closed pipe): the answer did not arrive. */
export class OutputError extends TriageError {
  readonly stream: 'stdout' | 'stderr';
  constructor(stream: 'stdout' | 'stderr', cause: unknown) {
    super(`cannot write to ${stream}: ${fsReason(cause)}`, { code: 'EOUTPUT', cause });
    this.stream = stream;
  }
}

/** The reason of a file-system error without Node's `, open '/path'` tail: `EACCES: permission denied`. */
export function fsReason(err: unknown): string {
  const msg = errorMessage(err);
  const code = (err as NodeJS.ErrnoException)?.code;
  const cut = msg.indexOf(', ');
  return code && msg.startsWith(code) && cut > 0 ? msg.slice(0, cut) : msg;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
