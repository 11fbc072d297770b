// `ecs-triage task` over the wire: the real CLI and the real SDK clients against test servers that speak each
// service's protocol (JSON 1.1 for ECS, ECR, Secrets Manager, KMS; the Query protocol for IAM and EC2), one
// scenario per cause of the issue, on an EC2 task and on a Fargate task. Assertions name checks and causes, not
// rule ids, so new rules do not break them; the cause's title must be `explain`'s for the same text.
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/verify/index.js';
import type { TaskReport } from '../src/task/report.js';
import {
  ACCOUNT,
  EXEC_ROLE,
  OTHER_ACCOUNT,
  SECRET_ARN,
  SUBNET,
  TASK_ID,
  TASK_SG,
  baseWorld,
  scenario,
  startWorld,
  taskArn,
  type LaunchType,
  type RunningWorld,
  type ScenarioName,
} from './task-world.js';
import { runCli } from './helpers/cli.js';

let world: RunningWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function run(name: ScenarioName, lt: LaunchType, extra: string[] = []): Promise<{ report: TaskReport; code: number | null; stderr: string; world: RunningWorld }> {
  world = await startWorld(scenario(name, lt));
  const r = await world.cli(['task', taskArn(), '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json', ...extra]);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`task failed (exit ${r.code}): ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as TaskReport, code: r.code, stderr: r.stderr, world };
}

const check = (r: TaskReport, id: string): CheckResult => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}; have ${r.checks.map((x) => `${x.id}:${x.status}`).join(', ')}`);
  return c;
};

/** What `explain` says about a text: the same rules, the same record. */
async function explainTitle(text: string): Promise<{ title: string; category: string; secondary?: { title: string; category: string } } | null> {
  const r = await runCli(['explain', '--format', 'json'], { input: text + '\n' });
  const [first] = JSON.parse(r.stdout) as Array<{ diagnosis: { title: string; category: string; secondary?: { title: string; category: string } } | null }>;
  return first!.diagnosis;
}

/** Every call was a read (or the SSM host join): nothing in AWS changed. */
function onlyReads(w: RunningWorld): void {
  for (const req of w.front.requests) expect(req.operation, `${req.service}:${req.operation}`).toMatch(/^(?:Describe|Get|List|Simulate|BatchGetImage$)/);
}

