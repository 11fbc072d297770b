// Follows one configured path through rotations: reads what was written, hands complete lines on, and
// notices when the path names another file (rename rotation, delete + re-create) or the file shrank
// (copytruncate). The file being read is held open, so after a rename its last lines are still read to
// the end before the new file is opened at offset 0. Change notification and polling live elsewhere:
// anything may call poke(), and calls are coalesced and run one at a time.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { errorMessage } from '../../errors.js';
import { fingerprintMatches, identify, identityKey, refreshFingerprint, type FileIdentity } from './file-identity.js';
import { LineAssembler, type AssembledLine, type AssemblerStats } from './line-assembler.js';

/** One open file being read. The daemon keeps its own per-reader state in `handle`. */
export interface Reader<H> {
  readonly path: string;
  readonly id: FileIdentity;
  readonly key: string;
  /** Next byte to read. */
  offset: number;
  size: number;
  handle: H;
}

export interface TailListener<H> {
  /** A file was opened; returns the daemon's handle for it. `offset` is where reading starts. */
  opened(info: { path: string; id: FileIdentity; offset: number; rotated: boolean }): H;
  line(reader: Reader<H>, line: AssembledLine): void;
  /** The file's fingerprint grew (it was shorter than the fingerprint length). */
  identityChanged(reader: Reader<H>): void;
  /** The content was replaced in place (copytruncate): reading restarts at 0 under a new handle. */
  reset(reader: Reader<H>, why: string): void;
  /** A rotated or deleted file was read to its end and closed. */
  finished(reader: Reader<H>): void;
  problem(path: string, message: string, recovered: boolean): void;
  /** Awaited between reads: resolves when the pipeline has room again (backpressure). */
  room(): Promise<void>;
}

export interface BacklogItem {
  path: string;
  /** Reading starts here; `expect` proves it is still the same file. */
  offset: number;
  expect?: { dev: string; ino: string; fp: string; fpLen: number };
}

export interface ResumePlan {
  /** Rotated files to finish first, oldest first. */
  backlog: BacklogItem[];
  /** The live path: resume at `offset` if it is still `expect`, else start per `otherwise`. */
  live: { expect?: { dev: string; ino: string; fp: string; fpLen: number }; offset?: number; otherwise: 'end' | 'beginning' };
}

export interface FileTailOptions {
  path: string;
  maxLineBytes: number;
  readChunkBytes: number;
  partialLineTimeoutMs: number;
  retryUnreadableMs: number;
}

export interface TailStatus {
  path: string;
  key?: string;
  offset?: number;
  size?: number;
  backlog: number;
  error?: string;
  stats: AssemblerStats;
}

export class FileTailer<H> {
  private current: (Reader<H> & { fh: FileHandle; asm: LineAssembler }) | undefined;
  private backlog: BacklogItem[] = [];
  private first: ResumePlan['live'] | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private buf: Buffer | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private readonly totals: AssemblerStats = { lines: 0, truncated: 0, binary: 0, invalidUtf8: 0 };

  constructor(
    readonly opts: FileTailOptions,
    private readonly listener: TailListener<H>,
  ) {}

  start(plan: ResumePlan): Promise<void> {
    this.backlog = [...plan.backlog];
    this.first = plan.live;
    this.poke();
    return this.chain;
  }

  /** Something may have changed: look at the path again. Cheap; coalesced. */
  poke(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    this.serial(async () => {
      this.queued = false;
      await this.cycle(false);
    });
  }

