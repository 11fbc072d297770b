// One daemon per state directory: two writers would overwrite each other's checkpoints. A pid file taken
// with O_EXCL; a lock left by a process that is gone (kill -9, power loss) is taken over.
import { open, readFile, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TriageError } from '../errors.js';
import { processAlive } from '../pid.js';

export const LOCK_FILE = 'watch.lock';


export async function lockStateDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new TriageError(`${dir}: another ecs-triage watch (pid ${pid}) uses this state directory`, {
          code: 'ELOCKED',
          hint: 'stop it first, or give this one its own --state-dir',
        });
      }
      await rm(file, { force: true });
    }
  }
  throw new TriageError(`${dir}: could not take ${LOCK_FILE}`, { code: 'ELOCKED' });
}
