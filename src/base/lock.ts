// One process at a time per lock file (the daemon's state directory, a CloudWatch spool).
//
// Taking a free lock is one atomic step: the lock file is written complete under a temporary name and
// hard-linked into place, which fails if a lock exists (so no reader ever sees a half-written lock).
// A lock whose holder is gone (kill -9, power loss), a zombie, or a pid now used by another program is
// stale. Breaking a stale lock is the racy part — two starters both judge it stale, one removes it and
// takes it, the other removes the fresh one — so breakers take turns through a kernel-held mutex: an
// abstract Unix socket name, which the kernel releases when its process dies, so it can never be stale
// itself. Under it the lock is read again before it is removed.
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, realpath, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { liveness, selfRef, type ProcessRef } from './process-identity.js';
import { delay } from './waiter.js';

export interface LockHolder extends ProcessRef {
  /** What took the lock, e.g. `ecs-triage watch`. */
  by?: string;
}

export interface LockOptions {
  /** Written into the lock file: who holds it. */
  by: string;
  /** The error to throw when a live process holds the lock. */
  busy: (holder: LockHolder) => Error;
}

export interface Lock {
  readonly file: string;
  release(): Promise<void>;
}

/** Old lock files hold only a pid: such a holder counts only if its command line is ecs-triage's. */
const OUR_COMMAND = /ecs-triage/;
/** Locks held by this process: a pid cannot tell two holders in one process apart. */
const HELD_HERE = new Set<string>();
const ATTEMPTS = 20;

export function parseHolder(text: string): LockHolder | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t) };
  try {
    const v = JSON.parse(t) as Partial<LockHolder>;
    if (typeof v.pid !== 'number') return undefined;
    return { pid: v.pid, ...(typeof v.start === 'string' ? { start: v.start } : {}), ...(typeof v.by === 'string' ? { by: v.by } : {}) };
  } catch {
    return undefined;
  }
}

async function readHolder(file: string): Promise<{ text: string; holder?: LockHolder } | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const holder = parseHolder(text);
    return holder ? { text, holder } : { text };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isLive(h: LockHolder | undefined): h is LockHolder {
  return h !== undefined && liveness(h, OUR_COMMAND) === 'alive';
}

export async function acquireLock(file: string, opts: LockOptions): Promise<Lock> {
  const key = path.resolve(file);
  const me: LockHolder = { ...selfRef(), by: opts.by };
  if (HELD_HERE.has(key)) throw opts.busy(me);
  const body = JSON.stringify(me) + '\n';
  const tmp = `${key}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, body, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await link(tmp, key);
        HELD_HERE.add(key);
        return { file: key, release: () => releaseLock(key, me) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await readHolder(key);
      if (seen === undefined) continue; // released in between: try again
      if (isLive(seen.holder)) throw opts.busy(seen.holder);
      // Stale (or unreadable garbage). Break it only while holding the breakers' mutex, and only if it is
      // still the same stale lock: another breaker may have replaced it with a live one meanwhile.
      const broke = await underBreakMutex(key, async () => {
        const now = await readHolder(key);
        if (now === undefined) return true;
        if (now.text !== seen.text) return isLive(now.holder) ? now.holder : true;
        await unlink(key).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        return true;
      });
      if (typeof broke === 'object') throw opts.busy(broke);
      if (broke === 'busy') await delay(10 + Math.random() * 40);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const last = await readHolder(key);
  throw opts.busy(last?.holder ?? { pid: 0 });
}

async function releaseLock(key: string, me: LockHolder): Promise<void> {
  if (!HELD_HERE.delete(key)) return;
  const now = await readHolder(key).catch(() => undefined);
  // Never remove a lock that is no longer ours (someone broke it after we were judged gone).
  if (now?.holder?.pid === me.pid && now.holder.start === me.start) await unlink(key).catch(() => undefined);
}

/**
 * Runs `fn` while this process holds the abstract socket named after the lock file. 'busy' when another
 * process holds it. Where abstract sockets do not exist (not Linux), `fn` runs unguarded.
 */
async function underBreakMutex<T>(key: string, fn: () => Promise<T>): Promise<T | 'busy'> {
  const real = await realpath(path.dirname(key)).then((d) => path.join(d, path.basename(key)), () => key);
  const name = `\u0000ecs-triage-lock-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  const server = net.createServer((sock) => sock.destroy());
  const listening = await new Promise<'ok' | 'busy' | 'unsupported'>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'busy' : 'unsupported'));
    server.listen(name, () => resolve('ok'));
  });
  if (listening === 'busy') return 'busy';
  if (listening === 'unsupported') return fn();
  server.unref();
  try {
    return await fn();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
