// A temporary "instance" for the SSM scripts: a root prefix (ECS_TRIAGE_ROOT), a PATH made only of the basic
// tools the scripts may use plus the test doubles (systemctl, journalctl, dnf, yum, curl, aws), and no Node.js
// unless asked.
// The doubles record every call in <state>/calls.log.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOUBLES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bin');

/** Tools the scripts are allowed to use: coreutils, sed, grep and awk (in every Amazon Linux image). */
const TOOLS = [
  'sh', 'mktemp', 'rm', 'mkdir', 'cp', 'mv', 'ln', 'chmod', 'readlink', 'sha256sum', 'cut', 'head', 'sed',
  'wc', 'tr', 'cat', 'ls', 'basename', 'dirname', 'touch', 'sleep', 'grep', 'tar', 'gzip', 'date', 'tail', 'awk', 'tee',
];

export interface Sandbox {
  dir: string;
  /** The instance's `/`. */
  root: string;
  /** Where the dnf/yum double "installs" node-20 etc. (on PATH). */
  installBin: string;
  httpRoot: string;
  s3Root: string;
  state: string;
  env: NodeJS.ProcessEnv;
  run(script: string, extraEnv?: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string };
  calls(): string[];
}

const made: string[] = [];

/** Removes every sandbox made so far (call from afterAll). */
export function removeSandboxes(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function makeSandbox(opts: { withNode?: boolean; packages?: string; systemdVersion?: string } = {}): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-ssm-'));
  made.push(dir);
  const root = path.join(dir, 'root');
  const sysbin = path.join(dir, 'sysbin');
  const installBin = path.join(dir, 'installed-bin');
  const httpRoot = path.join(dir, 'http');
  const s3Root = path.join(dir, 's3');
  const state = path.join(dir, 'state');
  for (const d of [root, sysbin, installBin, httpRoot, s3Root, state, path.join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
  for (const tool of TOOLS) {
    const where = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!where) throw new Error(`the sandbox needs ${tool} on this machine`);
    symlinkSync(where, path.join(sysbin, tool));
  }
  if (opts.withNode) symlinkSync(process.execPath, path.join(installBin, 'node'));
  const env: NodeJS.ProcessEnv = {
    PATH: [DOUBLES, installBin, sysbin].join(':'),
    TMPDIR: path.join(dir, 'tmp'),
    ECS_TRIAGE_ROOT: root,
    DOUBLES_STATE: state,
    DOUBLES_INSTALL_BIN: installBin,
    DOUBLES_REAL_NODE: process.execPath,
    DOUBLES_PACKAGES: opts.packages ?? 'nodejs20=node-20',
    DOUBLES_HTTP_ROOT: httpRoot,
    DOUBLES_S3_ROOT: s3Root,
    DOUBLES_SYSTEMD_VERSION: opts.systemdVersion ?? '252',
    // The "daemon" the systemctl double starts: a process that is alive (this one).
    DOUBLES_DAEMON_PID: String(process.pid),
    // No settle wait unless a test asks: the doubles' daemon never dies on its own.
    ECS_TRIAGE_SETTLE_SECONDS: '0',
  };
  const sandbox: Sandbox = {
    dir,
    root,
    installBin,
    httpRoot,
    s3Root,
    state,
    env,
    run(script, extraEnv = {}) {
      const r = spawnSync(path.join(sysbin, 'sh'), ['-c', script], { env: { ...env, ...extraEnv }, encoding: 'utf8', cwd: dir, timeout: 110_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    calls() {
      const f = path.join(state, 'calls.log');
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
    },
  };
  return sandbox;
}
