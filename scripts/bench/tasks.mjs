// Bench: task records (issue 13). A host with 100 running tasks — the Docker Engine API and the agent's
// introspection API are the test servers (test/servers/, bundled here with esbuild), in this process — and
// two `watch` daemons run side by side against it, started the way the systemd unit starts them: one with
// task records on (the default), one with `tasks.enabled: false` as the reference. Running them at the same
// time puts both under the same noise of this shared machine, so their difference and ratio say what the
// task source costs. Figures, not assertions:
//  - idle: 100 tasks running, nothing stopping, over BENCH_TASKS_IDLE_S (default 60) after a settle period;
//  - load: a task stops every second for BENCH_TASKS_LOAD_S (default 60; a new one starts in its place, so 100
//    keep running): CPU (fraction of one core), RSS and peak RSS, stop → record latency, every record once.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { cpuMs, daemonEnv, daemonNodeOptions, daemonReady, statusMb } from './lib/daemon.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repo, 'dist/ecs-triage.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TASKS = 100;

async function servers(work) {
  await build({
    entryPoints: [path.join(repo, 'test/servers/docker-engine.ts'), path.join(repo, 'test/servers/ecs-introspection.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outdir: path.join(work, 'servers'),
    logLevel: 'error',
  });
  const { DockerEngineServer } = await import(pathToFileURL(path.join(work, 'servers/docker-engine.js')).href);
  const { EcsIntrospectionServer } = await import(pathToFileURL(path.join(work, 'servers/ecs-introspection.js')).href);
  return { DockerEngineServer, EcsIntrospectionServer };
}

const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function startTask(docker, agent, n) {
  const id = hex(32);
  const arn = `arn:aws:ecs:eu-west-1:111122223333:task/prod-web/${id}`;
  const family = `svc${n % 10}`;
  const names = n % 4 === 0 ? ['app', 'log-router'] : ['app'];
  const containers = names.map((name) => docker.run({ taskArn: arn, family, revision: '7', name }));
  const task = {
    Arn: arn,
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    Family: family,
    Version: '7',
    Containers: containers.map((c, i) => ({ DockerId: c.id, DockerName: c.name, Name: names[i], Image: 'tiny:1', CreatedAt: c.created, StartedAt: c.created })),
  };
  agent.tasks.push(task);
  return { id, task, containers };
}

async function daemon(base, name, agentBase, enabled) {
  const dir = path.join(base, name);
  rmSync(dir, { recursive: true, force: true });
  const state = path.join(dir, 'state');
  const config = path.join(dir, 'config.yaml');
  mkdirSync(state, { recursive: true });
  writeFileSync(config, `sinks: [stdout]\njournal:\n  enabled: "off"\ntasks:\n  enabled: ${enabled}\n  introspectionUrl: ${agentBase}\n`);
  const child = spawn(process.execPath, [CLI, 'watch', '--config', config, '--root', path.join(base, 'root'), '--state-dir', state], { env: daemonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const records = [];
  let partial = '';
  child.stdout.on('data', (d) => {
    const now = performance.now();
    const parts = (partial + d).split('\n');
    partial = parts.pop();
    for (const p of parts) if (p) {
      const ev = JSON.parse(p);
      if (ev.kind === 'task_stopped') records.push({ at: now, id: ev.fields.taskId });
    }
  });
  const exited = new Promise((r) => child.on('exit', r));
  const t0 = Date.now();
  while (!daemonReady(state, child.pid)) {
    if (Date.now() - t0 > 30_000) throw new Error(`daemon did not start:\n${err}`);
    await sleep(50);
  }
  return { child, records, stderr: () => err, state, stop: () => (child.kill('SIGTERM'), exited) };
}

function sample(ds) {
  return ds.map((d) => ({ cpu: cpuMs(d.child.pid), t: performance.now() }));
}

function cores(d, before) {
  return (cpuMs(d.child.pid) - before.cpu) / (performance.now() - before.t);
}

export async function run({ log, work }) {
  mkdirSync(work, { recursive: true });
  const idleS = Number(process.env.BENCH_TASKS_IDLE_S ?? 60);
  const loadS = Number(process.env.BENCH_TASKS_LOAD_S ?? 60);
  const settleS = Number(process.env.BENCH_TASKS_SETTLE_S ?? 30);
  const { DockerEngineServer, EcsIntrospectionServer } = await servers(work);
  const base = path.join(work, 'tasks');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(path.join(base, 'root/var/run'), { recursive: true });
  mkdirSync(path.join(base, 'root/var/log/ecs'), { recursive: true });
  writeFileSync(path.join(base, 'root/var/log/ecs/ecs-agent.log'), '');
  const docker = new DockerEngineServer(path.join(base, 'root/var/run/docker.sock'), path.join(repo, 'fixtures/recorded/tasks'));
  await docker.start();
  const agent = new EcsIntrospectionServer();
  await agent.start();
  const running = [];
  for (let n = 0; n < TASKS; n++) running.push(startTask(docker, agent, n));
  log(`tasks: ${TASKS} running tasks (${docker.containers.size} containers); two watch daemons side by side ${daemonNodeOptions().label}: task records on, and off (the reference)`);

  const on = await daemon(base, 'on', agent.base, true);
  const off = await daemon(base, 'off', agent.base, false);
  try {
    // ---- idle ----
    await sleep(settleS * 1000);
    let s = sample([on, off]);
    await sleep(idleS * 1000);
    const idleOn = cores(on, s[0]) * 100;
    const idleOff = cores(off, s[1]) * 100;
    log(
      `tasks idle: ${TASKS} tasks running, ${idleS} s window after ${settleS} s: watch with task records ${idleOn.toFixed(3)} % of one core, without ${idleOff.toFixed(3)} % ` +
        `(difference ${(idleOn - idleOff).toFixed(3)} points; target for watch < 0.1 %); RSS ${statusMb(on.child.pid, 'VmRSS').toFixed(1)} MB vs ${statusMb(off.child.pid, 'VmRSS').toFixed(1)} MB (target < 80 MB)`,
    );

    // ---- a task stopping every second ----
    const stoppedAt = new Map();
    s = sample([on, off]);
    let n = TASKS;
    const t0 = performance.now();
    for (let i = 0; i < loadS; i++) {
      const victim = running.shift();
      const at = performance.now();
      for (const c of victim.containers) docker.exit(c.id, { exitCode: i % 5 === 0 ? 137 : 1, oomKilled: i % 5 === 0, signals: i % 5 === 1 ? [15, 9] : [] });
      victim.task.KnownStatus = 'STOPPED';
      victim.task.DesiredStatus = 'STOPPED';
      stoppedAt.set(victim.id, at);
      running.push(startTask(docker, agent, n++));
      const wait = t0 + (i + 1) * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const deadline = Date.now() + 30_000;
    while (on.records.length < loadS && Date.now() < deadline) await sleep(100);
    const loadOn = cores(on, s[0]);
    const loadOff = cores(off, s[1]);
    const lat = on.records.filter((r) => stoppedAt.has(r.id)).map((r) => r.at - stoppedAt.get(r.id)).sort((a, b) => a - b);
    const ids = new Set(on.records.map((r) => r.id));
    const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
    log(
      `tasks load: a task stopping every second for ${loadS} s (${TASKS} kept running): ${on.records.length} records for ${stoppedAt.size} stops (${ids.size} distinct); ` +
        `watch with task records ${(loadOn * 100).toFixed(2)} % of one core, without ${(loadOff * 100).toFixed(2)} % (ratio ${(loadOn / Math.max(loadOff, 1e-6)).toFixed(1)}); ` +
        `RSS ${statusMb(on.child.pid, 'VmRSS').toFixed(1)} MB (peak ${statusMb(on.child.pid, 'VmHWM').toFixed(1)}) vs ${statusMb(off.child.pid, 'VmRSS').toFixed(1)} MB (peak ${statusMb(off.child.pid, 'VmHWM').toFixed(1)}); ` +
        `stop → record p50 ${pct(50).toFixed(0)} ms, max ${(lat.at(-1) ?? NaN).toFixed(0)} ms`,
    );
    const stateBytes = readFileSync(path.join(on.state, 'checkpoints.json')).length;
    log(`tasks state file after the load: ${stateBytes} bytes`);
  } finally {
    await on.stop();
    await off.stop();
    await docker.stop();
    await agent.stop();
  }
}
