// `ecs-triage explain` on the registry-side stop reasons of the diagnosis issue's "Done when", run as the
// user runs it (the built CLI, text and JSON), plus the answers for lines no rule knows and the JSON of
// `aws ecs describe-tasks` pasted whole.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { runCli } from './helpers/cli.js';

interface LineResult {
  line: string;
  diagnosis: null | { category: string; ruleId: string; title: string; fields: Record<string, unknown>; remediation: string[]; docs?: string[]; secondary?: { category: string }; wrapper?: { ruleId: string } };
  recognised?: { kind: string; name: string; next: string[] };
}

async function explainJson(input: string, extra: string[] = []): Promise<LineResult[]> {
  const r = await runCli(['explain', '--format', 'json', ...extra], { input });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LineResult[];
}

const INVALID_REF = 'CannotPullContainerError: invalid reference format';
const CRED_HELPER = 'error getting credentials - err: exec: "docker-credential-ecr-login": executable file not found in $PATH';
const CUT_OFF = 'CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: failed open: unexpected status code';
const HUB_TIMEOUT = 'CannotPullContainerError: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp 54.236.113.205:443: i/o timeout';
const SECRET_DENIED =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/web-exec/1a2b is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action';
const LOGGER_DENIED =
  'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/web-exec/1a2b is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:log-stream:ecs/web/0a1b : exit status 1';

describe('the registry-side stop reasons of the diagnosis issue', () => {
  let results: LineResult[];
  beforeAll(async () => {
    results = await explainJson([INVALID_REF, CRED_HELPER, CUT_OFF, HUB_TIMEOUT, SECRET_DENIED].join('\n') + '\n');
  });
  const one = (line: string) => results.find((r) => r.line === line)!.diagnosis!;

  it('invalid reference format → invalid_image_reference, with the task definition to check', () => {
    const d = one(INVALID_REF);
    expect(d.category).toBe('invalid_image_reference');
    expect(d.remediation.join('\n')).toMatch(/describe-task-definition/);
    expect(d.docs?.length).toBeGreaterThan(0);
  });

  it('a missing docker-credential helper → credential_helper_failure, naming the helper to install', () => {
    const d = one(CRED_HELPER);
    expect(d.category).toBe('credential_helper_failure');
    expect(d.fields.helper).toBe('docker-credential-ecr-login');
    expect(d.remediation.join('\n')).toMatch(/amazon-ecr-credential-helper/);
  });

  it('a status cut off from the stopped reason says so, and what to read on the host', () => {
    const d = one(CUT_OFF);
    expect(d.ruleId).toBe('registry-status-cut-off');
    expect(d.title).toMatch(/cut off/);
    expect(d.remediation[0]).toMatch(/journalctl -u docker -u containerd/);
    expect(d.remediation[0]).toMatch(/ecs-agent\.log/);
  });

  it('a Docker Hub i/o timeout gets egress or pull-through-cache advice, not ECR endpoints', () => {
    const d = one(HUB_TIMEOUT);
    expect(d.category).toBe('network_timeout');
    const advice = d.remediation.join('\n');
    expect(advice).toMatch(/NAT gateway/);
    expect(advice).toMatch(/pull-through cache/);
    expect(advice).not.toMatch(/ecr\.api|ecr\.dkr/);
  });

  it('ResourceInitializationError with AccessDeniedException for secretsmanager:GetSecretValue names the inner action', async () => {
    const d = one(SECRET_DENIED);
    expect(d.category).toBe('secrets_init_failure');
    expect(d.secondary?.category).toBe('secrets_init_failure');
    expect(d.fields).toMatchObject({ action: 'secretsmanager:GetSecretValue', roleName: 'web-exec', region: 'eu-west-1' });
    // The advice is ready to paste: the role, the action and the secret are filled in.
    expect(d.remediation.join('\n')).toContain('--policy-source-arn arn:aws:iam::123456789012:role/web-exec --action-names secretsmanager:GetSecretValue');
    const text = await runCli(['explain', SECRET_DENIED]);
    expect(text.stdout).toMatch(/denied action: secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod\/db-AbCdEf \(role web-exec\)/);
  });
});

