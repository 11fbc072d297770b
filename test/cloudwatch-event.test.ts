// Event schema v1, EMF validity (facts sheet §2), redaction on the way out, and identity from local IMDS and
// ECS introspection servers through to a shipped event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeEvent } from '../src/sinks/cloudwatch/event.js';
import { toEvent } from '../src/events.js';
import { redacted, redactedFields } from '../src/redacted.js';
import type { Finding } from '../src/types.js';
import { createCloudWatchSink } from '../src/sinks/cloudwatch/index.js';
import { buildConfig } from '../src/config.js';
import { resolveIdentity, readEcsConfigCluster } from '../src/aws/identity.js';
import { resolveRegion } from '../src/aws/clients.js';
import { silentLogger } from '../src/log.js';
import { ConfigError } from '../src/errors.js';
import { CloudWatchLogsServer } from './servers/cloudwatch-logs.js';
import { ImdsServer } from './servers/imds.js';
import { EcsIntrospectionServer } from './servers/ecs-introspection.js';
import { TEST_CREDENTIALS, TEST_IDENTITY, makeEvent, testEnv, cwSettings } from './servers/cloudwatch-fixtures.js';

const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None']);

/** The EMF rules of the specification, as a list of problems (empty = valid). */
function emfProblems(message: string): string[] {
  const p: string[] = [];
  const o = JSON.parse(message) as Record<string, unknown>;
  if (message.trim() !== message || !message.startsWith('{')) p.push('message must be exactly one JSON object');
  const aws = o._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws !== 'object') return ['no _aws'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp)) p.push('_aws.Timestamp must be epoch ms');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) return [...p, 'CloudWatchMetrics must be a non-empty array'];
  for (const d of aws.CloudWatchMetrics as Array<{ Namespace: unknown; Dimensions: unknown; Metrics: unknown }>) {
    if (typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > 255 || d.Namespace.startsWith(':')) p.push('bad Namespace');
    if (!Array.isArray(d.Dimensions)) p.push('Dimensions must be an array');
    for (const set of (d.Dimensions as unknown[][]) ?? []) {
      if (!Array.isArray(set) || set.length > 30) p.push('DimensionSet must be an array of ≤ 30 keys');
      for (const k of set as string[]) {
        const v = o[k];
        if (typeof v !== 'string' || v.length < 1 || v.length > 1024) p.push(`dimension ${k} must be a top-level string of 1–1024 chars`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) p.push('Metrics must be an array of ≤ 100');
    for (const m of (d.Metrics as Array<{ Name: string; Unit?: string; StorageResolution?: number }>) ?? []) {
      if (typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255) p.push('bad metric Name');
      const v = o[m.Name];
      if (typeof v !== 'number' && !(Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === 'number'))) p.push(`metric ${m.Name} must be a top-level number`);
      if (m.Unit !== undefined && !UNITS.has(m.Unit)) p.push(`bad Unit ${m.Unit}`);
      if (m.StorageResolution !== undefined && m.StorageResolution !== 1 && m.StorageResolution !== 60) p.push('bad StorageResolution');
    }
  }
  return p;
}