for (const lt of ['EC2', 'FARGATE'] as const) {
  describe(`task, ${lt} launch type`, () => {
    it('the reference incident: names the execution role and the missing ecr:GetAuthorizationToken, confirmed', async () => {
      const { report, code, world: w } = await run('reference-incident', lt);
      expect(code).toBe(1);
      expect(report.schema).toBe('ecs-triage/task-report');
      expect(report.task.launchType).toBe(lt);
      const token = check(report, 'iam.ecr-auth-token');
      expect(token.status).toBe('fail');
      expect(token.bearing).toBe('confirms');
      expect(token.detail).toContain(EXEC_ROLE);
      expect(token.detail).toContain('ecr:GetAuthorizationToken');
      expect(token.evidence.join('\n')).toMatch(/ecr:GetAuthorizationToken on \*: implicitly denied/);
      // The role has the two pull actions: that part is ruled out, as the incident's engineer found.
      expect(check(report, 'iam.ecr-pull').status).toBe('pass');
      expect(check(report, 'ecr.image').status).toBe('pass');
      expect(report.verdict).toMatchObject({ status: 'confirmed', confirmed: true, category: 'registry_auth_denied' });
      expect(report.verdict.by).toContain('iam.ecr-auth-token');
      expect(report.verdict.summary).toContain(EXEC_ROLE);
      // The same title as `explain` for the same text (through the wrapper, on Fargate).
      const said = await explainTitle(report.task.stoppedReason!);
      expect(said?.secondary?.title ?? said?.title).toBe(report.verdict.title);
      expect(report.findings.map((f) => f.title)).toContain(said!.title);
      onlyReads(w);

      const text = await w.cli(['task', taskArn(), '--no-host', '--endpoint-url', w.front.endpoint]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/✘ iam\.ecr-auth-token: The execution role ecsExecutionRoleProd may not call ecr:GetAuthorizationToken/);
      expect(text.stdout).toMatch(/\[CONFIRMED\]/);
      expect(text.stdout).toMatch(/✔ iam\.ecr-pull/);
      expect(text.stdout).toMatch(/Fix:\n {2}1\. aws iam attach-role-policy --role-name ecsExecutionRoleProd --policy-arn arn:aws:iam::aws:policy\/service-role\/AmazonECSTaskExecutionRolePolicy/);
    });

    it('a tag expired by a lifecycle rule: shows the rule that matched', async () => {
      const { report } = await run('lifecycle-expired-tag', lt);
      const img = check(report, 'ecr.image');
      expect(img.status).toBe('fail');
      expect(img.detail).toMatch(/billing:v3\.2\.0 is not in repository billing: lifecycle rule 1 "Keep only the last 10 release images" selects it/);
      expect(img.evidence.join('\n')).toMatch(/rule 1 "Keep only the last 10 release images": images tagged v\*, keeps the 10 newest/);
      expect(img.evidence.join('\n')).toMatch(/10 image\(s\) in the repository fall under it now, the oldest pushed 2026-11-13/);
      expect(check(report, 'ecr.repository').status).toBe('pass');
      expect(report.verdict).toMatchObject({ status: 'confirmed', category: 'image_not_found' });
    });

    it('a repository in another Region: says where it is', async () => {
      const { report } = await run('repository-in-other-region', lt);
      const repo = check(report, 'ecr.repository');
      expect(repo.status).toBe('fail');
      expect(repo.detail).toMatch(/Repository payments is not in us-east-1, the Region the image URI names; it exists in us-west-2/);
      expect(repo.fix?.[0]).toContain(`${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/payments:2.0.1`);
      expect(report.verdict).toMatchObject({ status: 'confirmed', category: 'image_not_found' });
    });

    it('a cross-account repository without a repository policy: the other account does not let this one pull', async () => {
      const { report } = await run('cross-account-no-policy', lt);
      const x = check(report, 'ecr.cross-account');
      expect(x.status).toBe('fail');
      expect(x.detail).toContain(`Account ${OTHER_ACCOUNT} does not let account ${ACCOUNT} read repository shared/base-api`);
      // The caller could not read the policy either: that is what AWS answers across accounts without a grant.
      expect(x.evidence.join('\n')).toMatch(/ecr:GetRepositoryPolicy .*AccessDeniedException/);
      expect(x.fix?.[0]).toContain(`aws ecr set-repository-policy --repository-name shared/base-api`);
      expect(x.fix?.[0]).toContain(`arn:aws:iam::${ACCOUNT}:root`);
      // The role's own policy allows the pull: the missing half is the repository's.
      expect(check(report, 'iam.ecr-pull').status).toBe('pass');
      expect(report.verdict).toMatchObject({ status: 'confirmed', category: 'registry_auth_denied' });
    });

    it('a private subnet with ecr.api and ecr.dkr endpoints but no S3 gateway endpoint', async () => {
      const { report } = await run('private-subnet-no-s3-endpoint', lt);
      expect(check(report, 'network.ecr.api').status).toBe('pass');
      expect(check(report, 'network.ecr.dkr').status).toBe('pass');
      const s3 = check(report, 'network.s3');
      expect(s3.status).toBe('fail');
      expect(s3.detail).toMatch(/no route for 0\.0\.0\.0\/0 .*no VPC endpoint for com\.amazonaws\.us-east-1\.s3/);
      expect(s3.evidence.join('\n')).toContain(SUBNET);
      expect(s3.fix?.[0]).toMatch(/--vpc-endpoint-type Gateway --service-name com\.amazonaws\.us-east-1\.s3 --route-table-ids rtb-/);
      expect(check(report, 'network.endpoint-ingress-443').status).toBe('pass');
      expect(report.verdict).toMatchObject({ status: 'confirmed', category: 'network_timeout' });
    });

    it('a security group without 443 egress', async () => {
      const { report } = await run('sg-without-443-egress', lt);
      const egress = check(report, 'network.egress-443');
      expect(egress.status).toBe('fail');
      expect(egress.detail).toContain(TASK_SG);
      expect(egress.evidence.join('\n')).toMatch(/egress: tcp 5432-5432 10\.0\.0\.0\/16/);
      expect(report.verdict.status).toBe('confirmed');
      expect(report.verdict.category).toBe('network_timeout');
      expect(report.verdict.by).toEqual(['network.egress-443']);
    });

    it('a secret the role may not read', async () => {
      const { report } = await run('secret-not-readable', lt);
      expect(check(report, 'secrets.exist').status).toBe('pass');
      const read = check(report, 'secrets.read-permission');
      expect(read.status).toBe('fail');
      expect(read.detail).toContain(`secretsmanager:GetSecretValue on ${SECRET_ARN}`);
      expect(read.detail).toContain(EXEC_ROLE);
      expect(report.verdict).toMatchObject({ status: 'confirmed', category: 'secrets_init_failure' });
    });

    it('an awslogs group the role may not write', async () => {
      const { report } = await run('awslogs-not-writable', lt);
      const logs = check(report, 'iam.logs-write');
      expect(logs.status).toBe('fail');
      expect(logs.detail).toMatch(/may not call logs:CreateLogStream on arn:aws:logs:us-east-1:123456789012:log-group:\/ecs\/prod-api/);
      expect(logs.fix?.[0]).toContain('log-group:/ecs/prod-api:*');
      expect(report.verdict.status).toBe('confirmed');
      expect(report.verdict.by).toContain('iam.logs-write');
    });

    it('a caller without IAM read permissions: the IAM checks are unknown with the reason, the rest still runs', async () => {
      const { report, code } = await run('caller-without-iam-read', lt);
      expect(code).toBe(1);
      for (const id of ['iam.role', 'iam.ecr-auth-token', 'iam.ecr-pull']) {
        const c = check(report, id);
        expect(c.status, id).toBe('unknown');
        expect(c.bearing).toBe('none');
        expect(c.detail, id).toMatch(/Not checked: the caller may not call iam:(?:SimulatePrincipalPolicy|GetRole)/);
      }
      expect(check(report, 'ecr.repository').status).toBe('pass');
      expect(check(report, 'ecr.image').status).toBe('pass');
      expect(report.verdict).toMatchObject({ status: 'unverified', confirmed: false, category: 'registry_auth_denied' });
      expect(report.findings.length).toBeGreaterThan(0);
    });
  });
}

