import { describe, expect, it } from 'vitest';
import { groupsToFields, parseImageRef, standardFields } from '../src/classify/fields.js';
import { fillTemplate, fillTemplates, templateFields } from '../src/classify/templates.js';

describe('image references', () => {
  it('splits ECR references and reads account and region', () => {
    expect(parseImageRef('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:v2.1.0')).toEqual({
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', repository: 'team/api', tag: 'v2.1.0',
      isEcr: true, ecrAccount: '123456789012', ecrRegion: 'us-east-1',
    });
  });
  it('applies Docker Hub defaults', () => {
    expect(parseImageRef('nginx:1.25')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx', tag: '1.25', isEcr: false });
    expect(parseImageRef('acme/tool')).toMatchObject({ registry: 'docker.io', repository: 'acme/tool' });
  });
  it('keeps registry ports apart from tags, and digests', () => {
    expect(parseImageRef('127.0.0.1:5000/app:1')).toMatchObject({ registry: '127.0.0.1:5000', repository: 'app', tag: '1' });
    const d = 'sha256:' + 'a'.repeat(64);
    expect(parseImageRef(`public.ecr.aws/x/y@${d}`)).toMatchObject({ registry: 'public.ecr.aws', repository: 'x/y', digest: d, isEcr: false });
  });
});

describe('fields of a matched line', () => {
  it('merges name_N groups and parses statuses', () => {
    expect(groupsToFields({ httpStatus_2: '403', host: undefined })).toEqual({ httpStatus: 403 });
  });
  it('reads the agent key=value pairs in logfmt and rendered JSON', () => {
    const f = standardFields('level=error msg="x" taskARN="arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef" container=web image="123456789012.dkr.ecr.us-east-1.amazonaws.com/web:7"');
    expect(f).toMatchObject({ container: 'web', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:7', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef' });
  });
  it('finds the image in Docker wording', () => {
    expect(standardFields("pull access denied for 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app, repository does not exist").image).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app');
    expect(standardFields('Failed to pull image "docker.io/library/redis:7": rpc error').image).toBe('docker.io/library/redis:7');
  });
  it('derives task id and cluster from a task ARN, and ECR facts from the image', () => {
    const f = groupsToFields({ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/a:b' });
    expect(f).toMatchObject({ taskId: '0123456789abcdef0123456789abcdef', cluster: 'prod', isEcr: true, ecrRegion: 'eu-west-1', tag: 'b' });
  });
});

describe('image references written as URLs', () => {
  it('drop the scheme and any user:password@, which are not part of the reference', () => {
    expect(parseImageRef('https://bob:secret@registry.example.com/app:1')).toMatchObject({ registry: 'registry.example.com', repository: 'app', tag: '1' });
  });
});

describe('digests without a registry', () => {
  it('keep name@digest intact', () => {
    const d = 'sha256:' + 'b'.repeat(64);
    expect(parseImageRef(`redis@${d}`)).toMatchObject({ registry: 'docker.io', repository: 'library/redis', digest: d });
    expect(parseImageRef(`redis:7@${d}`)).toMatchObject({ repository: 'library/redis', tag: '7', digest: d });
  });
});

describe('fields for the advice', () => {
  it('reads the refused role, the resource and where it lives', () => {
    const f = groupsToFields(undefined, 'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/prod-exec/0a1b2c is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:eu-west-1:210987654321:repository/base/worker because no resource-based policy allows it');
    expect(f).toMatchObject({
      roleName: 'prod-exec', roleArn: 'arn:aws:iam::123456789012:role/prod-exec',
      repositoryArn: 'arn:aws:ecr:eu-west-1:210987654321:repository/base/worker', repository: 'base/worker',
      account: '210987654321', region: 'eu-west-1',
    });
  });
  it('keeps an IAM role ARN as it is, path included', () => {
    expect(groupsToFields(undefined, 'User: arn:aws:iam::123456789012:role/service/exec-role is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1')).toMatchObject({ roleName: 'exec-role', roleArn: 'arn:aws:iam::123456789012:role/service/exec-role' });
  });
  it('reads secret ARNs, parameter names, log groups and ports', () => {
    expect(standardFields('failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf from secrets manager').secretArn).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf');
    expect(standardFields('unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /prod/api-key').parameterName).toBe('/prod/api-key');
    expect(standardFields('not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:log-stream:ecs/web/abc').logGroup).toBe('/ecs/web');
    expect(standardFields('Bind for 0.0.0.0:8080 failed: port is already allocated').port).toBe('8080');
    expect(standardFields('listen tcp 0.0.0.0:443: bind: address already in use').port).toBe('443');
  });
  it('derives account and region for ECR images and AWS endpoints', () => {
    expect(groupsToFields({ image: '123456789012.dkr.ecr.ap-south-1.amazonaws.com/api:1' })).toMatchObject({ account: '123456789012', region: 'ap-south-1', repositoryArn: 'arn:aws:ecr:ap-south-1:123456789012:repository/api' });
    expect(groupsToFields(undefined, 'Post "https://secretsmanager.eu-central-1.amazonaws.com/": dial tcp 1.2.3.4:443: i/o timeout')).toMatchObject({ host: 'secretsmanager.eu-central-1.amazonaws.com', region: 'eu-central-1' });
  });
});

describe('remediation templates', () => {
  it('fill known fields and keep the placeholder for unknown ones', () => {
    expect(fillTemplate('aws ecr describe-images --repository-name {repository|REPO} --region {region|REGION}', { repository: 'api' })).toBe('aws ecr describe-images --repository-name api --region REGION');
  });
  it('leave Go templates and JSON alone', () => {
    const s = `docker image inspect IMAGE --format '{{.Os}}/{{.Architecture}}' and {"Effect": "Allow"}`;
    expect(fillTemplate(s, { Os: 'x' })).toBe(s);
    expect(fillTemplates([s], {})).toEqual([s]);
  });
  it('leave what they copy from the line to the output seam, which redacts it', async () => {
    const { redactFinding } = await import('../src/redacted.js');
    const step = fillTemplate('curl {host|HOST}', { host: 'password=hunter2' });
    const f = redactFinding({ ruleId: 'r', category: 'network_timeout', severity: 'error', title: 't', fields: {}, causes: [], remediation: [step], source: 'unknown', line: '' });
    expect(f.remediation[0]).toBe('curl password=[REDACTED]');
  });
  it('name the fields a step refers to', () => {
    expect(templateFields('{roleName|ROLE_NAME} and {roleArn|ROLE_ARN}')).toEqual(['roleName', 'roleArn']);
  });
});
