// Bench: the `watch` daemon as a real process (issue 4). Figures, not assertions:
//  - idle: CPU time over BENCH_WATCH_IDLE_S seconds (default 60) with nothing written, and RSS; an idle
//    `node` process with a timer runs beside it as the reference for what "nothing" costs on this machine;
//  - sustained: 20,000 appended lines/s for 10 s: daemon CPU (fraction of one core) and whether it kept up,
//    then the burst capacity (1,000,000 lines appended at once, time until committed);
//  - latency: 2,000 lines/s, every 20th a distinct failure; time from write to its event on stdout, p50/p99;
//  - flood: 100,000 identical error lines in 10 s → number of events (and that their counts add up).
// The daemon runs with the systemd unit's NODE_OPTIONS (lib/daemon.mjs).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentHostRoot, CLOCK_TICK_MS, cpuMs, daemonEnv, daemonNodeOptions, daemonReady, failLine, statusMb } from './lib/daemon.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repo, 'dist/ecs-triage.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const NOISE = 'level=info time=2026-11-23T18:01:02Z msg="Task engine: managed task state change" task="arn:aws:ecs:us-east-1:123456789012:task/prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0" knownStatus=RUNNING module=task_manager.go';
const fail = failLine;

function setup(work, name, statusMs = 500) {
  const base = path.join(work, name);
  rmSync(base, { recursive: true, force: true });
  const { root, state, log } = agentHostRoot(base);
  const config = path.join(base, 'config.yaml');
  // Idle runs with the default status interval; the load runs poll status.json to see when the daemon caught up.
  const status = statusMs ? `status:\n  intervalMs: ${statusMs}\n` : '';
  writeFileSync(config, `sinks: [stdout]\n${status}journal:\n  enabled: "off"\n`);
  return { root, state, log, config };
}

