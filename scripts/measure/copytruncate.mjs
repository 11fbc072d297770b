// The copytruncate window (issue 10.4), with the real logrotate: a writer appends distinct failure lines to
// ecs-agent.log at RATE lines/s while `logrotate -f` with `copytruncate` rotates it ROTATIONS times; `watch` (the
// unit's NODE_OPTIONS, default settings) follows it. Lines written after logrotate finished copying and before
// it truncated are in neither file: that window is inherent to copytruncate. Printed: lines without an event,
// per rotation and per 10,000 lines written; then the same with the writer pausing around each rotation (0 is
// expected: nothing written in the window).
//   node scripts/measure/copytruncate.mjs          (RATE=2000 ROTATIONS=20; needs /usr/sbin/logrotate)
import { execFile } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI, fail, nodeOptionsLabel, setup, sleep, startWatch } from './lib.mjs';

const RATE = Number(process.env.RATE ?? 2000);
const ROTATIONS = Number(process.env.ROTATIONS ?? 20);
const LOGROTATE = process.env.LOGROTATE ?? '/usr/sbin/logrotate';
const run = promisify(execFile);

async function measure(quiet) {
  const env = setup('copytruncate', 'sinks: [file]\nfileSink:\n  maxBytes: 2GiB\n');
  const conf = path.join(env.base, 'logrotate.conf');
  writeFileSync(conf, `${env.log} {\n  copytruncate\n  rotate 1000\n  missingok\n  nocompress\n}\n`);
  const stateFile = path.join(env.base, 'logrotate.state');
  const d = await startWatch(env);
  let n = 0;
  let paused = false;
  let writing = true;
  const perTick = Math.max(1, Math.round(RATE / 200)); // every 5 ms
  const writer = (async () => {
    while (writing) {
      if (!paused) {
        let text = '';
        for (let i = 0; i < perTick; i++) text += fail(`c${n++}`) + '\n';
        appendFileSync(env.log, text);
      }
      await sleep(5);
    }
  })();
  for (let r = 0; r < ROTATIONS; r++) {
    await sleep(400);
    if (quiet) {
      paused = true;
      await sleep(300); // the daemon reads what was written before the copy
    }
    await run(LOGROTATE, ['-f', '-s', stateFile, conf]);
    if (quiet) paused = false;
  }
  await sleep(400);
  writing = false;
  await writer;
  const t0 = Date.now();
  const committed = () => {
    try {
      const cp = JSON.parse(readFileSync(path.join(env.state, 'checkpoints.json'), 'utf8'));
      return Math.max(-1, ...cp.files.filter((f) => f.path.endsWith('/ecs-agent.log')).map((f) => f.offset));
    } catch {
      return -1;
    }
  };
  while (committed() !== statSync(env.log).size && Date.now() - t0 < 120_000) await sleep(250);
  await sleep(1500);
  d.proc.kill('SIGTERM');
  await d.exited;
  const tags = new Set();
  let events = 0;
  for (const f of readdirSync(env.state).filter((x) => x.startsWith('events.jsonl'))) {
    for (const line of readFileSync(path.join(env.state, f), 'utf8').split('\n')) {
      if (!line) continue;
      events++;
      tags.add(/app:(c\d+)/.exec(JSON.parse(line).line)?.[1]);
    }
  }
  // Lines in no file at all (the live one or logrotate's copies) were lost by copytruncate itself.
  const onDisk = new Set();
  const dir = path.dirname(env.log);
  for (const f of readdirSync(dir)) for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/app:(c\d+)/g)) onDisk.add(m[1]);
  let lost = 0;
  let unreadOnDisk = 0;
  let inNoFile = 0;
  for (let i = 0; i < n; i++) {
    const t = `c${i}`;
    if (!onDisk.has(t)) inNoFile++;
    if (tags.has(t)) continue;
    lost++;
    if (onDisk.has(t)) unreadOnDisk++;
  }
  console.log(
    `${quiet ? 'writer quiet around each rotation' : `writer at ${RATE} lines/s throughout`}: ${ROTATIONS} rotations, ${n.toLocaleString('en')} lines → ` +
      `${lost} without an event (${(lost / ROTATIONS).toFixed(1)} per rotation, ${((lost / n) * 10_000).toFixed(1)} per 10,000 lines), ${events - tags.size} duplicates. ` +
      `${inNoFile} lines are in no file (written between logrotate's copy and its truncate); ${unreadOnDisk} lines on disk have no event`,
  );
  rmSync(env.base, { recursive: true, force: true });
}

console.log(`copytruncate with ${LOGROTATE}: ${path.relative(process.cwd(), CLI)}, ${nodeOptionsLabel()}`);
await measure(false);
await measure(true);