describe('a logger failure inside ResourceInitializationError is logging_driver_failure', () => {
  // A rule of our own in a copy of the shipped directory, without the shipped logging rules (which match the
  // same line at a priority above the wrapper's), proves the precedence, which decides by category and not by
  // rule id.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ecst-explain-'));
    cpSync(path.resolve('patterns'), dir, { recursive: true });
    rmSync(path.join(dir, 'logging-driver.yaml'));
    writeFileSync(
      path.join(dir, 'zz-test-logger.yaml'),
      `rules:
  - id: test-logger-args
    category: logging_driver_failure
    severity: error
    sources: [any]
    literals: ["failed to validate logger args"]
    match: 'failed to validate logger args: (?<detail>[^"\\\\]{1,300})'
    title: The logging driver could not start (test rule)
    causes: [The awslogs driver could not create its stream]
    remediation: ["Allow logs:CreateLogStream on {logGroup|LOG_GROUP} for {roleName|ROLE_NAME}"]
    examples:
      - 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist.'
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with a logging rule in the rule set, the logger cause is the finding and the wrapper is kept', async () => {
    const [r] = await explainJson(LOGGER_DENIED + '\n', ['--patterns', dir]);
    expect(r!.diagnosis).toMatchObject({ category: 'logging_driver_failure', ruleId: 'test-logger-args', wrapper: { ruleId: 'resource-initialization-error' } });
    expect(r!.diagnosis!.remediation[0]).toBe('Allow logs:CreateLogStream on /ecs/web for web-exec');
  });

  it('with the shipped rules, once a logging rule ships', async () => {
    const shipped = await loadRuleSet();
    if (!shipped.categories().has('logging_driver_failure')) return; // arrives with the runtime-side rules
    const [r] = await explainJson(LOGGER_DENIED + '\n');
    expect(r!.diagnosis?.category).toBe('logging_driver_failure');
  });
});

describe('explain answers every line', () => {
  it('text: an unrecognised line gets its own answer, with the wrapper it does recognise and what to run next', async () => {
    const r = await runCli(['explain'], { input: `${INVALID_REF}\nCannotStartContainerError: something no rule knows\nhello world\n` });
    expect(r.code).toBe(0);
    const blocks = r.stdout.split(/\n(?=\S)/);
    expect(blocks.filter((b) => b.startsWith('Not recognised'))).toHaveLength(2);
    expect(r.stdout).toMatch(/recognised wrapper CannotStartContainerError: Docker created the container but could not start it/);
    expect(r.stdout).toMatch(/what to run next:\n\s+- On the container instance: ecs-triage scan/);
    expect(r.stdout).toMatch(/from: hello world/);
  });

  it('json: unrecognised lines carry diagnosis null and the recognised wrapper', async () => {
    const res = await explainJson('CannotPullContainerError: a brand new failure\nnothing here\n');
    expect(res).toHaveLength(2);
    expect(res[0]).toMatchObject({ diagnosis: null, recognised: { kind: 'wrapper', name: 'CannotPullContainerError' } });
    expect(res[1]).toMatchObject({ line: 'nothing here', diagnosis: null });
    expect(res[1]!.recognised).toBeUndefined();
  });

  it('nothing to explain is a usage error, not an empty answer', async () => {
    const r = await runCli(['explain'], { input: '\n  \n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to explain/);
  });

  it('garbage, broken JSON and deep nesting get answers, not crashes', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const input = ['\u0000\u0001\u00ff binary', '{"tasks": [ broken', deep, `{"level":"error","msg":"x","error":"${INVALID_REF}"}`].join('\n') + '\n';
    const res = await explainJson(input);
    expect(res).toHaveLength(4);
    expect(res.slice(0, 3).every((x) => x.diagnosis === null)).toBe(true);
    expect(res[3]!.diagnosis?.category).toBe('invalid_image_reference');
  });
});

describe('explain reads `aws ecs describe-tasks` output pasted whole', () => {
  const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef';
  const described = {
    tasks: [
      {
        taskArn: ARN,
        taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/billing-api:14',
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:v3.2.0 not found: manifest unknown: Requested image not found',
        containers: [
          { name: 'billing', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:v3.2.0', lastStatus: 'STOPPED', reason: 'CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:v3.2.0 not found: manifest unknown: Requested image not found' },
          { name: 'sidecar', image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0', lastStatus: 'STOPPED', exitCode: 143 },
        ],
      },
    ],
    failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/ffffffffffffffffffffffffffffffff', reason: 'MISSING' }],
  };

  it('from standard input: a verdict per task, each line explained, the task filling the advice', async () => {
    const r = await runCli(['explain', '--format', 'json'], { input: JSON.stringify(described, null, 2) });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tasks: Array<{ verdict: { category: string; from: string }; recognised: { name: string }; items: Array<{ what: string; line: string; diagnosis: LineResult['diagnosis'] }> }>; failures: string[] };
    const [t] = out.tasks;
    expect(t!.verdict).toMatchObject({ category: 'image_not_found', from: 'stoppedReason' });
    expect(t!.recognised.name).toBe('TaskFailedToStart');
    expect(t!.items.map((i) => i.what)).toEqual(['stoppedReason', 'container sidecar: exit code 143']);
    // The exit code becomes the agreed record, with its fields parsed.
    expect(t!.items[1]!.line).toBe(`${described.tasks[0]!.stoppedReason}: container="sidecar" exitCode=143 oomKilled=false stopCode=TaskFailedToStart`);
    const advice = t!.items[0]!.diagnosis!.remediation.join('\n');
    expect(advice).toContain('--repository-name billing --registry-id 123456789012 --region eu-west-1');
    expect(t!.items[0]!.diagnosis!.fields).toMatchObject({ cluster: 'prod', taskDefinition: 'billing-api:14', taskArn: ARN });
    expect(out.failures).toEqual(['arn:aws:ecs:eu-west-1:123456789012:task/prod/ffffffffffffffffffffffffffffffff: MISSING']);
  });

  it('as one argument, in text', async () => {
    const r = await runCli(['explain', JSON.stringify(described)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Task ${ARN} \\(STOPPED, stop code TaskFailedToStart\\)`));
    expect(r.stdout).toMatch(/verdict: image_not_found/);
    expect(r.stdout).toMatch(/Not described by ECS: .*MISSING/);
  });

  it('a task whose reason no rule knows still gets its stop code explained', async () => {
    const task = { tasks: [{ taskArn: ARN, lastStatus: 'STOPPED', stopCode: 'SpotInterruption', stoppedReason: 'Something we have never seen', containers: [] }], failures: [] };
    const r = await runCli(['explain'], { input: JSON.stringify(task) });
    expect(r.stdout).toMatch(/stop code SpotInterruption: The Spot capacity behind the task was reclaimed/);
    expect(r.stdout).toMatch(/verdict: no rule recognises the cause/);
    expect(r.stdout).toMatch(/recognised stop code SpotInterruption/);
  });
});
