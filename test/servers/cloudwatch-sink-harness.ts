// A real process around the CloudWatch sink, for crash/restart tests and the benchmark. Bundled with esbuild
// by the test, then run with `node harness.mjs '<json args>'`. Prints `written N` after each write() resolved
// (the events are on disk by then), `all-written`, and with `drain` a final `stats {json}` line.
import { readFile } from 'node:fs/promises';
import { createCloudWatchSink } from '../../src/sinks/cloudwatch/index.js';
import { createLogger } from '../../src/log.js';
import { TEST_IDENTITY, makeEvent, cwSettings } from './cloudwatch-fixtures.js';

interface Args {
  endpoint: string;
  stateDir: string;
  from: number;
  to: number;
  per: number;
  delayMs?: number;
  /** Keep flushing until the spool is empty, then close and print stats. */
  drain?: boolean;
  tuning?: Record<string, unknown>;
  /** Exit at once after `all-written`, as a crash would: the events stay in the spool for the next process. */
  exitWhenWritten?: boolean;
  time?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const sink = await createCloudWatchSink({
  config: cwSettings({ endpoint: args.endpoint, region: 'eu-west-1', flushIntervalMs: 50 }),
  stateDir: args.stateDir,
  log: createLogger(process.stderr, 'warn'),
  identity: { ...TEST_IDENTITY },
  tuning: {
    retryBaseMs: 20,
    retryMaxMs: 200,
    connectTimeoutMs: 500,
    requestTimeoutMs: 1000,
    sdkMaxAttempts: 1,
    credentials: { accessKeyId: 'AKIDTESTTESTTESTTEST', secretAccessKey: 'test-secret-not-real' },
    ...args.tuning,
  },
});
const time = args.time ?? Date.now();
for (let i = args.from; i < args.to; i += args.per) {
  const batch = [];
  for (let j = i; j < Math.min(i + args.per, args.to); j++) batch.push(makeEvent(j, time + j));
  await sink.write(batch);
  process.stdout.write(`written ${Math.min(i + args.per, args.to)}\n`);
  if (args.delayMs) await new Promise((r) => setTimeout(r, args.delayMs));
}
process.stdout.write('all-written\n');
if (args.exitWhenWritten) process.exit(0);
if (args.drain) {
  while (sink.health().pending > 0) {
    await sink.flush();
    if (sink.health().pending > 0) await new Promise((r) => setTimeout(r, 50));
  }
  await sink.close();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  const peakRss = hwm ? Number(hwm[1]) * 1024 : undefined;
  process.stdout.write(`stats ${JSON.stringify({ ...sink.stats, fills: undefined, rss: process.memoryUsage().rss, peakRss })}\n`);
} else {
  // Stay alive (retrying in the background) until the test kills us.
  setInterval(() => undefined, 1 << 30);
}
