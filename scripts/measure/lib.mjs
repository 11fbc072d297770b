// Shared by the data-path measurements (scripts/measure/*.mjs): a host root and state directory in a temp
// directory, the daemon started the way the systemd unit starts it (its NODE_OPTIONS, from the unit file via
// scripts/bench/lib/daemon.mjs), its events read from stdout, and its peak RSS from /proc.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentHostRoot, daemonEnv, daemonNodeOptions, daemonReady, failLine, statusMb } from '../bench/lib/daemon.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The bundle under test; MEASURE_BIN points at another build (e.g. an older one, for a before/after figure). */
export const CLI = process.env.MEASURE_BIN ?? path.join(repo, 'dist/ecs-triage.mjs');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const NOISE = 'level=info time=2026-11-23T18:01:02Z msg="Managed task event" module=task_manager.go';
export const fail = failLine;

/** A fresh host root with an empty agent log, a state directory and a config (the defaults plus `extra`). */
export function setup(name, extra = '') {
  const base = mkdtempSync(path.join(process.env.MEASURE_DIR ?? os.tmpdir(), `ecs-triage-measure-${name}-`));
  const { root, state, log } = agentHostRoot(base);
  const config = path.join(base, 'config.yaml');
  writeFileSync(config, `checks:\n  enabled: false\njournal:\n  enabled: "off"\n${extra}`);
  return { base, root, state, log, config };
}

export const nodeOptionsLabel = () => daemonNodeOptions().label;

/** Starts `watch`; `onEvent` gets each event printed by the stdout sink. */
export async function startWatch(env, args = [], onEvent = () => {}) {
  const proc = spawn(process.execPath, [CLI, 'watch', '--config', env.config, '--root', env.root, '--state-dir', env.state, ...args], {
    env: daemonEnv({ ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let partial = '';
  proc.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-20000)));
  proc.stdout.on('data', (b) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop();
    for (const l of lines) if (l) onEvent(JSON.parse(l));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const d = { proc, exited, stderr: () => stderr, peakMb: 0 };
  const sample = setInterval(() => {
    try {
      const mb = statusMb(proc.pid, 'VmHWM');
      if (Number.isFinite(mb)) d.peakMb = Math.max(d.peakMb, mb);
    } catch {
      /* exited */
    }
  }, 200);
  exited.then(() => clearInterval(sample));
  const t0 = Date.now();
  while (!daemonReady(env.state, proc.pid)) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`watch exited at start:\n${stderr}`);
    if (Date.now() - t0 > 60000) throw new Error(`watch did not start:\n${stderr}`);
    await sleep(50);
  }
  return d;
}

/** Reads the committed offset of the agent log from the status file (written every status.intervalMs). */
export function sourceStatus(env) {
  try {
    const st = JSON.parse(readFileSync(path.join(env.state, 'status.json'), 'utf8'));
    return { ...st.sources.find((s) => s.name === '/var/log/ecs/ecs-agent.log'), pipeline: st.pipeline, sinks: st.sinks };
  } catch {
    return undefined;
  }
}
