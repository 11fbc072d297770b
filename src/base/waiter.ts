// Two small waiting tools, so every loop waits the same way.
// - Waiters: callers park until someone calls wakeAll() (room in a queue, the queue drained, progress made).
// - Sleeper: a sleep that poke() ends early; a poke while nobody sleeps makes the next sleep return at once,
//   so a wake-up sent while the loop was busy is never lost.

export class Waiters {
  private list: Array<() => void> = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.list.push(resolve));
  }

  wakeAll(): void {
    const ws = this.list;
    this.list = [];
    for (const w of ws) w();
  }

  get size(): number {
    return this.list.length;
  }
}

export class Sleeper {
  private wake: (() => void) | undefined;
  private poked = false;

  sleep(ms: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    if (w) w();
    else this.poked = true;
  }
}

/** Resolves with the promise's value, or with `fallback` once `ms` passed; the timer never keeps the process alive. */
export function withTimeout<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
