// `scan --ship`: a real scan report of a fixture host goes through the CloudWatch sink; re-shipping repeats the
// same ids; an unreachable endpoint leaves the events spooled for the next run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shipReport, reportToEvents } from '../src/sinks/cloudwatch/ship.js';
import { silentLogger } from '../src/log.js';
import type { ScanReport } from '../src/report/schema.js';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { runCli } from './helpers/index.js';
import { TEST_CREDENTIALS, TEST_IDENTITY, testEnv, cwSettings } from './servers/cloudwatch-fixtures.js';

let server: CloudWatchLogsServer;
let tmp: string;
let report: ScanReport;

beforeAll(async () => {
  server = new CloudWatchLogsServer();
  await server.start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cw-ship-'));
  const { stdout } = await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--format', 'json', '--fail-on', 'never']);
  report = JSON.parse(stdout) as ScanReport;
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

const opts = (stateDir: string) => ({
  config: cwSettings({ endpoint: server.endpoint, region: 'eu-west-1', flushIntervalMs: 50 }),
  stateDir,
  log: silentLogger,
  identity: { ...TEST_IDENTITY },
  env: testEnv(),
  tuning: { credentials: TEST_CREDENTIALS, retryBaseMs: 20, retryMaxMs: 100, sdkMaxAttempts: 1, requestTimeoutMs: 500 },
});

describe('shipReport', () => {
  it('sends every finding of a real scan report as a schema v1 event stamped with the scan time', async () => {
    expect(report.findings.length).toBeGreaterThan(0);
    const res = await shipReport(report, opts(path.join(tmp, 'a')));
    expect(res).toMatchObject({ events: report.findings.length, delivered: report.findings.length, pending: 0, logStream: TEST_IDENTITY.instanceId });
    const stored = server.events('/ecs-triage/events');
    expect(stored).toHaveLength(report.findings.length);
    const first = JSON.parse(stored[0]!.message) as Record<string, unknown>;
    expect(stored[0]!.timestamp).toBe(Date.parse(report.generatedAt));
    expect(first).toMatchObject({ schema: 1, source: 'scan', category: report.findings[0]!.category, instanceId: TEST_IDENTITY.instanceId, cluster: 'prod-web' });
    expect(first).toHaveProperty('_aws');
  });

  it('gives the same finding the same id every time, so a re-ship is a recognisable duplicate', () => {
    const a = reportToEvents(report, TEST_IDENTITY).map((e) => e.id);
    const b = reportToEvents(JSON.parse(JSON.stringify(report)) as ScanReport, TEST_IDENTITY).map((e) => e.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(reportToEvents(report, { ...TEST_IDENTITY, instanceId: 'i-other' })[0]!.id).not.toBe(a[0]);
  });

  it('returns promptly during an outage, keeps the events spooled, and the next run sends them', async () => {
    const stateDir = path.join(tmp, 'b');
    const before = server.events('/ecs-triage/events').length;
    server.faults.outage = 'drop';
    const started = Date.now();
    const down = await shipReport(report, opts(stateDir));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.pending).toBe(report.findings.length);
    expect(down.delivered).toBe(0);
    server.faults.outage = false;
    const up = await shipReport({ ...report, findings: [] }, opts(stateDir));
    expect(up.delivered).toBe(report.findings.length);
    expect(up.pending).toBe(0);
    expect(server.events('/ecs-triage/events').length - before).toBe(report.findings.length);
  });

  it('scan --ship from the bundle, with the config file and the environment', async () => {
    const cfg = path.join(tmp, 'config.yaml');
    await writeFile(cfg, `stateDir: ${path.join(tmp, 'state-cli')}\ncloudwatch:\n  logGroup: /ecs-triage/cli\n  logStream: cli-test\n  endpoint: ${server.endpoint}\n  region: eu-west-1\n`);
    const { code, stderr } = await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--fail-on', 'never', '--ship', '--config', cfg, '--format', 'summary'], { env: testEnv() });
    expect(code, `scan --ship failed: ${stderr}`).toBe(0);
    expect(stderr).toMatch(/shipped \d+ findings? to CloudWatch Logs \/ecs-triage\/cli \(stream cli-test\): \d+ delivered/);
    expect(server.events('/ecs-triage/cli', 'cli-test').length).toBe(report.findings.length);
  });
});
