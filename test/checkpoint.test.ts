// The state file (atomic, versioned, recovered temp-first) and resume planning by file identity.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore, emptyState, type FileCheckpoint } from '../src/checkpoints.js';
import { silentLogger } from '../src/log.js';
import { planResume } from '../src/sources/tail/resume.js';
import { hashBytes } from '../src/sources/tail/file-identity.js';
import { Progress, ack } from '../src/daemon/progress.js';
import { tmp } from './helpers/index.js';

function cpFor(file: string, offset: number): FileCheckpoint {
  const st = statSync(file, { bigint: true });
  const head = readFileSync(file).subarray(0, 256);
  return { path: file, dev: String(st.dev), ino: String(st.ino), fp: hashBytes(head), fpLen: head.length, offset, updatedAt: '' };
}

describe('CheckpointStore', () => {
  it('round-trips state and leaves no temp file behind', async () => {
    const dir = path.join(tmp(), 'state');
    const store = new CheckpointStore(dir, silentLogger);
    expect((await store.load()).from).toBe('none');
    const s = emptyState();
    s.files.push({ path: '/x', dev: '1', ino: '2', fp: 'ab', fpLen: 2, offset: 10, updatedAt: '' });
    s.journal = { cursor: 's=1;i=2' };
    await store.save(s);
    expect(readdirSync(dir)).toEqual(['checkpoints.json']);
    const back = await store.load();
    expect(back).toMatchObject({ fresh: false, from: 'stable' });
    expect(back.state.files[0]!.offset).toBe(10);
    expect(back.state.journal!.cursor).toBe('s=1;i=2');
  });

  it('prefers a complete temp file, falls back to the stable one, and starts fresh when neither is valid', async () => {
    const dir = tmp();
    const store = new CheckpointStore(dir, silentLogger);
    const s = emptyState();
    s.files.push({ path: '/x', dev: '1', ino: '2', fp: 'ab', fpLen: 2, offset: 7, updatedAt: '' });
    await store.save(s);
    writeFileSync(store.file + '.tmp', '{"version":1,"files":[{"pa'); // torn temp write
    expect((await store.load()).from).toBe('stable');
    writeFileSync(store.file + '.tmp', JSON.stringify({ ...s, files: [{ ...s.files[0], offset: 9 }] }));
    const t = await store.load();
    expect(t.from).toBe('temp');
    expect(t.state.files[0]!.offset).toBe(9);
    writeFileSync(store.file, '{"version":99}');
    rmSync(store.file + '.tmp');
    const r = await store.load();
    expect(r).toMatchObject({ fresh: true, from: 'reset' });
    expect(readdirSync(dir).some((f) => f.startsWith('checkpoints.json.corrupt-'))).toBe(true);
  });

  it('reports a write failure as a typed error instead of crashing', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'checkpoints.json.tmp'));
    const store = new CheckpointStore(dir, silentLogger);
    await expect(store.save(emptyState())).rejects.toMatchObject({ code: 'ESTATE' });
  });
});

describe('planResume', () => {
  it('finds a file rotated while down by identity and queues it, newer rotations, then the new live file', async () => {
    const dir = tmp();
    const live = path.join(dir, 'ecs-agent.log');
    writeFileSync(live, 'a\nb\n');
    const cp = cpFor(live, 2);
    renameSync(live, `${live}.2026-11-23-17`);
    writeFileSync(`${live}.2026-11-23-18`, 'c\n');
    writeFileSync(live, 'd\n');
    const older = path.join(dir, 'ecs-agent.log.2026-11-23-16');
    writeFileSync(older, 'z\n');
    // mtimes: make the order explicit (older < found < newer)
    const { utimesSync } = await import('node:fs');
    utimesSync(older, 1000, 1000);
    utimesSync(`${live}.2026-11-23-17`, 2000, 2000);
    utimesSync(`${live}.2026-11-23-18`, 3000, 3000);
    const { plan, notes } = await planResume(live, [cp], { fresh: false, startAt: 'end' });
    expect(notes).toEqual([]);
    expect(plan.backlog.map((b) => [path.basename(b.path), b.offset])).toEqual([
      ['ecs-agent.log.2026-11-23-17', 2],
      ['ecs-agent.log.2026-11-23-18', 0],
    ]);
    expect(plan.live).toEqual({ otherwise: 'beginning' });
  });

  it('resumes the live file when its identity matches, and starts per config on a first start', async () => {
    const dir = tmp();
    const live = path.join(dir, 'ecs-init.log');
    writeFileSync(live, 'hello\n');
    const cp = cpFor(live, 6);
    const r = await planResume(live, [cp], { fresh: false, startAt: 'end' });
    expect(r.plan.live).toMatchObject({ offset: 6, expect: { ino: cp.ino, fp: cp.fp } });
    expect((await planResume(live, [], { fresh: true, startAt: 'end' })).plan.live).toEqual({ otherwise: 'end' });
    expect((await planResume(live, [], { fresh: false, startAt: 'end' })).plan.live).toEqual({ otherwise: 'beginning' });
  });
});

describe('Progress', () => {
  it('commits only the prefix of lines whose events were all accepted', () => {
    const p = new Progress(0);
    p.pass(10);
    expect(p.committed).toBe(10);
    const t1 = p.hold(20);
    p.pass(30);
    const t2 = p.hold(40);
    p.pass(50);
    ack([t2]);
    expect(p.committed).toBe(10); // t1 still pending
    ack([t1]);
    expect(p.committed).toBe(50);
    expect(p.pending).toBe(0);
  });
});
