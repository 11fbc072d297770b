// Events as JSON lines in a local file, rotated by size (events.jsonl → .1 → .2 …). A batch is accepted only
// once all of it was written (and fsynced, by default). A short or failed write (a full disk) is not: what part
// of the batch reached the file is cut back, so no half event stays behind, and the batch is refused for the
// daemon to retry. Ids already written are not written again: after a crash the daemon re-sends events whose
// checkpoint was not yet saved, and their deterministic ids let this sink drop the copies. The ids are
// remembered in a bounded index next to the file (`.events.jsonl.ids`, see id-index.ts) that survives restarts;
// what a crash kept out of the index is read back from the end of the events file at start.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Sink, SinkHealth, TriageEvent } from '../types.js';
import { errorMessage } from '../errors.js';
import { IdIndex, writeFully } from './id-index.js';

export interface FileSinkOptions {
  path: string;
  maxBytes: number;
  maxFiles: number;
  fsync: boolean;
  log: Logger;
  /** Ids remembered for de-duplication (default RECENT_IDS). */
  rememberIds?: number;
}

/** Ids remembered for de-duplication; far more than one checkpoint interval can re-send. */
export const RECENT_IDS = 50_000;
const READ_BACK_CHUNK = 1 << 20;
const ID_IN_EVENT = /"id":"([0-9a-f]{8,64})"/;

export async function createFileSink(opts: FileSinkOptions): Promise<Sink> {
  await mkdir(path.dirname(opts.path), { recursive: true });
  const capacity = opts.rememberIds ?? RECENT_IDS;
  const index = await IdIndex.open(path.join(path.dirname(opts.path), `.${path.basename(opts.path)}.ids`), capacity, opts.log);
  // a+: appends, and reads for cutting back an unfinished last line.
  let fh: FileHandle = await open(opts.path, 'a+', 0o640);
  let size = await cutPartialLine(fh, opts);
  const recovered = await unindexedIds(opts.path, index, capacity);
  if (recovered.length) await index.add(recovered);
  const health: SinkHealth = { ok: true, delivered: 0, failed: 0, pending: 0 };
  let chain: Promise<void> = Promise.resolve();

  async function rotate(): Promise<void> {
    await fh.close();
    await rm(`${opts.path}.${opts.maxFiles}`, { force: true });
    for (let i = opts.maxFiles - 1; i >= 1; i--) {
      await rename(`${opts.path}.${i}`, `${opts.path}.${i + 1}`).catch(() => {});
    }
    await rename(opts.path, `${opts.path}.1`);
    fh = await open(opts.path, 'a+', 0o640);
    size = 0;
  }

  async function writeNow(events: readonly TriageEvent[]): Promise<void> {
    let text = '';
    const ids = new Set<string>();
    let dropped = 0;
    for (const ev of events) {
      if (index.has(ev.id) || ids.has(ev.id)) {
        dropped++;
        continue;
      }
      ids.add(ev.id);
      text += JSON.stringify(ev) + '\n';
    }
    if (dropped) opts.log.info('file sink: events re-sent after a restart were already in the file; not written again', { events: dropped });
    if (text === '') return;
    const buf = Buffer.from(text);
    if (size > 0 && size + buf.length > opts.maxBytes) await rotate();
    const before = size;
    try {
      await writeFully(fh, buf);
      if (opts.fsync) await fh.sync();
    } catch (err) {
      // Not accepted: take back whatever part of the batch got in. If even that fails, the next write tries
      // again first (cutPartialLine), so a half line is never followed by another event.
      size = await fh.truncate(before).then(
        () => before,
        () => -1,
      );
      if (size < 0) size = await cutPartialLine(fh, opts).catch(() => -1);
      throw err;
    }
    size = before + buf.length;
    await index.add([...ids]);
  }

  return {
    name: 'file',
    write(events) {
      health.pending += events.length;
      const p = chain.then(async () => {
        if (size < 0) size = await cutPartialLine(fh, opts);
        await writeNow(events);
      });
      chain = p.then(
        () => {
          health.pending -= events.length;
          health.delivered += events.length;
          health.ok = true;
          health.lastSuccessAt = new Date().toISOString();
        },
        (err: unknown) => {
          health.pending -= events.length;
          health.failed += events.length;
          health.ok = false;
          health.lastError = errorMessage(err);
          opts.log.warn('file sink: write failed; the batch was not accepted and will be retried', { file: opts.path, error: errorMessage(err) });
        },
      );
      return p;
    },
    flush: () => chain,
    async close() {
      await chain;
      await fh.close().catch(() => {});
      await index.close();
    },
    health: () => ({ ...health }),
  };
}

/**
 * Size of the file after cutting an unfinished last line (a crash or a failed write in the middle of an
 * event): that event was never accepted and will be sent again, and the next one must start a line.
 */
async function cutPartialLine(fh: FileHandle, opts: FileSinkOptions): Promise<number> {
  const { size } = await fh.stat();
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  if (last[0] === 10) return size;
  let end = size;
  const buf = Buffer.alloc(Math.min(READ_BACK_CHUNK, size));
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (nl !== -1) {
      end = start + nl + 1;
      break;
    }
    end = start;
  }
  await fh.truncate(end);
  opts.log.warn('file sink: cut an unfinished last event (it is sent again)', { file: opts.path, bytes: size - end });
  return end;
}

/**
 * Ids of the events at the end of the file (and of its first rotation) that the index does not hold: written,
 * then the process died before the index was appended. Read backwards until an indexed id, at most `limit`.
 */
async function unindexedIds(file: string, index: IdIndex, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const f of [file, `${file}.1`]) {
    let fh: FileHandle;
    try {
      fh = await open(f, 'r');
    } catch {
      return found.reverse();
    }
    try {
      let end = (await fh.stat()).size;
      let carry = '';
      while (end > 0) {
        const start = Math.max(0, end - READ_BACK_CHUNK);
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        const lines = (buf.toString('utf8') + carry).split('\n');
        carry = start > 0 ? lines.shift()! : '';
        for (let i = lines.length - 1; i >= 0; i--) {
          const id = ID_IN_EVENT.exec(lines[i]!)?.[1];
          if (!id) continue;
          if (index.has(id) || found.length >= limit) return found.reverse();
          found.push(id);
        }
        end = start;
      }
    } finally {
      await fh.close();
    }
  }
  return found.reverse();
}
