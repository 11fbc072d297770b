// The CloudWatch sink against the wire: the real SDK client, a local CloudWatch Logs endpoint that enforces
// the PutLogEvents limits and injects faults, a real spool on disk.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { TEST_CREDENTIALS, TEST_IDENTITY, makeEvent, testEnv, cwSettings } from './servers/cloudwatch-fixtures.js';
import { createCloudWatchSink, type CloudWatchSink } from '../src/sinks/cloudwatch/index.js';
import { eventCost } from '../src/sinks/cloudwatch/batch.js';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../src/cloudwatch-limits.js';
import { silentLogger } from '../src/log.js';

const FAST = { retryBaseMs: 20, retryMaxMs: 200, connectTimeoutMs: 500, requestTimeoutMs: 1000, sdkMaxAttempts: 1, credentials: TEST_CREDENTIALS };

let server: CloudWatchLogsServer;
let dirs: string[] = [];
const sinks: CloudWatchSink[] = [];

async function stateDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'cw-sink-'));
  dirs.push(d);
  return d;
}

async function sink(extra: Record<string, unknown> = {}, tuning: Record<string, unknown> = {}, dir?: string): Promise<CloudWatchSink> {
  const s = await createCloudWatchSink({
    config: cwSettings({ endpoint: server.endpoint, region: 'eu-west-1', flushIntervalMs: 50, ...extra }),
    stateDir: dir ?? (await stateDir()),
    log: silentLogger,
    identity: { ...TEST_IDENTITY },
    env: testEnv(),
    tuning: { ...FAST, ...tuning },
  });
  sinks.push(s);
  return s;
}

function ids(group = '/ecs-triage/events'): string[] {
  return server.events(group).map((e) => (JSON.parse(e.message) as { id: string }).id);
}

beforeAll(async () => {
  server = new CloudWatchLogsServer();
  await server.start();
});
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
  server.groups.clear();
  server.puts.length = 0;
  server.violations.length = 0;
  server.calls.length = 0;
  server.faults = { throttle: 0, serverErrors: 0, drop: 0, slowMs: 0, outage: false };
  server.now = () => Date.now();
});
afterAll(async () => {
  await server.stop();
});

