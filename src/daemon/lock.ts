// One daemon per state directory: two writers would overwrite each other's checkpoints and spool.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock } from '../base/lock.js';
import { fsReason, TriageError } from '../errors.js';

export const LOCK_FILE = 'watch.lock';

/** Creates the state directory if needed and takes its lock; the returned function releases it. */
export async function lockStateDir(dir: string): Promise<() => Promise<void>> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new TriageError(`${dir}: cannot create the state directory (${fsReason(err)})`, { code: 'ESTATEDIR', cause: err, hint: 'create it, or choose another with --state-dir or stateDir' });
  }
  try {
    const lock = await acquireLock(path.join(dir, LOCK_FILE), {
      by: 'ecs-triage watch',
      busy: (holder) =>
        new TriageError(`${dir}: another ecs-triage watch (pid ${holder.pid}) uses this state directory`, {
          code: 'ELOCKED',
          hint: 'stop it first, or give this one its own --state-dir',
        }),
    });
    return () => lock.release();
  } catch (err) {
    if (err instanceof TriageError) throw err;
    throw new TriageError(`${dir}: cannot write in the state directory (${fsReason(err)})`, { code: 'ESTATEDIR', cause: err });
  }
}
