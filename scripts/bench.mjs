#!/usr/bin/env node
// `npm run bench`: measured, not asserted. Every figure is quoted next to a reference run on the same machine
// in the same run (GNU grep over the same file, `node -e 0`), because this machine is shared and noisy.
//
// Sections: scan throughput over a generated agent log (>= 1 GiB by default), then every module in
// scripts/bench/ (host checks, watch, CloudWatch, start-up; their shared helpers are in scripts/bench/lib/).
// BENCH_ONLY=scan,checks runs a subset; BENCH_SCAN_MB sets the log size; BENCH_RUNS the repetitions (median
// is reported).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, 'dist/ecs-triage.mjs');
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const runs = Number(process.env.BENCH_RUNS ?? 3);
const log = (...a) => console.log(...a);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs a command, returning wall time in ms, stdout and the child's stderr. */
function timed(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, out, err }));
  });
}

// ---- deterministic agent log -------------------------------------------------------------------------

function prng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const hex = (rnd, n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');

const POOL = (() => {
  const rnd = prng(42);
  return Array.from({ length: 4096 }, () => hex(rnd, 32));
})();

function noiseLine(rnd, ts) {
  const task = POOL[Math.floor(rnd() * POOL.length)];
  const arn = `arn:aws:ecs:us-east-1:123456789012:task/prod/${task}`;
  const img = `123456789012.dkr.ecr.us-east-1.amazonaws.com/svc-${Math.floor(rnd() * 40)}:v${Math.floor(rnd() * 90)}.${Math.floor(rnd() * 10)}`;
  switch (Math.floor(rnd() * 9)) {
    case 0: return `level=info time=${ts} msg="Task status changed" taskARN="${arn}" knownStatus=RUNNING desiredStatus=RUNNING`;
    case 1: return `level=info time=${ts} msg="Pulling image for container concurrently" task="${task}" container="web" image="${img}"`;
    case 2: return `level=info time=${ts} msg="Finished pulling image for container" task="${task}" container="web" image="${img}" elapsed="${(rnd() * 9).toFixed(3)}s"`;
    case 3: return `level=info time=${ts} msg="Handling http request" method=GET from=127.0.0.1:${30000 + Math.floor(rnd() * 30000)} uri=/v1/metadata module=handlers.go`;
    case 4: return `level=debug time=${ts} msg="Sending state change to ECS" eventType=TaskStateChange change="${task} -> RUNNING" module=task_handler.go`;
    case 5: return `level=info time=${ts} msg="Container statechange" task="${task}" container="sidecar" knownStatus="RUNNING" module=docker_task_engine.go`;
    case 6: return `level=info time=${ts} msg="TCS Websocket connection closed for a valid reason" module=tcs_client.go`;
    case 7: return `level=info time=${ts} msg="Successfully got ECR auth token" registry=123456789012.dkr.ecr.us-east-1.amazonaws.com module=ecr_client.go`;
    default: return `level=info time=${ts} msg="Managed task got acs event" task="${task}" desiredStatus=RUNNING seqnum=${Math.floor(rnd() * 1e6)}`;
  }
}

/** The shipped rule files, parsed. */
async function ruleDocs() {
  const { parse } = await import('yaml');
  const { readFile } = await import('node:fs/promises');
  const dir = path.join(root, 'patterns');
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(names.map(async (n) => parse(await readFile(path.join(dir, n), 'utf8'))));
}

async function failureLines() {
  // The failure lines are the shipped rules' own examples: the scan must find each of them.
  const lines = [];
  for (const doc of await ruleDocs()) {
    for (const r of doc.rules ?? []) for (const ex of r.examples ?? []) lines.push(typeof ex === 'string' ? ex : ex.line);
  }
  return lines.filter((l) => !l.includes('\n'));
}

async function generateLog(file, targetBytes) {
  const failures = await failureLines();
  const rnd = prng(20261123);
  const out = createWriteStream(file);
  let bytes = 0;
  let lines = 0;
  let failuresWritten = 0;
  let t = Date.parse('2026-11-20T00:00:00Z');
  let tsAt = 0;
  let ts = '';
  while (bytes < targetBytes) {
    let batch = '';
    for (let i = 0; i < 20000; i++) {
      t += 37;
      // A new timestamp string only when the second changes: toISOString is the generator's hot spot.
      if (t - tsAt >= 1000) {
        tsAt = t - (t % 1000);
        ts = new Date(tsAt).toISOString().slice(0, 19) + 'Z';
      }
      let line;
      if (lines % 500 === 250 && failures.length > 0) {
        line = failures[Math.floor(rnd() * failures.length)];
        failuresWritten += 1;
      } else line = noiseLine(rnd, ts);
      batch += line + '\n';
      lines += 1;
    }
    bytes += Buffer.byteLength(batch);
    if (!out.write(batch)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return { bytes, lines, failuresWritten, literals: failures.length };
}

async function grepPatternFile(dir) {
  // "Equivalent patterns": the literals the rules prefilter on, as one ERE each (what a grep-based triage would run).
  const lits = new Set();
  for (const doc of await ruleDocs()) for (const r of doc.rules ?? []) for (const l of r.literals ?? []) lits.add(l);
  const file = path.join(dir, 'patterns.ere');
  await writeFile(file, [...lits].map((l) => l.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')).join('\n') + '\n');
  return { file, count: lits.size };
}

async function benchScan(work) {
  const mb = Number(process.env.BENCH_SCAN_MB ?? 1024);
  const hostRoot = path.join(work, 'host');
  const logDir = path.join(hostRoot, 'var/log/ecs');
  await mkdir(logDir, { recursive: true });
  const file = path.join(logDir, 'ecs-agent.log');
  const g0 = Date.now();
  const gen = await generateLog(file, mb * 1024 * 1024);
  const size = (await stat(file)).size;
  log(`scan: generated ${(size / 1048576).toFixed(0)} MiB, ${gen.lines.toLocaleString()} lines (${gen.failuresWritten.toLocaleString()} failure lines, 1 in 500) in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
  const pat = await grepPatternFile(work);

  // Warm the page cache so both readers see the same state.
  await timed('sh', ['-c', 'cat "$1" > /dev/null', 'warm', file]).catch(() => {});
  const grepMs = [];
  let grepCount = '';
  const scanMs = [];
  const rss = [];
  let report;
  for (let i = 0; i < runs; i++) {
    const g = await timed('grep', ['-E', '-c', '-f', pat.file, file], { LC_ALL: 'C' });
    grepMs.push(g.ms);
    grepCount = g.out.trim();
    const s = await timed(process.execPath, [bundle, 'scan', '--root', hostRoot, '--format', 'json', '--no-checks', '--fail-on', 'never'], { ECS_TRIAGE_RUSAGE: '1' });
    if (s.code !== 0) throw new Error(`scan failed (${s.code}): ${s.err.slice(0, 2000)}`);
    scanMs.push(s.ms);
    const ru = /rusage (\{.*\})/.exec(s.err);
    if (ru) rss.push(JSON.parse(ru[1]).maxRSS / 1024);
    report = JSON.parse(s.out);
  }
  const g = median(grepMs);
  const sc = median(scanMs);
  const matched = report.findings.reduce((n, f) => n + f.count, 0);
  log(`scan: GNU grep -E -c -f (${pat.count} literal patterns, LC_ALL=C): median ${(g / 1000).toFixed(2)} s = ${((size / 1048576) / (g / 1000)).toFixed(0)} MB/s, ${grepCount} lines`);
  log(`scan: ecs-triage scan (bundle, ${report.findings.length} causes, ${matched.toLocaleString()} lines classified): median ${(sc / 1000).toFixed(2)} s = ${((size / 1048576) / (sc / 1000)).toFixed(0)} MB/s, ${Math.round(gen.lines / (sc / 1000)).toLocaleString()} lines/s, peak RSS ${rss.length ? median(rss).toFixed(0) : '?'} MB`);
  log(`scan: throughput ratio vs grep = ${(g / sc).toFixed(2)} (>= 1.0 means at least grep's speed); runs: grep ${grepMs.map((x) => x.toFixed(0)).join('/')} ms, scan ${scanMs.map((x) => x.toFixed(0)).join('/')} ms`);
  return { ratio: g / sc, rssMb: median(rss) };
}

async function main() {
  if (!existsSync(bundle)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const work = path.join(os.tmpdir(), `ecs-triage-bench-${process.pid}`);
  await mkdir(work, { recursive: true });
  log(`ecs-triage bench — node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`);
  try {
    if (!only || only.has('scan')) await benchScan(work);
    const benchDir = path.join(root, 'scripts/bench');
    const modules = existsSync(benchDir) ? (await readdir(benchDir)).filter((n) => n.endsWith('.mjs')).sort() : [];
    for (const name of modules) {
      const key = name.replace(/\.mjs$/, '');
      if (only && !only.has(key)) continue;
      log(`\n== ${key} ==`);
      try {
        const mod = await import(pathToFileURL(path.join(benchDir, name)).href);
        await mod.run({ log, root, bundle, work: path.join(work, key), median, timed });
      } catch (err) {
        log(`${key}: FAILED: ${err?.stack ?? err}`);
        process.exitCode = 1;
      }
    }
  } finally {
    if (process.env.BENCH_KEEP) log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
