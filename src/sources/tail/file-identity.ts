// Which file a position belongs to: device + inode, plus a hash of the first bytes so that an inode the
// filesystem reused for a new file (common after delete + create while the daemon was down) is not
// mistaken for the old one.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const FINGERPRINT_BYTES = 256;

export interface FileIdentity {
  dev: string;
  ino: string;
  /** sha256 of the first `fpLen` bytes, 16 hex chars. */
  fp: string;
  fpLen: number;
}

export function identityKey(id: { dev: string; ino: string }): string {
  return `${id.dev}:${id.ino}`;
}

export function hashBytes(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

async function readHead(fh: FileHandle, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Identity of an open file (fstat, so it is the file we read, not whatever the path names now). */
export async function identify(fh: FileHandle): Promise<FileIdentity & { size: number; mtimeMs: number }> {
  const st = await fh.stat({ bigint: true });
  const head = await readHead(fh, FINGERPRINT_BYTES);
  return {
    dev: String(st.dev),
    ino: String(st.ino),
    fp: hashBytes(head),
    fpLen: head.length,
    size: Number(st.size),
    mtimeMs: Number(st.mtimeMs),
  };
}

/** True when the first `fpLen` bytes of the file still hash to `fp` (the content was not replaced). */
export async function fingerprintMatches(fh: FileHandle, want: { fp: string; fpLen: number }): Promise<boolean> {
  const head = await readHead(fh, want.fpLen);
  return head.length === want.fpLen && hashBytes(head) === want.fp;
}

/** Re-reads the fingerprint if the file has grown past a short one. */
export async function refreshFingerprint(fh: FileHandle, id: FileIdentity, size: number): Promise<boolean> {
  if (id.fpLen >= FINGERPRINT_BYTES || size <= id.fpLen) return false;
  const head = await readHead(fh, Math.min(size, FINGERPRINT_BYTES));
  id.fp = hashBytes(head);
  id.fpLen = head.length;
  return true;
}
