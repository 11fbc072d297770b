// The rotated siblings of a followed path, and which of them the tailer has already accounted for. Rotation
// renames the file away (ecs-agent.log.N, ecs-agent.log.YYYY-MM-DD-HH, Docker's -json.log.1, logrotate's .1 or
// -YYYYMMDD), so when the path names a new file, every sibling nobody has read yet was at the path in between
// and must be read whole. A sibling is recognised by device + inode, confirmed by its first bytes (an inode can
// be reused by a new file); a copy (copytruncate) has a new inode but the first bytes of the file it copied.
import { readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { openRegular } from '../../base/regular-file.js';
import { FINGERPRINT_BYTES, hashBytes, identityKey } from './file-identity.js';

/** `.3`, `.2026-11-23-18` (the agent), logrotate's dateext `-20261123` (optionally with a time). Not `.gz`. */
export const ROTATED_SUFFIX = /^(?:\.\d+|\.\d{4}-\d\d-\d\d-\d\d|[.-]\d{8}(?:[-_]?\d{2,6})?)$/;

export interface Sibling {
  path: string;
  dev: string;
  ino: string;
  size: number;
  mtimeNs: bigint;
  birthNs: bigint;
}

/**
 * Oldest first: by last write, then by creation. File times tick with the kernel's coarse clock (4 ms at
 * HZ=250), so files rotated in one burst can tie; then the inode number decides (allocated in increasing order
 * on tmpfs, and mostly so on ext4 and xfs), because no name order is right for every scheme (Docker's .1 is
 * the newest, the agent's .1 the oldest).
 */
export function olderFirst(a: Sibling, b: Sibling): number {
  if (a.mtimeNs !== b.mtimeNs) return a.mtimeNs < b.mtimeNs ? -1 : 1;
  if (a.birthNs !== b.birthNs && a.birthNs > 0n && b.birthNs > 0n) return a.birthNs < b.birthNs ? -1 : 1;
  if (a.dev === b.dev && a.ino !== b.ino) return BigInt(a.ino) < BigInt(b.ino) ? -1 : 1;
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

/** Regular files next to `live` whose name is `live` plus a rotation suffix, oldest first. */
export async function rotatedSiblings(live: string): Promise<Sibling[]> {
  const dir = path.dirname(live);
  const base = path.basename(live);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(base) || !ROTATED_SUFFIX.test(name.slice(base.length))) continue;
    const p = path.join(dir, name);
    try {
      const st = await stat(p, { bigint: true });
      if (!st.isFile()) continue;
      out.push({ path: p, dev: String(st.dev), ino: String(st.ino), size: Number(st.size), mtimeNs: st.mtimeNs, birthNs: st.birthtimeNs });
    } catch {
      /* vanished meanwhile */
    }
  }
  return out.sort(olderFirst);
}

interface Head {
  fp: string;
  fpLen: number;
}

/** The first FINGERPRINT_BYTES of an open file. */
async function readHead(fh: FileHandle): Promise<Buffer> {
  const buf = Buffer.alloc(FINGERPRINT_BYTES);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** The first FINGERPRINT_BYTES of a regular file, or undefined when it cannot be read. */
async function headOf(file: string): Promise<Buffer | undefined> {
  try {
    const fh = await openRegular(file);
    try {
      return await readHead(fh);
    } finally {
      await fh.close().catch(() => {});
    }
  } catch {
    return undefined;
  }
}

function headIs(head: Buffer, want: Head): boolean {
  return head.length >= want.fpLen && hashBytes(head.subarray(0, want.fpLen)) === want.fp;
}

/** True when the file starts with the bytes `want` fingerprints; false when it does not or cannot be read. */
export async function headMatches(file: string, want: Head): Promise<boolean> {
  const head = await headOf(file);
  return head !== undefined && headIs(head, want);
}

/**
 * The files of one followed path that are accounted for: read (or being read), or already rotated away before
 * following began. Bounded by the number of siblings on disk: files that are gone are forgotten.
 */
export class SeenFiles {
  private readonly seen = new Map<string, Head>();

  remember(id: { dev: string; ino: string; fp: string; fpLen: number }): void {
    this.seen.set(identityKey(id), { fp: id.fp, fpLen: id.fpLen });
  }

  /** Everything rotated away so far counts as accounted for (the resume plan decides what of it to read). */
  async rememberSiblings(live: string): Promise<void> {
    for (const s of await rotatedSiblings(live)) {
      const head = await headOf(s.path);
      if (head) this.remember({ dev: s.dev, ino: s.ino, fp: hashBytes(head), fpLen: head.length });
    }
  }

  /**
   * Siblings nobody has read, oldest first: a new inode, or a known inode now holding other first bytes (reused).
   * A copy of a file already read (same first bytes, another inode) is not unread: it is remembered and left out.
   * `following` is the file at the live path, remembered although it is not a sibling.
   */
  async unread(siblings: readonly Sibling[], following?: string): Promise<Sibling[]> {
    const out: Sibling[] = [];
    const present = new Set<string>(following ? [following] : []);
    for (const s of siblings) {
      const key = identityKey(s);
      present.add(key);
      const head = await headOf(s.path);
      if (!head) continue; // gone or unreadable: nothing to read
      const known = this.seen.get(key);
      if (known && headIs(head, known)) continue;
      const copied = this.copied(head, key);
      if (copied) {
        this.seen.set(key, copied);
        continue;
      }
      out.push(s);
    }
    for (const key of this.seen.keys()) if (!present.has(key)) this.seen.delete(key);
    return out;
  }

  /** The newest sibling that is a copy of `of` (same first bytes, another inode): copytruncate's copy. */
  async copyOf(siblings: readonly Sibling[], of: { dev: string; ino: string; fp: string; fpLen: number }): Promise<Sibling | undefined> {
    if (of.fpLen === 0) return undefined;
    for (const s of [...siblings].reverse()) {
      if (s.dev === of.dev && s.ino === of.ino) continue;
      const head = await headOf(s.path);
      if (head && headIs(head, of)) return s;
    }
    return undefined;
  }

  /**
   * For a live file of which nothing was read and whose first bytes were never seen: the newest sibling that
   * appeared since (not remembered), is not empty, and does not start like the live file does now. The live
   * path kept its inode, so a new sibling is a copy of it; other first bytes mean the live file was truncated
   * after the copy, and everything in the copy was never read.
   */
  async copyOfUnread(siblings: readonly Sibling[], live: FileHandle): Promise<Sibling | undefined> {
    const fresh = siblings.filter((s) => s.size > 0 && !this.seen.has(identityKey(s)));
    if (fresh.length === 0) return undefined;
    const liveHead = await readHead(live);
    for (const s of fresh.reverse()) {
      const head = await headOf(s.path);
      if (!head) continue;
      const n = Math.min(head.length, liveHead.length);
      if (n === 0 || !head.subarray(0, n).equals(liveHead.subarray(0, n))) return s;
    }
    return undefined;
  }

  /** A remembered file (other than `key` itself) whose first bytes this head starts with. */
  private copied(head: Buffer, key: string): Head | undefined {
    for (const [k, h] of this.seen) if (k !== key && h.fpLen > 0 && headIs(head, h)) return h;
    return undefined;
  }
}
