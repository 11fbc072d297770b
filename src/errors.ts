// Typed errors. Each carries a stable code, an optional hint for the operator, and the native `cause`.
// cli.ts is the only place that turns them into exit codes.

export interface ErrorDetails {
  code?: string;
  hint?: string;
  cause?: unknown;
}

export class TriageError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Exit code the CLI uses when this error ends a command. */
  readonly exitCode: number = 2;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code ?? 'ETRIAGE';
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** Bad command-line usage. */
export class UsageError extends TriageError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { code: 'EUSAGE', ...details });
  }
}

/** A configuration file or value is invalid. Names the file and key. */
export class ConfigError extends TriageError {
  readonly file?: string;
  readonly key?: string;
  constructor(message: string, where: { file?: string; key?: string } = {}, details: ErrorDetails = {}) {
    const prefix = [where.file, where.key].filter(Boolean).join(': ');
    super(prefix ? `${prefix}: ${message}` : message, { code: 'ECONFIG', ...details });
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
    super(`${file}${ruleId ? ` rule ${ruleId}` : ''}: ${reason}`, { code: 'ERULE', ...details });
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
