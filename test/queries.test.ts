// The Logs Insights query pack and the `queries` / `insights` commands, through the real SDK against the local
// CloudWatch Logs endpoint (whose query evaluator is a small stand-in, not Logs Insights: see its header).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadQueryPack, parseQueryFile, renderQuery } from '../src/aws/query-pack.js';
import { encodeEvent } from '../src/sinks/cloudwatch/event.js';
import { CloudWatchLogsServer, evaluate } from './servers/cloudwatch-logs.js';
import { runCli } from './helpers/index.js';
import { TEST_IDENTITY, makeEvent, makeTaskEvent, taskIdOfEvent, testEnv } from './servers/cloudwatch-fixtures.js';

let server: CloudWatchLogsServer;
const GROUP = '/ecs-triage/events';

/** The CLI as a process with the test credentials in its own environment (never in this process's). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runCli(args, { env: testEnv(env) });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  server = new CloudWatchLogsServer();
  await server.start();
  // Events as the sink ships them, from two clusters.
  const now = Date.now();
  const stream: Array<{ timestamp: number; message: string; ingestionTime: number }> = [];
  for (let i = 0; i < 30; i++) {
    const id = { ...TEST_IDENTITY, cluster: i < 20 ? 'prod-web' : 'batch', instanceId: `i-00000000000000${i % 3}` };
    const w = encodeEvent(makeEvent(i, now - 60_000), id, { namespace: 'ECSTriage', emf: true });
    stream.push({ ...w, ingestionTime: now });
  }
  // Task records from the same hosts: one per exit class in each cluster's share.
  for (let i = 0; i < 12; i++) {
    const id = { ...TEST_IDENTITY, cluster: i < 8 ? 'prod-web' : 'batch', instanceId: `i-00000000000000${i % 3}` };
    stream.push({ ...encodeEvent(makeTaskEvent(i, now - 30_000), id, { namespace: 'ECSTriage', emf: true }), ingestionTime: now });
  }
  server.groups.set(GROUP, { streams: new Map([['mixed', stream]]) });
});
afterAll(async () => {
  await server.stop();
});

describe('query pack', () => {
  it('loads ten valid queries, each within the Insights limits', async () => {
    const pack = await loadQueryPack();
    expect(pack.map((q) => q.name).sort()).toEqual([
      'disk-and-log-pressure',
      'failed-deployments',
      'images-not-found',
      'instance-timeline',
      'oom-killed-tasks',
      'registry-auth-failures',
      'stopped-tasks-by-exit-code',
      'task-history',
      'timeouts-by-registry',
      'top-causes-by-cluster',
    ]);
    for (const q of pack) expect(q.query.length).toBeLessThanOrEqual(10_000);
  });

  it('names the file and key of a bad query file', () => {
    expect(() => parseQueryFile('queries/x.yaml', 'name: x\ntitle: X\nquery: fields @message\nwhat: 1\n')).toThrow(/queries\/x\.yaml: what: unknown key/);
    expect(() => parseQueryFile('queries/y.yaml', 'name: y\ntitle: Y\nquery: filter instanceId = "{{instance}}"\n')).toThrow(/params/);
    expect(() => parseQueryFile('queries/z.yaml', 'name: other\ntitle: Z\nquery: fields @message\n')).toThrow(/must match the file name/);
  });

  it('fills parameters and refuses values that could break out of the query', async () => {
    const pack = await loadQueryPack();
    const timeline = pack.find((q) => q.name === 'instance-timeline')!;
    expect(renderQuery(timeline, { instance: 'i-0abc', cluster: 'prod' })).toMatch(/^filter cluster = "prod"\n\| fields .*instanceId = "i-0abc"/s);
    expect(() => renderQuery(timeline, {})).toThrow(/--instance/);
    expect(() => renderQuery(timeline, { instance: 'x" or 1=1' })).toThrow(/characters/);
  });

  it('every query runs on shipped events in the stand-in evaluator', async () => {
    const events = server.events(GROUP);
    for (const q of await loadQueryPack()) {
      const rows = evaluate(renderQuery(q, { instance: 'i-000000000000001', task: taskIdOfEvent(3) }), events, 10_000);
      if (q.name === 'top-causes-by-cluster' || q.name === 'instance-timeline') expect(rows.length).toBeGreaterThan(0);
    }
  });

  it('the task-record queries: by exit code, OOM kills, one task\'s history, failed deployments', async () => {
    const pack = await loadQueryPack();
    const events = server.events(GROUP);
    const run = (name: string, opts: { task?: string; cluster?: string } = {}): Array<Record<string, string>> =>
      evaluate(renderQuery(pack.find((q) => q.name === name)!, opts), events, 10_000).map((r) => Object.fromEntries(r.map((c) => [c.field, c.value])));
    const byCode = run('stopped-tasks-by-exit-code');
    expect(byCode.reduce((n, r) => n + Number(r.tasks), 0)).toBe(12);
    expect(byCode.find((r) => r.cluster === 'prod-web' && r.exitClass === 'oom')).toMatchObject({ exitCode: '137', tasks: '2' });
    const oom = run('oom-killed-tasks');
    expect(oom).toHaveLength(3);
    expect(oom.every((r) => r.exitMeaning === 'Docker reports the container as OOM-killed' && r.taskArn!.includes(':task/prod-web/'))).toBe(true);
    // The task's record and the finding whose line names it, in time order; an ARN works as well as an id.
    const history = run('task-history', { task: `arn:aws:ecs:eu-west-1:111122223333:task/prod-web/${taskIdOfEvent(3)}` });
    expect(history.map((r) => r.kind)).toEqual(['finding', 'task_stopped']);
    expect(history[1]).toMatchObject({ exitClass: 'normal', exitCode: '143', taskDefinition: 'worker:7' });
    const failed = run('failed-deployments', { cluster: 'prod-web' });
    expect(failed.map((r) => `${r.taskDefinition} ${r.category} ${r.tasks}`).sort()).toEqual(['web:7 container_exit 2', 'web:7 oom 2', 'worker:7 container_exit 2']);
    // Task records are not findings: the top causes leave them out.
    expect(run('top-causes-by-cluster').reduce((n, r) => n + Number(r.events), 0)).toBe(30);
    expect(() => run('task-history')).toThrow(/--task/);
    expect(() => run('task-history', { task: 'x/y"z' })).toThrow(/not a task ARN or id/);
  });
});

describe('queries install', () => {
  it('creates the definitions in the ecs-triage/ folder, then updates them in place', async () => {
    const first = await cli(['queries', 'install', '--endpoint', server.endpoint, '--log-group', GROUP]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out.match(/^created /gm)).toHaveLength(10);
    const defs = [...server.queryDefinitions.values()];
    expect(defs).toHaveLength(10);
    for (const d of defs) {
      expect(d.name.startsWith('ecs-triage/')).toBe(true);
      expect(d.logGroupNames).toEqual([GROUP]);
    }
    expect(defs.find((d) => d.name === "ecs-triage/One instance's timeline")!.queryString).toContain('i-0123456789abcdef0');
    expect(defs.find((d) => d.name === "ecs-triage/One task's history")!.queryString).toMatch(/# edit the task below\n[^]*like \/0123456789abcdef0123456789abcdef\//);

    const second = await cli(['queries', 'install', '--endpoint', server.endpoint, '--log-group', GROUP]);
    expect(second.out.match(/^updated /gm)).toHaveLength(10);
    expect(server.queryDefinitions.size).toBe(10);
  });

  it('takes the log group and endpoint from the config file the daemon uses', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'qcfg-'));
    const cfg = path.join(dir, 'config.yaml');
    await writeFile(cfg, `cloudwatch:\n  logGroup: /from-config\n  endpoint: ${server.endpoint}\n`);
    const r = await cli(['queries', 'install', '--config', cfg]);
    await rm(dir, { recursive: true, force: true });
    expect(r.err).toBe('');
    expect(r.out).toMatch(/10 queries saved for log group \/from-config/);
    expect([...server.queryDefinitions.values()].every((d) => d.logGroupNames[0] === '/from-config')).toBe(true);
  });

  it('works from the bundle with the endpoint from AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', async () => {
    const { out: stdout } = await cli(['queries', 'install'], { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: server.endpoint });
    expect(stdout).toMatch(/10 queries saved for log group \/ecs-triage\/events/);
  });
});

describe('insights', () => {
  it('runs a query until complete and prints JSON rows, filtered by cluster', async () => {
    const r = await cli(['insights', 'top-causes-by-cluster', '--cluster', 'prod-web', '--since', '2h', '--format', 'json', '--endpoint', server.endpoint]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { rows: Array<Record<string, string>>; statistics: { recordsScanned: number } };
    expect(out.rows.length).toBe(3); // prod-web × three categories
    expect(out.rows.every((row) => row.cluster === 'prod-web')).toBe(true);
    expect(out.rows.reduce((n, row) => n + Number(row.events), 0)).toBe(20);
    const [q] = [...server.queries.values()].slice(-1);
    expect(q!.polls).toBeGreaterThanOrEqual(2); // it waited through "Running"
    const req = q!.request as { startTime: number; endTime: number; logGroupName: string; queryString: string };
    expect(req.logGroupName).toBe(GROUP);
    expect(req.endTime - req.startTime).toBeGreaterThanOrEqual(7199);
    expect(req.endTime - req.startTime).toBeLessThanOrEqual(7201);
    expect(req.queryString.startsWith('filter cluster = "prod-web"')).toBe(true);
  });

  it('prints a table by default', async () => {
    const r = await cli(['insights', 'instance-timeline', '--instance', 'i-000000000000001', '--endpoint', server.endpoint]);
    expect(r.code).toBe(0);
    const [header, rule] = r.out.split('\n');
    expect(header).toMatch(/^@timestamp\s+severity\s+category/);
    expect(rule).toMatch(/^-+\s+-+/);
    expect(r.out).toMatch(/\d+ rows · One instance's timeline/);
  });

  it('fails clearly: unknown query, missing parameter, unknown log group', async () => {
    const a = await cli(['insights', 'nope', '--endpoint', server.endpoint]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/no query named "nope"; the pack has: .*top-causes-by-cluster/);
    const b = await cli(['insights', 'instance-timeline', '--endpoint', server.endpoint]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/needs --instance/);
    const c = await cli(['insights', 'images-not-found', '--log-group', '/missing', '--endpoint', server.endpoint]);
    expect(c.code).toBe(2); // a log group that does not exist: the command line names the wrong thing
    expect(c.err).toMatch(/StartQuery: Log group \/missing does not exist/);
  });

  it('says when the endpoint does not answer', async () => {
    server.faults.outage = 'drop';
    try {
      const r = await cli(['insights', 'images-not-found', '--endpoint', server.endpoint]);
      // 3 = could not run (issue 16): an unreachable endpoint is not a usage error.
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/^ecs-triage: StartQuery: /);
      expect(r.err).toMatch(/hint: no answer from the CloudWatch Logs endpoint/);
    } finally {
      server.faults.outage = false;
    }
  });

  it('lists the pack without touching AWS', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'qpack-'));
    await writeFile(path.join(dir, 'only-one.yaml'), 'name: only-one\ntitle: Only one\nquery: fields @message | limit 1\n');
    const r = await cli(['queries', 'list', '--dir', dir, '--format', 'json']);
    await rm(dir, { recursive: true, force: true });
    expect(JSON.parse(r.out)).toEqual([{ name: 'only-one', title: 'Only one', description: '', since: '1h', params: [], query: 'fields @message | limit 1' }]);
  });
});
