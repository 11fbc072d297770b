// The lock (src/base/lock.ts) that keeps one daemon per state directory and one writer per spool: taken
// atomically, stale when its holder is gone, a zombie or another program, and never taken by two
// processes at once — checked with real processes racing over a stale lock, many times.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, type LockHolder } from '../src/base/lock.js';
import { liveness, selfRef } from '../src/base/process-identity.js';
import { REPO } from './helpers/cli.js';
import { ready, startDaemon, tmp, waitFor, writeConfig } from './helpers/index.js';

const busy = (h: LockHolder): Error => Object.assign(new Error(`held by ${h.pid}`), { holder: h });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function sleeper(args: string[] = []): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', ...args], { stdio: 'ignore' });
  children.push(c);
  return c;
}

function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

describe('lock', () => {
  it('is taken atomically, names its holder, refuses a second taker in the same process, and is released', async () => {
    const file = path.join(tmp('lock-'), 'x.lock');
    const lock = await acquireLock(file, { by: 'ecs-triage test', busy });
    const holder = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, start: selfRef().start, by: 'ecs-triage test' });
    await expect(acquireLock(file, { by: 'ecs-triage test', busy })).rejects.toThrow(`held by ${process.pid}`);
    await lock.release();
    await (await acquireLock(file, { by: 'ecs-triage test', busy })).release();
  });

  it('holds against a live holder; takes over from a dead one, a zombie, another program, a reused pid', async () => {
    const dir = tmp('lock-');
    const file = path.join(dir, 'x.lock');
    const take = async (content: string): Promise<void> => {
      writeFileSync(file, content);
      const lock = await acquireLock(file, { by: 'ecs-triage test', busy });
      expect((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).pid).toBe(process.pid);
      await lock.release();
    };
    const live = sleeper();
    await waitFor('child', () => live.pid !== undefined);
    writeFileSync(file, JSON.stringify({ pid: live.pid, start: startOf(live.pid!) }));
    await expect(acquireLock(file, { by: 'ecs-triage test', busy })).rejects.toThrow(`held by ${live.pid}`);
    // An old lock file holds only a pid: it holds when that pid is an ecs-triage process.
    const ours = sleeper(['ecs-triage', 'watch']);
    await waitFor('child', () => ours.pid !== undefined);
    writeFileSync(file, String(ours.pid));
    await expect(acquireLock(file, { by: 'ecs-triage test', busy })).rejects.toThrow(`held by ${ours.pid}`);

    await take(JSON.stringify({ pid: await deadPid() }));
    await take(String(live.pid)); // a live process that is not ecs-triage
    await take(JSON.stringify({ pid: live.pid, start: '1' })); // the pid was reused by another process
    await take('garbage');
    // A zombie: the background sleep exits first and its parent (exec'd into `sleep 30`) never reaps it.
    const z = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(z);
    const zpid = Number(await new Promise<string>((r) => z.stdout!.once('data', (b: Buffer) => r(b.toString()))));
    await waitFor('zombie', () => readFileSync(`/proc/${zpid}/stat`, 'latin1').includes(') Z '));
    expect(liveness({ pid: zpid })).toBe('gone');
    await take(String(zpid));
  });

  describe('racing processes over a stale lock', () => {
    let contender = '';
    beforeAll(async () => {
      // The lock module itself, bundled into a tiny program: take the lock, say whether we won, and hold it
      // until killed (a kill -9 leaves a stale lock for the next round).
      const dir = tmp('lock-race-');
      const entry = path.join(dir, 'entry.ts');
      writeFileSync(
        entry,
        `import { acquireLock } from ${JSON.stringify(path.join(REPO, 'src/base/lock.ts'))};
const lock = await acquireLock(process.argv[2]!, { by: 'ecs-triage race', busy: () => new Error('busy') }).catch(() => undefined);
process.stdout.write(lock ? 'won\\n' : 'lost\\n');
if (lock) setTimeout(() => {}, 60000);\n`,
      );
      contender = path.join(dir, 'contender.mjs');
      await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: contender, logLevel: 'silent' });
    });

    it('exactly one of four contenders wins, 25 rounds in a row', async () => {
      const file = path.join(tmp('lock-race-'), 'x.lock');
      writeFileSync(file, JSON.stringify({ pid: await deadPid() }));
      for (let round = 0; round < 25; round++) {
        const procs = Array.from({ length: 4 }, () => spawn(process.execPath, [contender, file], { stdio: ['ignore', 'pipe', 'inherit'] }));
        children.push(...procs);
        const said = await Promise.all(procs.map((p) => new Promise<string>((r) => p.stdout!.once('data', (b: Buffer) => r(b.toString().trim())))));
        expect(said.filter((s) => s === 'won'), `round ${round}: ${said.join(',')}`).toHaveLength(1);
        for (const p of procs) p.kill('SIGKILL');
        await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.on('exit', r)))));
      }
    }, 120_000);

    it('two `watch` started together over a stale lock never both run (12 rounds)', async () => {
      const base = tmp();
      const root = path.join(base, 'root');
      mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
      writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), '');
      const state = path.join(base, 'state');
      mkdirSync(state);
      const config = writeConfig(path.join(base, 'etc'));
      for (let round = 0; round < 12; round++) {
        writeFileSync(path.join(state, 'watch.lock'), JSON.stringify({ pid: await deadPid() }));
        const ds = [0, 1].map(() => startDaemon(['--config', config, '--root', root, '--state-dir', state]));
        const refused = await Promise.race([
          Promise.any(ds.map((d, i) => d.exited.then(() => i))),
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000)),
        ]);
        expect(refused, `round ${round}: neither daemon was refused\n${ds.map((d) => d.stderr()).join('\n---\n')}`).toBeDefined();
        const loser = ds[refused!]!;
        const winner = ds[1 - refused!]!;
        expect((await loser.exited).code).toBe(3); // could not run
        expect(loser.stderr()).toMatch(/another ecs-triage watch \(pid \d+\) uses this state directory/);
        await ready(winner, state);
        expect(winner.proc.exitCode).toBeNull();
        // kill -9: the next round starts over the stale lock it leaves.
        await winner.stop('SIGKILL');
      }
    }, 180_000);
  });
});
