// The sink's queue, on disk in the state directory. Every event is appended (and fdatasync'ed) before
// write() resolves, so a checkpoint may move as soon as write() returns; the sender reads from the
// acknowledged cursor and moves it only after CloudWatch accepted a batch. A restart resumes at the cursor:
// at-least-once, in order. Bounded: when full, the oldest segment is dropped and its events counted.
//
// Layout: <dir>/lock (pid), <dir>/cursor.json ({segment, offset}), <dir>/<16-digit index>.seg holding lines
// `<epoch ms>\t<message JSON>\n`.
import { lstat, open, readdir, readFile, rm, truncate, mkdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TriageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { WireEvent } from './event.js';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_MESSAGE_BYTES, PER_EVENT_OVERHEAD_BYTES } from '../../cloudwatch-limits.js';
import { writeFileAtomic, syncDirectory } from '../../base/atomic-write.js';
import { acquireLock } from '../../base/lock.js';

export interface Position {
  segment: number;
  offset: number;
}

/**
 * Records produced on demand (the sink encodes each event as the spool writes it), so that only one write's
 * worth of encoded strings is alive at a time instead of a whole batch of events across the fsync.
 */
export interface LazyRecords {
  length: number;
  get(i: number): WireEvent;
}

export interface Chunk {
  records: WireEvent[];
  /** Where the chunk starts (the cursor when it was read). */
  start: Position;
  /** Position just after the last record: acknowledge it once every record was delivered. */
  end: Position;
  /** Lines that could not be decoded (a torn write), skipped and counted. */
  corrupt: number;
}

interface Segment {
  index: number;
  size: number;
  /** Lines in the file (all of them, acknowledged or not). */
  lines: number;
}

export class SpoolLockedError extends TriageError {
  constructor(dir: string, pid: number) {
    super(`spool ${dir} is in use by process ${pid}`, {
      code: 'ESPOOLLOCK',
      hint: 'another ecs-triage process ships from this state directory; stop it or use another --state-dir',
    });
  }
}

const SEG_RE = /^(\d{16})\.seg$/;
const segName = (i: number): string => `${String(i).padStart(16, '0')}.seg`;
// Largest line: 13-digit time, tab, message, newline.
const MAX_LINE_BYTES = MAX_MESSAGE_BYTES + 32;
// Two lines' worth: always holds a whole line, and a chunk is read in a few of these. A buffer of a whole batch
// (1.3 MB) would stay resident for the life of the daemon once one backlog had filled it.
const READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES;
/** Counting lines (start-up, drops) needs no whole line in the buffer. */
const COUNT_BUFFER_BYTES = 64 * 1024;
/** One write() call's worth of lines. */
const WRITE_CHUNK_BYTES = 256 * 1024;

