// Waiting in tests: poll a condition until it holds, with a deadline and a useful message.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 50 ms; `context` (a daemon's stderr, say) is added to the error on timeout. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000, context?: { stderr(): string }): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${context ? `\nstderr:\n${context.stderr()}` : ''}`);
    await sleep(50);
  }
}

/** Calls `probe` (one call at a time) until `ok` accepts its answer; returns that answer. */
export async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(v)}`);
    await sleep(everyMs);
  }
}