describe('event schema v1 and EMF', () => {
  it('is flat JSON with the identity, the classifier fields and a valid EMF block', () => {
    const ev = makeEvent(6, Date.parse('2026-11-20T10:00:00Z'));
    const w = encodeEvent(ev, TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
    expect(w.timestamp).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(w.message).not.toContain('\n');
    const o = JSON.parse(w.message) as Record<string, unknown>;
    expect(o).toMatchObject({
      schema: 1,
      id: 'evt-00000006',
      category: 'registry_auth_denied',
      severity: 'error',
      ruleId: 'ecr-get-authorization-token-denied',
      instanceId: 'i-0abc123def4567890',
      cluster: 'prod-web',
      containerInstanceArn: TEST_IDENTITY.containerInstanceArn,
      region: 'eu-west-1',
      az: 'eu-west-1b',
      instanceType: 'm6i.large',
      image: 'docker.io/library/redis:7.4',
      tag: '7.4',
      containerName: 'app',
      httpStatus: 404,
      count: 2,
      firstSeen: '2026-11-20T10:00:00.000Z',
      Cluster: 'prod-web',
      Category: 'registry_auth_denied',
      Findings: 2,
    });
    // Flat: the only nested member is the EMF metadata.
    expect(Object.entries(o).filter(([, v]) => v !== null && typeof v === 'object').map(([k]) => k)).toEqual(['_aws']);
    expect(emfProblems(w.message)).toEqual([]);
    const aws = o._aws as { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: unknown[] }> };
    expect(aws.Timestamp).toBe(w.timestamp);
    expect(aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'ECSTriage',
      Dimensions: [['Cluster', 'Category'], ['Category']],
      Metrics: [{ Name: 'Findings', Unit: 'Count' }],
    });
  });

  it('stays valid EMF without a cluster, and resolved events add no metric', () => {
    const noCluster = encodeEvent(makeEvent(1), { hostname: 'h' }, { namespace: 'Fleet/ECS', emf: true });
    expect(emfProblems(noCluster.message)).toEqual([]);
    expect((JSON.parse(noCluster.message) as { Cluster: string }).Cluster).toBe('unknown');
    const resolved = encodeEvent({ ...makeEvent(2), kind: 'resolved' }, TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
    expect(JSON.parse(resolved.message)).not.toHaveProperty('_aws');
    const off = encodeEvent(makeEvent(2), TEST_IDENTITY, { namespace: 'ECSTriage', emf: false });
    expect(JSON.parse(off.message)).not.toHaveProperty('Findings');
  });

  it('an event is redacted where it is built, and an unredacted string does not compile into one', () => {
    const finding: Finding = {
      ruleId: 'ecr-login', category: 'registry_auth_denied', severity: 'error', title: 'Authorization: Basic QVdTOnNlY3JldHBhc3N3b3Jk rejected',
      fields: { detail: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, causes: [], remediation: ['docker login -p eyJwYXlsb2FkIjoiZXhhbXBsZSJ9 registry'],
      source: 'ecs-agent', origin: { file: '/var/log/ecs/ecs-agent.log' },
      line: 'level=error msg="docker login failed" error="Get https://AWS:eyJwYXlsb2FkIjoiZXhhbXBsZSJ9@111122223333.dkr.ecr.eu-west-1.amazonaws.com/v2/: denied" key=AKIAIOSFODNN7EXAMPLE',
    };
    const ev = toEvent(finding, { kind: 'finding', id: 'e1', count: 1, firstSeen: 0, lastSeen: 0 });
    // @ts-expect-error the compiler refuses text that did not go through redaction
    ev.line = finding.line;
    ev.line = redacted(finding.line);
    const w = encodeEvent(ev, TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
    for (const secret of ['eyJwYXlsb2FkIjoiZXhhbXBsZSJ9', 'AKIAIOSFODNN7EXAMPLE', 'QVdTOnNlY3JldHBhc3N3b3Jk', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']) {
      expect(w.message).not.toContain(secret);
    }
    expect(() => JSON.parse(w.message)).not.toThrow();
  });

  it('does not let classifier fields overwrite schema fields', () => {
    const ev = makeEvent(5);
    ev.fields = redactedFields({ category: 'oom', instanceId: 'i-fake', _aws: 'x', image: 'nginx:1' });
    const o = JSON.parse(encodeEvent(ev, TEST_IDENTITY, { namespace: 'N', emf: true }).message) as Record<string, unknown>;
    expect(o.category).toBe('network_timeout');
    expect(o.instanceId).toBe('i-0abc123def4567890');
    expect(o.image).toBe('nginx:1');
  });
});

describe('identity', () => {
  let imds: ImdsServer;
  let intro: EcsIntrospectionServer;
  let logs: CloudWatchLogsServer;
  let root: string;

  beforeAll(async () => {
    imds = new ImdsServer();
    intro = new EcsIntrospectionServer();
    logs = new CloudWatchLogsServer();
    await Promise.all([imds.start(), intro.start(), logs.start()]);
    root = await mkdtemp(path.join(os.tmpdir(), 'cw-identity-'));
    await mkdir(path.join(root, 'etc/ecs'), { recursive: true });
    await writeFile(path.join(root, 'etc/ecs/ecs.config'), 'ECS_LOGLEVEL=info\nECS_CLUSTER=from-config=x\nECS_ENABLE_TASK_IAM_ROLE=true\n');
  });
  afterAll(async () => {
    await Promise.all([imds.stop(), intro.stop(), logs.stop()]);
    await rm(root, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e = testEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, ECS_TRIAGE_INTROSPECTION_URL: intro.url, ...extra });
    delete e.AWS_EC2_METADATA_DISABLED;
    delete e.AWS_REGION;
    return e;
  };

  it('reads IMDSv2 with a token first, and the cluster from introspection', async () => {
    imds.requests.length = 0;
    const id = await resolveIdentity({ root, env: env() });
    expect(id).toMatchObject({
      instanceId: 'i-0abc123def4567890',
      instanceType: 'm6i.large',
      az: 'eu-west-1b',
      region: 'eu-west-1',
      cluster: 'prod-web',
      containerInstanceArn: intro.metadata.ContainerInstanceArn,
    });
    expect(imds.requests[0]).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
    expect(imds.requests.slice(1).every((r) => r.token)).toBe(true);
  });

  it('falls back to ECS_CLUSTER in ecs.config when the agent does not answer, and never hangs on IMDS', async () => {
    intro.down = true;
    imds.hang = true;
    const started = Date.now();
    const id = await resolveIdentity({ root, env: env(), timeoutMs: 200 });
    intro.down = false;
    imds.hang = false;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(id.instanceId).toBeUndefined();
    expect(id.cluster).toBe('from-config=x'); // split at the first '=' only, like ecs-init
    expect(id.hostname).toBe(os.hostname());
    expect(await readEcsConfigCluster('/nonexistent')).toBeUndefined();
  });

  it('takes the region from config, then the environment, then IMDS', () => {
    expect(resolveRegion('us-east-2', { AWS_REGION: 'eu-west-1' }, { hostname: 'h', region: 'ap-south-1' })).toBe('us-east-2');
    expect(resolveRegion(undefined, { AWS_REGION: 'eu-west-1' }, { hostname: 'h', region: 'ap-south-1' })).toBe('eu-west-1');
    expect(resolveRegion(undefined, {}, { hostname: 'h', region: 'ap-south-1' })).toBe('ap-south-1');
  });

  it('enriches shipped events and names the stream after the instance', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'cw-identity-state-'));
    const sink = await createCloudWatchSink({
      config: cwSettings({ endpoint: logs.endpoint, flushIntervalMs: 50 }),
      stateDir,
      log: silentLogger,
      root,
      env: env(),
      tuning: { credentials: TEST_CREDENTIALS, retryBaseMs: 20, retryMaxMs: 100 },
    });
    await sink.write([makeEvent(9)]);
    await sink.close();
    await rm(stateDir, { recursive: true, force: true });
    const [e] = logs.events('/ecs-triage/events', 'i-0abc123def4567890');
    expect(JSON.parse(e!.message)).toMatchObject({ instanceId: 'i-0abc123def4567890', region: 'eu-west-1', az: 'eu-west-1b', cluster: 'prod-web' });
  });

  it('completes the identity later when the agent registers after the daemon started', async () => {
    intro.metadata = { ...intro.metadata, ContainerInstanceArn: null };
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'cw-identity-late-'));
    const sink = await createCloudWatchSink({
      config: cwSettings({ endpoint: logs.endpoint, flushIntervalMs: 50, logGroup: '/late' }),
      stateDir,
      log: silentLogger,
      root,
      env: env(),
      tuning: { credentials: TEST_CREDENTIALS, retryBaseMs: 20, retryMaxMs: 100, identityRefreshMs: 100 },
    });
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:container-instance/prod-web/aaaabbbbccccddddeeeeffff00001111';
    try {
      expect(sink.identity.containerInstanceArn).toBeUndefined();
      intro.metadata = { ...intro.metadata, ContainerInstanceArn: arn };
      const until = Date.now() + 3000;
      while (!sink.identity.containerInstanceArn && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await sink.write([makeEvent(1)]);
    } finally {
      await sink.close();
      await rm(stateDir, { recursive: true, force: true });
    }
    expect(JSON.parse(logs.events('/late')[0]!.message)).toMatchObject({ containerInstanceArn: arn });
  });

  it('rejects a configuration CloudWatch would refuse, naming the key; no region is an error at start', async () => {
    expect(() => buildConfig({ cloudwatch: { logGroup: 'bad name!' } })).toThrow(/cloudwatch\.logGroup/);
    expect(() => buildConfig({ cloudwatch: { retentionDays: 10 } })).toThrow(ConfigError);
    expect(() => buildConfig({ cloudwatch: { metricsNamespace: 'AWS/ECS' } })).toThrow(/metricsNamespace/);
    const noRegion = { stateDir: root, log: silentLogger, identity: { hostname: 'h' }, env: { ...testEnv(), AWS_REGION: '' } };
    await expect(createCloudWatchSink({ ...noRegion, config: cwSettings() })).rejects.toThrow(/region/);
  });
});
