// Every path that comes from the host (logs, daemon.json, ecs.config, statfs.json, config and pattern files)
// is opened through here, and only a regular file is accepted. open(2) of a FIFO for reading blocks until a
// writer appears, and a read from a device or socket may never end: one planted where a file is expected hung
// `check` and `scan`, and kept `watch` from stopping on SIGTERM (a libuv worker stuck in open). O_NONBLOCK makes
// the open return at once whatever the path is; fstat on the opened descriptor then says what was opened, with
// no window for the path to be swapped between a stat and the open. For a regular file O_NONBLOCK changes
// nothing.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TriageError } from '../errors.js';

const NOT_REGULAR = 'not a regular file';
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** What a path turned out to be, in words an operator knows. */
export function fileKind(st: Pick<Stats, 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return NOT_REGULAR;
}

/** The path exists but is not a regular file: it is skipped, never read. The message leaves the path to the caller. */
export class NotRegularFileError extends TriageError {
  readonly file: string;
  readonly kind: string;
  constructor(file: string, kind: string) {
    super(kind === NOT_REGULAR ? kind : `is ${kind}, not a regular file`, { code: 'ENOTREG' });
    this.file = file;
    this.kind = kind;
  }
}

/** A file larger than its reader allows: not read at all rather than read in part. */
export class FileTooLargeError extends TriageError {
  readonly file: string;
  constructor(file: string, size: number, what: string) {
    super(`${size} bytes, too large for ${what}`, { code: 'ETOOBIG' });
    this.file = file;
  }
}

export interface ReadLimits {
  maxBytes: number;
  /** What the file should be, for the error message ("container metadata"). */
  what: string;
}

const DEFAULT_LIMITS: ReadLimits = { maxBytes: 16 * 1024 * 1024, what: 'a configuration file' };

/** Opens a regular file for reading; anything else is closed at once and rejected with NotRegularFileError. */
export async function openRegular(file: string): Promise<FileHandle> {
  const fh = await open(file, READ_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(file, fileKind(st));
    return fh;
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

/** Reads a whole regular file as UTF-8. A file over the limit is an error, not a partial read. */
export async function readRegularFile(file: string, limits: ReadLimits = DEFAULT_LIMITS): Promise<string> {
  const fh = await openRegular(file);
  try {
    const { size } = await fh.stat();
    if (size > limits.maxBytes) throw new FileTooLargeError(file, size, limits.what);
    // Read to EOF rather than to the stat size: the file may grow (or shrink) while it is read.
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 4096), 1 << 20));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limits.maxBytes) throw new FileTooLargeError(file, total, limits.what);
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close().catch(() => {});
  }
}

/** The synchronous form, for the container checks that read thousands of small files (see container-logs.ts). */
export function readRegularFileSync(file: string, limits: ReadLimits = DEFAULT_LIMITS): string {
  const fd = openSync(file, READ_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(file, fileKind(st));
    if (st.size > limits.maxBytes) throw new FileTooLargeError(file, st.size, limits.what);
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const got = readSync(fd, buf, n, st.size - n, n);
      if (got === 0) break; // shrank while we read
      n += got;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}
