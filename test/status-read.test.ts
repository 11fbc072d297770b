// `ecs-triage status` when the status file is there but cannot be read. Every failure read as "no status file
// (has watch run?)" with exit 2: an operator without root (the unit's state directory is mode 0700) was told the
// daemon never ran, and a FIFO in its place hung the command. Exit codes: 2 none at all, 3 could not read.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE, readableBundle } from './helpers/cli.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'status-read-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function stateDir(name: string): string {
  const dir = path.join(base, name);
  mkdirSync(dir);
  return dir;
}

const status = (dir: string, as: { uid?: number; gid?: number } = {}, bundle = BUNDLE) =>
  spawnSync(process.execPath, [bundle, 'status', '--state-dir', dir], { ...as, cwd: '/', encoding: 'utf8', timeout: 20_000 });

describe('status: a status file it cannot read is not "no status file"', () => {
  it('none at all: 2, the daemon may never have run there', () => {
    const r = status(stateDir('empty'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no status file/);
  });

  it('not JSON: 3, and says so', () => {
    const dir = stateDir('broken');
    writeFileSync(path.join(dir, 'status.json'), '{"version":"0.1');
    const r = status(dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/status\.json: not a status file written by ecs-triage watch/);
  });

  it('a FIFO in its place: 3 at once, no hang', () => {
    const dir = stateDir('fifo');
    expect(spawnSync('mkfifo', [path.join(dir, 'status.json')]).status).toBe(0);
    const r = status(dir);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/status\.json: cannot read the status file \(is a FIFO/);
  });

  it.runIf(process.getuid?.() === 0)('a state directory only root may enter (the unit\'s, mode 0700), read by another user: 3 with the sudo hint', () => {
    const dir = stateDir('private');
    writeFileSync(path.join(dir, 'status.json'), '{}');
    chmodSync(dir, 0o700);
    const r = status(dir, { uid: 65534, gid: 65534 }, readableBundle());
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/cannot read the status file \(EACCES: permission denied\)\nhint: .*sudo ecs-triage status/);
  });
});
