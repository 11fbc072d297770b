// Issue 10.9: a FIFO where a file is expected (daemon.json, ecs.config, statfs.json, a log, the config file, a
// pattern file) hung `check` and `scan` (open(2) of a FIFO waits for a writer), and a FIFO named ecs-agent.log
// kept `watch` from stopping on SIGTERM. Every host path is now opened as a regular file only. Each CLI run
// here gets a deadline and is killed if it hangs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegular, readRegularFile } from '../src/base/regular-file.js';
import { BUNDLE, failLine, ready, sleep, startDaemon, tmp, waitFor, writeConfig, killDaemons } from './helpers/index.js';

const mkfifo = (p: string): void => void execFileSync('mkfifo', [p]);

function runWithin(args: string[], ms: number): Promise<{ code: number | null; stdout: string; stderr: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

/** A host root whose config files are all FIFOs, with a real ecs-init.log holding one failure. */
function fifoHost(): string {
  const root = tmp('ecs-triage-fifo-');
  for (const d of ['etc/docker', 'etc/ecs', '.ecs-triage', 'var/log/ecs', 'var/lib/docker/containers']) mkdirSync(path.join(root, d), { recursive: true });
  mkfifo(path.join(root, 'etc/docker/daemon.json'));
  mkfifo(path.join(root, 'etc/ecs/ecs.config'));
  mkfifo(path.join(root, '.ecs-triage/statfs.json'));
  mkfifo(path.join(root, 'var/log/ecs/ecs-agent.log'));
  writeFileSync(path.join(root, 'var/log/ecs/ecs-init.log'), failLine('from-init') + '\n');
  return root;
}

afterEach(killDaemons);

describe('FIFOs where files are expected', () => {
  it('the helper refuses a FIFO at once and reads regular files', async () => {
    const dir = tmp();
    const fifo = path.join(dir, 'pipe');
    mkfifo(fifo);
    await expect(openRegular(fifo)).rejects.toMatchObject({ code: 'ENOTREG', message: 'is a FIFO (named pipe), not a regular file' });
    await expect(readRegularFile(dir)).rejects.toMatchObject({ code: 'ENOTREG', message: 'is a directory, not a regular file' });
    writeFileSync(path.join(dir, 'f'), 'text');
    expect(await readRegularFile(path.join(dir, 'f'))).toBe('text');
  });

  it('check and scan finish, and say which files they skipped', async () => {
    const root = fifoHost();
    const check = await runWithin(['check', '--root', root, '--format', 'json', '--fail-on', 'never'], 15000);
    expect(check.hung, 'check hung').toBe(false);
    const skipped = (JSON.parse(check.stdout) as { skipped: Array<{ path: string; reason: string }> }).skipped;
    for (const f of ['/etc/docker/daemon.json', '/etc/ecs/ecs.config', '/.ecs-triage/statfs.json']) {
      expect(skipped.find((s) => s.path === f)?.reason).toMatch(/FIFO/);
    }
    const scan = await runWithin(['scan', '--root', root, '--format', 'json', '--fail-on', 'never'], 15000);
    expect(scan.hung, 'scan hung').toBe(false);
    expect(scan.stdout).toContain('app:from-init');
    // scan --task also reads the agent's state and the containers' metadata.
    mkdirSync(path.join(root, 'var/lib/ecs/data'), { recursive: true });
    mkfifo(path.join(root, 'var/lib/ecs/data/ecs_agent_data.json'));
    const container = path.join(root, 'var/lib/docker/containers', 'a'.repeat(64));
    mkdirSync(container);
    mkfifo(path.join(container, 'config.v2.json'));
    const task = await runWithin(['scan', '--root', root, '--task', '0123456789abcdef0123456789abcdef', '--format', 'json', '--fail-on', 'never'], 15000);
    expect(task.hung, 'scan --task hung').toBe(false);
    // The agent log is the FIFO, so no agent log was read and nothing about the task was found: not an all-clear.
    expect(task.code).toBe(3);
    expect((JSON.parse(task.stdout) as { status: string }).status).toBe('unknown');
  });

  it('a FIFO as the config file or a pattern file is an error, not a hang', async () => {
    const dir = tmp();
    mkfifo(path.join(dir, 'config.yaml'));
    const v = await runWithin(['validate', '--config', path.join(dir, 'config.yaml')], 10000);
    expect(v.hung, 'validate hung').toBe(false);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/config\.yaml.*FIFO/);
    const patterns = path.join(dir, 'patterns');
    mkdirSync(patterns);
    execFileSync('cp', ['-r', ...['patterns/oom.yaml'].map((f) => path.resolve(f)), patterns]);
    mkfifo(path.join(patterns, 'zz.yaml'));
    writeFileSync(path.join(dir, 'ok.yaml'), 'sinks: [stdout]\n');
    const p = await runWithin(['validate', '--config', path.join(dir, 'ok.yaml'), '--patterns', patterns], 10000);
    expect(p.hung, 'validate --patterns hung').toBe(false);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/zz\.yaml.*FIFO/);
  });

  it('watch reports a FIFO named ecs-agent.log, goes on with the other files, and stops on SIGTERM', async () => {
    const base = tmp();
    const root = fifoHost();
    const state = path.join(base, 'state');
    const d = startDaemon(['--config', writeConfig(path.join(base, 'etc')), '--root', root, '--state-dir', state, '--from-beginning']);
    try {
      await ready(d, state);
      await waitFor('FIFO reported', () => /ecs-agent\.log.*FIFO|FIFO.*ecs-agent\.log/.test(d.stderr()), 10000, d);
      await sleep(200);
      const t0 = Date.now();
      d.proc.kill('SIGTERM');
      const exit = await Promise.race([d.exited, sleep(8000).then(() => undefined)]);
      expect(exit, 'watch did not stop on SIGTERM').toBeDefined();
      expect(exit!.code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      if (d.proc.exitCode === null) d.proc.kill('SIGKILL');
    }
  });
});