describe('CloudWatch sink batching', () => {
  it('ships 100,000 events in the fewest valid requests, each id exactly once', async () => {
    const s = await sink();
    const now = Date.now();
    const events = Array.from({ length: 100_000 }, (_, i) => makeEvent(i, now - 60_000 + (i % 1000), i % 7 === 0 ? ' extra='.padEnd(300, 'x') : ''));
    // The daemon hands over events as they come; 5,000 at a time keeps the spool well under its bound.
    for (let i = 0; i < events.length; i += 5000) await s.write(events.slice(i, i + 5000));
    await s.flush();
    expect(s.stats.droppedSpoolFull).toBe(0);

    expect(server.violations).toEqual([]);
    const puts = server.puts.filter((p) => p.outcome === 'ok');
    expect(puts.length).toBe(server.puts.length);
    // The fewest requests for this ordered stream: cut greedily at the limits (sort by time first, as CloudWatch requires).
    const wire = server.events('/ecs-triage/events', TEST_IDENTITY.instanceId);
    expect(wire).toHaveLength(100_000);
    let expected = 0;
    let bytes = 0;
    let count = 0;
    for (const e of wire) {
      const c = eventCost(e.message);
      if (count === 0 || count >= MAX_BATCH_EVENTS || bytes + c > MAX_BATCH_BYTES) {
        expected++;
        bytes = 0;
        count = 0;
      }
      bytes += c;
      count++;
    }
    const total = wire.reduce((n, e) => n + eventCost(e.message), 0);
    expect(puts.length).toBeLessThanOrEqual(expected + 1);
    expect(puts.length).toBeGreaterThanOrEqual(Math.ceil(total / MAX_BATCH_BYTES));
    // Backlogged batches fill at least 90 % of a limit (the last one takes the remainder).
    for (const p of puts.slice(0, -1)) expect(Math.max(p.bytes / MAX_BATCH_BYTES, p.events / MAX_BATCH_EVENTS)).toBeGreaterThanOrEqual(0.9);
    const got = ids();
    expect(new Set(got).size).toBe(100_000);
    expect(s.stats.delivered).toBe(100_000);
    expect(s.health().pending).toBe(0);
    // Group and stream were created once each; the hot path is PutLogEvents only (no Describe*).
    expect(server.calls.filter((c) => c !== 'PutLogEvents').sort()).toEqual(['CreateLogGroup', 'CreateLogStream']);
  }, 120_000);

  it('sends events out of time order as chronological batches split at 24 hours', async () => {
    const s = await sink();
    const now = Date.now();
    const hours = [30, 2, 50, 1, 26, 49];
    await s.write(hours.map((h, i) => makeEvent(i, now - h * 3_600_000)));
    await s.flush();
    expect(server.violations).toEqual([]);
    expect(server.puts.length).toBe(2); // [50,49,30,26] would span 24h+: the batches are {50,49,30} {26,2,1}
    expect(server.events('/ecs-triage/events')).toHaveLength(6);
  });

  it('drops events outside the −14 d … +2 h window before sending, and counts what the service rejects', async () => {
    const s = await sink({ retentionDays: 1 });
    const now = Date.now();
    await s.write([
      makeEvent(1, now - 20 * 86_400_000), // too old: never sent
      makeEvent(2, now + 5 * 3_600_000), //   too new: never sent
      makeEvent(3, now - 3 * 86_400_000), //  older than the group's 1-day retention: the service rejects it
      makeEvent(4, now - 1000),
    ]);
    await s.flush();
    expect(s.stats.droppedOutOfWindow).toBe(2);
    expect(s.stats.rejectedByService.expired).toBe(1);
    expect(s.stats.delivered).toBe(1);
    expect(ids()).toEqual(['evt-00000004']);
    // Two requests (3 days ago and now are more than 24 h apart); rejected events are not retried.
    expect(server.puts).toHaveLength(2);
    expect(server.groups.get('/ecs-triage/events')?.retentionInDays).toBe(1);

    // The service's clock says the events are too new / too old: counted, not retried.
    server.now = () => Date.now() + 15 * 86_400_000;
    await s.write([makeEvent(5, Date.now() - 2000)]);
    await s.flush();
    expect(s.stats.rejectedByService.tooOld).toBe(1);
    server.now = () => Date.now() - 3 * 3_600_000;
    await s.write([makeEvent(6, Date.now())]);
    await s.flush();
    expect(s.stats.rejectedByService.tooNew).toBe(1);
    expect(server.puts).toHaveLength(4);
    expect(s.health().failed).toBe(5);
  });

  it('cuts an oversized event down instead of losing it', async () => {
    const s = await sink();
    await s.write([makeEvent(1, Date.now(), ' big=' + 'y'.repeat(400_000))]);
    await s.flush();
    expect(server.violations).toEqual([]);
    const [e] = server.events('/ecs-triage/events');
    const msg = JSON.parse(e!.message) as { id: string; truncated?: boolean };
    expect(msg.id).toBe('evt-00000001');
    expect(msg.truncated).toBe(true);
  });
});

