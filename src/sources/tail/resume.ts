// Where to start reading a followed path after a restart. Checkpoints are keyed by file identity, so a
// file that was rotated while the daemon was down is found again among its siblings (ecs-agent.log.N or
// ecs-agent.log.YYYY-MM-DD-HH) by device + inode (the fingerprint is verified when it is opened); its
// unread rest is read first, then any newer rotated siblings whole, then the live file. A live file truncated
// while the daemon was down (copytruncate) has its unread rest read from the copy, found by its first bytes.
import { stat } from 'node:fs/promises';
import type { FileCheckpoint } from '../../checkpoints.js';
import type { BacklogItem, ResumePlan } from './file-tail.js';
import { headMatches, olderFirst, rotatedSiblings, type Sibling } from './siblings.js';

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

  const backlog: Array<BacklogItem & { sib: Sibling }> = [];
  const siblings = rotatedAway.length > 0 || liveCp ? await rotatedSiblings(live) : [];
  if (rotatedAway.length > 0) {
    let earliest: Sibling | undefined;
    const used = new Set<string>();
    for (const cp of rotatedAway) {
      const sib = siblings.find((s) => s.dev === cp.dev && s.ino === cp.ino);
      if (!sib) {
        notes.push(`${live}: the file read before the restart (inode ${cp.ino}) is gone; lines written to it after offset ${cp.offset} were not read`);
        continue;
      }
      used.add(sib.path);
      if (!earliest || olderFirst(sib, earliest) < 0) earliest = sib;
      backlog.push({ path: sib.path, offset: cp.offset, expect: { dev: cp.dev, ino: cp.ino, fp: cp.fp, fpLen: cp.fpLen }, sib });
    }
    // Files rotated after the one we were reading were written entirely while we were down.
    for (const s of siblings) {
      if (used.has(s.path) || !earliest || olderFirst(s, earliest) < 0) continue;
      if (liveId && s.dev === liveId.dev && s.ino === liveId.ino) continue;
      backlog.push({ path: s.path, offset: 0, sib: s });
    }
  }
  if (liveCp && !(await headMatches(live, liveCp))) {
    // Truncated in place while we were down (copytruncate): the lines after our offset are in the copy, the
    // sibling that starts with the same bytes. The live file itself is then read from 0.
    let found: Sibling | undefined;
    for (const s of [...siblings].reverse()) {
      if ((s.dev === liveCp.dev && s.ino === liveCp.ino) || backlog.some((b) => b.sib === s)) continue;
      if (await headMatches(s.path, liveCp)) {
        found = s;
        break;
      }
    }
    if (found) backlog.push({ path: found.path, offset: liveCp.offset, expect: { dev: found.dev, ino: found.ino, fp: liveCp.fp, fpLen: liveCp.fpLen }, sib: found });
    else notes.push(`${live}: the file was truncated or replaced while the daemon was down and no copy of it was found; lines written to it after offset ${liveCp.offset} were not read`);
  }
  backlog.sort((a, b) => olderFirst(a.sib, b.sib));
  const plan: ResumePlan = {
    backlog: backlog.map(({ sib: _s, ...item }) => item),
    live: liveCp
      ? { expect: { dev: liveCp.dev, ino: liveCp.ino, fp: liveCp.fp, fpLen: liveCp.fpLen }, offset: liveCp.offset, otherwise: 'beginning' }
      : { otherwise: opts.fresh ? opts.startAt : 'beginning' },
  };
  return { plan, notes };
}
