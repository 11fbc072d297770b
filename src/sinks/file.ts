// Events as JSON lines in a local file, rotated by size (events.jsonl → .1 → .2 …). A batch is accepted
// after it was written (and fsynced, by default). Ids already in the file are not written again: after a
// crash the daemon re-sends events whose checkpoint was not yet saved, and their deterministic ids let
// this sink drop the copies, so the file holds each event once.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Sink, SinkHealth, TriageEvent } from '../types.js';
import { errorMessage } from '../errors.js';

export interface FileSinkOptions {
  path: string;
  maxBytes: number;
  maxFiles: number;
  fsync: boolean;
  log: Logger;
}

/** Ids remembered for de-duplication; far more than one checkpoint interval can re-send. */
const RECENT_IDS = 50_000;
/** How much of the newest files is read at start to learn recent ids. */
const TAIL_BYTES = 4 * 1024 * 1024;

export async function createFileSink(opts: FileSinkOptions): Promise<Sink> {
  await mkdir(path.dirname(opts.path), { recursive: true });
  const recent = new Set<string>();
  const remember = (id: string): void => {
    recent.add(id);
    if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
  };
  for (const f of [`${opts.path}.1`, opts.path]) {
    for (const id of await tailIds(f)) remember(id);
  }
  let fh: FileHandle = await open(opts.path, 'a', 0o640);
  let size = (await fh.stat()).size;
  const health: SinkHealth = { ok: true, delivered: 0, failed: 0, pending: 0 };
  let chain: Promise<void> = Promise.resolve();

  async function rotate(): Promise<void> {
    await fh.close();
    await rm(`${opts.path}.${opts.maxFiles}`, { force: true });
    for (let i = opts.maxFiles - 1; i >= 1; i--) {
      await rename(`${opts.path}.${i}`, `${opts.path}.${i + 1}`).catch(() => {});
    }
    await rename(opts.path, `${opts.path}.1`);
    fh = await open(opts.path, 'a', 0o640);
    size = 0;
  }

  async function writeNow(events: readonly TriageEvent[]): Promise<void> {
    let text = '';
    const ids: string[] = [];
    let dropped = 0;
    for (const ev of events) {
      if (recent.has(ev.id)) {
        dropped++;
        continue;
      }
      ids.push(ev.id);
      text += JSON.stringify(ev) + '\n';
    }
    if (dropped) opts.log.info('file sink: events re-sent after a restart were already in the file; not written again', { events: dropped });
    if (text === '') return;
    const buf = Buffer.from(text);
    if (size > 0 && size + buf.length > opts.maxBytes) await rotate();
    await fh.write(buf);
    size += buf.length;
    if (opts.fsync) await fh.sync();
    for (const id of ids) remember(id);
  }

  return {
    name: 'file',
    write(events) {
      health.pending += events.length;
      const p = chain.then(() => writeNow(events));
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
          opts.log.warn('file sink: write failed', { file: opts.path, error: errorMessage(err) });
        },
      );
      return p;
    },
    flush: () => chain,
    async close() {
      await chain;
      await fh.close().catch(() => {});
    },
    health: () => ({ ...health }),
  };
}

async function tailIds(file: string): Promise<string[]> {
  let text: string;
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const m of text.matchAll(/"id":"([0-9a-f]{8,64})"/g)) ids.push(m[1]!);
  return ids;
}

