// Bench: the CloudWatch sink (issue 5) against the local CloudWatch Logs endpoint of the tests. Figures, not
// assertions:
//  - backlog: 100,000 events written at once by a real process (the sink harness of the tests); every
//    PutLogEvents request's fill = max(bytes / 1,048,576, events / 10,000), min and median over all but the
//    last request, and the request count beside its lower bound ceil(total bytes / limit);
//  - RSS: the `watch` daemon as a real process, started as the systemd unit starts it (its NODE_OPTIONS, see
//    lib/daemon.mjs), fed the same 5,000 distinct failures with `--sink file` and with `--sink cloudwatch`; peak
//    RSS (VmHWM) of each, and the difference is what shipping costs. One peak is one sample of when V8 happened
//    to collect, so the pair runs BENCH_CW_RUNS times (default 5) and the median and range are reported; then
//    the same with Node's default heap settings, for reference;
//  - drain: a spool filled during an outage (the harness, killed after writing), shipped by a fresh `watch`
//    once the endpoint answers: its peak RSS against an idle `watch --sink file`.
// The test server and harness are TypeScript: bundled here with esbuild (a dev dependency).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuMs, daemonEnv, daemonNodeOptions, daemonReady, statusMb } from './lib/daemon.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const LIMIT_BYTES = 1_048_576;
const LIMIT_EVENTS = 10_000;
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret-not-real',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ECS_TRIAGE_LOG_LEVEL: 'warn',
};

async function bundle(work) {
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
  const server = path.join(work, 'server.mjs');
  const harness = path.join(work, 'harness.mjs');
  await build({ ...common, entryPoints: [path.join(repo, 'test/servers/cloudwatch-logs.ts')], outfile: server });
  await build({ ...common, entryPoints: [path.join(repo, 'test/servers/cloudwatch-sink-harness.ts')], outfile: harness });
  return { server, harness };
}

function runHarness(harness, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [harness, JSON.stringify(args)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`harness exit ${code}: ${err}`))));
  });
}

const fail = (tag) =>
  `level=error time=2026-11-23T18:01:02Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${tag}: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries" module=docker_client.go`;

