// Runs the built CLI as a real process (test/global-setup.ts builds dist/ecs-triage.mjs first); as another user
// (uid), from a copy that user can read wherever the checkout is.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLE = path.join(REPO, 'dist/ecs-triage.mjs');
export const FIXTURE_HOSTS = path.join(REPO, 'fixtures/hosts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  /** Added to the environment (to this process's, unless `isolated`). */
  env?: NodeJS.ProcessEnv;
  /** Start from an empty environment (PATH only): nothing of the caller's AWS settings leaks in. */
  isolated?: boolean;
  uid?: number;
  gid?: number;
  cwd?: string;
}

/** True when every directory from / down to `dir` lets other users through (o+x). */
function traversable(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

const copies = new Map<string, string>();

/**
 * The bundle as another user can run it. A clone under a private directory (mode 0700, as `mktemp -d` makes)
 * hides dist/ from the tests that run the CLI as `nobody`; they get a copy in a temporary directory anyone
 * may enter (removed when the test process exits).
 */
export function readableBundle(bundle = BUNDLE): string {
  let copy = copies.get(bundle);
  if (copy) return copy;
  const base = [os.tmpdir(), '/tmp', '/var/tmp'].find((d) => {
    try {
      return traversable(d);
    } catch {
      return false;
    }
  });
  if (!base) throw new Error('no temporary directory that other users may enter');
  const dir = mkdtempSync(path.join(base, 'ecs-triage-bundle-'));
  chmodSync(dir, 0o755);
  copy = path.join(dir, path.basename(bundle));
  copyFileSync(bundle, copy);
  chmodSync(copy, 0o644);
  copies.set(bundle, copy);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return copy;
}

/** The bundle and working directory for a run: another user's run gets the readable copy and its directory. */
function launch(opts: CliOptions): { bundle: string; cwd: string } {
  if (opts.uid === undefined || opts.uid === process.getuid?.()) return { bundle: BUNDLE, cwd: opts.cwd ?? REPO };
  const bundle = readableBundle();
  return { bundle, cwd: opts.cwd ?? path.dirname(bundle) };
}

function environment(opts: CliOptions): NodeJS.ProcessEnv {
  const base = opts.isolated ? { PATH: process.env.PATH } : process.env;
  return { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const { bundle, cwd } = launch(opts);
    const spawnOpts: SpawnOptions = { cwd, env: environment(opts), stdio: ['pipe', 'pipe', 'pipe'] };
    if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
    if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
    const child = spawn(process.execPath, [bundle, ...args], spawnOpts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}

/** The same, synchronously (for short commands in table-driven tests). */
export function runCliSync(args: string[], opts: CliOptions = {}): CliResult {
  const { bundle, cwd } = launch(opts);
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd,
    env: environment(opts),
    input: opts.input ?? '',
    encoding: 'utf8',
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
