// Crash and restart with real processes: a sink killed with SIGKILL during an outage, and again in the middle
// of sending, loses nothing; a resend after a crash repeats identical events (same id, same bytes) only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { testEnv } from './servers/cloudwatch-fixtures.js';

let server: CloudWatchLogsServer;
let tmp: string;
let harness: string;

beforeAll(async () => {
  server = new CloudWatchLogsServer();
  await server.start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cw-restart-'));
  harness = path.join(tmp, 'harness.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'servers/cloudwatch-sink-harness.ts')],
    outfile: harness,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  lines: string[];
  waitFor(re: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

function run(args: Record<string, unknown>): Run {
  const child = spawn(process.execPath, [harness, JSON.stringify({ endpoint: server.endpoint, ...args })], {
    env: testEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (re: RegExp): Promise<string> => {
    for (;;) {
      const hit = lines.find((l) => re.test(l));
      if (hit) return hit;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`harness exited (${child.exitCode}) before ${re}: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { child, lines, waitFor, exited };
}

const idOf = (m: string): string => (JSON.parse(m) as { id: string }).id;
const expectedIds = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `evt-${String(from + i).padStart(8, '0')}`);

describe('CloudWatch sink across crashes (real processes)', () => {
  it('an outage with a SIGKILL restart in the middle loses nothing and duplicates nothing', async () => {
    const stateDir = path.join(tmp, 'state-outage');
    const time = Date.now() - 60_000;
    server.faults.outage = 'drop';

    // First daemon: writes 3,000 events (each write resolved = on disk), retries against the dead endpoint, is killed.
    const a = run({ stateDir, from: 0, to: 3000, per: 100, time });
    await a.waitFor(/^all-written$/);
    await new Promise((r) => setTimeout(r, 400)); // a few failed attempts
    a.child.kill('SIGKILL');
    await a.exited;
    expect(server.events('/ecs-triage/events')).toHaveLength(0);

    // Second daemon: finds the spool, adds 3,000 more, still in the outage; then the endpoint recovers.
    const b = run({ stateDir, from: 3000, to: 6000, per: 100, time, drain: true });
    await b.waitFor(/^all-written$/);
    server.faults.outage = 'hang';
    await new Promise((r) => setTimeout(r, 1200)); // requests time out instead of failing fast
    server.faults.outage = '503';
    await new Promise((r) => setTimeout(r, 300));
    server.faults.outage = false;
    const stats = JSON.parse((await b.waitFor(/^stats /)).slice(6)) as { delivered: number; droppedSpoolFull: number };
    expect(await b.exited).toBe(0);

    const got = server.events('/ecs-triage/events').map((e) => idOf(e.message));
    expect(got).toEqual(expectedIds(0, 6000)); // all of them, once each, in the order they were written
    expect(stats.delivered).toBe(6000);
    expect(stats.droppedSpoolFull).toBe(0);
    expect(server.violations).toEqual([]);
  }, 90_000);

  it('a SIGKILL while batches are in flight only repeats identical events', async () => {
    const stateDir = path.join(tmp, 'state-inflight');
    const time = Date.now() - 30_000;
    // The previous test's events stay on the server; count from here.
    const before = server.events('/ecs-triage/events').length;
    server.faults.slowMs = 150;
    const okPuts = (): number => server.puts.filter((p) => p.outcome === 'ok').length;
    const putsBefore = okPuts();

    const c = run({ stateDir, from: 10_000, to: 20_000, per: 500, time });
    while (okPuts() < putsBefore + 3) await new Promise((r) => setTimeout(r, 20));
    c.child.kill('SIGKILL');
    await c.exited;
    server.faults.slowMs = 0;

    const d = run({ stateDir, from: 0, to: 0, per: 1, time, drain: true });
    await d.waitFor(/^stats /);
    expect(await d.exited).toBe(0);

    const events = server.events('/ecs-triage/events').slice(before);
    const byId = new Map<string, string>();
    let duplicates = 0;
    for (const e of events) {
      const id = idOf(e.message);
      const prev = byId.get(id);
      if (prev !== undefined) {
        duplicates++;
        expect(e.message).toBe(prev); // a duplicate is recognisable: same id, same content
      } else byId.set(id, e.message);
    }
    // Nothing lost (the killed process had written all it reported as written; the rest was never written).
    const c_written = Math.max(0, ...c.lines.filter((l) => l.startsWith('written ')).map((l) => Number(l.slice(8))));
    for (const id of expectedIds(10_000, c_written)) expect(byId.has(id)).toBe(true);
    // At most one unacknowledged chunk (≤ 10,000 events, ≤ 1 MiB) is sent twice.
    expect(duplicates).toBeLessThanOrEqual(1000);
    expect(server.violations).toEqual([]);
  }, 90_000);
});
