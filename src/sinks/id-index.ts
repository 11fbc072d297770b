// The ids a sink has written, remembered across restarts: an append-only file of ids, one per line, holding at
// least the last `capacity` of them. It is compacted (temp file, rename) when it reaches twice that. The index
// is written after the events it names, never before, so a crash leaves it behind the events file, not ahead of
// it: the owner recovers the missing tail from the events themselves (see recover()). Appends are not fsynced
// for the same reason. A failed append (full disk) keeps the ids in memory and retries with the next one.
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

const ID = /^[0-9a-f]{8,64}$/;

export class IdIndex {
  private readonly ids = new Set<string>();
  /** Ids remembered in memory but not yet in the file (a failed append). */
  private unsaved: string[] = [];
  private lines = 0;
  private warned = false;

  private constructor(
    private readonly file: string,
    private readonly capacity: number,
    private readonly log: Logger,
    private fh: FileHandle,
    private size: number,
  ) {}

  static async open(file: string, capacity: number, log: Logger): Promise<IdIndex> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('file sink: the id index cannot be read; starting a new one', { file, error: errorMessage(err) });
    }
    // A torn last line (crash mid-append) is cut off, so the next append starts on a line of its own.
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    const fh = await open(file, 'a', 0o600);
    if (complete.length !== Buffer.byteLength(text)) await fh.truncate(Buffer.byteLength(complete));
    const index = new IdIndex(file, capacity, log, fh, Buffer.byteLength(complete));
    for (const line of complete.split('\n')) {
      if (!ID.test(line)) continue;
      index.lines++;
      index.remember(line);
    }
    return index;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get count(): number {
    return this.ids.size;
  }

  /** Remembers ids (already written to the events file) and appends them to the index. Never throws. */
  async add(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.remember(id);
    this.unsaved.push(...ids);
    if (this.unsaved.length === 0) return;
    const text = this.unsaved.join('\n') + '\n';
    const before = this.size;
    try {
      await writeFully(this.fh, Buffer.from(text));
      this.size += Buffer.byteLength(text);
      this.lines += this.unsaved.length;
      this.unsaved = [];
      this.warned = false;
    } catch (err) {
      await this.fh.truncate(before).catch(() => {});
      if (!this.warned) this.log.warn('file sink: cannot append to the id index; kept in memory and retried', { file: this.file, error: errorMessage(err) });
      this.warned = true;
      // Bounded like the index itself: the events file still holds what is dropped here (see recover()).
      if (this.unsaved.length > this.capacity) this.unsaved = this.unsaved.slice(-this.capacity);
      return;
    }
    if (this.lines >= 2 * this.capacity) await this.compact();
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }

  private remember(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }

  /** Rewrites the index with only the remembered ids (temp file, then rename over the old one). */
  private async compact(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const text = [...this.ids].join('\n') + '\n';
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await writeFully(fh, Buffer.from(text));
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      await this.fh.close().catch(() => {});
      this.fh = await open(this.file, 'a', 0o600);
      this.size = Buffer.byteLength(text);
      this.lines = this.ids.size;
    } catch (err) {
      this.log.warn('file sink: cannot compact the id index; it keeps growing until it can', { file: this.file, error: errorMessage(err) });
    }
  }
}

/** Writes all of `buf` at the end of the file: a short write is continued, a write of 0 bytes is an error. */
export async function writeFully(fh: FileHandle, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
    done += bytesWritten;
  }
}
