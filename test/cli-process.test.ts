// The CLI as a process: it runs whatever its file is called, output errors end it in one line with exit 3
// (quietly for a reader that left), and each kind of failure has its own exit code (README, "Exit codes").
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE, FIXTURE_HOSTS, readableBundle, runCliSync, tmp } from './helpers/index.js';

const HEALTHY = path.join(FIXTURE_HOSTS, 'healthy');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Runs the bundle with its standard output's reading end closed before it writes: the `| head -1` case, without the race. */
function withClosedStdout(args: string[], input = ''): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    child.stdin.on('error', () => {}); // it may exit before reading everything
    child.stdin.end(input);
  });
}

describe('the bundle runs whatever it is called', () => {
  const dir = tmp();
  const renamed = path.join(dir, 'ecs-triage-0.1.0.mjs');
  copyFileSync(BUNDLE, renamed);
  const link = path.join(dir, 'et');
  symlinkSync(renamed, link);

  it.each([
    ['renamed', [process.execPath, renamed]],
    ['a symlink named et', [link]],
    ['a symlink run by node', [process.execPath, link]],
  ])('%s', (_what, cmd) => {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'scan', '--root', HEALTHY, '--format', 'summary'], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'ecs-triage/scan-summary', status: 'ok' });
  });

  it('a large file scanned by worker threads from the renamed bundle gives the same answer', () => {
    const args = ['scan', '--root', path.join(FIXTURE_HOSTS, 'private-subnet-no-endpoints'), '--format', 'summary', '--no-checks'];
    const threaded = spawnSync(process.execPath, [renamed, ...args], {
      env: { ...env, ECS_TRIAGE_SCAN_WORKERS: '2', ECS_TRIAGE_PARALLEL_MIN_BYTES: '1' },
      encoding: 'utf8',
    });
    const one = spawnSync(process.execPath, [BUNDLE, ...args], { env: { ...env, ECS_TRIAGE_SCAN_WORKERS: '1' }, encoding: 'utf8' });
    expect(threaded.status).toBe(one.status);
    const strip = (s: string) => JSON.parse(s).findings as unknown[];
    expect(strip(threaded.stdout)).toEqual(strip(one.stdout));
    expect(strip(one.stdout).length).toBeGreaterThan(0);
  });
});

describe('output errors', () => {
  it.each([
    ['patterns list', ['patterns', 'list'], ''],
    ['classify', ['classify'], 'level=error msg="no space left on device"\n'.repeat(2000)],
    ['explain', ['explain', 'CannotPullContainerError: pull access denied for foo'], ''],
    ['scan', ['scan', '--root', HEALTHY], ''],
  ])('%s into a closed pipe: no message, no stack, exit 3', async (_what, args, input) => {
    const r = await withClosedStdout(args, input);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
  });

  it('scan > /dev/full: one line naming the error, exit 3', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BUNDLE, 'scan', '--root', HEALTHY], { env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      expect(r.stderr).toBe('ecs-triage: cannot write to stdout: ENOSPC: no space left on device\n');
      expect(r.status).toBe(3);
    } finally {
      closeSync(fd);
    }
  });

  it('a closed standard error is not success either', async () => {
    const r = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [BUNDLE, 'scan', '--root', '/nonexistent'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.destroy();
      child.on('close', (code) => resolve(code));
    });
    expect(r).toBe(3);
  });
});

describe('exit codes', () => {
  it.each([
    ['0: ran, nothing at or above --fail-on', ['scan', '--root', HEALTHY], 0],
    ['1: findings at or above --fail-on', ['scan', '--root', path.join(FIXTURE_HOSTS, 'ecr-auth-denied')], 1],
    ['2: an unknown flag', ['scan', '--bogus'], 2],
    ['2: a --root that does not exist', ['scan', '--root', '/nonexistent'], 2],
    ['2: a rule directory that does not exist', ['classify', '--patterns', '/nonexistent'], 2],
    ['3: no ECS agent log under --root', ['scan', '--root', tmp()], 3],
    // A missing command prints the help on stderr: it is not an answer (`ecs-triage $CMD` with CMD empty).
    ['2: no command', [], 2],
    ['2: a command group without its command', ['fleet'], 2],
    ['0: help asked for', ['help', 'scan'], 0],
    ['0: --help', ['fleet', '--help'], 0],
  ])('%s', (_what, args, code) => {
    const r = runCliSync(args);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('3: AWS cannot be reached', () => {
    const r = runCliSync(['fleet', 'scan', '--cluster', 'prod', '--region', 'us-east-1'], {
      isolated: true,
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXITTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    });
    expect(r.stderr).toMatch(/ecs:ListContainerInstances: .*ECONNREFUSED/);
    expect(r.code).toBe(3);
  });
});

describe('explain with no argument', () => {
  const line = 'CannotPullContainerError: pull access denied for foo';

  it('on a terminal, says what it waits for, then explains what was pasted', () => {
    const cmd = `'${process.execPath}' '${BUNDLE}' explain`;
    // util-linux `script` gives the process a pseudo-terminal as stdin; Ctrl-D (\x04) on a new line ends the input.
    const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { input: `${line}\n\x04`, env, encoding: 'utf8' });
    const out = r.stdout.replace(/\r\n/g, '\n');
    expect(out).toContain('ecs-triage explain: paste a stopped reason, error lines or the JSON of `aws ecs describe-tasks`, then press Ctrl-D on a new line');
    expect(out).toContain(`from: ${line}`);
    expect(r.status).toBe(0);
  });

  it('with piped input, stays quiet on stderr', () => {
    const r = runCliSync(['explain'], { input: `${line}\n` });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`from: ${line}`);
  });
});

describe('tests that run the CLI as another user', () => {
  it.runIf(process.getuid?.() === 0)('get a copy of the bundle they can read, even from a clone in a private directory', () => {
    const clone = tmp(); // mode 0700, as `mktemp -d` makes it
    const hidden = path.join(clone, 'ecs-triage.mjs');
    copyFileSync(BUNDLE, hidden);
    const nobody = { uid: 65534, gid: 65534 };
    const direct = spawnSync(process.execPath, [hidden, '--version'], { ...nobody, cwd: '/', encoding: 'utf8' });
    expect(direct.status).not.toBe(0);
    expect(direct.stderr).toMatch(/Cannot find module/); // what nobody sees of a file it may not reach
    const copy = readableBundle(hidden);
    const r = spawnSync(process.execPath, [copy, '--version'], { ...nobody, cwd: path.dirname(copy), encoding: 'utf8' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(runCliSync(['--version'], nobody).stdout.trim()).toBe(r.stdout.trim());
  });
});
