// Block and inode use of the filesystems that hold Docker's data root, /var/lib/ecs, /var/log and /.
// fs.statfs gives blocks and inodes in one system call, with no `df` child process (facts sheet 10.1).
// A fixture (or an unpacked bundle) can supply the figures in `<root>/.ecs-triage/statfs.json`, so states
// like "inodes exhausted while blocks are free" are testable on any machine.
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { hostPath, type Host } from '../host.js';
import { errorMessage } from '../errors.js';
import { readOptionalJson } from './host-files.js';
import type { FilesystemState, Skipped, StatfsFigures } from './types.js';

export const STATFS_OVERRIDE = '/.ecs-triage/statfs.json';

/**
 * `.ecs-triage/statfs.json`:
 *   { "mounts": { "<mount point>": { bsize, blocks, bfree, bavail, files, ffree }, … },
 *     "paths":  { "<host path>": "<mount point>", … } }          // optional
 * A host path lives on the mount named in `paths`, else on the mount with the longest matching mount point;
 * paths no mount covers are measured with the real statfs.
 */
export interface StatfsOverride {
  mounts: Map<string, StatfsFigures>;
  paths: Map<string, string>;
}

const FIELDS = ['bsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree'] as const;

function figuresProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const o = v as Record<string, unknown>;
  for (const f of FIELDS) {
    const n = o[f];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return `${f} must be a non-negative integer`;
  }
  const s = o as unknown as StatfsFigures;
  if (s.bsize === 0) return 'bsize must be positive';
  if (s.bfree > s.blocks) return 'bfree is larger than blocks';
  if (s.bavail > s.bfree) return 'bavail is larger than bfree';
  if (s.ffree > s.files) return 'ffree is larger than files';
  return undefined;
}

export async function readStatfsOverride(host: Host, skipped: Skipped[]): Promise<StatfsOverride | undefined> {
  // A live host is measured, never overridden: a stray file must not hide a full disk.
  if (host.live) return undefined;
  const parsed = await readOptionalJson(host, STATFS_OVERRIDE, skipped, '; using real statfs');
  if (parsed === undefined) return undefined;
  const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const out: StatfsOverride = { mounts: new Map(), paths: new Map() };
  const mounts = obj.mounts;
  if (typeof mounts !== 'object' || mounts === null) {
    skipped.push({ path: STATFS_OVERRIDE, reason: '`mounts` missing or not an object; using real statfs' });
    return undefined;
  }
  for (const [mount, figures] of Object.entries(mounts)) {
    const problem = mount.startsWith('/') ? figuresProblem(figures) : 'mount point must be an absolute path';
    if (problem) skipped.push({ path: `${STATFS_OVERRIDE}: mounts.${mount}`, reason: problem });
    else out.mounts.set(normalize(mount), figures as StatfsFigures);
  }
  if (typeof obj.paths === 'object' && obj.paths !== null) {
    for (const [p, mount] of Object.entries(obj.paths)) {
      if (typeof mount === 'string' && out.mounts.has(normalize(mount))) out.paths.set(normalize(p), normalize(mount));
      else skipped.push({ path: `${STATFS_OVERRIDE}: paths.${p}`, reason: 'names no mount listed under `mounts`' });
    }
  }
  return out;
}

function normalize(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Longest mount point containing `p` (or the one `paths` names). */
export function overrideMountFor(override: StatfsOverride, p: string): string | undefined {
  const np = normalize(p);
  const explicit = override.paths.get(np);
  if (explicit) return explicit;
  let best: string | undefined;
  for (const mount of override.mounts.keys()) {
    const inside = mount === '/' || np === mount || np.startsWith(mount + '/');
    if (inside && (best === undefined || mount.length > best.length)) best = mount;
  }
  return best;
}

export function toState(figures: StatfsFigures, paths: string[], from: FilesystemState['figuresFrom'], mount?: string): FilesystemState {
  const { bsize, blocks, bfree, bavail, files, ffree } = figures;
  const state: FilesystemState = {
    paths,
    figuresFrom: from,
    sizeBytes: blocks * bsize,
    usedBytes: (blocks - bfree) * bsize,
    availableBytes: bavail * bsize,
    usedPercent: blocks > 0 ? ((blocks - bfree) / blocks) * 100 : 0,
    inodesTotal: files,
    inodesFree: ffree,
  };
  if (mount !== undefined) state.mount = mount;
  if (files > 0) state.inodeUsedPercent = ((files - ffree) / files) * 100;
  return state;
}

/** The path itself or its nearest existing parent, with its device number. */
async function existingAncestor(p: string): Promise<{ path: string; dev: number } | undefined> {
  let cur = p;
  for (;;) {
    try {
      const st = await stat(cur);
      return { path: cur, dev: st.dev };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return undefined;
      cur = parent;
    }
  }
}

/** On a live host, the mount point: the highest ancestor still on the same device. */
async function mountPointOf(p: string, dev: number): Promise<string> {
  let cur = p;
  for (;;) {
    const parent = path.dirname(cur);
    if (parent === cur) return cur;
    try {
      if ((await stat(parent)).dev !== dev) return cur;
    } catch {
      return cur;
    }
    cur = parent;
  }
}

/**
 * Measures each distinct filesystem holding one of `hostPaths` (host paths, e.g. `/var/log`), in the order
 * given; a filesystem holding several of them is reported once, listing them all.
 */
export async function checkFilesystems(host: Host, hostPaths: string[], skipped: Skipped[]): Promise<FilesystemState[]> {
  const override = await readStatfsOverride(host, skipped);
  const byKey = new Map<string, FilesystemState>();
  for (const hp of hostPaths) {
    const mount = override ? overrideMountFor(override, hp) : undefined;
    if (override && mount !== undefined) {
      const key = `override:${mount}`;
      const known = byKey.get(key);
      if (known) known.paths.push(hp);
      else byKey.set(key, toState(override.mounts.get(mount)!, [hp], 'override', mount));
      continue;
    }
    try {
      const found = await existingAncestor(hostPath(host, hp));
      if (!found) {
        skipped.push({ path: hp, reason: 'no existing parent directory to measure' });
        continue;
      }
      const key = `dev:${found.dev}`;
      const known = byKey.get(key);
      if (known) {
        known.paths.push(hp);
        continue;
      }
      const sf = await statfs(found.path);
      const figures: StatfsFigures = { bsize: sf.bsize, blocks: sf.blocks, bfree: sf.bfree, bavail: sf.bavail, files: sf.files, ffree: sf.ffree };
      // Under --root the real mount point lies outside the host being read, so it means nothing there.
      const mp = host.live ? await mountPointOf(found.path, found.dev) : undefined;
      byKey.set(key, toState(figures, [hp], 'statfs', mp));
    } catch (err) {
      skipped.push({ path: hp, reason: `cannot measure filesystem: ${errorMessage(err)}` });
    }
  }
  return [...byKey.values()];
}

/** The filesystem holding a host path: the one whose mount or checked path is the longest prefix of it. */
export function filesystemFor(filesystems: readonly FilesystemState[], hostPathName: string): FilesystemState | undefined {
  const p = normalize(hostPathName);
  let best: { fs: FilesystemState; len: number } | undefined;
  for (const fs of filesystems) {
    for (const prefix of [...fs.paths, ...(fs.mount ? [fs.mount] : [])]) {
      const np = normalize(prefix);
      const inside = np === '/' || p === np || p.startsWith(np + '/');
      if (inside && (!best || np.length > best.len)) best = { fs, len: np.length };
    }
  }
  return best?.fs;
}
