// How every command decides where its AWS calls go: profile, Region, endpoint and proxy, as the AWS CLI decides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseIni, resolveAwsContext } from '../src/aws/settings.js';
import { bypassed, inCidr, proxyFor } from '../src/aws/http.js';
import { awsFailure, failureKind } from '../src/aws/failure.js';
import { ConfigError } from '../src/errors.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'aws-settings-'));
  await mkdir(path.join(home, '.aws'));
  await writeFile(
    path.join(home, '.aws/config'),
    [
      '# the on-call profiles',
      '[default]',
      'region = us-east-2',
      '',
      '[profile oncall]',
      'region = eu-west-1   ; the EU fleet',
      'output = json',
      's3 =',
      '  max_concurrent_requests = 20',
      '[profile local]',
      'region = ap-southeast-2',
      'endpoint_url = http://127.0.0.1:4566',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(home, '.aws/credentials'), '[oncall]\naws_access_key_id = AKIDONCALL\naws_secret_access_key = x\n[creds-only]\nregion = sa-east-1\n');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: home, ...extra });

describe('AWS settings', () => {
  it('reads profiles of the config and credentials files', () => {
    const ini = parseIni('[profile a]\nregion = x # c\n  nested = no\n[b]\nk=v\n');
    expect(ini.get('profile a')?.get('region')).toBe('x');
    expect(ini.get('profile a')?.has('nested')).toBe(false);
    expect(ini.get('b')?.get('k')).toBe('v');
  });

  it('Region: --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile\'s', async () => {
    expect((await resolveAwsContext({ region: 'ca-central-1', profile: 'oncall' }, { env: env({ AWS_REGION: 'us-west-1' }) })).regionFrom).toBe('--region');
    expect((await resolveAwsContext({ profile: 'oncall' }, { env: env({ AWS_REGION: 'us-west-1' }) })).region).toBe('us-west-1');
    expect((await resolveAwsContext({ profile: 'oncall' }, { env: env({ AWS_DEFAULT_REGION: 'us-west-2' }) })).region).toBe('us-west-2');
    const fromProfile = await resolveAwsContext({ profile: 'oncall' }, { env: env() });
    expect(fromProfile).toMatchObject({ region: 'eu-west-1', profile: 'oncall' });
    expect(fromProfile.regionFrom).toMatch(/^profile oncall \(.*\.aws\/config\)$/);
    expect((await resolveAwsContext({}, { env: env({ AWS_PROFILE: 'oncall' }) })).region).toBe('eu-west-1');
    expect((await resolveAwsContext({}, { env: env() })).region).toBe('us-east-2');
    expect((await resolveAwsContext({ profile: 'creds-only' }, { env: env() })).region).toBe('sa-east-1');
  });

  it('a profile that does not exist, or no Region anywhere, is a clear error', async () => {
    await expect(resolveAwsContext({ profile: 'nope' }, { env: env() })).rejects.toThrow(/the profile "nope" is not in .*\.aws\/config/);
    const err = await resolveAwsContext({}, { env: { HOME: path.join(home, 'nowhere') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/no AWS Region/);
    await expect(resolveAwsContext({ region: 'Virginia' }, { env: env() })).rejects.toThrow(/not an AWS Region/);
  });

  it('endpoint: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile\'s endpoint_url', async () => {
    const e = env({ AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://sm.example', AWS_ENDPOINT_URL: 'https://all.example/' });
    const flag = await resolveAwsContext({ endpointUrl: 'https://flag.example' }, { env: e });
    expect(flag.endpointFor('Secrets Manager')).toBe('https://flag.example');
    const fromEnv = await resolveAwsContext({}, { env: e });
    expect(fromEnv.endpointFor('Secrets Manager')).toBe('https://sm.example');
    expect(fromEnv.endpointFor('CloudWatch Logs')).toBe('https://all.example');
    expect((await resolveAwsContext({ profile: 'local' }, { env: env() })).endpointFor('ECS')).toBe('http://127.0.0.1:4566');
    expect((await resolveAwsContext({ profile: 'local' }, { env: env({ AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }) })).endpointFor('ECS')).toBeUndefined();
    await expect(resolveAwsContext({ endpointUrl: 'localhost:4566' }, { env: env() })).rejects.toThrow(/--endpoint-url: not a URL|expected an http/);
  });

  it('proxy: HTTPS_PROXY for https, HTTP_PROXY for http, NO_PROXY exempts hosts, domains, CIDRs and ports', () => {
    const e = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'proxy.corp:8080', NO_PROXY: '169.254.169.254, .internal,10.0.0.0/8,vpce.amazonaws.com:443' };
    expect(proxyFor(new URL('https://ecs.us-east-1.amazonaws.com'), e)?.host).toBe('proxy.corp:3128');
    expect(proxyFor(new URL('http://127.0.0.1:4566'), e)?.host).toBe('proxy.corp:8080');
    expect(proxyFor(new URL('https://10.1.2.3'), e)).toBeUndefined();
    expect(proxyFor(new URL('https://api.ecr.internal'), e)).toBeUndefined();
    expect(proxyFor(new URL('https://vpce-1.ecr.vpce.amazonaws.com'), e)).toBeUndefined();
    expect(proxyFor(new URL('https://vpce-1.ecr.vpce.amazonaws.com:8443'), e)?.host).toBe('proxy.corp:3128');
    expect(proxyFor(new URL('https://ecs.us-east-1.amazonaws.com'), { https_proxy: 'http://lower:1' })?.host).toBe('lower:1');
    expect(proxyFor(new URL('https://ecs.us-east-1.amazonaws.com'), {})).toBeUndefined();
    expect(bypassed('anything', 443, '*')).toBe(true);
    expect(inCidr('10.0.1.57', '10.0.0.0/16')).toBe(true);
    expect(inCidr('10.1.0.1', '10.0.0.0/16')).toBe(false);
    expect(() => proxyFor(new URL('https://x.example'), { HTTPS_PROXY: 'socks5://p:1080' })).toThrow(/socks5 proxies are not supported/);
  });

  it('failures: no credentials and no route are "could not run" (exit 3) with a hint; a denial names the permission; a name AWS does not know is a usage error (2)', () => {
    const none = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(failureKind(none)).toBe('no-credentials');
    const e1 = awsFailure('ecs:DescribeTasks', none);
    expect(e1.exitCode).toBe(3);
    expect(e1.hint).toMatch(/no AWS credentials were found: name a profile of ~\/\.aws\/config \(--profile NAME, or AWS_PROFILE\)/);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(awsFailure('ssm:SendCommand', refused, { service: 'SSM' })).toMatchObject({ exitCode: 3, hint: expect.stringMatching(/no answer from the SSM endpoint/) });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    expect(awsFailure('ecs:ListTasks', denied, { permission: 'ecs:ListTasks' })).toMatchObject({ exitCode: 3, hint: 'the caller needs ecs:ListTasks' });
    const wrong = Object.assign(new Error('Service not found.'), { name: 'ServiceNotFoundException' });
    expect(awsFailure('ecs:ListTasks', wrong)).toMatchObject({ exitCode: 2 });
  });
});