export interface SpoolOptions {
  maxBytes: number;
  segmentBytes?: number;
  log: Logger;
}

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly log: Logger;
  private segments: Segment[] = [];
  private cursor: Position = { segment: 0, offset: 0 };
  private writer: FileHandle | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private cursorChain: Promise<void> = Promise.resolve();
  private readBuf: Buffer | undefined;
  private writeBuf: Buffer | undefined;
  private listeners: Array<() => void> = [];
  private release: (() => Promise<void>) | undefined;
  /** Events in the spool not yet acknowledged. */
  pending = 0;
  /** Events dropped because the spool was full, since this process started. */
  dropped = 0;

  private constructor(dir: string, opts: SpoolOptions) {
    this.dir = dir;
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = opts.segmentBytes ?? Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.floor(opts.maxBytes / 16)));
    this.log = opts.log;
  }

  static async open(dir: string, opts: SpoolOptions): Promise<Spool> {
    const s = new Spool(dir, opts);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await s.lock();
    await s.load();
    return s;
  }

  private async lock(): Promise<void> {
    const dir = this.dir;
    this.release = (
      await acquireLock(path.join(dir, 'lock'), { by: 'ecs-triage spool', busy: (holder) => new SpoolLockedError(dir, holder.pid) })
    ).release;
  }

  private async load(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => SEG_RE.test(n)).sort();
    try {
      const c = JSON.parse(await readFile(path.join(this.dir, 'cursor.json'), 'utf8')) as Partial<Position>;
      if (Number.isInteger(c.segment) && Number.isInteger(c.offset)) this.cursor = { segment: c.segment!, offset: c.offset! };
    } catch {
      // No cursor yet (first start) or an unreadable one: start at the oldest segment, resending is safe.
    }
    for (const name of names) {
      const index = Number(SEG_RE.exec(name)![1]);
      const file = path.join(this.dir, name);
      if (index < this.cursor.segment) {
        await rm(file, { force: true });
        continue;
      }
      if (!(await lstat(file)).isFile()) {
        // Not something we wrote (a link, a device): never read it.
        this.log.warn('spool: ignoring a segment that is not a regular file', { file });
        continue;
      }
      const { lines, after, end, bytes } = await this.countLines(file, index === this.cursor.segment ? this.cursor.offset : 0);
      // A crash mid-append leaves a torn last line: cut it off (write() had not resolved for it).
      if (end < bytes) await truncate(file, end);
      this.segments.push({ index, size: end, lines });
      this.pending += after;
    }
    const first = this.segments[0];
    if (first === undefined) this.cursor = { segment: this.cursor.segment + 1, offset: 0 };
    else if (first.index > this.cursor.segment) this.cursor = { segment: first.index, offset: 0 };
  }

  /** Bytes on disk (all segments). */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Bytes not yet acknowledged (approximate: whole segments after the cursor's). */
  get unackedBytes(): number {
    let n = 0;
    for (const s of this.segments) {
      if (s.index > this.cursor.segment) n += s.size;
      else if (s.index === this.cursor.segment) n += Math.max(0, s.size - this.cursor.offset);
    }
    return n;
  }

  /** Called after each append, so the sender can wake up. */
  onAppend(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Appends records durably; resolves after fdatasync. Appends are serialised in call order. */
  append(records: readonly WireEvent[] | LazyRecords): Promise<void> {
    const src: LazyRecords = Array.isArray(records) ? { length: records.length, get: (i) => records[i]! } : (records as LazyRecords);
    const run = this.writeChain.then(() => this.doAppend(src));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async doAppend(records: LazyRecords): Promise<void> {
    if (records.length === 0) return;
    // Lines are written into one reused buffer, not built as strings and joined: the spool runs for every
    // event, and string churn here showed up as megabytes of RSS in the daemon (scripts/bench/cloudwatch.mjs).
    this.writeBuf ??= Buffer.allocUnsafe(WRITE_CHUNK_BYTES + MAX_LINE_BYTES);
    const buf = this.writeBuf;
    let i = 0;
    let carry: WireEvent | undefined;
    while (i < records.length) {
      const seg = await this.activeSegment();
      let used = 0;
      let n = 0;
      // Fill the active segment up to its size (at least one record per segment).
      while (i < records.length && used < WRITE_CHUNK_BYTES) {
        const r = carry ?? records.get(i);
        carry = undefined;
        const ts = String(r.timestamp);
        const msgBytes = Buffer.byteLength(r.message, 'utf8');
        const len = ts.length + msgBytes + 2;
        if (msgBytes > MAX_MESSAGE_BYTES) throw new TriageError(`spool: event of ${msgBytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`);
        if (n > 0 && seg.size + used + len > this.segmentBytes) {
          carry = r;
          break;
        }
        used += buf.write(ts, used, 'latin1');
        buf[used++] = 0x09;
        used += buf.write(r.message, used, 'utf8');
        buf[used++] = 0x0a;
        n++;
        i++;
      }
      try {
        await this.writer!.write(buf, 0, used, seg.size);
      } catch (err) {
        // Disk full or I/O error: cut back to the last whole line and close, so a later append (when there is
        // room again) starts a clean segment instead of continuing after a torn line.
        await this.writer!.truncate(seg.size).catch(() => undefined);
        await this.writer!.close().catch(() => undefined);
        this.writer = undefined;
        if (seg.size === 0) {
          this.segments.splice(this.segments.indexOf(seg), 1);
          await rm(path.join(this.dir, segName(seg.index)), { force: true }).catch(() => undefined);
        }
        throw err;
      }
      seg.size += used;
      seg.lines += n;
      this.pending += n;
      if (seg.size >= this.segmentBytes || carry !== undefined) {
        await this.seal();
        await this.enforceLimit();
      }
    }
    await this.writer?.datasync();
    await this.enforceLimit();
    for (const fn of this.listeners) fn();
  }

  private async activeSegment(): Promise<Segment> {
    const last = this.segments[this.segments.length - 1];
    if (this.writer && last) return last;
    // After a restart the last segment may hold a torn tail's neighbour: never append to an old file.
    const seg: Segment = { index: Math.max(last ? last.index + 1 : 0, this.cursor.segment), size: 0, lines: 0 };
    this.writer = await open(path.join(this.dir, segName(seg.index)), 'w', 0o600);
    this.segments.push(seg);
    await this.syncDir();
    return seg;
  }

  private async seal(): Promise<void> {
    if (!this.writer) return;
    await this.writer.datasync();
    await this.writer.close();
    this.writer = undefined;
  }

  private syncDir(): Promise<void> {
    return syncDirectory(this.dir);
  }

  /** Drops the oldest segments while the spool is over its bound. The active segment is never dropped. */
  private async enforceLimit(): Promise<void> {
    while (this.bytes > this.maxBytes) {
      const oldest = this.segments[0];
      if (!oldest) return;
      if (this.segments.length === 1) {
        if (!this.writer) return;
        await this.seal(); // next append opens a new segment; this one can then go
        return;
      }
      let lost = oldest.lines;
      if (oldest.index === this.cursor.segment) {
        lost = (await this.countLines(path.join(this.dir, segName(oldest.index)), this.cursor.offset).catch(() => ({ after: 0 }))).after;
      } else if (oldest.index < this.cursor.segment) {
        lost = 0;
      }
      this.segments.shift();
      await rm(path.join(this.dir, segName(oldest.index)), { force: true });
      this.dropped += lost;
      this.pending -= lost;
      const next = this.segments[0]!;
      if (this.cursor.segment <= oldest.index) {
        this.cursor = { segment: next.index, offset: 0 };
        await this.writeCursor();
      }
      this.log.error('CloudWatch spool full: dropped the oldest events', {
        dropped: lost,
        droppedTotal: this.dropped,
        spoolBytes: this.bytes,
        maxBytes: this.maxBytes,
      });
    }
  }

  /**
   * Counts a segment's lines through a small buffer (a full spool is a dozen 8 MB segments: reading each
   * whole at start-up made the daemon's peak RSS). `after`: lines ending at or after `from`; `end`: just past
   * the last newline; `bytes`: the file's length.
   */
  private async countLines(file: string, from: number): Promise<{ lines: number; after: number; end: number; bytes: number }> {
    // Its own buffer: the append path (dropping a segment) may count while the sender is reading a chunk.
    const buf = Buffer.allocUnsafe(COUNT_BUFFER_BYTES);
    const fh = await open(file, 'r');
    let lines = 0;
    let after = 0;
    let end = 0;
    let pos = 0;
    try {
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        const view = buf.subarray(0, bytesRead);
        for (let i = view.indexOf(0x0a); i !== -1; i = view.indexOf(0x0a, i + 1)) {
          lines++;
          if (pos + i >= from) after++;
          end = pos + i + 1;
        }
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
    return { lines, after, end, bytes: pos };
  }

  /**
   * Reads the next records from the cursor: at most one batch worth (10,000 events, 1,048,576 bytes with
   * overhead). Returns undefined when nothing is pending. Does not move the cursor.
   */
  async readChunk(): Promise<Chunk | undefined> {
    await this.writeChain; // never read a segment while its append is half done
    const records: WireEvent[] = [];
    let corrupt = 0;
    let cost = 0;
    let pos: Position = { ...this.cursor };
    const chunkStart = { ...this.cursor };
    this.readBuf ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    for (const seg of this.segments) {
      if (seg.index < pos.segment) continue;
      if (seg.index > pos.segment) pos = { segment: seg.index, offset: 0 };
      if (pos.offset >= seg.size) continue;
      const fh = await open(path.join(this.dir, segName(seg.index)), 'r').catch(() => undefined);
      if (!fh) return undefined; // dropped under us by enforceLimit; the next call starts at the new cursor
      try {
        while (pos.offset < seg.size) {
          const want = Math.min(this.readBuf.length, seg.size - pos.offset);
          const { bytesRead } = await fh.read(this.readBuf, 0, want, pos.offset);
          if (bytesRead === 0) break;
          let start = 0;
          let full = false;
          for (let nl = this.readBuf.indexOf(0x0a, 0); nl !== -1 && nl < bytesRead; nl = this.readBuf.indexOf(0x0a, start)) {
            const tab = this.readBuf.indexOf(0x09, start);
            const ts = tab > start && tab < nl ? Number(this.readBuf.toString('latin1', start, tab)) : NaN;
            const msgBytes = nl - tab - 1;
            if (!Number.isFinite(ts) || msgBytes <= 0) {
              corrupt++;
            } else {
              const c = msgBytes + PER_EVENT_OVERHEAD_BYTES;
              if (records.length >= MAX_BATCH_EVENTS || cost + c > MAX_BATCH_BYTES) {
                full = true;
                break;
              }
              cost += c;
              records.push({ timestamp: ts, message: this.readBuf.toString('utf8', tab + 1, nl) });
            }
            start = nl + 1;
          }
          pos = { segment: seg.index, offset: pos.offset + start };
          if (full) return { records, start: chunkStart, end: pos, corrupt };
          if (start === 0) break; // no complete line in range (cannot happen after load's truncation)
        }
      } finally {
        await fh.close();
      }
    }
    if (records.length === 0 && corrupt === 0) return undefined;
    return { records, start: chunkStart, end: pos, corrupt };
  }

  /** True when a drop (spool full) moved the cursor past `start` while the chunk was in flight. */
  overtaken(start: Position): boolean {
    return start.segment < this.cursor.segment;
  }

  /** Everything before `end` was delivered: persist the cursor, delete consumed segments. */
  async ack(end: Position, delivered: number): Promise<void> {
    if (end.segment < this.cursor.segment || (end.segment === this.cursor.segment && end.offset <= this.cursor.offset)) {
      return; // a drop moved the cursor past this chunk already
    }
    this.cursor = { ...end };
    this.pending = Math.max(0, this.pending - delivered);
    while (this.segments.length > 0) {
      const s = this.segments[0]!;
      const sealed = !(this.writer && s === this.segments[this.segments.length - 1]);
      const consumed = s.index < this.cursor.segment || (s.index === this.cursor.segment && sealed && this.cursor.offset >= s.size);
      if (!consumed) break;
      this.segments.shift();
      await rm(path.join(this.dir, segName(s.index)), { force: true });
      if (s.index === this.cursor.segment) this.cursor = { segment: s.index + 1, offset: 0 };
    }
    await this.writeCursor();
  }

  private writeCursor(): Promise<void> {
    // The append path (drops) and the sender (acks) both move the cursor: one write at a time.
    const run = this.cursorChain.then(() => this.doWriteCursor());
    this.cursorChain = run.catch(() => undefined);
    return run;
  }

  private doWriteCursor(): Promise<void> {
    return writeFileAtomic(path.join(this.dir, 'cursor.json'), JSON.stringify(this.cursor));
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.cursorChain;
    await this.seal();
    await this.release?.();
    this.release = undefined;
  }
}

