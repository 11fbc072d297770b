// The CloudWatch Logs sink itself: events → spool on disk (write() resolves there, so checkpoints may move) →
// a background sender → PutLogEvents, with backoff while CloudWatch is unreachable. Built by index.ts.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Sink, SinkHealth, TriageEvent } from '../../types.js';
import type { Logger } from '../../log.js';
import { AwsError, errorMessage } from '../../errors.js';
import { backoffDelay } from '../../base/backoff.js';
import { Sleeper, Waiters } from '../../base/waiter.js';
import { awsFailure } from '../../aws/failure.js';
import type { Identity } from '../../aws/identity.js';
import { encodeEvent, type EncodeOptions, type WireEvent } from './event.js';
import { planBatches, eventCost } from './batch.js';
import type { Spool } from './spool.js';
import { classifyFailure, type FailureKind, type LogsSender } from './sender.js';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../cloudwatch-limits.js';
import type { CloudWatchSettings, CloudWatchTuning } from './options.js';

export interface CloudWatchStats {
  delivered: number;
  requests: number;
  /** Per request: max(bytes / byte limit, events / event limit). */
  fills: number[];
  rejectedByService: { tooOld: number; tooNew: number; expired: number };
  /** Dropped before sending because CloudWatch would refuse them (outside −14 d … +2 h). */
  droppedOutOfWindow: number;
  /** Refused as invalid even alone (InvalidParameterException on a single event). */
  droppedInvalid: number;
  droppedSpoolFull: number;
  corruptSpoolLines: number;
  retries: number;
  /** Sent without the spool because it could not be written (disk full). */
  sentDirect: number;
}

class Stopped extends Error {}
/** Errors that mean the spool cannot take events now (disk or quota full, read-only, failing disk). */
const UNWRITABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);
/** Attempts for a direct send when the spool is unwritable: the caller is waiting. */
const DIRECT_SEND_ATTEMPTS = 3;
/** The spool dropped the chunk being retried (it was full): give it up so nothing is both dropped and sent. */
class Overtaken extends Error {}

export class CloudWatchSink implements Sink {
  readonly name = 'cloudwatch';
  readonly stats: CloudWatchStats = {
    delivered: 0,
    requests: 0,
    fills: [],
    rejectedByService: { tooOld: 0, tooNew: 0, expired: 0 },
    droppedOutOfWindow: 0,
    droppedInvalid: 0,
    droppedSpoolFull: 0,
    corruptSpoolLines: 0,
    retries: 0,
    sentDirect: 0,
  };
  private destinationReady = false;
  private stopping = false;
  private failing: FailureKind | undefined;
  private lastError: string | undefined;
  private lastSuccessAt: string | undefined;
  private lastSend = 0;
  private urgent = 0; // flush() callers waiting
  private readonly sleeper = new Sleeper();
  private identityTimer: NodeJS.Timeout | undefined;
  /** flush() callers: woken when the spool is empty, or when a send failed ("not now"). */
  private readonly idleWaiters = new Waiters();
  /** write() callers waiting for room: woken when a chunk was acknowledged or delivery is failing. */
  private readonly progressWaiters = new Waiters();
  private readonly loopDone: Promise<void>;

  constructor(
    readonly settings: CloudWatchSettings,
    private readonly tuning: CloudWatchTuning,
    readonly identity: Identity,
    private readonly client: CloudWatchLogsClient,
    private readonly sender: LogsSender,
    readonly spool: Spool,
    private readonly log: Logger,
  ) {
    spool.onAppend(() => {
      // A full batch is waiting: send now instead of at the next flush tick.
      if (spool.pending >= MAX_BATCH_EVENTS || spool.unackedBytes >= MAX_BATCH_BYTES) this.poke();
    });
    this.loopDone = this.loop().catch((err: unknown) => {
      this.log.error('CloudWatch sender stopped unexpectedly', { error: err });
    });
  }

