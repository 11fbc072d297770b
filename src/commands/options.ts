// Option parsing shared by several commands, so flags mean the same everywhere.
import { InvalidArgumentError } from 'commander';
import { parseSince } from '../formats/time.js';
import { SEVERITIES, severityRank, type Severity } from '../types.js';

export type FailOn = Severity | 'never';

export function parseFailOn(value: string): FailOn {
  if (value === 'never' || (SEVERITIES as readonly string[]).includes(value)) return value as FailOn;
  throw new InvalidArgumentError(`expected one of: ${SEVERITIES.join(', ')}, never`);
}

/** True when a finding of this severity should make the command exit 1. */
export function failsOn(severity: Severity, failOn: FailOn): boolean {
  return failOn !== 'never' && severityRank(severity) >= severityRank(failOn);
}

export function parseSinceOption(value: string): string {
  if (parseSince(value) === undefined) {
    throw new InvalidArgumentError('expected a duration (90s, 30m, 2h, 7d) or a timestamp (2026-11-23T09:00:00Z)');
  }
  return value;
}

export function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of: ${allowed.join(', ')}`);
  };
}
