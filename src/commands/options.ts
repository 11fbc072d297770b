// Option parsing shared by the commands, so a flag means the same everywhere and reads with the one grammar
// of durations, times and sizes (src/base/grammar.ts).
import { InvalidArgumentError } from 'commander';
import { parseDuration, parseTime } from '../base/grammar.js';
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

/** `--since`: kept as written (the report shows it); checked here so a bad value is a usage error. */
export function parseSinceOption(value: string): string {
  const t = parseTime(value);
  if (t === undefined) {
    throw new InvalidArgumentError('expected a duration (90s, 30m, 2h, 7d, 1w) or an ISO-8601 timestamp (2026-11-23T09:00:00Z; UTC when no zone is given)');
  }
  // Nothing is written after a time to come: the scan would read every line, keep none and say OK.
  if (t > Date.now()) throw new InvalidArgumentError('the time is in the future (a timestamp without a zone is UTC)');
  return value;
}

/**
 * `--timeout`: a duration (`90s`, `10m`), in milliseconds. A bare number is seconds, as `fleet scan --timeout 600`
 * always took it.
 */
export function parseTimeoutOption(value: string): number {
  const ms = parseDuration(value, { bare: 's' });
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 10m or 1h (a bare number is seconds)');
  return ms;
}

/** An interval flag: a duration; a bare number is milliseconds. */
export function parseIntervalOption(value: string): number {
  const ms = parseDuration(value, { bare: 'ms' });
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 500ms or 2s');
  return ms;
}

export function choice<T extends string>(allowed: readonly T[], aliases: Readonly<Record<string, T>> = {}): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const alias = aliases[value];
    if (alias !== undefined) return alias;
    throw new InvalidArgumentError(`expected one of: ${allowed.join(', ')}`);
  };
}

/**
 * `--format`: `text` is the human form in every command; `table`, the old name in `queries list` and
 * `insights`, is accepted there as an alias.
 */
export function formatChoice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return choice(allowed, allowed.includes('text' as T) ? { table: 'text' as T } : {});
}