/** Starts `watch` on a fresh root (an empty agent log) and the state directory `base/state`, kept as it is. */
async function startWatch(base, name, sink, endpoint, { nodeOptions, flushIntervalMs = 500 } = {}) {
  const root = path.join(base, 'root');
  const state = path.join(base, 'state');
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  mkdirSync(path.dirname(log), { recursive: true });
  writeFileSync(log, '');
  const config = path.join(base, 'config.yaml');
  writeFileSync(
    config,
    `sinks: [${sink}]\nstatus:\n  intervalMs: 500\njournal:\n  enabled: "off"\nchecks:\n  enabled: false\n` +
      `cloudwatch:\n  logGroup: /bench/${name}\n  logStream: bench\n  endpoint: ${endpoint}\n  region: eu-west-1\n  flushIntervalMs: ${flushIntervalMs}\n`,
  );
  const child = spawn(process.execPath, [path.join(repo, 'dist/ecs-triage.mjs'), 'watch', '--config', config, '--root', root, '--state-dir', state], {
    env: daemonEnv(env, nodeOptions),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.on('exit', r));
  return {
    child,
    log,
    stderr: () => err,
    /** Resolves when `done()` holds, polling every 100 ms. */
    async until(done, what, timeoutMs = 60000) {
      const t0 = Date.now();
      while (!done()) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`${name}: ${what} not reached after ${timeoutMs} ms:\n${err}`);
        await sleep(100);
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function watchPeak(work, name, sink, endpoint, count, delivered, { perTick = 500, ...opts } = {}) {
  const base = path.join(work, name);
  rmSync(base, { recursive: true, force: true });
  const w = await startWatch(base, name, sink, endpoint, opts);
  await w.until(() => daemonReady(path.join(base, 'state'), w.child.pid), 'start-up', 30000);
  const idle = statusMb(w.child.pid, 'VmRSS');
  const cpu0 = cpuMs(w.child.pid);
  const written = new Map(); // tag → when its line was appended
  for (let i = 0; i < count; i += perTick) {
    appendFileSync(w.log, Array.from({ length: perTick }, (_, j) => fail(`t${i + j}`)).join('\n') + '\n');
    const at = Date.now();
    for (let j = 0; j < perTick; j++) written.set(`t${i + j}`, at);
    await sleep(100);
  }
  await w.until(() => delivered(base) >= count, `delivery of ${count} events`);
  const peak = statusMb(w.child.pid, 'VmHWM');
  const cpu = cpuMs(w.child.pid) - cpu0;
  await w.stop();
  return { idle, peak, cpu, written };
}

/**
 * After an outage: the harness spools `count` events while the endpoint drops every connection (then is
 * killed), and a fresh `watch` with that state directory ships them once the endpoint answers again.
 */
async function drainPeak(work, name, server, harness, count, nodeOptions) {
  const base = path.join(work, name);
  rmSync(base, { recursive: true, force: true });
  server.faults.outage = 'drop';
  try {
    await runHarness(harness, { endpoint: server.endpoint, stateDir: path.join(base, 'state'), from: 0, to: count, per: 5000, exitWhenWritten: true });
  } finally {
    server.faults.outage = false;
  }
  const spool = path.join(base, 'state/cloudwatch-spool');
  const bytes = readdirSync(spool).filter((n) => n.endsWith('.seg')).reduce((n, f) => n + statSync(path.join(spool, f)).size, 0);
  const t0 = Date.now();
  const w = await startWatch(base, name, 'cloudwatch', server.endpoint, { nodeOptions });
  await w.until(() => server.events(`/bench/${name}`).length >= count, `delivery of ${count} spooled events`, 120000);
  const ms = Date.now() - t0;
  const peak = statusMb(w.child.pid, 'VmHWM');
  await w.stop();
  return { bytes, ms, peak };
}

/** Line written → event stored by the Logs server (its ingestion time), over the events of one group. */
function latencies(server, group, written) {
  const out = [];
  for (const e of server.events(group)) {
    const at = written.get(JSON.parse(e.message).tag);
    if (at !== undefined) out.push(e.ingestionTime - at);
  }
  return out.sort((a, b) => a - b);
}

export async function run({ log, work }) {
  mkdirSync(work, { recursive: true });
  const { server: serverFile, harness } = await bundle(work);
  const { CloudWatchLogsServer } = await import(pathToFileURL(serverFile).href);
  const server = new CloudWatchLogsServer();
  await server.start();
  try {
    // Backlog: 100,000 events written in one go.
    const t0 = Date.now();
    const out = await runHarness(harness, { endpoint: server.endpoint, stateDir: path.join(work, 'backlog'), from: 0, to: 100_000, per: 5000, drain: true });
    const ms = Date.now() - t0;
    const stats = JSON.parse(out.split('\n').find((l) => l.startsWith('stats ')).slice(6));
    const puts = server.puts.filter((p) => p.outcome === 'ok');
    const fills = puts.slice(0, -1).map((p) => Math.max(p.bytes / LIMIT_BYTES, p.events / LIMIT_EVENTS)).sort((a, b) => a - b);
    const total = puts.reduce((n, p) => n + p.bytes, 0);
    const pct = (x) => `${(x * 100).toFixed(1)} %`;
    log(`backlog: ${stats.delivered} events in ${puts.length} requests (lower bound ${Math.ceil(total / LIMIT_BYTES)}), ${(total / 1048576).toFixed(1)} MiB, ${ms} ms incl. process start`);
    log(`backlog: batch fill min ${pct(fills[0] ?? 1)}, median ${pct(fills[Math.floor(fills.length / 2)] ?? 1)} (target >= 90 %); invalid requests: ${server.violations.length}`);

    // RSS: watch with the file sink vs the CloudWatch sink, same input; each pair in fresh processes.
    const fileEvents = (base) => {
      const f = path.join(base, 'state/events.jsonl');
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    };
    let pair = 0;
    const burst = async (nodeOptions, runs, target = '') => {
      const rows = [];
      for (let r = 0; r < runs; r++, pair++) {
        const opts = { nodeOptions };
        const file = await watchPeak(work, `file-${pair}`, 'file', server.endpoint, 5000, fileEvents, opts);
        const cw = await watchPeak(work, `cloudwatch-${pair}`, 'cloudwatch', server.endpoint, 5000, () => server.events(`/bench/cloudwatch-${pair}`).length, opts);
        rows.push({ file, cw, added: cw.peak - file.peak });
      }
      const by = (f) => [...rows].sort((x, y) => f(x) - f(y));
      const mid = (f) => f(by(f)[Math.floor(rows.length / 2)]);
      const added = by((x) => x.added).map((x) => x.added.toFixed(1));
      return (
        `shipping adds ${mid((x) => x.added).toFixed(1)} MB at peak (median of ${runs}; all: ${added.join(', ')}${target}); ` +
        `peaks: file ${mid((x) => x.file.peak).toFixed(0)} MB, cloudwatch ${mid((x) => x.cw.peak).toFixed(0)} MB (idle ${mid((x) => x.cw.idle).toFixed(0)} MB); ` +
        `daemon CPU for the burst: ${mid((x) => x.file.cpu).toFixed(0)} ms with file, ${mid((x) => x.cw.cpu).toFixed(0)} ms with cloudwatch`
      );
    };
    const deployed = daemonNodeOptions();
    const runs = Number(process.env.BENCH_CW_RUNS ?? 5);
    log(`rss: watch runs ${deployed.label}`);
    log(`rss: burst (5,000 distinct findings in 1 s): ${await burst(deployed.options, runs, '; target < 20 MB')}`);
    // A steadier rate: 10 distinct findings per 100 ms for 20 s (already far more than a sick host produces),
    // with the default flush interval, so the delivery latency is the one users get.
    const steady = { perTick: 10, nodeOptions: deployed.options, flushIntervalMs: 2000 };
    const fileS = await watchPeak(work, 'file-steady', 'file', server.endpoint, 2000, fileEvents, steady);
    const cwS = await watchPeak(work, 'cloudwatch-steady', 'cloudwatch', server.endpoint, 2000, () => server.events('/bench/cloudwatch-steady').length, steady);
    log(`rss: steady (100 findings/s for 20 s): file peak ${fileS.peak.toFixed(0)} MB, cloudwatch peak ${cwS.peak.toFixed(0)} MB, shipping adds ${(cwS.peak - fileS.peak).toFixed(1)} MB`);
    const lat = latencies(server, '/bench/cloudwatch-steady', cwS.written);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    log(`latency: line written → stored by the Logs server, flushIntervalMs 2000 (the default), ${lat.length} events: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat.at(-1)} ms (target < 5,000 ms)`);
    const drainCount = 60_000;
    const drain = await drainPeak(work, 'drain', server, harness, drainCount, deployed.options);
    log(
      `rss: after an outage, a restarted watch drained a ${(drain.bytes / 1048576).toFixed(0)} MB spool (${drainCount.toLocaleString('en')} events) in ${(drain.ms / 1000).toFixed(1)} s incl. start-up; ` +
        `peak ${drain.peak.toFixed(0)} MB: ${(drain.peak - cwS.idle).toFixed(1)} MB above an idle watch --sink cloudwatch (${cwS.idle.toFixed(0)} MB), ${(drain.peak - fileS.idle).toFixed(1)} MB above an idle watch --sink file (${fileS.idle.toFixed(0)} MB)`,
    );
    if (deployed.options) {
      const refRuns = Math.max(1, Math.min(3, runs));
      log(`rss: reference, the same burst with Node's default heap settings: ${await burst('', refRuns)}`);
      const d = await drainPeak(work, 'drain-defaults', server, harness, drainCount, '');
      log(`rss: reference, the same drain with Node's default heap settings: peak ${d.peak.toFixed(0)} MB`);
    }
  } finally {
    await server.stop();
  }
}
