// `fleet scan` over the wire: the real SSM and ECS SDK clients (and the real CLI process) against local servers
// whose instances are host roots; each reachable instance really runs dist/ecs-triage.mjs scan on its root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE } from './helpers/index.js';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { SSMClient, SendCommandCommand, GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { ECSClient } from '@aws-sdk/client-ecs';
import { startSsmServer, type FakeInstance, type SsmServer } from './servers/ssm.js';
import { startEcsServer } from './servers/ecs.js';
import type { JsonServer } from './servers/fleet-json.js';
import { runFleetScan } from '../src/fleet/scan.js';
import { sendToInstances } from '../src/fleet/send.js';
import { followCommand } from '../src/fleet/poll.js';
import { renderFleetText } from '../src/fleet/render.js';
import { silentLogger } from '../src/log.js';
import type { FleetReport, InstanceResult } from '../src/fleet/types.js';
import type { ScanSummary } from '../src/types.js';

const run = promisify(execFile);
const credentials = { accessKeyId: 'AKIDFLEETTEST', secretAccessKey: 'fleet-test-secret' };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** A log time inside any --since window the tests use. */
const recent = (): string => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

const LINES = {
  ecrDenied: () =>
    `level=error time=${recent()} msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2.14.1: [CannotPullECRContainerError] AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/prod-api-task-execution/0123abcd4567ef890123abcd4567ef89 is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action" module=docker_client.go`,
  tagDeleted: () =>
    `level=error time=${recent()} msg="Failed to pull image for container" task="4c3b2a1908f7e6d5c4b3a2918f7e6d5c" container="billing" image="123456789012.dkr.ecr.us-east-1.amazonaws.com/billing:v3.2.0" error="CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.us-east-1.amazonaws.com/billing:v3.2.0 not found: manifest unknown: Requested image not found"`,
  rateLimited: () =>
    `level=error time=${recent()} msg="Error pulling image" image="nginx:1.27" error="CannotPullContainerError: Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"`,
  info: () => `level=info time=${recent()} msg="Task status changed" task="4c3b2a1908f7e6d5c4b3a2918f7e6d5c" knownStatus=RUNNING`,
};

function hostRoot(base: string, name: string, lines: string[]): string {
  const root = path.join(base, name);
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), lines.join('\n') + '\n');
  return root;
}

/** Fixture logs are dated; a window this long takes all of them. */
const SINCE = '3650d';
const id = (n: number): string => `i-0${n.toString(16).padStart(16, '0')}`;

