// Runs the built CLI as a real process (test/global-setup.ts builds dist/ecs-triage.mjs first).
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
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

function environment(opts: CliOptions): NodeJS.ProcessEnv {
  const base = opts.isolated ? { PATH: process.env.PATH } : process.env;
  return { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { cwd: opts.cwd ?? REPO, env: environment(opts), stdio: ['pipe', 'pipe', 'pipe'] };
    if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
    if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
    const child = spawn(process.execPath, [BUNDLE, ...args], spawnOpts);
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
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: opts.cwd ?? REPO, env: environment(opts), input: opts.input ?? '', encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