  /** Stops following. With `flush`, an unfinished last line is emitted as complete. */
  async stop(flush: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.partialTimer);
    clearTimeout(this.retryTimer);
    await this.serial(async () => {
      const cur = this.current;
      if (!cur) return;
      if (flush) {
        // Take what was written up to now, and the unfinished last line as complete.
        await this.readToEnd(cur).catch(() => 0);
        cur.asm.flushPartial((l) => this.emit(cur, l));
      }
      // `current` stays for status(); nothing reads it once stopped.
      await cur.fh.close().catch(() => {});
    });
  }

  status(): TailStatus {
    const c = this.current;
    const stats = { ...this.totals };
    if (c) for (const k of Object.keys(stats) as Array<keyof AssemblerStats>) stats[k] += c.asm.stats[k];
    return {
      path: this.opts.path,
      ...(c ? { key: c.key, offset: c.offset, size: c.size } : {}),
      backlog: this.backlog.length,
      ...(this.lastError ? { error: this.lastError } : {}),
      stats,
    };
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn).catch((err: unknown) => this.fail(this.opts.path, err));
    return this.chain;
  }

  private fail(path: string, err: unknown): void {
    const msg = errorMessage(err);
    const repeated = this.lastError === msg;
    this.lastError = msg;
    if (!repeated) this.listener.problem(path, msg, false);
    if (!this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.poke(), this.opts.retryUnreadableMs);
    }
  }

  private ok(): void {
    if (this.lastError !== undefined) {
      this.listener.problem(this.opts.path, 'readable again', true);
      this.lastError = undefined;
    }
  }

  private async cycle(idle: boolean): Promise<void> {
    while (this.backlog.length > 0 && !this.stopped) {
      await this.drainBacklog(this.backlog[0]!);
      this.backlog.shift();
    }
    if (this.stopped) return;

    let st;
    try {
      st = await stat(this.opts.path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Gone (deleted, or renamed and not yet re-created): finish the file we hold, then wait for the path.
      if (this.first) this.first = undefined; // a file that appears later is read from its start
      if (this.current) await this.retire(this.current);
      this.ok();
      return;
    }
    if (this.current && (String(st.ino) !== this.current.id.ino || String(st.dev) !== this.current.id.dev)) {
      await this.retire(this.current);
    }
    if (!this.current) {
      const plan = this.first;
      this.first = undefined;
      await this.openLive(plan);
    }
    const cur = this.current;
    if (!cur) return;
    const size = Number((await cur.fh.stat({ bigint: true })).size);
    if (size < cur.offset || !(await fingerprintMatches(cur.fh, cur.id))) {
      await this.restartInPlace(cur, size < cur.offset ? `file shrank from ${cur.offset} to ${size} bytes` : 'first bytes changed');
    }
    const got = await this.readToEnd(this.current!);
    this.ok();
    this.armPartialTimer(got, idle);
  }

  private async openLive(plan: ResumePlan['live'] | undefined): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.opts.path, 'r');
    } catch (err) {
      this.first = plan; // keep the start plan for the retry
      throw err;
    }
    try {
      const id = await identify(fh);
      let offset = 0;
      if (plan?.expect && plan.expect.dev === id.dev && plan.expect.ino === id.ino && (await fingerprintMatches(fh, plan.expect))) {
        offset = plan.offset ?? 0;
        if (offset > id.size) offset = 0; // truncated while we were away
      } else if (plan && plan.otherwise === 'end') {
        offset = await endOfLastLine(fh, id.size);
      }
      this.attach(fh, id, offset, false);
    } catch (err) {
      this.first = plan;
      await fh.close().catch(() => {});
      throw err;
    }
  }

  private attach(fh: FileHandle, id: FileIdentity & { size: number }, offset: number, rotated: boolean): Reader<H> & { fh: FileHandle; asm: LineAssembler } {
    const ident: FileIdentity = { dev: id.dev, ino: id.ino, fp: id.fp, fpLen: id.fpLen };
    const handle = this.listener.opened({ path: this.opts.path, id: ident, offset, rotated });
    const asm = new LineAssembler(this.opts.maxLineBytes);
    asm.reset(offset);
    const reader = { path: this.opts.path, id: ident, key: identityKey(ident), offset, size: id.size, handle, fh, asm };
    if (!rotated) this.current = reader;
    return reader;
  }

  private async restartInPlace(cur: Reader<H> & { fh: FileHandle; asm: LineAssembler }, why: string): Promise<void> {
    cur.asm.flushPartial((l) => this.emit(cur, l));
    this.listener.reset(cur, why);
    this.addTotals(cur.asm.stats);
    const id = await identify(cur.fh);
    this.current = undefined;
    this.attach(cur.fh, id, 0, false);
  }

  /** The path now names another file (or nothing): read the one we hold to its end and let it go. */
  private async retire(cur: Reader<H> & { fh: FileHandle; asm: LineAssembler }): Promise<void> {
    await this.readToEnd(cur);
    cur.asm.flushPartial((l) => this.emit(cur, l));
    this.current = undefined;
    this.addTotals(cur.asm.stats);
    await cur.fh.close().catch(() => {});
    clearTimeout(this.partialTimer);
    this.listener.finished(cur);
  }

  private async drainBacklog(item: BacklogItem): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(item.path, 'r');
    } catch (err) {
      this.listener.problem(item.path, `rotated file not readable, its unread lines are lost: ${errorMessage(err)}`, false);
      return;
    }
    try {
      const id = await identify(fh);
      const same = !item.expect || (item.expect.dev === id.dev && item.expect.ino === id.ino && (await fingerprintMatches(fh, item.expect)));
      if (!same) return;
      const reader = this.attach(fh, id, Math.min(item.offset, id.size), true);
      await this.readToEnd(reader);
      reader.asm.flushPartial((l) => this.emit(reader, l));
      this.addTotals(reader.asm.stats);
      this.listener.finished(reader);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** Reads from the reader's offset until EOF. Returns the number of bytes read. */
  private async readToEnd(r: Reader<H> & { fh: FileHandle; asm: LineAssembler }): Promise<number> {
    this.buf ??= Buffer.allocUnsafe(this.opts.readChunkBytes);
    const buf = this.buf;
    let total = 0;
    for (;;) {
      const { bytesRead } = await r.fh.read(buf, 0, buf.length, r.offset);
      if (bytesRead === 0) break;
      const at = r.offset;
      r.offset += bytesRead;
      total += bytesRead;
      r.asm.push(buf.subarray(0, bytesRead), at, (l) => this.emit(r, l));
      await this.listener.room();
      if (bytesRead < buf.length) break;
    }
    if (total > 0) {
      r.size = Math.max(r.size, r.offset);
      if (await refreshFingerprint(r.fh, r.id, r.offset)) this.listener.identityChanged(r);
    }
    return total;
  }

  private emit(r: Reader<H>, line: AssembledLine): void {
    this.listener.line(r, line);
  }

  /** An unfinished last line is taken as complete once the file has been quiet for a while. */
  private armPartialTimer(got: number, idleTimerFired: boolean): void {
    const cur = this.current;
    if (!cur || cur.asm.pendingBytes === 0) {
      clearTimeout(this.partialTimer);
      this.partialTimer = undefined;
      return;
    }
    if (idleTimerFired && got === 0) {
      cur.asm.flushPartial((l) => this.emit(cur, l));
      return;
    }
    // New bytes restart the idle clock; a poke without new bytes must not postpone it.
    if (got === 0 && this.partialTimer && !idleTimerFired) return;
    clearTimeout(this.partialTimer);
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      this.serial(() => this.cycle(true));
    }, this.opts.partialLineTimeoutMs);
  }

  private addTotals(s: AssemblerStats): void {
    for (const k of Object.keys(s) as Array<keyof AssemblerStats>) this.totals[k] += s[k];
  }
}

/** Offset just past the last newline in the last 64 KiB (so a half-written line is not read from its middle). */
async function endOfLastLine(fh: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const len = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, size - len);
  const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
  return nl === -1 ? size : size - len + nl + 1;
}