let work: string;
let roots: Record<string, string>;
/** What `scan --format summary` says for each root when run directly: the fleet table must agree. */
const direct = new Map<string, ScanSummary>();

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ecs-triage-fleet-'));
  // The shared fixture hosts when they are there; roots written here otherwise (same causes, recent times).
  const fixture = (name: string, fallback: string[]): string => {
    const dir = path.resolve('fixtures/hosts', name);
    return existsSync(path.join(dir, 'var')) ? dir : hostRoot(work, name, fallback);
  };
  roots = {
    ecr: fixture('ecr-auth-denied', [LINES.info(), LINES.ecrDenied(), LINES.ecrDenied()]),
    tag: fixture('image-tag-deleted', [LINES.tagDeleted(), LINES.info()]),
    rate: fixture('dockerhub-rate-limit', [LINES.rateLimited(), LINES.ecrDenied()]),
    healthy: fixture('healthy', [LINES.info()]),
    disk: fixture('disk-full-container-logs', [LINES.info()]),
    // Always written here: a host with three causes, one shared with ecr-auth-denied.
    mixed: hostRoot(work, 'mixed', [LINES.rateLimited(), LINES.ecrDenied(), LINES.tagDeleted()]),
  };
  for (const [name, root] of Object.entries(roots)) {
    const { stdout } = await run(process.execPath, [BUNDLE, 'scan', '--root', root, '--since', SINCE, '--format', 'summary', '--fail-on', 'never']);
    direct.set(name, JSON.parse(stdout) as ScanSummary);
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The cluster of ten: six answer (from the fixture hosts), four don't, each for a different reason. */
function prodCluster(): Array<FakeInstance & { expect: string }> {
  return [
    { id: id(1), root: roots.ecr!, expect: 'ecr' },
    { id: id(2), root: roots.ecr!, expect: 'ecr' },
    { id: id(3), root: roots.tag!, expect: 'tag' },
    { id: id(4), root: roots.mixed!, expect: 'mixed' },
    { id: id(5), root: roots.healthy!, expect: 'healthy' },
    { id: id(6), root: roots.disk!, expect: 'disk' },
    { id: id(7), fault: 'not-managed', expect: 'unreachable' },
    { id: id(8), fault: 'undeliverable', expect: 'unreachable' },
    { id: id(9), fault: 'delivery-timeout', expect: 'unreachable' },
    { id: id(10), fault: 'hang', expect: 'failed' },
  ];
}

async function servers(instances: FakeInstance[], extra: { pageSize?: number; invisibleMs?: number } = {}) {
  const ssm = await startSsmServer({
    instances,
    bundle: BUNDLE,
    workDir: mkdtempSync(path.join(work, 'ssm-')),
    documents: { 'ecs-triage-Scan': JSON.parse(readFileSync('ssm/ecs-triage-Scan.json', 'utf8')) },
    invisibleMs: extra.invisibleMs ?? 300,
    // Document timeouts run 50× faster (20 ms per second): --timeout 400 → 8 s to deliver and 8 s to execute,
    // room for ten real scans at once on a loaded CI machine.
    msPerTimeoutSecond: 20,
  });
  const ecs = await startEcsServer({
    clusters: { prod: instances.map((i, n) => ({ ec2InstanceId: i.id, agentConnected: n !== 1 })) },
    pageSize: extra.pageSize ?? 4,
  });
  return { ssm, ecs };
}

function clients(ssm: JsonServer, ecs: JsonServer) {
  return {
    ssm: new SSMClient({ region: 'us-east-1', endpoint: ssm.endpoint, credentials }),
    ecs: new ECSClient({ region: 'us-east-1', endpoint: ecs.endpoint, credentials }),
  };
}

function cli(args: string[], ssm: JsonServer, ecs: JsonServer) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BUNDLE, 'fleet', 'scan', ...args],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_ENDPOINT_URL_ECS: ecs.endpoint,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr }),
    );
  });
}

function expectAgrees(row: InstanceResult, want: string): void {
  if (want === 'unreachable' || want === 'failed') {
    expect(row.state, row.instanceId).toBe(want);
    expect(row.reason, row.instanceId).toBeTruthy();
    return;
  }
  const d = direct.get(want)!;
  expect(row.state, row.instanceId).toBe('answered');
  expect(row.status).toBe(d.status);
  const simplify = (s: ScanSummary) => s.findings.map((f) => `${f.ruleId}:${f.count}`).sort();
  expect(simplify(row.summary!)).toEqual(simplify(d));
}

