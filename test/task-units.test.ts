// The pure parts of `task`: reading image URIs and secret ARNs, ECR lifecycle rules, routes and security group
// rules, which checks a cause gets, the verdict; the EC2 Query client against the EC2 test server; and `explain`
// and `task` giving the same titles for the same texts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadRuleSet } from '../src/classify/load.js';
import { Ec2QueryClient, filterParams, listParams, text, type XmlObject } from '../src/aws/ec2-query.js';
import { classifyText } from '../src/task/diagnose.js';
import { parseTaskRef } from '../src/task/record.js';
import { decide } from '../src/task/verdict.js';
import { windowFor } from '../src/task/host-join.js';
import { chooseFamilies, type CheckResult } from '../src/verify/index.js';
import { matchingRule, parseLifecyclePolicy, selects } from '../src/verify/lifecycle.js';
import { coversCidr, defaultRoute, permits443 } from '../src/verify/network-rules.js';
import { parseEcrImage, parseSecretRef, repositoryArn, roleName } from '../src/verify/refs.js';
import { grantsPull } from '../src/verify/image.js';
import { startEc2Server } from './servers/ec2.js';
import type { QueryServer } from './servers/query-xml.js';
import type { ReportFinding } from '../src/types.js';
import { runCli } from './helpers/cli.js';
import { SCENARIOS, scenario } from './task-world.js';