  /**
   * The daemon may start before the ECS agent registered (no container instance ARN yet) or before IMDS
   * answers: look again now and then until the identity is complete. The stream name stays as chosen.
   */
  refreshIdentityUntilComplete(lookup: () => Promise<Identity>): void {
    const complete = (): boolean => !!(this.identity.instanceId && this.identity.cluster && this.identity.containerInstanceArn);
    if (complete()) return;
    const tick = async (): Promise<void> => {
      if (this.stopping) return;
      const found = await lookup().catch(() => undefined);
      if (found) {
        for (const [k, v] of Object.entries(found) as Array<[keyof Identity, string | undefined]>) {
          if (v && !this.identity[k]) {
            this.identity[k] = v;
            this.log.info('identity completed', { [k]: v });
          }
        }
      }
      if (!complete() && !this.stopping) this.identityTimer = setTimeout(() => void tick(), this.tuning.identityRefreshMs).unref();
    };
    this.identityTimer = setTimeout(() => void tick(), this.tuning.identityRefreshMs).unref();
  }

  get logStream(): string {
    return this.sender.dest.logStream;
  }

  /** Encodes (redacts, enriches) and appends durably to the spool. Resolves when the events are on disk. */
  async write(events: readonly TriageEvent[], opts: { timestamp?: number } = {}): Promise<void> {
    if (events.length === 0) return;
    const enc = { namespace: this.settings.metricsNamespace, emf: this.settings.emf, ...opts };
    // Backpressure, not loss, while CloudWatch keeps up: a writer faster than the network waits for acks.
    // Only when delivery is failing does the spool fill up and drop its oldest events.
    const estimate = events.length * 2048;
    const highWater = this.settings.spoolMaxBytes * 0.9;
    while (this.failing === undefined && !this.stopping && this.spool.unackedBytes > 0 && this.spool.unackedBytes + estimate > highWater) {
      this.poke();
      await this.progressWaiters.wait();
    }
    try {
      await this.spool.append({ length: events.length, get: (i) => encodeEvent(events[i]!, this.identity, enc) });
    } catch (err) {
      if (!UNWRITABLE.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      // A full disk is one of the things this tool reports: those events must still get out.
      await this.sendDirect(events, enc, err);
    }
    this.stats.droppedSpoolFull = this.spool.dropped;
  }

  /**
   * The spool cannot be written: send now, with a few attempts, and resolve only if CloudWatch accepted the
   * events (the contract lets checkpoints move then). Otherwise reject: the caller keeps its checkpoint.
   */
  private async sendDirect(events: readonly TriageEvent[], enc: EncodeOptions, cause: unknown): Promise<void> {
    this.log.warn('CloudWatch spool not writable; sending directly', { error: cause, events: events.length });
    const plan = planBatches(events.map((e) => encodeEvent(e, this.identity, enc)), Date.now());
    this.stats.droppedOutOfWindow += plan.tooOld + plan.tooNew;
    try {
      for (const batch of plan.batches) await this.deliver(batch, () => false, DIRECT_SEND_ATTEMPTS);
    } catch (err) {
      throw new AwsError('PutLogEvents', `spool not writable (${errorMessage(cause)}) and CloudWatch did not take the events: ${errorMessage(err)}`, { cause: err });
    }
    this.stats.sentDirect += events.length;
  }

  /**
   * Sends what is spooled. Resolves when the spool is empty, or when a send failed (the events stay spooled
   * and the sender keeps retrying in the background): flush never hangs on an unreachable endpoint.
   */
  async flush(): Promise<void> {
    if (this.spool.pending === 0) return;
    this.urgent++;
    try {
      const idle = this.idleWaiters.wait();
      this.poke();
      await idle;
    } finally {
      this.urgent--;
    }
  }

  /** Flushes (best effort, see flush), then stops the sender and releases the spool. Spooled events wait for the next start. */
  async close(): Promise<void> {
    if (this.stopping) return this.loopDone;
    await this.flush();
    this.stopping = true;
    clearTimeout(this.identityTimer);
    this.poke();
    await this.loopDone;
    await this.spool.close();
    this.client.destroy();
    if (this.spool.pending > 0) this.log.warn('CloudWatch sink closed with events still spooled; they are sent on the next start', { pending: this.spool.pending });
  }

  health(): SinkHealth {
    const h: SinkHealth = {
      ok: this.failing === undefined,
      delivered: this.stats.delivered,
      failed:
        this.stats.rejectedByService.tooOld + this.stats.rejectedByService.tooNew + this.stats.rejectedByService.expired +
        this.stats.droppedOutOfWindow + this.stats.droppedInvalid + this.spool.dropped,
      pending: this.spool.pending,
    };
    if (this.lastError) h.lastError = this.lastError;
    if (this.lastSuccessAt) h.lastSuccessAt = this.lastSuccessAt;
    return h;
  }

  /** Wakes the sender now; when it is busy, its next sleep returns at once. */
  private poke(): void {
    this.sleeper.poke();
  }

  private sleep(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }

  private settleProgress(): void {
    this.progressWaiters.wakeAll();
  }

  private settleIdle(): void {
    this.idleWaiters.wakeAll();
  }

  private async loop(): Promise<void> {
    let trouble = 0;
    while (!this.stopping) {
      try {
        await this.step();
        trouble = 0;
      } catch (err) {
        if (err instanceof Stopped) break;
        // The spool itself failed (disk full, I/O error): keep the sender alive and try again later.
        this.failing = 'retry';
        this.lastError = errorMessage(err);
        this.log.error('CloudWatch sender: spool error; retrying', { error: err });
        this.settleIdle();
        this.settleProgress();
        await this.sleep(this.backoff(trouble++));
      }
    }
    this.settleIdle();
    this.settleProgress();
  }

  /** One turn of the sender: wait, or read a chunk, deliver it, acknowledge it. */
  private async step(): Promise<void> {
    // Decide from the spool's counters whether to send now, before reading anything: a read builds a
    // batch's worth of strings, and reading again at every wake-up would double the garbage.
    const backlog = this.spool.pending >= MAX_BATCH_EVENTS || this.spool.unackedBytes >= MAX_BATCH_BYTES * 0.9;
    const wait = this.settings.flushIntervalMs - (Date.now() - this.lastSend);
    if (this.spool.pending > 0 && !backlog && wait > 0 && this.urgent === 0) {
      await this.sleep(wait);
      return;
    }
    const chunk = this.spool.pending > 0 ? await this.spool.readChunk() : undefined;
    if (!chunk) {
      this.settleIdle();
      if (!this.stopping) await this.sleep(this.settings.flushIntervalMs);
      return;
    }
    try {
      await this.deliverChunk(chunk.records, () => this.spool.overtaken(chunk.start));
    } catch (err) {
      if (err instanceof Overtaken) return; // its events were dropped from the spool (counted there)
      throw err;
    }
    this.stats.corruptSpoolLines += chunk.corrupt;
    if (chunk.corrupt > 0) this.log.warn('skipped undecodable spool lines', { count: chunk.corrupt });
    await this.spool.ack(chunk.end, chunk.records.length + chunk.corrupt);
    this.settleProgress();
  }

  private async deliverChunk(records: WireEvent[], overtaken: () => boolean): Promise<void> {
    const plan = planBatches(records, Date.now());
    const dropped = plan.tooOld + plan.tooNew;
    if (dropped > 0) {
      this.stats.droppedOutOfWindow += dropped;
      this.log.warn('dropped events outside CloudWatch\'s time window (older than 14 days or over 2 hours ahead)', {
        tooOld: plan.tooOld,
        tooNew: plan.tooNew,
      });
    }
    for (const batch of plan.batches) await this.deliver(batch, overtaken);
    this.lastSend = Date.now();
  }

  /** Sends one valid batch until it is accepted, or proven invalid. Retries with full-jitter backoff. */
  private async deliver(batch: WireEvent[], overtaken: () => boolean, maxAttempts = Infinity): Promise<void> {
    let attempt = 0;
    let createdFor = -1;
    for (;;) {
      if (this.stopping) throw new Stopped();
      if (overtaken()) throw new Overtaken();
      let setup = false;
      try {
        if (!this.destinationReady) {
          setup = true;
          await this.sender.ensureDestination();
          this.destinationReady = true;
          setup = false;
        }
        const res = await this.sender.put(batch);
        this.stats.requests++;
        this.stats.fills.push(Math.max(batchCost(batch) / MAX_BATCH_BYTES, batch.length / MAX_BATCH_EVENTS));
        this.stats.delivered += res.accepted;
        const r = res.rejected;
        if (r.tooOld + r.tooNew + r.expired > 0) {
          this.stats.rejectedByService.tooOld += r.tooOld;
          this.stats.rejectedByService.tooNew += r.tooNew;
          this.stats.rejectedByService.expired += r.expired;
          this.log.warn('CloudWatch rejected events in a batch (not retried)', { ...r, batch: batch.length });
        }
        if (this.failing) this.log.info('CloudWatch reachable again', { after: this.failing, pending: this.spool.pending });
        this.failing = undefined;
        this.lastSuccessAt = new Date().toISOString();
        return;
      } catch (err) {
        // A failed group/stream creation says nothing about the batch: never split or drop events for it.
        const raw = classifyFailure(err);
        const kind: FailureKind = setup && (raw === 'invalid' || raw === 'missing') ? 'retry' : raw;
        this.lastError = errorMessage(err);
        if (kind === 'missing' && createdFor !== attempt) {
          // The group or stream was deleted while we run: create them and resend at once.
          this.log.warn('CloudWatch log group or stream missing; creating it', { error: err });
          this.destinationReady = false;
          createdFor = attempt;
          continue;
        }
        if (kind === 'invalid') {
          await this.deliverInvalid(batch, err, overtaken, maxAttempts);
          return;
        }
        if (this.failing !== kind) {
          const level = kind === 'auth' ? 'error' : 'warn';
          this.log[level](
            kind === 'auth'
              ? 'CloudWatch refused our credentials or permissions; events stay spooled'
              : 'CloudWatch unreachable or throttling; events stay spooled and are retried',
            // The same hint the commands print: no credentials, rejected ones, a missing permission, no route.
            { error: err, pending: this.spool.pending, hint: awsFailure('PutLogEvents', err, { service: 'CloudWatch Logs', permission: 'logs:PutLogEvents' }).hint },
          );
          this.failing = kind;
        }
        this.settleIdle(); // flush() callers are told "not now" rather than kept waiting
        this.settleProgress(); // writers waiting for room spool (and drop the oldest) instead
        this.stats.retries++;
        if (attempt + 1 >= maxAttempts) throw err;
        await this.sleep(this.backoff(attempt++));
      }
    }
  }

  /** A request refused as invalid: halve it until the bad event is alone, then drop and count that one. */
  private async deliverInvalid(batch: WireEvent[], err: unknown, overtaken: () => boolean, maxAttempts: number): Promise<void> {
    if (batch.length === 1) {
      this.stats.droppedInvalid++;
      this.log.error('CloudWatch refused an event as invalid; dropped it', { error: err, bytes: Buffer.byteLength(batch[0]!.message) });
      return;
    }
    const mid = Math.ceil(batch.length / 2);
    await this.deliver(batch.slice(0, mid), overtaken, maxAttempts);
    await this.deliver(batch.slice(mid), overtaken, maxAttempts);
  }

  /** Full jitter (AWS architecture blog): random in [0, min(cap, base·2^n)]. */
  private backoff(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.tuning.retryBaseMs, maxMs: this.tuning.retryMaxMs, jitter: 'full' });
  }
}

function batchCost(batch: readonly WireEvent[]): number {
  let n = 0;
  for (const e of batch) n += eventCost(e.message);
  return n;
}
