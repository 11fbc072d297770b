// A real daemon process (dist/ecs-triage.mjs watch) for tests: start it, know when it is ready, read what
// its file sink wrote, and distinct failure lines to feed it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE } from './cli.js';
import { tmp } from './fs.js';
import { waitFor } from './wait.js';

/** A distinct arch_mismatch failure: each tag is its own aggregation key, so every line becomes its own event. */
export function failLine(tag: string): string {
  return `level=error time=2026-11-23T18:01:02Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${tag}: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries" module=docker_client.go`;
}

export const NOISE = 'level=info time=2026-11-23T18:01:02Z msg="Managed task event" module=task_manager.go';

export interface EventLike {
  id: string;
  kind: string;
  count: number;
  ruleId: string;
  fields: Record<string, unknown>;
  line?: string;
}

/** Events from the file sink (current file and rotations). */
export function readEvents(stateDir: string): EventLike[] {
  const files = existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f.startsWith('events.jsonl')).sort().reverse() : [];
  const out: EventLike[] = [];
  for (const f of files) {
    for (const line of readFileSync(path.join(stateDir, f), 'utf8').split('\n')) if (line) out.push(JSON.parse(line) as EventLike);
  }
  return out;
}

export function tagsOf(events: EventLike[]): string[] {
  return events.map((e) => String(e.fields.tag ?? /app:([\w.-]+)/.exec(e.line ?? '')?.[1]));
}

export interface Daemon {
  proc: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Test timings: fast checkpoints, status and idle-line timeouts, but the default poll interval (10 s): a fast
 * poll once hid a 9-second delivery delay (issue 10.2), so change notification must carry the tests.
 */
export function writeConfig(dir: string, extra = ''): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.yaml');
  writeFileSync(
    file,
    `sinks: [file]
tail:
  maxLineBytes: 4KiB
  partialLineTimeoutMs: 400
  retryUnreadableMs: 200
checkpoints:
  intervalMs: 100
status:
  intervalMs: 200
checks:
  enabled: false
journal:
  enabled: "off"
${extra}`,
  );
  return file;
}

const running = new Set<ChildProcess>();

/** For afterEach: a test that failed half-way must not leave its daemon running. */
export function killDaemons(): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
}

/** A host root with an empty /var/log/ecs/ecs-agent.log, and a state directory beside it. */
export function agentHost(): { base: string; root: string; state: string; log: string } {
  const base = tmp();
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(log, '');
  return { base, root, state: path.join(base, 'state'), log };
}

/** The settings users run, except the sink (file), the host checks and the journal (not what these tests test). */
export function defaultConfig(dir: string, extra = ''): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, `sinks: [file]\nchecks:\n  enabled: false\njournal:\n  enabled: "off"\n${extra}`);
  return file;
}

export function startDaemon(args: string[], env: NodeJS.ProcessEnv = {}, as: { uid?: number; gid?: number } = {}): Daemon {
  const proc = spawn(process.execPath, [BUNDLE, 'watch', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let err = '';
  let out = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stderr: () => err,
    stdout: () => out,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      proc.kill(signal);
      return exited;
    },
  };
}

/** The daemon has opened its files once the status file exists. */
export async function ready(d: Daemon, stateDir: string): Promise<void> {
  const file = path.join(stateDir, 'status.json');
  const mine = (): boolean => {
    try {
      return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid === d.proc.pid;
    } catch {
      return false;
    }
  };
  await waitFor('daemon start', mine, 20000, d);
}
