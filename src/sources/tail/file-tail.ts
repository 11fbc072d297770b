// Follows one configured path through rotations: reads what was written, hands complete lines on, and
// notices when the path names another file (rename rotation, delete + re-create) or the file shrank
// (copytruncate). The file being read is held open, so after a rename its last lines are still read to
// the end; then every rotated sibling that was at the path in between and was never read (several renames
// between two looks) is read whole, oldest first, before the new file is opened at offset 0. On a truncation
// the copy that copytruncate left (the sibling with the same first bytes) gives the lines not yet read.
// Change notification and polling live elsewhere: anything may call poke(), and calls are coalesced and run
// one at a time.
import { stat, type FileHandle } from 'node:fs/promises';
import { errorMessage } from '../../errors.js';
import { openRegular } from '../../base/regular-file.js';
import { fingerprintMatches, identify, identityKey, refreshFingerprint, type FileIdentity } from './file-identity.js';
import { LineAssembler, type AssembledLine, type AssemblerStats } from './line-assembler.js';
import { rotatedSiblings, SeenFiles, type Sibling } from './siblings.js';

type Open<H> = Reader<H> & { fh: FileHandle; asm: LineAssembler };

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
  /**
   * Handling one line threw (a defect, not the file's fault): the line was skipped and the ones after it go
   * on. Reported at most once a minute per file, with the number skipped since the last report.
   */
  lineFailed?(path: string, message: string): void;
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

/**
 * After a read that found new bytes, look again this soon. chokidar drops a second `change` event for a path
 * within 50 ms and sends no trailing one, so the end of a burst would otherwise wait for the slow poll.
 */
export const RECHECK_MS = 100;

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
  stats: TailStats;
}

/** The assembler's counts, and lines whose handling threw and that were skipped. */
export type TailStats = AssemblerStats & { failed: number };

const LINE_FAILURE_REPORT_MS = 60_000;

export class FileTailer<H> {
  private current: Open<H> | undefined;
  private readonly seen = new SeenFiles();
  private backlog: BacklogItem[] = [];
  private first: ResumePlan['live'] | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private buf: Buffer | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private readonly totals: AssemblerStats = { lines: 0, truncated: 0, binary: 0, invalidUtf8: 0 };
  private failed = 0;
  private failedUnreported = 0;
  private lastFailureReport = 0;

  constructor(
    readonly opts: FileTailOptions,
    private readonly listener: TailListener<H>,
  ) {}

