// End to end through the daemon: `ecs-triage watch` with the CloudWatch sink (a real process, real files, the
// real SDK against the local Logs endpoint): latency of one event, then an outage with kill -9 and restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { testEnv } from './servers/cloudwatch-fixtures.js';
import { failLine, ready, sleep, startDaemon, tmp, waitFor, writeConfig } from './helpers/index.js';

let server: CloudWatchLogsServer;

beforeAll(async () => {
  server = new CloudWatchLogsServer();
  await server.start();
});
afterAll(async () => {
  await server.stop();
});

interface Shipped {
  id: string;
  ruleId: string;
  tag?: string;
  line?: string;
  hostname: string;
}

function shipped(): Shipped[] {
  return server.events('/ecs-triage/watch').map((e) => JSON.parse(e.message) as Shipped);
}
const tagOf = (e: Shipped): string => String(e.tag ?? /app:([\w.-]+)/.exec(e.line ?? '')?.[1]);

describe('watch --sink cloudwatch', () => {
  it('delivers within seconds, and loses nothing across an outage with kill -9 and restart', async () => {
    const base = tmp('cw-watch-');
    const root = path.join(base, 'root');
    const state = path.join(base, 'state');
    const log = path.join(root, 'var/log/ecs/ecs-agent.log');
    mkdirSync(path.dirname(log), { recursive: true });
    writeFileSync(log, '');
    const config = writeConfig(
      path.join(base, 'etc'),
      `cloudwatch:\n  logGroup: /ecs-triage/watch\n  logStream: host-a\n  endpoint: ${server.endpoint}\n  region: eu-west-1\n  flushIntervalMs: 200\n`,
    );
    const env = testEnv({ ECS_TRIAGE_LOG_LEVEL: 'warn' });
    const args = ['--config', config, '--root', root, '--state-dir', state, '--sink', 'cloudwatch', '--from-beginning'];

    let d = startDaemon(args, env);
    await ready(d, state);
    const t0 = Date.now();
    appendFileSync(log, failLine('first') + '\n');
    await waitFor('first event in CloudWatch', () => shipped().length >= 1, 10_000, d);
    const latency = Date.now() - t0;
    expect(latency).toBeLessThan(5000);
    expect(shipped()[0]).toMatchObject({ schema: 1, category: 'arch_mismatch' });

    // Outage: lines keep coming, the daemon is killed and restarted, then CloudWatch answers again.
    server.faults.outage = 'drop';
    const tags = ['first'];
    for (let i = 0; i < 20; i++) {
      appendFileSync(log, failLine(`out-${i}`) + '\n');
      tags.push(`out-${i}`);
    }
    await sleep(1500); // read, classified, written to the spool; checkpoints moved
    await d.stop('SIGKILL');
    for (let i = 0; i < 10; i++) {
      appendFileSync(log, failLine(`down-${i}`) + '\n'); // written while the daemon is dead
      tags.push(`down-${i}`);
    }
    d = startDaemon(args, env);
    await ready(d, state);
    await sleep(1000);
    server.faults.outage = false;
    await waitFor('all events', () => new Set(shipped().map(tagOf)).size >= tags.length, 30_000, d);
    await d.stop('SIGTERM');

    const events = shipped();
    expect([...new Set(events.map(tagOf))].sort()).toEqual([...tags].sort());
    // Repeats, if any, carry the same id as the original: recognisable in Insights.
    const idsByTag = new Map<string, Set<string>>();
    for (const e of events) (idsByTag.get(tagOf(e)) ?? idsByTag.set(tagOf(e), new Set()).get(tagOf(e))!).add(e.id);
    for (const [, ids] of idsByTag) expect(ids.size).toBe(1);
    expect(server.violations).toEqual([]);
    rmSync(base, { recursive: true, force: true });
  }, 90_000);
});
