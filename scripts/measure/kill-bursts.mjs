// Duplicates and losses in the file sink after kill -9 under load (issue 10.5): bursts of 7,500 distinct
// failure lines a second (150 every 20 ms, one second each), `watch` killed with SIGKILL in the middle of each
// of KILLS bursts and started again (the unit's NODE_OPTIONS, default settings; the sink file is made big enough
// to keep every event for counting). Prints the events written twice (same id) and the lines without an event.
//   node scripts/measure/kill-bursts.mjs            (KILLS=10)
//   MEASURE_BIN=/path/to/older/ecs-triage.mjs node scripts/measure/kill-bursts.mjs   (the same against another build)
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { CLI, fail, nodeOptionsLabel, setup, sleep, startWatch } from './lib.mjs';

const KILLS = Number(process.env.KILLS ?? 10);
const env = setup('kills', 'sinks: [file]\nfileSink:\n  maxBytes: 2GiB\n');
let n = 0;
async function burst() {
  for (let k = 0; k < 50; k++) {
    let text = '';
    for (let i = 0; i < 150; i++) text += fail(`b${n++}`) + '\n';
    appendFileSync(env.log, text);
    await sleep(20);
  }
}
function committed() {
  try {
    const cp = JSON.parse(readFileSync(path.join(env.state, 'checkpoints.json'), 'utf8'));
    return Math.max(-1, ...cp.files.filter((f) => f.path.endsWith('/ecs-agent.log')).map((f) => f.offset));
  } catch {
    return -1;
  }
}

console.log(`kill -9 during bursts of 7,500 lines/s: ${path.relative(process.cwd(), CLI)}, ${nodeOptionsLabel()}`);
let d = await startWatch(env);
for (let k = 0; k < KILLS; k++) {
  const writing = burst();
  await sleep(300 + Math.random() * 500);
  d.proc.kill('SIGKILL');
  await d.exited;
  await writing;
  d = await startWatch(env);
}
await burst();
const t0 = Date.now();
while (committed() !== statSync(env.log).size && Date.now() - t0 < 600_000) await sleep(500);
d.proc.kill('SIGTERM');
await d.exited;
const ids = new Map();
const tags = new Set();
for (const f of readdirSync(env.state).filter((x) => x.startsWith('events.jsonl'))) {
  for (const line of readFileSync(path.join(env.state, f), 'utf8').split('\n')) {
    if (!line) continue;
    const ev = JSON.parse(line);
    ids.set(ev.id, (ids.get(ev.id) ?? 0) + 1);
    tags.add(/app:(b\d+)/.exec(ev.line)?.[1]);
  }
}
const dup = [...ids.values()].reduce((s, c) => s + c - 1, 0);
const events = [...ids.values()].reduce((s, c) => s + c, 0);
console.log(`${KILLS} kills, ${n.toLocaleString('en')} failure lines → ${events.toLocaleString('en')} events written, ${dup.toLocaleString('en')} duplicates (same id), ${(n - tags.size).toLocaleString('en')} lines without an event`);
rmSync(env.base, { recursive: true, force: true });
