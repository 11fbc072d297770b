#!/usr/bin/env node
// `npm run bench`: measured, not asserted. Every figure is quoted next to a reference run on the same machine
// in the same run (ripgrep and GNU grep over the same file, `node -e 0`), because this machine is shared and noisy.
//
// Sections: every module in scripts/bench/ (host checks, CloudWatch, scan throughput over a generated agent log
// of 1 GiB by default, start-up, watch; their shared helpers are in scripts/bench/lib/).
// BENCH_ONLY=scan,checks runs a subset; BENCH_SCAN_MB sets the log size; BENCH_RUNS the repetitions (median
// is reported).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, 'dist/ecs-triage.mjs');
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
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

async function main() {
  if (!existsSync(bundle)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const work = path.join(os.tmpdir(), `ecs-triage-bench-${process.pid}`);
  await mkdir(work, { recursive: true });
  log(`ecs-triage bench — node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`);
  try {
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
