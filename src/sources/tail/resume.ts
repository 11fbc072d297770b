// Where to start reading a followed path after a restart. Checkpoints are keyed by file identity, so a
// file that was rotated while the daemon was down is found again among its siblings (ecs-agent.log.N or
// ecs-agent.log.YYYY-MM-DD-HH) by device + inode (the fingerprint is verified when it is opened); its
// unread rest is read first, then any newer rotated siblings whole, then the live file.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileCheckpoint } from '../../checkpoints.js';
import type { BacklogItem, ResumePlan } from './file-tail.js';

const ROTATED_SUFFIX = /^\.(?:\d+|\d{4}-\d\d-\d\d-\d\d)$/;

interface Sibling {
  path: string;
  dev: string;
  ino: string;
  mtimeMs: number;
}

async function rotatedSiblings(live: string): Promise<Sibling[]> {
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
    try {
      const st = await stat(path.join(dir, name), { bigint: true });
      if (st.isFile()) out.push({ path: path.join(dir, name), dev: String(st.dev), ino: String(st.ino), mtimeMs: Number(st.mtimeMs) });
    } catch {
      /* vanished meanwhile */
    }
  }
  // Oldest first: by modification time, then by name (numeric suffixes compare as numbers).
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path, 'en', { numeric: true }));
}

export interface ResumeResult {
  plan: ResumePlan;
  /** Things an operator should know (lines lost while down …). */
  notes: string[];
}

export async function planResume(
  live: string,
  checkpoints: readonly FileCheckpoint[],
  opts: { fresh: boolean; startAt: 'end' | 'beginning' },
): Promise<ResumeResult> {
  const notes: string[] = [];
  const mine = checkpoints.filter((cp) => cp.path === live);
  let liveId: { dev: string; ino: string } | undefined;
  try {
    const st = await stat(live, { bigint: true });
    liveId = { dev: String(st.dev), ino: String(st.ino) };
  } catch {
    liveId = undefined;
  }
  const liveCp = liveId ? mine.find((cp) => cp.dev === liveId.dev && cp.ino === liveId.ino) : undefined;
  const rotatedAway = mine.filter((cp) => cp !== liveCp);

  const backlog: Array<BacklogItem & { mtimeMs: number }> = [];
  if (rotatedAway.length > 0) {
    const siblings = await rotatedSiblings(live);
    let earliest = Infinity;
    const used = new Set<string>();
    for (const cp of rotatedAway) {
      const sib = siblings.find((s) => s.dev === cp.dev && s.ino === cp.ino);
      if (!sib) {
        notes.push(`${live}: the file read before the restart (inode ${cp.ino}) is gone; lines written to it after offset ${cp.offset} were not read`);
        continue;
      }
      used.add(sib.path);
      earliest = Math.min(earliest, sib.mtimeMs);
      backlog.push({ path: sib.path, offset: cp.offset, expect: { dev: cp.dev, ino: cp.ino, fp: cp.fp, fpLen: cp.fpLen }, mtimeMs: sib.mtimeMs });
    }
    // Files rotated after the one we were reading were written entirely while we were down.
    for (const s of siblings) {
      if (used.has(s.path) || s.mtimeMs < earliest) continue;
      if (liveId && s.dev === liveId.dev && s.ino === liveId.ino) continue;
      backlog.push({ path: s.path, offset: 0, mtimeMs: s.mtimeMs });
    }
    backlog.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path, 'en', { numeric: true }));
  }
  const plan: ResumePlan = {
    backlog: backlog.map(({ mtimeMs: _m, ...item }) => item),
    live: liveCp
      ? { expect: { dev: liveCp.dev, ino: liveCp.ino, fp: liveCp.fp, fpLen: liveCp.fpLen }, offset: liveCp.offset, otherwise: 'beginning' }
      : { otherwise: opts.fresh ? opts.startAt : 'beginning' },
  };
  return { plan, notes };
}
