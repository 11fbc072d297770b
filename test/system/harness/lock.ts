// A lock file for work that two test processes must not do at once (building the same rootfs).
// Created with O_EXCL and holding the owner's pid; a lock whose owner is gone is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(file: string, work: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim() || 'NaN');
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${file}: still held by pid ${owner} after ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}
