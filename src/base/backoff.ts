// Retry delays: exponential growth from `baseMs` to `maxMs`, with jitter so that many hosts (or many
// retries in one process) do not fall into step. "full" jitter is AWS's recommendation for calls to a
// shared service (uniform in [0, ceiling]); "equal" keeps half the ceiling as a floor, for restarting a
// local child process where an immediate retry only burns CPU; "none" is a plain doubling (polling).

export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
  /** For tests: a source of randomness in [0, 1). */
  random?: () => number;
}

/** The ceiling of the n-th delay (n from 0): base·2ⁿ, capped. */
export function backoffCeiling(attempt: number, o: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): number {
  return Math.min(o.maxMs, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, o);
  const r = (o.random ?? Math.random)();
  switch (o.jitter) {
    case 'none':
      return ceiling;
    case 'equal':
      return Math.max(1, Math.round(ceiling / 2 + (r * ceiling) / 2));
    case 'full':
      return Math.max(1, Math.round(r * ceiling));
  }
}

/** A retry sequence: next() gives the next delay, reset() starts over after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    return backoffDelay(this.attempt++, this.opts);
  }

  reset(): void {
    this.attempt = 0;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}