describe('fleet scan --cluster prod (ten instances)', () => {
  let s: { ssm: SsmServer; ecs: JsonServer };
  let report: FleetReport;
  let text: { code: number; stdout: string; stderr: string };
  const cluster = () => prodCluster();

  beforeAll(async () => {
    s = await servers(cluster());
    const c = clients(s.ssm, s.ecs);
    [report, text] = await Promise.all([
      runFleetScan(
        c,
        {
          target: { kind: 'cluster', cluster: 'prod' },
          document: 'AWS-RunShellScript',
          since: SINCE,
          maxConcurrency: '10',
          maxErrors: '100%',
          timeoutSeconds: 400,
          pollIntervalMs: 100,
        },
        silentLogger,
      ),
      cli(['--cluster', 'prod', '--since', SINCE, '--poll-interval', '100ms', '--timeout', '400'], s.ssm, s.ecs),
    ]);
  }, 60_000);
  afterAll(async () => {
    await s?.ssm.close();
    await s?.ecs.close();
  });

  it('answers for every instance, each with the right state', () => {
    expect(report.instances.map((i) => i.instanceId).sort()).toEqual(cluster().map((i) => i.id).sort());
    for (const inst of cluster()) expectAgrees(report.instances.find((r) => r.instanceId === inst.id)!, inst.expect);
    const withFindings = cluster().filter((i) => direct.get(i.expect)?.findings.length).length;
    expect(report.totals).toEqual({ instances: 10, answered: 6, notChecked: 0, withFindings, unreachable: 3, failed: 1 });
  });

  it('names why each unreachable or failed instance did not answer', () => {
    const row = (n: number) => report.instances.find((r) => r.instanceId === id(n))!;
    expect(row(7).reason).toMatch(/not a managed instance: no SSM agent registered/);
    expect(row(8)).toMatchObject({ state: 'unreachable', status: 'Undeliverable' });
    expect(row(9)).toMatchObject({ state: 'unreachable', status: 'DeliveryTimedOut' });
    expect(row(10)).toMatchObject({ state: 'failed', status: 'ExecutionTimedOut', reason: expect.stringMatching(/did not finish/) });
  });

  it('ranks fleet-wide causes by the number of instances, with the counts the instances reported', () => {
    // Independent oracle: the per-host summaries from running scan directly on each root.
    const want = new Map<string, { instances: number; count: number }>();
    for (const inst of cluster()) {
      for (const f of direct.get(inst.expect)?.findings ?? []) {
        const w = want.get(f.ruleId) ?? { instances: 0, count: 0 };
        w.instances++;
        w.count += f.count;
        want.set(f.ruleId, w);
      }
    }
    expect(Object.fromEntries(report.causes.map((c) => [c.ruleId, { instances: c.instances, count: c.count }]))).toEqual(Object.fromEntries(want));
    for (let i = 1; i < report.causes.length; i++) expect(report.causes[i - 1]!.instances).toBeGreaterThanOrEqual(report.causes[i]!.instances);
    // ecr-auth-denied on two hosts and the mixed host: the shared cause comes first.
    expect(report.causes[0]).toMatchObject({ category: 'registry_auth_denied', ruleId: 'ecr-get-authorization-token-denied', instances: 3 });
    expect(report.causes[0]!.instanceIds.sort()).toEqual([id(1), id(2), id(4)]);
    expect(report.causes.find((c) => c.ruleId === 'registry-manifest-unknown')).toMatchObject({ instances: 2 });
  });

  it('resolves the cluster through paged ListContainerInstances and one DescribeContainerInstances', () => {
    const ops = s.ecs.calls.map((c) => c.op);
    expect(ops.filter((o) => o === 'ListContainerInstances').length).toBeGreaterThanOrEqual(3 * 2); // 10 at 4 per page, two runs
    expect(report.instances.find((r) => r.instanceId === id(2))!.agentConnected).toBe(false);
    expect(report.instances.find((r) => r.instanceId === id(1))!.containerInstanceArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:container-instance\/prod\//);
  });

  it('sends only to managed, online instances, with the options given', () => {
    const sends = s.ssm.calls.filter((c) => c.op === 'SendCommand').map((c) => c.body);
    expect(sends.length).toBe(2); // one per run (library and CLI)
    for (const b of sends) {
      expect((b.InstanceIds as string[]).sort()).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10].map(id).sort());
      expect(b).toMatchObject({ DocumentName: 'AWS-RunShellScript', MaxConcurrency: '10', MaxErrors: '100%', TimeoutSeconds: 400 });
      expect((b.Parameters as Record<string, string[]>).executionTimeout).toEqual(['400']);
    }
  });

  it('the CLI prints one table row per instance, the fleet-wide causes, and exits 1', () => {
    expect(text.code, text.stderr).toBe(1);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^INSTANCE\s+STATUS\s+TOP CAUSES/);
    for (const inst of cluster()) expect(lines.filter((l) => l.startsWith(inst.id)), inst.id).toHaveLength(1);
    const row = (n: number) => lines.find((l) => l.startsWith(id(n)))!;
    expect(row(1)).toMatch(/\berror\s+registry_auth_denied \(\d+\)/);
    expect(row(3)).toMatch(/\berror\s+image_not_found \(\d+\)/);
    expect(row(4)).toMatch(/registry_auth_denied \(1\)/);
    expect(row(4)).toMatch(/rate_limited \(1\)/);
    expect(row(4)).toMatch(/image_not_found \(1\)/);
    expect(row(5)).toMatch(/\sok\s+-$/);
    expect(row(2)).toContain('[ECS agent disconnected]');
    expect(row(7)).toMatch(/UNREACHABLE NotManaged\s+not a managed instance/);
    expect(row(8)).toMatch(/UNREACHABLE Undeliverable/);
    expect(row(9)).toMatch(/UNREACHABLE DeliveryTimedOut/);
    expect(row(10)).toMatch(/FAILED ExecutionTimedOut/);
    // Worst first: the healthy instance is the last row.
    expect(lines.slice(1, 11).map((l) => l.split(/\s+/)[0]).indexOf(id(5))).toBe(9);
    expect(text.stdout).toMatch(/Fleet-wide causes \(by number of instances\):\n\s+3 instances\s+error\s+registry_auth_denied/);
    expect(text.stdout).toMatch(/10 instances: 6 answered \(\d with findings\), 3 unreachable, 1 failed; SSM command [0-9a-f-]{36}/);
    // The library's table is the CLI's table.
    expect(renderFleetText(report).split('\n').slice(0, 11).map((l) => l.split(/\s+/)[0])).toEqual(lines.slice(0, 11).map((l) => l.split(/\s+/)[0]));
  });
});