  start(plan: ResumePlan): Promise<void> {
    this.backlog = [...plan.backlog];
    this.first = plan.live;
    // What is already rotated away is the resume plan's business (its backlog), not the rotation chain's.
    this.serial(() => this.seen.rememberSiblings(this.opts.path));
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
    clearTimeout(this.recheckTimer);
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
    const stats: TailStats = { ...this.totals, failed: this.failed };
    if (c) for (const k of Object.keys(this.totals) as Array<keyof AssemblerStats>) stats[k] += c.asm.stats[k];
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
      // Gone (deleted, or renamed and not yet re-created): finish the file we hold and any renamed after it,
      // then wait for the path.
      if (this.first) this.first = undefined; // a file that appears later is read from its start
      if (this.current) {
        await this.retire(this.current);
        await this.readChain();
      }
      this.ok();
      return;
    }
    if (this.current && (String(st.ino) !== this.current.id.ino || String(st.dev) !== this.current.id.dev)) {
      await this.retire(this.current);
    }
    if (!this.current) {
      const plan = this.first;
      this.first = undefined;
      // Not the first open: files that were at the path since the last one we read come first.
      if (!plan) await this.readChain();
      await this.openLive(plan);
    }
    const cur = this.current;
    if (!cur) return;
    const size = Number((await cur.fh.stat({ bigint: true })).size);
    if (size < cur.offset || !(await fingerprintMatches(cur.fh, cur.id))) {
      await this.restartInPlace(cur, size < cur.offset ? `file shrank from ${cur.offset} to ${size} bytes` : 'first bytes changed');
    } else if (cur.offset === 0 && cur.id.fpLen === 0) {
      // Nothing is known of a file that was empty when opened, so neither its size nor its first bytes can show
      // a copytruncate that came before the first read; a copy that appeared next to it with other first bytes does.
      const copy = await this.seen.copyOfUnread(await rotatedSiblings(this.opts.path), cur.fh);
      if (copy) await this.restartInPlace(cur, 'copied and truncated before anything was read from it', copy);
    }
    const got = await this.readToEnd(this.current!);
    this.ok();
    this.armPartialTimer(got, idle);
    if (got > 0) this.armRecheck();
  }

  /** One trailing look after a burst; not postponed by further bursts, so a steady stream is read every RECHECK_MS. */
  private armRecheck(): void {
    if (this.recheckTimer || this.stopped) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.poke();
    }, RECHECK_MS);
  }

  /** Reads, oldest first, every rotated sibling that was at the path and was never read. */
  private async readChain(): Promise<void> {
    const unread = await this.seen.unread(await rotatedSiblings(this.opts.path), this.current ? identityKey(this.current.id) : undefined);
    for (const s of unread) {
      if (this.stopped) return;
      await this.readRotated({ path: s.path, offset: 0, expect: { dev: s.dev, ino: s.ino } });
    }
  }

  private async openLive(plan: ResumePlan['live'] | undefined): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await openRegular(this.opts.path);
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

  /** `asm` carries an unfinished line over from the file this one is a copy of. */
  private attach(fh: FileHandle, id: FileIdentity & { size: number }, offset: number, rotated: boolean, asm?: LineAssembler): Open<H> {
    const ident: FileIdentity = { dev: id.dev, ino: id.ino, fp: id.fp, fpLen: id.fpLen };
    this.seen.remember(ident);
    const handle = this.listener.opened({ path: this.opts.path, id: ident, offset, rotated });
    if (!asm) {
      asm = new LineAssembler(this.opts.maxLineBytes);
      asm.reset(offset);
    }
    const reader = { path: this.opts.path, id: ident, key: identityKey(ident), offset, size: id.size, handle, fh, asm };
    if (!rotated) this.current = reader;
    return reader;
  }

  /**
   * The content was replaced under the same inode (copytruncate, or `> file`). What was written after our last
   * read and before the truncation is in copytruncate's copy, if there is one: read it from our offset, with the
   * unfinished line we hold, then read the file again from 0.
   */
  private async restartInPlace(cur: Open<H>, why: string, known?: Sibling): Promise<void> {
    const copy = known ?? (await this.seen.copyOf(await rotatedSiblings(this.opts.path), cur.id));
    if (copy) {
      const done = await this.readRotated({ path: copy.path, offset: cur.offset, expect: { dev: copy.dev, ino: copy.ino, fp: cur.id.fp, fpLen: cur.id.fpLen } }, cur.asm);
      why += done ? `; the lines not read before were read from its copy ${copy.path}` : `; its copy ${copy.path} could not be read: lines written between the last read and the truncation are lost`;
    } else {
      why += '; no copy of it was found next to it: lines written between the last read and the truncation are lost';
      cur.asm.flushPartial((l) => this.emit(cur, l));
    }
    this.listener.reset(cur, why);
    this.addTotals(cur.asm.stats);
    const id = await identify(cur.fh);
    this.current = undefined;
    this.attach(cur.fh, id, 0, false);
  }

  /** The path now names another file (or nothing): read the one we hold to its end and let it go. */
  private async retire(cur: Open<H>): Promise<void> {
    await this.readToEnd(cur);
    cur.asm.flushPartial((l) => this.emit(cur, l));
    this.current = undefined;
    this.addTotals(cur.asm.stats);
    this.seen.remember(cur.id);
    await cur.fh.close().catch(() => {});
    clearTimeout(this.partialTimer);
    this.listener.finished(cur);
  }

  private async drainBacklog(item: BacklogItem): Promise<void> {
    if (!(await this.readRotated(item))) return;
  }

  /**
   * Reads a rotated file (or a copy) from `item.offset` to its end, if it is still the file `item.expect` names.
   * Returns false when it could not be opened or is another file now.
   */
  private async readRotated(item: { path: string; offset: number; expect?: { dev: string; ino: string; fp?: string; fpLen?: number } }, carry?: LineAssembler): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await openRegular(item.path);
    } catch (err) {
      this.listener.problem(item.path, `rotated file not readable, its unread lines are lost: ${errorMessage(err)}`, false);
      return false;
    }
    try {
      const id = await identify(fh);
      const want = item.expect;
      const same =
        !want ||
        (want.dev === id.dev && want.ino === id.ino && (want.fp === undefined || (await fingerprintMatches(fh, { fp: want.fp, fpLen: want.fpLen ?? 0 }))));
      if (!same) return false;
      const reader = this.attach(fh, id, Math.min(item.offset, id.size), true, carry);
      await this.readToEnd(reader);
      reader.asm.flushPartial((l) => this.emit(reader, l));
      if (!carry) this.addTotals(reader.asm.stats);
      this.seen.remember(reader.id);
      this.listener.finished(reader);
      return true;
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
      total += bytesRead;
      r.asm.push(buf.subarray(0, bytesRead), at, (l) => this.emit(r, l));
      // Only once its lines were handed on: a throw above must not leave them behind the read position.
      r.offset = at + bytesRead;
      await this.listener.room();
      if (bytesRead < buf.length) break;
    }
    if (total > 0) {
      r.size = Math.max(r.size, r.offset);
      if (await refreshFingerprint(r.fh, r.id, r.offset)) {
        this.seen.remember(r.id);
        this.listener.identityChanged(r);
      }
    }
    return total;
  }

  /** Hands one line on. A line whose handling throws is skipped and counted; the lines after it go on. */
  private emit(r: Reader<H>, line: AssembledLine): void {
    try {
      this.listener.line(r, line);
    } catch (err) {
      this.failed++;
      this.failedUnreported++;
      const now = Date.now();
      if (now - this.lastFailureReport < LINE_FAILURE_REPORT_MS) return;
      this.lastFailureReport = now;
      const n = this.failedUnreported;
      this.failedUnreported = 0;
      const message = `line at offset ${line.start} could not be handled and was skipped${n > 1 ? ` (${n} lines skipped since the last report)` : ''}: ${errorMessage(err)}`;
      if (this.listener.lineFailed) this.listener.lineFailed(r.path, message);
      else this.listener.problem(r.path, message, false);
    }
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