describe('references', () => {
  it('ECR image URIs: account, Region, repository, tag or digest', () => {
    expect(parseEcrImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1.2')).toMatchObject({ account: '123456789012', region: 'eu-west-1', repository: 'team/api', tag: 'v1.2' });
    expect(parseEcrImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:${'a'.repeat(64)}`)).toMatchObject({ repository: 'api', digest: `sha256:${'a'.repeat(64)}` });
    expect(parseEcrImage('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api')).toMatchObject({ tag: 'latest', region: 'cn-north-1' });
    expect(repositoryArn(parseEcrImage('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api')!)).toBe('arn:aws-cn:ecr:cn-north-1:123456789012:repository/api');
    expect(parseEcrImage('nginx:1.27')).toBeUndefined();
    expect(parseEcrImage('public.ecr.aws/nginx/nginx:1')).toBeUndefined();
  });

  it('secret references: Secrets Manager ARNs with JSON keys, Parameter Store ARNs and names', () => {
    expect(parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::', 'us-east-1', '123456789012')).toMatchObject({
      kind: 'secretsmanager',
      arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
    });
    expect(parseSecretRef('arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/url', 'us-east-1', '123456789012')).toMatchObject({ kind: 'ssm', region: 'eu-west-1', name: '/prod/db/url' });
    expect(parseSecretRef('arn:aws:ssm:us-east-1:123456789012:parameter/token', 'us-east-1', '123456789012')).toMatchObject({ name: 'token' });
    expect(parseSecretRef('/prod/api/key', 'us-west-2', '123456789012')).toMatchObject({ kind: 'ssm', arn: 'arn:aws:ssm:us-west-2:123456789012:parameter/prod/api/key' });
    expect(roleName('arn:aws:iam::123456789012:role/service-role/ecsExecutionRoleProd')).toBe('ecsExecutionRoleProd');
  });

  it('task references: ARN (old and new format) or id with a cluster', () => {
    expect(parseTaskRef('arn:aws:ecs:us-east-1:123456789012:task/prod/abc123')).toMatchObject({ cluster: 'prod', region: 'us-east-1', account: '123456789012' });
    expect(parseTaskRef('arn:aws:ecs:us-east-1:123456789012:task/0b69d5c0-d655-4695-98cd-5d2d526d9d5a', 'legacy').cluster).toBe('legacy');
    expect(parseTaskRef('abc123').cluster).toBe('default');
    expect(() => parseTaskRef('arn:aws:ecs:us-east-1:123456789012:task/prod/abc', 'other')).toThrow(/does not match the cluster in the task ARN/);
    expect(() => parseTaskRef('rm -rf /')).toThrow(/not a task id or task ARN/);
  });
});

describe('ECR lifecycle rules', () => {
  const policy = JSON.stringify({
    rules: [
      { rulePriority: 2, description: 'releases', selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } },
      { rulePriority: 1, description: 'old dev builds', selection: { tagStatus: 'tagged', tagPrefixList: ['dev-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
      { rulePriority: 3, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } },
    ],
  });
  it('the first rule by priority that selects the tag is the one that expired it', () => {
    const rules = parseLifecyclePolicy(policy);
    expect(rules.map((r) => r.rulePriority)).toEqual([1, 2, 3]);
    expect(matchingRule(rules, 'dev-42', [])?.reading).toBe('rule 1 "old dev builds": images tagged dev-*, expires them 14 days after push');
    expect(matchingRule(rules, 'release-7', [{ tags: ['release-9'], pushedAt: '2026-11-01T00:00:00.000Z' }, { tags: ['v1'] }])).toMatchObject({
      reading: 'rule 2 "releases": images tagged release-*, keeps the 5 newest and expires the rest',
      now: '1 image(s) in the repository fall under it now, the oldest pushed 2026-11-01T00:00:00.000Z',
    });
    expect(matchingRule(rules, 'v1', [])?.rule.rulePriority).toBe(3);
    expect(selects(rules[0]!, undefined)).toBe(false);
  });
});

describe('network rules', () => {
  it('the default route: NAT, internet gateway, blackhole, none, other', () => {
    const table = (route: Record<string, string>): XmlObject => ({ routeSet: { item: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active' }, { destinationCidrBlock: '0.0.0.0/0', state: 'active', ...route }] } });
    expect(defaultRoute(table({ natGatewayId: 'nat-1' }))).toEqual({ kind: 'nat', via: 'nat-1' });
    expect(defaultRoute(table({ gatewayId: 'igw-1' }))).toEqual({ kind: 'igw', via: 'igw-1' });
    expect(defaultRoute(table({ natGatewayId: 'nat-1', state: 'blackhole' }))).toEqual({ kind: 'blackhole', via: 'nat-1' });
    expect(defaultRoute(table({ transitGatewayId: 'tgw-1' }))).toEqual({ kind: 'other', via: 'tgw-1' });
    expect(defaultRoute({ routeSet: { item: { destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local' } } })).toEqual({ kind: 'none' });
  });

  it('security group rules for TCP 443: all traffic, port ranges, CIDRs, groups, prefix lists', () => {
    const rule = (r: Record<string, unknown>) => r as never;
    expect(permits443([rule({ ipProtocol: '-1', ipRanges: { item: { cidrIp: '0.0.0.0/0' } } })], { name: 'x' })).toMatch(/all traffic/);
    expect(permits443([rule({ ipProtocol: 'tcp', fromPort: '0', toPort: '65535', ipRanges: { item: { cidrIp: '10.0.0.0/8' } } })], { name: 'x', cidrs: ['10.0.0.0/16'] })).toMatch(/10\.0\.0\.0\/8/);
    expect(permits443([rule({ ipProtocol: 'tcp', fromPort: '5432', toPort: '5432', ipRanges: { item: { cidrIp: '0.0.0.0/0' } } })], { name: 'x' })).toBeUndefined();
    expect(permits443([rule({ ipProtocol: 'tcp', fromPort: '443', toPort: '443', groups: { item: { groupId: 'sg-1' } } })], { name: 'x', groupIds: ['sg-1'] })).toMatch(/sg-1/);
    expect(permits443([rule({ ipProtocol: 'tcp', fromPort: '443', toPort: '443', prefixListIds: { item: { prefixListId: 'pl-1' } } })], { name: 'x', prefixListIds: ['pl-1'] })).toMatch(/pl-1/);
    expect(coversCidr('10.0.0.0/16', '10.0.1.57')).toBe(true);
    expect(coversCidr('10.0.1.0/24', '10.0.0.0/16')).toBe(false);
  });

  it('repository policies: an account root, a role, or anyone', () => {
    const doc = (principal: unknown, actions: string[]) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: principal, Action: actions }] });
    expect(grantsPull(doc({ AWS: 'arn:aws:iam::222222222222:root' }, ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']), '222222222222').granted).toBe(true);
    expect(grantsPull(doc({ AWS: ['333333333333'] }, ['ecr:*']), '222222222222').granted).toBe(false);
    expect(grantsPull(doc('*', ['ecr:BatchGetImage']), '222222222222')).toEqual({ granted: false, reading: 'no statement allows account 222222222222 ecr:GetDownloadUrlForLayer' });
  });
});

describe('which checks, and the verdict', () => {
  it('checks are chosen by the causes found; unknown causes get every check, host-side causes none', () => {
    expect(chooseFamilies(['registry_auth_denied']).families).toEqual(['role', 'ecr-permissions', 'image']);
    expect(chooseFamilies(['network_timeout']).families).toEqual(['network']);
    expect(chooseFamilies([]).families).toHaveLength(6);
    expect(chooseFamilies(['oom'])).toEqual({ families: [], why: expect.stringMatching(/no AWS check bears on oom/) });
  });

  const finding = (category: string, secondary?: string): ReportFinding =>
    ({ category, ruleId: `r-${category}`, title: `title of ${category}`, severity: 'error', count: 1, images: [], tasks: [], containers: [], registries: [], fields: {}, example: { text: '' }, causes: [], remediation: [], ...(secondary ? { secondary: { category: secondary, ruleId: `r-${secondary}`, title: `title of ${secondary}` } } : {}) }) as unknown as ReportFinding;
  const chk = (id: string, relatesTo: string, status: CheckResult['status']): CheckResult => ({ id, title: id, relatesTo: relatesTo as never, status, detail: `${id} ${status}`, evidence: [], bearing: status === 'fail' ? 'confirms' : status === 'pass' ? 'rules-out' : 'none' });

  it('confirmed by a failed check bearing on the cause; the inner cause of a wrapper is the one named', () => {
    const v = decide(finding('secrets_init_failure', 'registry_auth_denied'), undefined, [chk('iam.ecr-auth-token', 'registry_auth_denied', 'fail')]);
    expect(v).toMatchObject({ status: 'confirmed', confirmed: true, category: 'registry_auth_denied', title: 'title of registry_auth_denied', wrappedBy: { category: 'secrets_init_failure' }, by: ['iam.ecr-auth-token'] });
  });
  it('not confirmed when the checks bearing on it pass; unverified when they could not answer', () => {
    expect(decide(finding('image_not_found'), undefined, [chk('ecr.image', 'image_not_found', 'pass')]).status).toBe('not-confirmed');
    expect(decide(finding('image_not_found'), undefined, [chk('ecr.image', 'image_not_found', 'unknown')]).status).toBe('unverified');
    const other = decide(finding('image_not_found'), undefined, [chk('ecr.image', 'image_not_found', 'pass'), chk('network.s3', 'network_timeout', 'fail')]);
    expect(other.summary).toMatch(/The checks found something else: network\.s3 fail/);
  });
  it('with no recognised text: the host\'s cause, else what the checks found, else unknown', () => {
    expect(decide(undefined, { schema: 'ecs-triage/scan-summary', schemaVersion: 1, generatedAt: '', status: 'error', problems: 0, findings: [{ category: 'oom', ruleId: 'k', severity: 'error', title: 'OOM', count: 1 }] }, [])).toMatchObject({ from: 'host', category: 'oom' });
    expect(decide(undefined, undefined, [chk('network.s3', 'network_timeout', 'fail')])).toMatchObject({ status: 'found-by-checks', confirmed: true, from: 'checks' });
    expect(decide(undefined, undefined, [])).toMatchObject({ status: 'unknown', confirmed: false });
  });

  it('the host scan window starts 10 minutes before the task was created', () => {
    const rec = { times: { createdAt: '2026-11-23T09:15:00Z' } } as never;
    expect(windowFor(rec, Date.parse('2026-11-23T10:15:00Z'))).toBe('70m');
    expect(windowFor({ times: {} } as never)).toBe('24h');
  });
});

describe('the EC2 Query client against the EC2 test server', () => {
  let server: QueryServer;
  let client: Ec2QueryClient;
  const handler = new NodeHttpHandler();
  beforeAll(async () => {
    const subnets = Array.from({ length: 12 }, (_, i) => ({ subnetId: `subnet-0${i.toString(16).padStart(16, '0')}`, vpcId: 'vpc-0aaaaaaaaaaaaaaaa', availabilityZone: 'us-east-1a' }));
    server = await startEc2Server({ regions: { 'us-east-1': { subnets } }, pageSize: 5 });
    client = new Ec2QueryClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: async () => ({ accessKeyId: 'AKIDEC2', secretAccessKey: 's' }), requestHandler: handler });
  });
  afterAll(async () => {
    handler.destroy();
    await server.close();
  });

  it('signs with SigV4 for ec2, follows NextToken, reads <item> lists', async () => {
    const all = await client.paginate('DescribeSubnets', { ...filterParams([{ name: 'vpc-id', values: ['vpc-0aaaaaaaaaaaaaaaa'] }]), MaxResults: '100' }, 'subnetSet');
    expect(all).toHaveLength(12);
    expect(server.calls.length).toBe(3);
    expect(server.calls[0]!.scope).toEqual({ accessKeyId: 'AKIDEC2', region: 'us-east-1' });
    const one = await client.call('DescribeSubnets', listParams('SubnetId', ['subnet-00000000000000003']));
    expect(text((one.subnetSet as { item: { subnetId: string } }).item.subnetId)).toBe('subnet-00000000000000003');
  });

  it('answers EC2 errors as errors named by their code, with the HTTP status', async () => {
    const err = await client.call('DescribeSubnets', listParams('SubnetId', ['subnet-0ffffffffffffffff'])).catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number } });
    expect(err).toMatchObject({ name: 'InvalidSubnetID.NotFound', message: "The subnet ID 'subnet-0ffffffffffffffff' does not exist", $fault: 'client' });
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    await expect(client.call('DescribeSubnets', filterParams([{ name: 'no-such-filter', values: ['x'] }]))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('explain and task give the same titles for the same text', () => {
  it('for every stopped reason and container reason of the scenarios', async () => {
    const rules = await loadRuleSet();
    const texts = [...new Set(SCENARIOS.flatMap((s) => (['EC2', 'FARGATE'] as const).flatMap((lt) => {
      const w = scenario(s, lt);
      return [w.stoppedReason, ...w.containers.map((c) => c.reason ?? '')];
    })))].filter((t) => t && !t.includes('\n'));
    const r = await runCli(['explain', '--format', 'json'], { input: texts.join('\n') + '\n' });
    const said = JSON.parse(r.stdout) as Array<{ diagnosis: { title: string; category: string } | null }>;
    expect(said).toHaveLength(texts.length);
    texts.forEach((t, i) => {
      const mine = classifyText(rules, t);
      expect(mine?.title ?? null, t).toBe(said[i]!.diagnosis?.title ?? null);
      expect(mine?.category ?? null, t).toBe(said[i]!.diagnosis?.category ?? null);
    });
  });
});
