// Issue 10.7: floods must not exhaust the heap. Every line folded into a window used to hold a "ticket" until
// the window's event was delivered, and every distinct finding kept a window and a timer for a minute, so
// memory grew with the lines: 2 million identical lines crashed the daemon at the window's end, and the
// restarts re-read and re-counted the same lines. Here the daemon runs with a heap a fraction of the unit's
// (the floods are a fraction of the too), with the default settings otherwise, and must come through
// each flood with exact counts and no restart. The figures for the unit's heap and the sizes come from
// scripts/measure/flood.mjs (README, "watch").
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE, failLine, NOISE, runCli, sleep, tmp } from './helpers/index.js';

const HEAP = '--max-old-space-size=32 --max-semi-space-size=2';

interface Run {
  events: Array<{ id: string; count: number }>;
  exits: Array<{ code: number | null; signal: string | null; stderr: string }>;
}

function setup(): { root: string; state: string; log: string; config: string } {
  const base = tmp('ecs-triage-flood-');
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(log, '');
  const config = path.join(base, 'config.yaml');
  writeFileSync(config, 'sinks: [stdout]\nchecks:\n  enabled: false\njournal:\n  enabled: "off"\nstatus:\n  intervalMs: 500\n');
  return { root, state: path.join(base, 'state'), log, config };
}

/** Appends `n` lines in 4 MB writes. */
function write(file: string, n: number, line: (i: number) => string): void {
  for (let i = 0; i < n; ) {
    let text = '';
    for (const end = Math.min(n, i + 16_384); i < end; i++) text += line(i) + '\n';
    appendFileSync(file, text);
  }
}

function isUp(state: string, pid: number): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(state, 'status.json'), 'utf8')) as { pid: number }).pid === pid;
  } catch {
    return false;
  }
}

/** Status of the agent log: how far it was read. */
function readOffset(state: string): number {
  try {
    const st = JSON.parse(readFileSync(path.join(state, 'status.json'), 'utf8')) as { sources: Array<{ name: string; read?: number }>; pipeline: { backlog: number } };
    return st.pipeline.backlog === 0 ? (st.sources.find((s) => s.name === '/var/log/ecs/ecs-agent.log')?.read ?? -1) : -1;
  } catch {
    return -1;
  }
}

/**
 * Runs `watch` (restarting it after a crash, as systemd would, up to 3 times) until it has read the log to its
 * end, then stops it with SIGTERM so that pending folds are sent. `during` writes while it runs.
 */
async function runThrough(env: ReturnType<typeof setup>, run: Run, during?: () => void, args: string[] = []): Promise<void> {
  let restarts = 0;
  for (;;) {
    const proc = spawn(process.execPath, [BUNDLE, 'watch', '--config', env.config, '--root', env.root, '--state-dir', env.state, ...args], {
      env: { ...process.env, NODE_OPTIONS: HEAP },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    let stderr = '';
    proc.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    proc.stdout.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l) run.events.push((({ id, count }) => ({ id, count }))(JSON.parse(l) as { id: string; count: number }));
    });
    // 'close', not 'exit': the events still in the pipe must be read too.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
    if (during && restarts === 0) {
      // Up once its status file names it (a first start begins at the end of what is already there).
      while (!isUp(env.state, proc.pid!)) {
        if (proc.exitCode !== null) throw new Error(`watch exited at start:\n${stderr}`);
        await sleep(50);
      }
      during();
    }
    const deadline = Date.now() + 120_000;
    let crashed = false;
    while (readOffset(env.state) !== statSync(env.log).size) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        crashed = true;
        break;
      }
      if (Date.now() > deadline) throw new Error(`not caught up after 120 s:\n${stderr}`);
      await sleep(200);
    }
    if (!crashed) proc.kill('SIGTERM');
    const exit = await exited;
    run.exits.push({ ...exit, stderr });
    if (!crashed || ++restarts > 3) return;
    args = args.filter((a) => a !== '--from-beginning');
  }
}

const total = (run: Run): number => run.events.reduce((n, e) => n + e.count, 0);

describe('watch: floods in a small heap', () => {
  it('300,000 identical lines in one window: a few events whose counts add up, no crash', async () => {
    const env = setup();
    const run: Run = { events: [], exits: [] };
    await runThrough(env, run, () => write(env.log, 300_000, () => failLine('flood')));
    expect(run.exits.map((e) => e.code), run.exits.at(-1)?.stderr).toEqual([0]);
    expect(total(run)).toBe(300_000);
    expect(run.events.length).toBeLessThanOrEqual(5);
  }, 180_000);

  it('80,000 distinct lines: one event each, no crash', async () => {
    const env = setup();
    const run: Run = { events: [], exits: [] };
    await runThrough(env, run, () => write(env.log, 80_000, (i) => failLine(`d${i}`)));
    expect(run.exits.map((e) => e.code), run.exits.at(-1)?.stderr).toEqual([0]);
    expect(run.events.length).toBe(80_000);
    expect(new Set(run.events.map((e) => e.id)).size).toBe(80_000);
    // More distinct findings than windows: the oldest were closed early, and status says so.
    const st = JSON.parse(readFileSync(path.join(env.state, 'status.json'), 'utf8')) as { pipeline: { closedEarly?: number } };
    expect(st.pipeline.closedEarly).toBeGreaterThan(0);
    const shown = await runCli(['status', '--state-dir', env.state]);
    expect(shown.stdout).toMatch(new RegExp(`; ${st.pipeline.closedEarly} aggregation windows closed early`));
  }, 180_000);

  it('a backlog of 200,000 identical lines after downtime is counted once, not again at every restart', async () => {
    const env = setup();
    const run: Run = { events: [], exits: [] };
    await runThrough(env, run);
    write(env.log, 400_000, (i) => (i % 2 ? NOISE : failLine('backlog')));
    await runThrough(env, run);
    expect(run.exits.map((e) => e.code), run.exits.at(-1)?.stderr).toEqual([0, 0]);
    expect(total(run)).toBe(200_000);
  }, 180_000);
});
