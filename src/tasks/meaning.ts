// What a container's end means, taken from the rules rather than from a table of our own: Docker's state
// is put in the form `docker inspect` prints it (`{"Status":"exited","OOMKilled":false,"ExitCode":137,
// "Error":""}`, the recorded form the container_exit, oom and container-start rules match) and classified.
// The matching rule's title is the meaning; its category and severity say what kind of end it was. Exit code 0
// has no rule (a normal end), and a container Docker never created has no state to classify.
import type { ContainerState } from '../docker/engine.js';
import type { Category, ExitClass, Finding, LogRecord, Severity } from '../types.js';

/** The classify step of the running daemon (its current rules). */
export type Classify = (rec: LogRecord) => Finding | undefined;

export interface Meaning {
  text: string;
  category: Category;
  severity: Severity;
  ruleId?: string;
  /** The rule's first remediation step. */
  hint?: string;
}

/** 128 + signal number is how a shell and Docker report a process killed by a signal; SIGKILL is 9. */
const KILLED_BY_SIGKILL = 128 + 9;
const ERROR_MAX = 500;

/** Docker's state in its inspect form (only what the meaning depends on; the health log is not part of it). */
export function stateLine(s: ContainerState): string {
  return JSON.stringify({ Status: s.Status ?? 'exited', OOMKilled: s.OOMKilled === true, ExitCode: s.ExitCode ?? 0, Error: (s.Error ?? '').slice(0, ERROR_MAX) });
}

function fromFinding(f: Finding): Meaning {
  return { text: f.title, category: f.category, severity: f.severity, ruleId: f.ruleId, ...(f.remediation[0] ? { hint: f.remediation[0] } : {}) };
}

export function exitMeaning(s: ContainerState, classify: Classify): Meaning {
  const f = classify({ source: 'dockerd', text: stateLine(s) });
  if (f) return fromFinding(f);
  const code = s.ExitCode ?? 0;
  if (code === 0 && !s.OOMKilled && !s.Error) return { text: 'Exited on its own with code 0 (a normal end)', category: 'container_exit', severity: 'info' };
  // Every other code has a rule; if a user's rule set lacks them, say so instead of guessing.
  return { text: `Exited with code ${code}; no rule names this end`, category: 'container_exit', severity: 'warn' };
}

export const NEVER_STARTED: Meaning = {
  text: 'Never ran: Docker has no container for it (the task stopped before it was created or started)',
  category: 'container_start_failure',
  severity: 'error',
};

export const UNKNOWN_END: Meaning = {
  text: 'Ran and ended, but how is unknown: Docker could not be asked (the Docker Engine API was unavailable) and has no record of it now',
  category: 'container_exit',
  severity: 'warn',
};

/** Docker's last health verdict, classified the same way (`health_status: unhealthy` is Docker's event wording). */
export function healthMeaning(status: string, classify: Classify): Meaning | undefined {
  const f = classify({ source: 'dockerd', text: `health_status: ${status}` });
  return f ? fromFinding(f) : undefined;
}

export function exitClass(m: Meaning, exitCode: number | undefined, oomKilled: boolean | undefined): ExitClass {
  if (oomKilled || m.category === 'oom') return 'oom';
  if (exitCode === 0 || m.severity === 'info') return 'normal';
  if (exitCode === KILLED_BY_SIGKILL) return 'killed';
  return 'error';
}
