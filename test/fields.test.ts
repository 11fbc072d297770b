import { describe, expect, it } from 'vitest';
import { groupsToFields, parseImageRef, standardFields } from '../src/classify/fields.js';

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
