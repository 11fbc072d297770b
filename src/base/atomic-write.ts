// The one way a file is replaced whole: write a temp file next to it, fsync it, rename it over the target,
// fsync the directory. A reader then sees the old file or the new one, never half of either, and after a
// power loss the rename is either on disk or not. The temp file is `<file>.tmp`: the checkpoint store reads
// it first (a temp that parses completely is newer than the stable file: the crash came before the rename).
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * `false` skips both fsyncs, for files that are rewritten every few seconds and worthless after a power
   * loss (the status file). The rename stays atomic either way.
   */
  durable?: boolean;
  /** Create the directory first. */
  mkdir?: boolean;
}

export function tempPathOf(file: string): string {
  return `${file}.tmp`;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const dir = path.dirname(file);
  if (opts.mkdir) await mkdir(dir, { recursive: true });
  const tmp = tempPathOf(file);
  const fh = await open(tmp, 'w', opts.mode ?? 0o600);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  if (durable) await syncDirectory(dir);
}

/** Makes a rename or a file creation in `dir` durable. Some filesystems refuse fsync on a directory: ignored. */
export async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r').catch(() => undefined);
  if (!dh) return;
  try {
    await dh.sync();
  } catch {
    /* the rename is still atomic; only its durability is the filesystem's business then */
  } finally {
    await dh.close();
  }
}