describe('CloudWatch sink faults', () => {
  it('retries throttling, 5xx, dropped connections and slow answers until every event is in', async () => {
    const s = await sink({}, { requestTimeoutMs: 300 });
    server.faults = { throttle: 3, serverErrors: 3, drop: 2, slowMs: 0, outage: false, only: ['PutLogEvents'] };
    const now = Date.now();
    await s.write(Array.from({ length: 50 }, (_, i) => makeEvent(i, now)));
    await s.flush();
    while (s.health().pending > 0) await s.flush();
    expect(new Set(ids())).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `evt-${String(i).padStart(8, '0')}`)));
    expect(s.stats.retries).toBeGreaterThanOrEqual(8);

    server.faults.slowMs = 600; // longer than requestTimeout: the SDK gives up, the sink retries
    setTimeout(() => (server.faults.slowMs = 0), 1500);
    await s.write([makeEvent(100, now)]);
    while (s.health().pending > 0) await s.flush();
    expect(ids()).toContain('evt-00000100');
    expect(server.violations).toEqual([]);
  });

  it('re-creates the group and stream when they disappear while running', async () => {
    const s = await sink();
    await s.write([makeEvent(1)]);
    await s.flush();
    server.groups.clear(); // someone deleted the log group
    await s.write([makeEvent(2)]);
    await s.flush();
    expect(ids()).toEqual(['evt-00000002']);
    expect(server.calls.filter((c) => c === 'CreateLogGroup')).toHaveLength(2);
    expect(server.puts.map((p) => p.outcome)).toEqual(['ok', 'missing', 'ok']);
  });

  it('keeps events spooled through an outage and sends them in order when the endpoint answers', async () => {
    const s = await sink();
    server.faults.outage = 'drop';
    const now = Date.now();
    for (let i = 0; i < 20; i++) await s.write([makeEvent(i, now + i)]); // each resolves: on disk
    await s.flush(); // returns although nothing could be sent
    expect(s.health().ok).toBe(false);
    expect(s.health().pending).toBe(20);
    server.faults.outage = '503';
    await new Promise((r) => setTimeout(r, 300));
    server.faults.outage = false;
    while (s.health().pending > 0) await s.flush();
    expect(ids()).toEqual(Array.from({ length: 20 }, (_, i) => `evt-${String(i).padStart(8, '0')}`));
    expect(s.health().ok).toBe(true);
  });

  it('drops the oldest events first when the spool is full, and counts them', async () => {
    const s = await sink({ spoolMaxBytes: 1024 * 1024 }, { segmentBytes: 128 * 1024 });
    server.faults.outage = 'drop';
    const now = Date.now();
    for (let i = 0; i < 30; i++) await s.write(Array.from({ length: 100 }, (_, j) => makeEvent(i * 100 + j, now)));
    expect(s.spool.bytes).toBeLessThanOrEqual(1024 * 1024 + 128 * 1024);
    const dropped = s.stats.droppedSpoolFull;
    expect(dropped).toBeGreaterThan(0);
    server.faults.outage = false;
    while (s.health().pending > 0) await s.flush();
    const got = ids();
    expect(got.length + dropped).toBe(3000);
    expect(got.at(-1)).toBe('evt-00002999'); // the newest survive
    expect(got[0]).toBe(`evt-${String(dropped).padStart(8, '0')}`); // exactly the oldest went
  });

  it('isolates an event the service refuses as invalid, drops only that one, and never loops', async () => {
    const s = await sink();
    server.faults.invalidIf = /evt-00000013/;
    const now = Date.now();
    await s.write(Array.from({ length: 40 }, (_, i) => makeEvent(i, now + i)));
    while (s.health().pending > 0) await s.flush();
    expect(s.stats.droppedInvalid).toBe(1);
    expect(ids()).toHaveLength(39);
    expect(ids()).not.toContain('evt-00000013');
    expect(server.puts.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(40)) + 1); // halving, not one by one
  });

  it('keeps events spooled while credentials are refused, reports it, and recovers', async () => {
    const s = await sink();
    server.faults.denyAuth = true;
    await s.write([makeEvent(1), makeEvent(2)]);
    await s.flush();
    expect(s.health()).toMatchObject({ ok: false, pending: 2 });
    expect(s.health().lastError).toMatch(/security token/);
    server.faults.denyAuth = false;
    while (s.health().pending > 0) await s.flush();
    expect(ids()).toEqual(['evt-00000001', 'evt-00000002']);
    expect(s.health().ok).toBe(true);
  });

  it('sends directly when the disk is full (the spool segment is /dev/full), and fails clearly if it cannot', async () => {
    const dir = await stateDir();
    const s = await sink({}, {}, dir);
    // The spool's next segment file becomes a real device that answers every write with ENOSPC.
    const segment = path.join(dir, 'cloudwatch-spool', '0000000000000001.seg');
    await symlink('/dev/full', segment);
    await s.write([makeEvent(1), makeEvent(2)]);
    expect(ids()).toEqual(['evt-00000001', 'evt-00000002']);
    expect(s.stats.sentDirect).toBe(2);
    expect(s.health().pending).toBe(0);
    // Disk still full (next segment too) and CloudWatch down: write() rejects, so the caller keeps its checkpoint.
    await symlink('/dev/full', segment); // the failed (empty) segment was removed, so the next append opens it again
    server.faults.outage = 'drop';
    await expect(s.write([makeEvent(3)])).rejects.toThrow(/spool not writable .*CloudWatch did not take the events/);
  });

  it('honours AWS_ENDPOINT_URL_CLOUDWATCH_LOGS when no endpoint is configured', async () => {
    const dir = await stateDir();
    const s = await createCloudWatchSink({
      config: cwSettings({ flushIntervalMs: 50 }),
      stateDir: dir,
      log: silentLogger,
      identity: { ...TEST_IDENTITY },
      env: testEnv(),
      tuning: FAST,
    });
    sinks.push(s);
    const before = process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS;
    // The SDK reads the endpoint from the process environment when the client is built; the sink built above
    // had none, so build another one with it set.
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = server.endpoint;
    try {
      const s2 = await createCloudWatchSink({
        config: cwSettings({ flushIntervalMs: 50 }),
        stateDir: await stateDir(),
        log: silentLogger,
        identity: { ...TEST_IDENTITY },
        env: testEnv(),
        tuning: FAST,
      });
      sinks.push(s2);
      await s2.write([makeEvent(7)]);
      await s2.flush();
      expect(ids()).toEqual(['evt-00000007']);
    } finally {
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS;
      else process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = before;
    }
  });
});