describe('task: parameters and keys', () => {
  it('a SecureString parameter under a customer-managed key the role may not use for kms:Decrypt', async () => {
    const w = scenario('secret-not-readable', 'FARGATE');
    const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    w.containers[0]!.secrets = [{ name: 'API_TOKEN', valueFrom: '/prod/api/token' }];
    w.parameters = [
      { name: '/prod/other', type: 'String' },
      { name: '/prod/api/token', type: 'SecureString', keyId: 'alias/prod-api' },
    ];
    w.keys = [{ arn: keyArn, aliases: ['alias/prod-api'] }];
    w.roles[EXEC_ROLE]!.policies.push({ name: 'read-parameters', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/prod/*` }] } });
    world = await startWorld(w);
    const r = await world.cli(['task', taskArn(), '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json']);
    const report = JSON.parse(r.stdout) as TaskReport;
    expect(check(report, 'secrets.exist')).toMatchObject({ status: 'pass', evidence: [expect.stringMatching(/ssm:DescribeParameters Name=\/prod\/api\/token: SecureString \(KMS key alias\/prod-api\)/)] });
    const read = check(report, 'secrets.read-permission');
    expect(read.status).toBe('fail');
    expect(read.detail).toBe(`The execution role ${EXEC_ROLE} may not call kms:Decrypt on ${keyArn}: the task cannot start (ResourceInitializationError).`);
    expect(read.evidence.join('\n')).toMatch(/ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter\/prod\/api\/token: allowed by read-parameters/);
    // DescribeParameters answered one entry a page: every page was followed.
    expect(world.front.requests.filter((q) => q.operation === 'DescribeParameters').length).toBeGreaterThan(1);
  });
});

describe('task: options, errors and the service form', () => {
  it('--no-verify: no checks, the cause from ECS\'s texts only', async () => {
    const { report } = await run('reference-incident', 'EC2', ['--no-verify']);
    expect(report.checks).toEqual([]);
    expect(report.checksChosen).toMatch(/--no-verify/);
    expect(report.verdict).toMatchObject({ status: 'unverified', category: 'registry_auth_denied' });
  });

  it('a task id with --cluster, and the JSON fields the README documents', async () => {
    world = await startWorld(scenario('secret-not-readable', 'FARGATE'));
    const r = await world.cli(['task', TASK_ID, '--cluster', 'prod', '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json']);
    const report = JSON.parse(r.stdout) as TaskReport;
    expect(Object.keys(report).sort()).toEqual(['checks', 'checksChosen', 'findings', 'generatedAt', 'host', 'problems', 'schema', 'schemaVersion', 'status', 'task', 'tool', 'unrecognised', 'verdict']);
    expect(report.task).toMatchObject({ arn: taskArn(), cluster: 'prod', launchType: 'FARGATE', lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' });
    expect(report.task.containers[0]).toMatchObject({ name: 'api', image: expect.stringContaining('api:v2.14.1'), reason: expect.stringContaining('ResourceInitializationError') });
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(['bearing', 'detail', 'evidence', 'id', 'relatesTo', 'status', 'title']));
      expect(['pass', 'fail', 'unknown']).toContain(c.status);
    }
    expect(report.host).toEqual({ joined: false, reason: expect.stringMatching(/Fargate/) });
    expect(report.findings[0]).toMatchObject({ category: 'secrets_init_failure', example: { file: 'ecs:stoppedReason' } });
  });

  it('a task that is not there: exit 2 and the hint about how long ECS keeps stopped tasks', async () => {
    world = await startWorld(baseWorld('EC2'));
    const r = await world.cli(['task', 'ffffffffffffffffffffffffffffffff', '--cluster', 'prod', '--endpoint-url', world.front.endpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/task ffffffffffffffffffffffffffffffff not found in cluster prod \(MISSING\)/);
    expect(r.stderr).toMatch(/hint: ECS keeps a stopped task for about an hour/);
  });

  it('an endpoint that does not answer: exit 3 (could not run) with the network hint', async () => {
    world = await startWorld(baseWorld('EC2'));
    const r = await world.cli(['task', taskArn(), '--endpoint-url', 'http://127.0.0.1:9'], { AWS_MAX_ATTEMPTS: '1' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/ecs-triage: ecs:DescribeTasks: /);
    expect(r.stderr).toMatch(/hint: no answer from the ECS endpoint/);
  });

  it('usage errors exit 2 without calling AWS', async () => {
    world = await startWorld(baseWorld('EC2'));
    const none = await world.cli(['task', '--endpoint-url', world.front.endpoint]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give a task ARN or id, or --service NAME/);
    const both = await world.cli(['task', TASK_ID, '--service', 'prod-api', '--endpoint-url', world.front.endpoint]);
    expect(both.code).toBe(2);
    const region = await world.cli(['task', taskArn(), '--region', 'eu-west-1', '--endpoint-url', world.front.endpoint]);
    expect(region.code).toBe(2);
    expect(region.stderr).toMatch(/does not match the task ARN's Region \(us-east-1\)/);
    expect(world.front.requests).toEqual([]);
  });

  it('--service: the last stopped tasks of a service (ListTasks, desired status STOPPED)', async () => {
    world = await startWorld(scenario('secret-not-readable', 'FARGATE'));
    const r = await world.cli(['task', '--service', 'prod-api', '--cluster', 'prod', '--last', '3', '--no-host', '--endpoint-url', world.front.endpoint, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { schema: string; reports: TaskReport[] };
    expect(doc.schema).toBe('ecs-triage/service-task-reports');
    expect(doc.reports.map((x) => x.task.arn)).toEqual([taskArn()]);
    expect(doc.reports[0]!.verdict.status).toBe('confirmed');
    expect(world.front.requests.map((q) => q.operation)).toContain('ListTasks');
  });

  it('--service with no stopped task says so and still reads the service\'s events; an unknown service is an error', async () => {
    const w = baseWorld('EC2');
    w.taskGroup = 'family:prod-api';
    world = await startWorld(w);
    const r = await world.cli(['task', '--service', 'prod-api', '--cluster', 'prod', '--endpoint-url', world.front.endpoint]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no stopped task of service prod-api in cluster prod \(ECS keeps stopped tasks for about an hour\)\./);
    expect(r.stdout).toMatch(/is unable to consistently start tasks successfully/);
    const json = JSON.parse((await world.cli(['task', '--service', 'prod-api', '--cluster', 'prod', '--endpoint-url', world.front.endpoint, '--format', 'json'])).stdout) as { reports: unknown[]; note: string; serviceEvents: unknown[] };
    expect(json.reports).toEqual([]);
    expect(json.note).toMatch(/no stopped task/);
    expect(json.serviceEvents.length).toBeGreaterThan(0);
    const nope = await world.cli(['task', '--service', 'nope', '--cluster', 'prod', '--endpoint-url', world.front.endpoint]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/ecs:ListTasks: service nope in cluster prod: Service not found/);
  });
});
