// Hands events to every sink, in order, one batch at a time, and acknowledges the lines behind a batch
// only when all sinks accepted it. A sink that fails is retried alone (with backoff) so the others do not
// receive the batch twice. While sinks are slow the queue grows; room() lets sources wait for it.
import { Backoff } from '../base/backoff.js';
import { Sleeper, Waiters, withTimeout } from '../base/waiter.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Sink, TriageEvent } from '../types.js';
import { ack, type Ticket } from './progress.js';

const MAX_BATCH = 500;
const HIGH_WATER = 20_000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

interface Item {
  event: TriageEvent;
  tickets: Ticket[];
}

export class Delivery {
  private queue: Item[] = [];
  private running = false;
  private stopping = false;
  private readonly roomWaiters = new Waiters();
  private readonly idleWaiters = new Waiters();
  private readonly retrySleep = new Sleeper();
  lastEventAt: string | undefined;

  constructor(
    private readonly sinks: readonly Sink[],
    private readonly log: Logger,
  ) {}

  get backlog(): number {
    return this.queue.length;
  }

  push(event: TriageEvent, tickets: Ticket[]): void {
    this.queue.push({ event, tickets });
    if (!this.running) {
      this.running = true;
      // Let the current read chunk finish so its events go out as one batch.
      setImmediate(() => void this.run());
    }
  }

  /** Resolves when the queue is below the high-water mark. */
  room(): Promise<void> {
    if (this.queue.length < HIGH_WATER) return Promise.resolve();
    return this.roomWaiters.wait();
  }

  /** Resolves when everything queued was delivered, or after `timeoutMs` (returns false then). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (!this.running && this.queue.length === 0) return true;
    return withTimeout(this.idleWaiters.wait().then(() => true), timeoutMs, false);
  }

  /** Stop retrying: pending batches stay unacknowledged (their lines are read again after a restart). */
  stop(): void {
    this.stopping = true;
    this.retrySleep.poke();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopping) {
        const batch = this.queue.splice(0, MAX_BATCH);
        if (this.queue.length < HIGH_WATER) this.release();
        const events = batch.map((i) => i.event);
        if (!(await this.writeAll(events))) {
          this.queue.unshift(...batch);
          break;
        }
        this.lastEventAt = new Date().toISOString();
        ack(batch.flatMap((i) => i.tickets));
      }
    } finally {
      this.running = false;
      this.release();
      if (this.queue.length === 0 || this.stopping) this.idleWaiters.wakeAll();
    }
  }

  private release(): void {
    this.roomWaiters.wakeAll();
  }

  private async writeAll(events: TriageEvent[]): Promise<boolean> {
    let pending = [...this.sinks];
    const backoff = new Backoff({ baseMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS, jitter: 'equal' });
    for (;;) {
      const delay = backoff.next();
      // Through a promise so a sink that throws instead of rejecting is retried like any other failure.
      const results = await Promise.allSettled(pending.map((s) => Promise.resolve().then(() => s.write(events))));
      const failed: Sink[] = [];
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          failed.push(pending[i]!);
          this.log.warn('sink did not accept events; retrying', { sink: pending[i]!.name, events: events.length, error: errorMessage(r.reason), retryInMs: delay });
        }
      });
      if (failed.length === 0) return true;
      pending = failed;
      if (this.stopping) return false;
      await this.retrySleep.sleep(delay);
      if (this.stopping) return false;
    }
  }
}
