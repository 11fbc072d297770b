// Redaction with real-looking samples: every secret form the rules name, and lines that must stay intact.
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { parseLine } from '../src/formats/index.js';
import { redact, redactFields } from '../src/redact.js';

// AWS documentation example credentials (not real keys).
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION =
  'IQoJb3JpZ2luX2VjEOz////////////wEaCWV1LXdlc3QtMSJHMEUCIQDz5bo3fHEXAMPLExampleTokenValueAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';
const DOCKER_AUTH = Buffer.from('AWS:eyJwYXlsb2FkIjoiZXhhbXBsZSJ9').toString('base64');

const SECRETS: Array<[string, string, string]> = [
  ['access key id in prose', `level=error msg="request signed with ${AKID} was denied"`, AKID],
  ['temporary access key id', 'credentials ASIAY34FZKBOKMUTVV7A expired', 'ASIAY34FZKBOKMUTVV7A'],
  ['secret in ini form', `aws_secret_access_key = ${SECRET}`, SECRET],
  ['secret in env form', `AWS_SECRET_ACCESS_KEY=${SECRET}`, SECRET],
  ['secret in JSON (STS answer)', `{"AccessKeyId":"${AKID}","SecretAccessKey":"${SECRET}","SessionToken":"${SESSION}"}`, SECRET],
  ['secret after "secret key" in prose', `using secret key ${SECRET} for upload`, SECRET],
  ['session token in JSON', `{"SessionToken":"${SESSION}"}`, SESSION],
  ['bare session token', `token ${SESSION} refresh failed`, SESSION],
  ['x-amz-security-token header', `X-Amz-Security-Token: ${SESSION}`, SESSION],
  ['presigned URL signature', 'GET https://prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com/a/b?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 failed', '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  ['Authorization: Basic', 'Authorization: Basic QVdTOnNlY3JldHBhc3N3b3Jk', 'QVdTOnNlY3JldHBhc3N3b3Jk'],
  ['Authorization: Bearer (registry token)', 'authorization="Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ['SigV4 Authorization header', `Authorization: AWS4-HMAC-SHA256 Credential=${AKID}/20261120/eu-west-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024`, 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024'],
  ['docker config.json auth', `{"auths":{"111122223333.dkr.ecr.eu-west-1.amazonaws.com":{"auth":"${DOCKER_AUTH}"}}}`, DOCKER_AUTH],
  ['X-Registry-Auth header', 'X-Registry-Auth: eyJ1c2VybmFtZSI6IkFXUyIsInBhc3N3b3JkIjoic2VjcmV0In0=', 'eyJ1c2VybmFtZSI6IkFXUyIsInBhc3N3b3JkIjoic2VjcmV0In0='],
  ['ECR authorizationToken', `{"authorizationData":[{"authorizationToken":"${DOCKER_AUTH}","expiresAt":"2026-11-20T22:00:00Z"}]}`, DOCKER_AUTH],
  ['ECS_ENGINE_AUTH_DATA password', 'ECS_ENGINE_AUTH_DATA={"https://index.docker.io/v1/":{"username":"acme","password":"S3cr3t-Pa55!","email":"ops@example.com"}}', 'S3cr3t-Pa55!'],
  ['password in a URL', 'Get "https://deploy:hunter2hunter2@registry.example.com/v2/": dial tcp: i/o timeout', 'hunter2hunter2'],
  ['proxy URL password', 'HTTPS_PROXY=http://proxyuser:Pr0xyPass@10.0.0.5:3128', 'Pr0xyPass'],
  ['--password flag', 'docker login --password s3cretvalue123 111122223333.dkr.ecr.eu-west-1.amazonaws.com', 's3cretvalue123'],
  ['--password= flag', 'helper --username AWS --password=s3cretvalue123', 's3cretvalue123'],
  ['docker login -p', 'docker login -u AWS -p s3cretvalue123 https://111122223333.dkr.ecr.eu-west-1.amazonaws.com', 's3cretvalue123'],
  ['logfmt password', 'level=info msg="connecting" password=s3cretvalue123 user=acme', 's3cretvalue123'],
];

describe('redact', () => {
  for (const [name, line, secret] of SECRETS) {
    it(`removes ${name}`, () => {
      const out = redact(line);
      expect(out).not.toContain(secret);
      expect(out).toMatch(/REDACTED/);
    });
  }

  it('keeps the context an engineer needs', () => {
    expect(redact(`Authorization: AWS4-HMAC-SHA256 Credential=${AKID}/20261120/eu-west-1/ecr/aws4_request`)).toContain('AWS4-HMAC-SHA256');
    expect(redact('Authorization: Basic QVdTOnNlY3JldA==')).toBe('Authorization: Basic [REDACTED]');
    expect(redact('Get "https://deploy:hunter2@registry.example.com/v2/"')).toBe('Get "https://deploy:[REDACTED]@registry.example.com/v2/"');
  });

  const CLEAN = [
    'level=error time=2026-11-20T10:00:00Z msg="Error while pulling image" image="111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments/api:2026.11.3" error="CannotPullContainerError: pull access denied"',
    'level=info msg="Task engine: pulled image" digest=sha256:4f5d1c2b3a4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd',
    'level=warn msg="commit" git=0123456789abcdef0123456789abcdef01234567 taskARN=arn:aws:ecs:eu-west-1:111122223333:task/prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    'level=error msg="not authorized to perform: ecr:GetAuthorizationToken on resource: *"',
    'docker login --password-stdin 111122223333.dkr.ecr.eu-west-1.amazonaws.com',
    'https://registry-1.docker.io/v2/library/nginx/manifests/latest: toomanyrequests',
    'Get "https://public.ecr.aws/token/?scope=repository:nginx/nginx:pull&service=public.ecr.aws": net/http: request canceled',
    // Wording around the secret names that is not a secret: rules match these words.
    'failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
    'pull access denied for acme/app, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    'not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
    'PUT /latest/api/token HTTP/1.1\\r\\nX-aws-ec2-metadata-token-ttl-seconds: 21600',
    'www-authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    'ECS_ENGINE_AUTH_TYPE=docker',
    'WARNING! Using --password via the CLI is insecure. Use --password-stdin.',
    'time="2026-11-23T09:00:00Z" level=info msg="token refreshed" tokenExpiry=2026-11-23T10:00:00Z',
    'Error response from daemon: Get "https://registry.example.com/v2/": unauthorized: incorrect username or password',
  ];
  for (const line of CLEAN) {
    it(`leaves a harmless line intact: ${line.slice(0, 50)}…`, () => {
      expect(redact(line)).toBe(line);
    });
  }
});

describe('what reaches standard output', () => {
  it('classify and explain JSON redact fields and lines', async () => {
    const { runCli } = await import('./helpers/cli.js');
    const line = 'level=error time=2026-11-23T09:00:00Z msg="pull failed" image="https://bob:hunter2pass@registry.example.com/app:1" error="dial tcp 10.0.0.1:443: i/o timeout"';
    const c = await runCli(['classify', '--format', 'json'], { input: line });
    expect(c.stdout).toContain('network_timeout');
    expect(c.stdout).not.toContain('hunter2pass');
    const e = await runCli(['explain', '--format', 'json', line]);
    expect(e.stdout).toContain('network_timeout');
    expect(e.stdout).not.toContain('hunter2pass');
  });

  it('classify --format json redacts fields.detail (a GitHub token a rule captured, issue 10)', async () => {
    const { runCli } = await import('./helpers/cli.js');
    const token = 'ghp_R8x2Qm4Vt7Lp0Zs9Kc3Jw6Ny1Hb5Fd2Ge8Ua';
    const line = `Error response from daemon: pull access denied for ghcr.io/acme/app, repository does not exist or may require 'docker login': denied: ${token} is not a valid token`;
    const c = await runCli(['classify', '--format', 'json'], { input: line });
    const out = JSON.parse(c.stdout) as { category: string; fields: { detail?: string } };
    expect(out.category).toBe('registry_auth_denied');
    expect(out.fields.detail).toMatch(/^denied: ghp_\[REDACTED\]/);
    expect(c.stdout).not.toContain(token.slice(4));
  });

  it('redacts before cutting, so half a secret never survives', async () => {
    const { redactAndCut } = await import('../src/redact.js');
    const text = 'x'.repeat(90) + ' AKIAIOSFODNN7EXAMPLE and more';
    expect(redactAndCut(text, 100)).not.toMatch(/AKIA/);
  });
});

// The forms that leaked in issue 10: quotes escaped by Go's %q (logfmt fields, embedded JSON), labels glued to
// an escape or an underscore, and secret kinds the table did not know.
describe('redact: escaped quotes, glued labels and the kinds issue 10 found leaking', () => {
  const GHP = 'ghp_R8x2Qm4Vt7Lp0Zs9Kc3Jw6Ny1Hb5Fd2Ge8Ua';
  const PAT = 'github_pat_11ABCDEFG0abcdefghijKL_mnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuvwxyzABCDE';
  const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkQ3UlQifQ.eyJhY2Nlc3MiOlt7InR5cGUiOiJyZXBvc2l0b3J5In1dfQ.c2lnLXZhbHVlLWZvci10ZXN0cy1vbmx5';
  const PEM_BODY = 'MIIEowIBAAKCAQEAx3Jd9Pq0example0body0for0tests0only0Vb7TkQ2Lm8Ns4Rw1Yc6Hg';
  const cases: Array<[string, string, string]> = [
    ['logfmt-quoted AWS_SECRET_ACCESS_KEY', `level=debug time=2026-11-23T09:00:00Z msg="Task env" env="AWS_SECRET_ACCESS_KEY=\\"${SECRET}\\""`, SECRET],
    ['docker auth in embedded JSON', `level=debug time=2026-11-23T09:00:00Z msg="docker config" config="{\\"auths\\":{\\"ghcr.io\\":{\\"auth\\":\\"${DOCKER_AUTH}\\"}}}"`, DOCKER_AUTH],
    ['ECS_ENGINE_AUTH_DATA password, escaped', 'level=debug time=2026-11-23T09:00:00Z msg="Loaded config" ECS_ENGINE_AUTH_DATA="{\\"https://index.docker.io/v1/\\":{\\"username\\":\\"acme\\",\\"password\\":\\"Zq8-w!4Lr2#p\\",\\"email\\":\\"ops@example.com\\"}}"', 'Zq8-w!4Lr2#p'],
    ['ECR authorizationToken, escaped', `level=debug time=2026-11-23T09:00:00Z msg="ECR response" body="{\\"authorizationData\\":[{\\"authorizationToken\\":\\"${DOCKER_AUTH}\\",\\"proxyEndpoint\\":\\"https://111122223333.dkr.ecr.eu-west-1.amazonaws.com\\"}]}"`, DOCKER_AUTH],
    ['token server answer, escaped', `time="2026-11-23T09:00:00.000000000Z" level=debug msg="token response: {\\"token\\":\\"${JWT}\\",\\"expires_in\\":300}"`, JWT],
    ['JSON token key', `{"token":"Tk_5f0c1e9a7b3d4c2e8f6a0b1c","expires_in":300,"issued_at":"2026-11-23T09:00:00Z"}`, 'Tk_5f0c1e9a7b3d4c2e8f6a0b1c'],
    ['Authorization after an escaped CRLF', 'level=debug msg="request" dump="GET /v2/ HTTP/1.1\\r\\nHost: registry.example.com\\r\\nAuthorization: Basic YWNtZTpaOHEtdyE0THIyI3A=\\r\\n\\r\\n"', 'YWNtZTpaOHEtdyE0THIyI3A='],
    ['registry_password=', 'level=info msg="registry settings" registry_password=Hx7-pQ2vL9zr registry_user=ci', 'Hx7-pQ2vL9zr'],
    ['GitHub classic token', `Error response from daemon: Get "https://ghcr.io/v2/": denied: token ${GHP} is invalid`, GHP],
    ['GitHub fine-grained token', `level=error msg="login failed" password=${PAT}`, PAT],
    ['GitHub token in a field the rule extracts', `Error response from daemon: pull access denied for ghcr.io/acme/app, repository does not exist or may require 'docker login': denied: ${GHP}`, GHP],
    ['access_token= query parameter', 'GET https://registry.example.com/v2/app/manifests/1.0?access_token=Ya29Xq7Lm2Np4Rs6Tu8Vw0 HTTP/1.1', 'Ya29Xq7Lm2Np4Rs6Tu8Vw0'],
    ['access_token after \\u0026 (agent JSON)', '{"level":"debug","time":"2026-11-23T09:00:00Z","msg":"GET https://registry.example.com/token?scope=x\\u0026access_token=Ya29Xq7Lm2Np4Rs6Tu8Vw0"}', 'Ya29Xq7Lm2Np4Rs6Tu8Vw0'],
    ['PEM block with escaped newlines', `level=error msg="bad key" key="-----BEGIN RSA PRIVATE KEY-----\\n${PEM_BODY}\\n-----END RSA PRIVATE KEY-----\\n"`, PEM_BODY],
  ];
  for (const [name, line, secret] of cases) {
    it(`removes ${name}`, () => {
      const out = redact(line);
      expect(out).not.toContain(secret);
      expect(out).toMatch(/REDACTED/);
    });
  }
});

/** Examples whose line itself carries a credential: only that value may change (and the rule still match). */
const CARRY_SECRETS: Record<string, RegExp> = {
  // A presigned layer URL cut off by the agent, with the head of its session token.
  'registry-status-cut-off': /\?X-Amz-Security-Token=\[REDACTED\]$/,
};

describe('redaction keeps the rules\' wording', () => {
  it('leaves every shipped example and counterexample unchanged, so a redacted line is classified as the original', async () => {
    const set = await loadRuleSet();
    const changed: string[] = [];
    for (const rule of set.rules) {
      for (const line of [...rule.examples.map((e) => e.line), ...rule.counterexamples]) {
        const red = redact(line);
        if (red === line) continue;
        if (!CARRY_SECRETS[rule.id]?.test(red)) changed.push(`${rule.id}: ${red}`);
        const before = set.classify(parseLine(line, { source: 'unknown' }));
        const after = set.classify(parseLine(red, { source: 'unknown' }));
        expect(after?.ruleId, `${rule.id}: ${red}`).toBe(before?.ruleId);
      }
    }
    expect(changed).toEqual([]);
  });
});

describe('redactFields with the line', () => {
  it('masks a field that holds a secret without its label (a capture that began after it)', () => {
    const line = 'Authorization: Basic ZG9ja2VyOnNlY3JldC1wYXNzd29yZDEyMw== denied';
    expect(redactFields({ detail: 'ZG9ja2VyOnNlY3JldC1wYXNzd29yZDEyMw== denied', reason: 'denied' }, line)).toEqual({ detail: '[REDACTED] denied', reason: 'denied' });
  });
  it('masks the tail of a secret left in a field', () => {
    expect(redactFields({ detail: 'cdefghij12345 is invalid' }, 'password=abcdefghij12345 is invalid')).toEqual({ detail: '[REDACTED] is invalid' });
  });
  it('keeps other values and types', () => {
    expect(redactFields({ httpStatus: 401, isEcr: true, image: 'ghcr.io/acme/app:1' }, 'password=abcdefghij12345')).toEqual({ httpStatus: 401, isEcr: true, image: 'ghcr.io/acme/app:1' });
  });
});

describe('redaction of hostile lines', () => {
  // Each of these once made a rule scan to the end of the line from every position (minutes for 1 MiB).
  // No time is asserted: a return within the test's timeout is the point.
  const UNITS = ['login ', 'bearer ', 'eyJa.eyJa.', 'IQoJb3JpZ2lu', 'pass', 'x', 'https://a:', 'https://a:b', '"password":"', '\\"password\\":\\"', 'authorization: ', 'Authorization: Basic ', 'password=', 'AKIAAAAAAAAAAAAAAAAA ', 'token:', 'Basic ', 'ghp_', '-----BEGIN RSA PRIVATE KEY-----', '%22password%22%3A%22', 'secret key '];
  it.each(UNITS)('a 256 KiB line of %j', (unit) => {
    const line = unit.repeat(Math.ceil((256 * 1024) / unit.length));
    expect(typeof redact(line + ' password=abc')).toBe('string');
    expect(redact('x'.repeat(256 * 1024) + ' password=abcdef123')).toMatch(/password=\[REDACTED\]$/);
  });

  it('a URL password that holds an @ is masked whole', () => {
    expect(redact('https://deploy:p@ss@registry.example.com/v2/')).toBe('https://deploy:[REDACTED]@registry.example.com/v2/');
  });

  it('redactAndCut redacts only what can reach the kept part, and still masks a secret across the cut', async () => {
    const { redactAndCut } = await import('../src/redact.js');
    const secret = 'password=Zq8wLr2pXy7Kd4mN';
    const cut = redactAndCut('y'.repeat(90) + secret + 'z'.repeat(2 << 20), 100);
    expect(cut).toHaveLength(100);
    expect(cut).not.toMatch(/Zq8wLr|password=Zq/);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('a masked value is masked once', () => {
  // The prose rule masks a 40-character key after `secret access key`; the key-name rule then saw `=[` and
  // masked `REDACTED]` again: `AWS_SECRET_ACCESS_KEY=[[REDACTED]`. Redacting redacted text changes nothing.
  it('AWS_SECRET_ACCESS_KEY=… reads KEY=[REDACTED], and redaction is idempotent on every sample', () => {
    expect(redact(`AWS_SECRET_ACCESS_KEY=${SECRET}`)).toBe('AWS_SECRET_ACCESS_KEY=[REDACTED]');
    expect(redact(`aws_secret_access_key = ${SECRET} end`)).toBe('aws_secret_access_key = [REDACTED] end');
    for (const [, line] of SECRETS) {
      const once = redact(line);
      expect(once).not.toContain('[[REDACTED');
      expect(redact(once), line).toBe(once);
    }
  });
});