describe('fleet scan details', () => {
  it('--format json, --targets tag:…, the ecs-triage-Scan document, and MaxConcurrency honoured', async () => {
    const instances: FakeInstance[] = [
      { id: id(0x21), root: roots.ecr!, tags: { Env: 'prod' } },
      { id: id(0x22), root: roots.tag!, tags: { Env: 'prod' } },
      { id: id(0x23), root: roots.healthy!, tags: { Env: 'prod' } },
      { id: id(0x24), root: roots.ecr!, tags: { Env: 'dev' } },
      { id: id(0x25), fault: 'connection-lost', tags: { Env: 'prod' } },
    ];
    const s = await servers(instances);
    try {
      const r = await cli(
        ['--targets', 'tag:Env=prod', '--document', 'ecs-triage-Scan', '--max-concurrency', '2', '--format', 'json', '--poll-interval', '100ms', '--timeout', '150', '--since', '3h'],
        s.ssm,
        s.ecs,
      );
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as FleetReport;
      expect(report.schema).toBe('ecs-triage/fleet-scan');
      expect(report.target).toEqual({ kind: 'tags', targets: [{ Key: 'tag:Env', Values: ['prod'] }] });
      expect(report.instances.map((i) => i.instanceId).sort()).toEqual([0x21, 0x22, 0x23, 0x25].map(id));
      expect(report.instances.find((i) => i.instanceId === id(0x25))).toMatchObject({ state: 'unreachable', status: 'DeliveryTimedOut' });
      expect(report.instances.find((i) => i.instanceId === id(0x23))).toMatchObject({ state: 'answered', status: 'ok' });
      const send = s.ssm.calls.find((c) => c.op === 'SendCommand')!.body;
      expect(send.Targets).toEqual([{ Key: 'tag:Env', Values: ['prod'] }]);
      expect(send.Parameters).toEqual({ Since: ['3h'], Format: ['summary'], FailOn: ['never'], ExecutionTimeout: ['150'] });
      expect([...s.ssm.peakConcurrency.values()][0]).toBe(2);
      // With Targets only the command knows when every target is listed: ListCommands is asked.
      expect(s.ssm.calls.some((c) => c.op === 'ListCommands')).toBe(true);
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('sends at most 50 instance ids per SendCommand and follows every chunk to the end', async () => {
    // Cheap instances: ecs-triage is not installed, so each run is one failing `sh`.
    const instances: FakeInstance[] = Array.from({ length: 120 }, (_, n) => ({ id: id(0x100 + n), fault: 'not-installed' as const }));
    const s = await servers(instances, { invisibleMs: 50 });
    try {
      const report = await runFleetScan(
        clients(s.ssm, s.ecs),
        { target: { kind: 'instances', instanceIds: instances.map((i) => i.id) }, document: 'AWS-RunShellScript', since: '1h', maxConcurrency: '50', maxErrors: '100%', timeoutSeconds: 100, pollIntervalMs: 50 },
        silentLogger,
      );
      const sizes = s.ssm.calls.filter((c) => c.op === 'SendCommand').map((c) => (c.body.InstanceIds as string[]).length);
      expect(sizes).toEqual([50, 50, 20]);
      expect(report.instances).toHaveLength(120);
      expect(report.totals.failed).toBe(120);
      expect(report.instances[0]!.reason).toBe('exit 3: ecs-triage is not installed on this instance (run the ecs-triage-Install document)');
      expect(report.commandIds).toHaveLength(3);
      // DescribeInstanceInformation pages of at most 50.
      for (const c of s.ssm.calls.filter((x) => x.op === 'DescribeInstanceInformation')) {
        expect((c.body.Filters as Array<{ Values: string[] }>)[0]!.Values.length).toBeLessThanOrEqual(50);
      }
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('isolates an instance SendCommand rejects (InvalidInstanceId) and still runs the rest of the batch', async () => {
    const instances: FakeInstance[] = [
      { id: id(0x31), root: roots.healthy! },
      { id: id(0x32), fault: 'not-managed' },
      { id: id(0x33), root: roots.ecr! },
    ];
    const s = await servers(instances);
    try {
      const c = clients(s.ssm, s.ecs);
      const settings = { document: 'AWS-RunShellScript', parameters: { commands: ['true'] }, maxConcurrency: '10', maxErrors: '0', timeoutSeconds: 60 };
      const out = await sendToInstances(c.ssm, instances.map((i) => i.id), settings, silentLogger);
      expect(out.unsendable).toEqual([{ instanceId: id(0x32), reason: expect.stringMatching(/SSM rejected the instance: Instances \[\[i-0/) }]);
      expect(out.sent.flatMap((x) => x.instanceIds)).toEqual([id(0x31), id(0x33)]);
      const outcomes = (await Promise.all(out.sent.map((cmd) => followCommand(c.ssm, cmd, { intervalMs: 50, deadline: Date.now() + 20_000 })))).flat();
      expect(outcomes.map((o) => o.status)).toEqual(['Success', 'Success']);
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('retries InvocationDoesNotExist right after SendCommand instead of failing', async () => {
    const instances: FakeInstance[] = [{ id: id(0x41), root: roots.healthy! }];
    const s = await servers(instances, { invisibleMs: 400 });
    try {
      const c = clients(s.ssm, s.ecs);
      const sent = await c.ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id(0x41)], Parameters: { commands: ['echo hi'] } }));
      const commandId = sent.Command!.CommandId!;
      // The real SDK sees the real error right after SendCommand.
      await expect(c.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id(0x41) }))).rejects.toMatchObject({
        name: 'InvocationDoesNotExist',
      });
      const outcomes = await followCommand(c.ssm, { commandId, instanceIds: [id(0x41)] }, { intervalMs: 50, deadline: Date.now() + 20_000 });
      expect(outcomes).toMatchObject([{ instanceId: id(0x41), status: 'Success', stdout: 'hi\n' }]);
      expect(s.ssm.calls.filter((x) => x.op === 'ListCommandInvocations').length).toBeGreaterThan(1);
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('reports output cut at 24,000 characters as unreadable, not as a healthy instance', async () => {
    const instances: FakeInstance[] = [{ id: id(0x51), root: roots.healthy! }];
    const s = await servers(instances);
    try {
      const c = clients(s.ssm, s.ecs);
      const sent = await sendToInstances(
        c.ssm,
        [id(0x51)],
        { document: 'AWS-RunShellScript', parameters: { commands: [`head -c 30000 /dev/zero | tr '\\0' x; echo; "$ECS_TRIAGE_ROOT/usr/local/bin/ecs-triage" scan --format summary`] }, maxConcurrency: '1', maxErrors: '0', timeoutSeconds: 60 },
        silentLogger,
      );
      const [o] = await followCommand(c.ssm, sent.sent[0]!, { intervalMs: 50, deadline: Date.now() + 20_000 });
      expect(o!.stdout!.length).toBe(24_000);
      const { interpretOutcome } = await import('../src/fleet/outcome.js');
      expect(interpretOutcome(o!)).toMatchObject({ state: 'failed', status: 'BadOutput', reason: expect.stringMatching(/cut at 24000 characters/) });
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('a host whose scan read no ECS agent log is listed as not checked, never as ok, and fails the run', async () => {
    // No root of its own: the scan reads the instance's empty work directory.
    const instances: FakeInstance[] = [{ id: id(0x81), root: roots.healthy! }, { id: id(0x82) }];
    const s = await servers(instances);
    try {
      const r = await cli(['--instance-ids', `${id(0x81)},${id(0x82)}`, '--since', SINCE, '--poll-interval', '100ms', '--fail-on', 'never', '--format', 'json'], s.ssm, s.ecs);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as FleetReport;
      expect(report.instances.map((i) => [i.instanceId, i.state, i.status])).toEqual([
        [id(0x82), 'answered', 'unknown'],
        [id(0x81), 'answered', 'ok'],
      ]);
      expect(report.instances[0]!.reason).toMatch(/^not checked: no ECS agent log found in \S+\/var\/log\/ecs$/);
      expect(report.totals).toMatchObject({ answered: 2, notChecked: 1, withFindings: 0 });
      const text = renderFleetText(report);
      expect(text).toMatch(new RegExp(`^${id(0x82)}\\s+unknown\\s+not checked: no ECS agent log found`, 'm'));
      expect(text).toMatch(/2 instances: 2 answered \(0 with findings, 1 not checked\)/);
    } finally {
      await s.ssm.close();
      await s.ecs.close();
    }
  }, 60_000);

  it('an invocation list it cannot read still gives a row per instance, with the error', async () => {
    const instances: FakeInstance[] = [{ id: id(0x61), root: roots.healthy! }, { id: id(0x62), root: roots.healthy! }];
    const ssm = await startSsmServer({
      instances,
      bundle: BUNDLE,
      workDir: mkdtempSync(path.join(work, 'ssm-')),
      failOps: { ListCommandInvocations: 'AccessDeniedException' },
    });
    const ecs = await startEcsServer({ clusters: {} });
    try {
      const report = await runFleetScan(
        clients(ssm, ecs),
        { target: { kind: 'instances', instanceIds: instances.map((i) => i.id) }, document: 'AWS-RunShellScript', since: '1h', maxConcurrency: '10', maxErrors: '0', timeoutSeconds: 60, pollIntervalMs: 50 },
        silentLogger,
      );
      expect(report.instances.map((i) => [i.instanceId, i.reason])).toEqual([
        [id(0x61), expect.stringMatching(/^could not follow the command: ssm:ListCommandInvocations: .*injected AccessDeniedException/)],
        [id(0x62), expect.stringMatching(/^could not follow the command/)],
      ]);
    } finally {
      await ssm.close();
      await ecs.close();
    }
  }, 60_000);

  it('lists a container instance without an EC2 id (ECS Anywhere) instead of dropping it', async () => {
    const instances: FakeInstance[] = [{ id: id(0x71), root: roots.healthy! }];
    const ssm = await startSsmServer({ instances, bundle: BUNDLE, workDir: mkdtempSync(path.join(work, 'ssm-')) });
    const ecs = await startEcsServer({ clusters: { edge: [{ ec2InstanceId: id(0x71) }, {}] } });
    try {
      const report = await runFleetScan(
        clients(ssm, ecs),
        { target: { kind: 'cluster', cluster: 'edge' }, document: 'AWS-RunShellScript', since: '1h', maxConcurrency: '10', maxErrors: '0', timeoutSeconds: 60, pollIntervalMs: 50 },
        silentLogger,
      );
      expect(report.instances).toHaveLength(2);
      const external = report.instances.find((i) => i.instanceId.startsWith('arn:aws:ecs:'))!;
      expect(external).toMatchObject({ state: 'unreachable', status: 'NoInstanceId', reason: expect.stringMatching(/no EC2 instance id/) });
      expect(external.instanceId).toMatch(/^arn:aws:ecs:us-east-1:123456789012:container-instance\/edge\/[0-9a-f]{32}$/);
      expect(report.instances.find((i) => i.instanceId === id(0x71))!.state).toBe('answered');
    } finally {
      await ssm.close();
      await ecs.close();
    }
  }, 60_000);

  it('usage errors exit 2 without calling AWS', () => {
    const base = [BUNDLE, 'fleet', 'scan'];
    const env = { PATH: process.env.PATH, AWS_REGION: 'us-east-1' };
    const none = spawnSync(process.execPath, base, { env, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/exactly one of --cluster, --instance-ids or --targets/);
    const badId = spawnSync(process.execPath, [...base, '--instance-ids', 'i-123,web-1'], { env, encoding: 'utf8' });
    expect(badId.status).toBe(2);
    expect(badId.stderr).toMatch(/not an instance id: i-123, web-1/);
    const badSince = spawnSync(process.execPath, [...base, '--cluster', 'prod', '--since', 'yesterday'], { env, encoding: 'utf8' });
    expect(badSince.status).toBe(2);
    const noRegion = spawnSync(process.execPath, [...base, '--cluster', 'prod'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(noRegion.status).toBe(2);
    expect(noRegion.stderr).toMatch(/no AWS Region/);
  });
});
