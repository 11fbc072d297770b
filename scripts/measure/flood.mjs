// Flood memory and counts (issue 10.7): `watch` with the systemd unit's NODE_OPTIONS reads a flood of identical
// failure lines and one of distinct ones, written while it runs, then a backlog written while it was down.
// Prints the peak RSS (VmHWM) and whether the events' counts add up to the lines written. A daemon that dies is
// restarted (as systemd would, up to 3 times) and its events counted too, so a crash loop shows as an over-count.
//   node scripts/measure/flood.mjs                 10,000,000 identical, 1,000,000 distinct, 2,000,000 backlog
//   FLOOD_IDENTICAL=1000000 FLOOD_DISTINCT=100000 FLOOD_BACKLOG=0 node scripts/measure/flood.mjs
// Needs `npm run build` first. Writes up to ~2.5 GB under $MEASURE_DIR (default the temp dir) and removes it.
import { appendFileSync, rmSync, statSync } from 'node:fs';
import { fail, NOISE, nodeOptionsLabel, setup, sleep, sourceStatus, startWatch } from './lib.mjs';

const IDENTICAL = Number(process.env.FLOOD_IDENTICAL ?? 10_000_000);
const DISTINCT = Number(process.env.FLOOD_DISTINCT ?? 1_000_000);
const BACKLOG = Number(process.env.FLOOD_BACKLOG ?? 2_000_000);
const CHUNK_LINES = 16_384;
const fmt = (n) => n.toLocaleString('en');

/** Appends `n` lines made by `line(i)` in 4 MB writes; with `pace`, waits between writes while the daemon reads. */
async function writeLines(file, n, line, pace = true) {
  for (let i = 0; i < n; ) {
    const m = Math.min(CHUNK_LINES, n - i);
    let text = '';
    for (let k = 0; k < m; k++) text += line(i + k) + '\n';
    appendFileSync(file, text);
    i += m;
    if (pace) await sleep(1);
  }
}

/** Runs the daemon until it has read `file` to its end and delivered everything; restarts it if it dies. */
async function runUntilRead(env, args, write) {
  const events = [];
  const onEvent = (ev) => events.push({ id: ev.id, count: ev.count });
  let peak = 0;
  let restarts = 0;
  let d = await startWatch(env, args, onEvent);
  const writing = write?.();
  const t0 = Date.now();
  for (;;) {
    if (d.proc.exitCode !== null || d.proc.signalCode !== null) {
      peak = Math.max(peak, d.peakMb);
      const why = /heap out of memory|FATAL ERROR[^\n]*/.exec(d.stderr())?.[0] ?? `exit ${d.proc.exitCode ?? d.proc.signalCode}`;
      console.log(`  the daemon died (${why}); restarting it as systemd would`);
      if (++restarts > 3) break;
      d = await startWatch(env, [], onEvent);
      continue;
    }
    const st = sourceStatus(env);
    const size = statSync(env.log).size;
    if ((await Promise.race([writing, Promise.resolve('pending')])) !== 'pending' && st && st.read === size && st.pipeline.backlog === 0) break;
    if (Date.now() - t0 > 30 * 60_000) {
      console.log('  gave up after 30 minutes');
      break;
    }
    await sleep(250);
  }
  await writing;
  if (d.proc.exitCode === null) {
    d.proc.kill('SIGTERM'); // pending folds are sent at shutdown
    await d.exited;
  }
  peak = Math.max(peak, d.peakMb);
  return { events, peak, restarts, seconds: (Date.now() - t0) / 1000 };
}

function report(name, lines, r, expectEvents) {
  const total = r.events.reduce((n, e) => n + e.count, 0);
  const ids = new Set(r.events.map((e) => e.id)).size;
  const exact = total === lines && ids === r.events.length && (expectEvents === undefined || r.events.length === expectEvents);
  console.log(
    `${name}: ${fmt(lines)} lines → ${fmt(r.events.length)} events, counts add up to ${fmt(total)} (${exact ? 'exact' : 'NOT exact'}), ` +
      `peak RSS ${r.peak.toFixed(0)} MB, ${r.restarts} restarts, ${r.seconds.toFixed(0)} s`,
  );
}

console.log(`watch floods, ${nodeOptionsLabel()}, default settings (stdout sink, 60 s windows); status every 1 s to see when it caught up`);
const extra = 'sinks: [stdout]\nstatus:\n  intervalMs: 1s\n';
if (IDENTICAL > 0) {
  const env = setup('identical', extra);
  const r = await runUntilRead(env, [], () => writeLines(env.log, IDENTICAL, () => fail('flood')));
  report('identical lines while running', IDENTICAL, r);
  rmSync(env.base, { recursive: true, force: true });
}
if (DISTINCT > 0) {
  const env = setup('distinct', extra);
  const r = await runUntilRead(env, [], () => writeLines(env.log, DISTINCT, (i) => fail(`d${i}`)));
  report('distinct lines while running', DISTINCT, r, DISTINCT);
  rmSync(env.base, { recursive: true, force: true });
}
if (BACKLOG > 0) {
  // Written while the daemon was down (after it had saved its position), half identical, half noise around them.
  const env = setup('backlog', extra);
  const first = await runUntilRead(env, [], undefined);
  await writeLines(env.log, BACKLOG, (i) => (i % 2 ? NOISE : fail('backlog')), false);
  const r = await runUntilRead(env, [], undefined);
  r.events.push(...first.events);
  report('identical lines in a backlog after downtime (with as many noise lines)', BACKLOG / 2, r);
  rmSync(env.base, { recursive: true, force: true });
}