async function start({ root, state, config }) {
  const child = spawn(process.execPath, [CLI, 'watch', '--config', config, '--root', root, '--state-dir', state], {
    env: daemonEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const events = [];
  let partial = '';
  child.stdout.on('data', (d) => {
    const now = performance.now();
    const parts = (partial + d).split('\n');
    partial = parts.pop();
    for (const p of parts) if (p) events.push({ at: now, ev: JSON.parse(p) });
  });
  let gone = false;
  const exited = new Promise((r) => child.on('exit', (code) => ((gone = true), r(code))));
  const statusFile = path.join(state, 'status.json');
  const t0 = Date.now();
  while (!daemonReady(state, child.pid)) {
    if (gone || Date.now() - t0 > 30000) throw new Error(`daemon did not start:\n${err}`);
    await sleep(50);
  }
  return { child, events, exited, stderr: () => err, status: () => JSON.parse(readFileSync(statusFile, 'utf8')) };
}

async function stop(d) {
  d.child.kill('SIGTERM');
  return d.exited;
}

/** Appends `rate` lines/s for `seconds`, in 50 ms batches; `line(i)` makes line i. Returns write times by index. */
async function writeAt(file, rate, seconds, line, onWrite) {
  const perBatch = Math.round(rate / 20);
  const total = rate * seconds;
  const t0 = performance.now();
  let i = 0;
  for (let b = 0; i < total; b++) {
    let text = '';
    const first = i;
    for (let k = 0; k < perBatch && i < total; k++, i++) text += line(i) + '\n';
    appendFileSync(file, text);
    onWrite?.(first, i, performance.now());
    const due = t0 + (b + 1) * 50;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return (performance.now() - t0) / 1000;
}

async function caughtUp(d, file, timeoutMs = 60000) {
  const size = statSync(file).size;
  const t0 = Date.now();
  for (;;) {
    const src = d.status().sources.find((s) => s.name === '/var/log/ecs/ecs-agent.log');
    if (src?.committed === size) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`not caught up after ${timeoutMs} ms: committed ${src?.committed} of ${size}`);
    await sleep(100);
  }
}

/**
 * `watch` fed 20,000 lines/s for 10 s (one failure line in 1,000): the daemon's CPU (in cores) from the first
 * write until it has committed everything. Also used by the scan section (the literal search's watch target).
 */
export async function sustained(work, { keep = false } = {}) {
  mkdirSync(work, { recursive: true });
  const env = setup(work, 'load');
  const d = await start(env);
  const a = cpuMs(d.child.pid);
  const t0 = performance.now();
  const wrote = await writeAt(env.log, 20000, 10, (i) => (i % 1000 === 999 ? fail(`load-${i}`) : NOISE));
  await caughtUp(d, env.log);
  const secs = (performance.now() - t0) / 1000;
  const cores = (cpuMs(d.child.pid) - a) / 1000 / secs;
  const rss = statusMb(d.child.pid, 'VmRSS');
  if (!keep) await stop(d);
  return { d, env, cores, secs, wrote, rss };
}

export async function run({ log, work }) {
  mkdirSync(work, { recursive: true });
  const only = process.env.BENCH_WATCH_ONLY ? new Set(process.env.BENCH_WATCH_ONLY.split(',')) : undefined;
  const want = (k) => !only || only.has(k);
  const idleS = Number(process.env.BENCH_WATCH_IDLE_S ?? 60);
  log(`watch runs ${daemonNodeOptions().label}`);

  // ---- idle ----
  // Idle CPU is a few 10 ms clock ticks a minute, so one event decides the figure: V8 runs a one-time pair of
  // full GCs ("memory reducer", ~60-85 ms here per --trace-gc) at a varying moment in the first minutes. Two
  // consecutive windows are measured after a settle period and both reported: at most one holds that GC.
  if (want('idle')) {
    const env = setup(work, 'idle', 0);
    const d = await start(env);
    const ref = spawn(process.execPath, ['-e', 'setInterval(() => {}, 10000)'], { stdio: 'ignore' });
    const settleS = Number(process.env.BENCH_WATCH_SETTLE_S ?? 30);
    const windows = Number(process.env.BENCH_WATCH_IDLE_WINDOWS ?? 2);
    const s0 = cpuMs(d.child.pid);
    await sleep(settleS * 1000);
    const settleMs = cpuMs(d.child.pid) - s0;
    const figures = [];
    let refCpu = 0;
    for (let w = 0; w < windows; w++) {
      const a = cpuMs(d.child.pid);
      const ra = cpuMs(ref.pid);
      const t0 = performance.now();
      await sleep(idleS * 1000);
      const secs = (performance.now() - t0) / 1000;
      figures.push(((cpuMs(d.child.pid) - a) / 1000 / secs) * 100);
      refCpu = Math.max(refCpu, ((cpuMs(ref.pid) - ra) / 1000 / secs) * 100);
    }
    const rss = statusMb(d.child.pid, 'VmRSS');
    ref.kill();
    await stop(d);
    log(`watch idle: CPU per ${idleS} s window ${figures.map((f) => f.toFixed(3) + ' %').join(', ')} of one core (target < 0.1 %; idle node reference <= ${refCpu.toFixed(3)} %), RSS ${rss.toFixed(1)} MB (target < 80 MB); clock tick ${CLOCK_TICK_MS} ms; first ${settleS} s after start-up: ${settleMs.toFixed(0)} ms CPU`);
  }

  // ---- sustained 20,000 lines/s, then burst capacity ----
  if (want('load')) {
    const { d, env, cores, secs, wrote, rss } = await sustained(work, { keep: true });
    log(`watch sustained: 200,000 lines at 20,000 lines/s (written in ${wrote.toFixed(1)} s), caught up after ${secs.toFixed(1)} s; daemon CPU ${cores.toFixed(3)} of one core (target < 1), RSS ${rss.toFixed(1)} MB, events ${d.events.length}`);

    const N = 1_000_000;
    const chunk = (NOISE + '\n').repeat(10000);
    const b0 = performance.now();
    for (let i = 0; i < N / 10000; i++) appendFileSync(env.log, chunk);
    await caughtUp(d, env.log, 120000);
    const bs = (performance.now() - b0) / 1000;
    log(`watch burst: 1,000,000 lines (${((chunk.length * 100) / 1e6).toFixed(0)} MB) appended at once, committed after ${bs.toFixed(2)} s = ${Math.round(N / bs).toLocaleString('en')} lines/s, RSS ${statusMb(d.child.pid, 'VmRSS').toFixed(1)} MB`);
    await stop(d);
  }

  // ---- latency at 2,000 lines/s ----
  if (want('latency')) {
    const env = setup(work, 'latency');
    const d = await start(env);
    const written = new Map();
    await writeAt(env.log, 2000, 10, (i) => (i % 20 === 0 ? fail(`lat-${i}`) : NOISE), (from, to, at) => {
      for (let i = from; i < to; i++) if (i % 20 === 0) written.set(`lat-${i}`, at);
    });
    await sleep(1500);
    await stop(d);
    const lat = [];
    for (const { at, ev } of d.events) {
      const w = written.get(String(ev.fields.tag));
      if (w !== undefined) lat.push(at - w);
    }
    lat.sort((x, y) => x - y);
    const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
    log(`watch latency: ${lat.length}/${written.size} failure lines → events on stdout at 2,000 lines/s; write→event p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms (target < 1000), max ${lat[lat.length - 1].toFixed(0)} ms`);
  }

  // ---- flood ----
  if (want('flood')) {
    const env = setup(work, 'flood');
    const d = await start(env);
    await writeAt(env.log, 10000, 10, () => fail('flood'));
    await caughtUp(d, env.log).catch(() => {});
    await sleep(500);
    await stop(d);
    const total = d.events.reduce((n, e) => n + e.ev.count, 0);
    log(`watch flood: 100,000 identical error lines in 10 s → ${d.events.length} events (target: a few dozen at most), counts add up to ${total.toLocaleString('en')}`);
  }
}
