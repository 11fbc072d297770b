// The shipped rules decide between overlapping causes the way the team agreed (innermost, most specific
// cause wins), leave harmless lines alone, and classify the genuine dockerd output in fixtures/recorded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { parseLine } from '../src/formats/index.js';
import type { LogSourceKind } from '../src/types.js';

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

function classify(line: string, source: LogSourceKind | 'unknown' = 'unknown') {
  return rules.classify(parseLine(line, { source }));
}

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const DENIED_TOKEN = `AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/1 is not authorized to perform: ecr:GetAuthorizationToken on resource: *`;

describe('precedence between overlapping causes', () => {
  it.each([
    ['a network cause inside Docker API error 500', `CannotPullContainerError: API error (500): Get https://${ECR}/v2/: dial tcp 10.0.0.5:443: i/o timeout`, 'network_timeout'],
    ['429 inside a failed copy', 'CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/blobs/sha256:0a: 429 Too Many Requests', 'rate_limited'],
    ['401 stated', 'CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://x.example/v2/a/blobs/sha256:1: 401 Unauthorized', 'registry_auth_denied'],
    ['403 stated', `Failed to pull image "${ECR}/api:1": rpc error: code = Unknown desc = failed to resolve reference "${ECR}/api:1": unexpected status from HEAD request to https://${ECR}/v2/api/manifests/1: 403 Forbidden`, 'registry_auth_denied'],
    ['404 stated', `CannotPullContainerError: API error (404): repository ${ECR}/shop/cart not found`, 'image_not_found'],
    ['5xx stated', 'CannotPullContainerError: Error response from daemon: received unexpected HTTP status: 503 Service Unavailable', 'registry_server_error'],
    ['ecr action denied', `CannotPullECRContainerError: ${DENIED_TOKEN}`, 'registry_auth_denied'],
    ['ecs action denied', 'level=error time=2026-11-23T07:59:12Z msg="Unable to register as a container instance with ECS" error="AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0 is not authorized to perform: ecs:RegisterContainerInstance on resource: *"', 'agent_registration'],
    ['secretsmanager action denied', 'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/1 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf', 'secrets_init_failure'],
    ['kms action denied', 'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/1 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1', 'secrets_init_failure'],
    ['deadline with no more specific cause', `CannotPullContainerError: Error response from daemon: Get "https://${ECR}/v2/": context deadline exceeded`, 'context_canceled'],
    ['deadline with Client.Timeout', `CannotPullContainerError: Error response from daemon: Get "https://${ECR}/v2/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, 'network_timeout'],
    ['request canceled while waiting', `CannotPullContainerError: API error (500): Get https://${ECR}/v2/: net/http: request canceled while waiting for connection`, 'network_timeout'],
    ['TLS handshake timeout', `CannotPullContainerError: Error response from daemon: Get https://${ECR}/v2/: net/http: TLS handshake timeout`, 'network_timeout'],
    ['DNS timeout beats i/o timeout', 'CannotPullContainerError: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: read udp 10.0.1.4:4123->10.0.0.2:53: i/o timeout', 'dns_failure'],
    ['newer Docker x509 wording', 'CannotPullContainerError: Error response from daemon: Get "https://r.example/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority', 'tls_error'],
    ['arch mismatch in a manifest list', 'CannotPullContainerError: Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries', 'arch_mismatch'],
    ['arch mismatch at exec', 'exec /usr/local/bin/docker-entrypoint.sh: exec format error', 'arch_mismatch'],
    ['ECS OOM stopped reason', 'OutOfMemoryError: Container killed due to memory usage', 'oom'],
    ['no space while pulling', 'CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob111111111: no space left on device', 'disk_full'],
  ])('%s', (_what, line, category) => {
    expect(classify(line, 'stopped-reason')?.category).toBe(category);
  });

  it('ResourceInitializationError around registry auth: the inner cause is the finding, the wrapper is kept', () => {
    const f = classify(`ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): ${DENIED_TOKEN}`, 'stopped-reason');
    expect(f?.category).toBe('registry_auth_denied');
    expect(f?.wrapper).toMatchObject({ category: 'secrets_init_failure', ruleId: 'resource-initialization-error' });
    expect(f?.fields.action).toBe('ecr:GetAuthorizationToken');

    // Fetching registry auth is not a secret: the network cause is the finding.
    const net = classify('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.us-east-1.amazonaws.com/": dial tcp 52.46.145.12:443: i/o timeout', 'stopped-reason');
    expect(net?.category).toBe('network_timeout');
    expect(net?.wrapper?.ruleId).toBe('resource-initialization-error');
  });

  it('ResourceInitializationError around a secret stays secrets_init_failure and keeps the inner cause as secondary', () => {
    const net = classify('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf from secrets manager: RequestError: send request failed caused by: Post "https://secretsmanager.us-east-1.amazonaws.com/": dial tcp 52.94.1.10:443: i/o timeout', 'stopped-reason');
    expect(net?.category).toBe('secrets_init_failure');
    expect(net?.secondary?.category).toBe('network_timeout');
  });

  it("Docker's 'pull access denied' is auth, with image_not_found to rule out", () => {
    const f = classify(`CannotPullContainerError: Error response from daemon: pull access denied for ${ECR}/my-app, repository does not exist or may require 'docker login'`, 'stopped-reason');
    expect(f).toMatchObject({ category: 'registry_auth_denied', alternatives: ['image_not_found'] });
    expect(f?.fields.image).toBe(`${ECR}/my-app`);
  });

  it('extracts the image and the task from agent lines in every format', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd4567ef890123abcd4567ef89';
    const fields = { level: 'error', time: '2026-11-23T09:14:09Z', msg: 'Failed to pull image for container', taskARN: arn, container: 'api', image: `${ECR}/api:v2.14.1`, error: `CannotPullECRContainerError: ${DENIED_TOKEN}` };
    const logfmt = `level=error time=2026-11-23T09:14:09Z msg="Failed to pull image for container" taskARN="${arn}" container="api" image="${ECR}/api:v2.14.1" error="CannotPullECRContainerError: ${DENIED_TOKEN}"`;
    for (const line of [logfmt, JSON.stringify(fields)]) {
      const f = classify(line, 'ecs-agent');
      expect(f?.ruleId).toBe('ecr-get-authorization-token-denied');
      expect(f?.fields).toMatchObject({ image: `${ECR}/api:v2.14.1`, taskArn: arn, container: 'api', ecrAccount: '123456789012' });
    }
  });
});

describe('harmless lines match nothing', () => {
  it.each([
    ['a successful pull', 'level=info time=2026-11-23T09:00:05Z msg="Finished pulling image for container" task="0123abcd4567ef890123abcd4567ef89" container="api" image="123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2.14.0" elapsed="2.7s"'],
    ['a credentials refresh', 'level=info time=2026-11-23T09:10:02Z msg="Processing refresh credentials message" taskARN="arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd4567ef890123abcd4567ef89" roleType=TaskExecution'],
    ['a debug line echoing a retry policy', 'level=debug time=2026-11-23T09:00:00Z msg="Using retry policy" retryable="[RequestTimeout ThrottlingException TooManyRequestsException toomanyrequests]" statusCodes="[429 Too Many Requests, 503 Service Unavailable]"'],
    ['an optional plugin that is not configured', 'time="2026-11-23T07:57:40.41Z" level=warning msg="failed to load plugin io.containerd.snapshotter.v1.devmapper" error="devmapper not configured"'],
    ['a websocket reconnect', 'level=info time=2026-11-23T09:30:00Z msg="TCS Websocket connection closed for a valid reason" error="context canceled"'],
    ['a stats timeout', 'level=warn time=2026-11-23T09:30:00Z msg="Error getting cpu stats" container="0f1e2d3c4b5a" error="context deadline exceeded"'],
  ])('%s', (_what, line) => {
    expect(classify(line)).toBeUndefined();
  });
});

describe('genuine dockerd 20.10 output (fixtures/recorded)', () => {
  const recorded = (name: string) => readFileSync(path.resolve('fixtures/recorded', name), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const causes = (name: string) => recorded(name).map((l) => classify(l, 'dockerd')?.ruleId).filter((x) => x !== undefined);

  it("never reports the loopback registry's HTTPS-to-HTTP fallback", () => {
    expect(causes('dockerd-pull-success.log')).toEqual([]);
    expect(causes('dockerd-pull-auth-success.log')).toEqual([]);
    expect(causes('dockerd-push-success.log')).toEqual([]);
    expect(causes('dockerd-startup.log')).toEqual([]);
    expect(causes('dockerd-container-lifecycle.log')).toEqual([]);
    // containerd killed under dockerd is reported (a warning: dockerd restarts it), the fallback lines around it are not.
    expect([...new Set(causes('dockerd-containerd-killed.log'))]).toEqual(['containerd-killed']);
    // A layer download that failed once and then resumed is not a cause.
    expect(causes('dockerd-pull-blob-truncated-then-resumed.log')).toEqual([]);
  });

  it.each([
    ['dockerd-pull-tag-not-found.log', 'registry-manifest-unknown'],
    ['dockerd-pull-name-unknown-ecr-like.log', 'registry-repository-name-unknown'],
    ['dockerd-pull-auth-no-creds.log', 'registry-no-basic-auth-credentials'],
    ['dockerd-pull-auth-wrong-creds.log', 'registry-unauthorized'],
    ['dockerd-pull-token-unauthorized-401.log', 'registry-unauthorized'],
    ['dockerd-pull-denied-403.log', 'registry-denied'],
    ['dockerd-pull-429-toomanyrequests.log', 'registry-toomanyrequests'],
    ['dockerd-pull-500.log', 'registry-http-5xx'],
    ['dockerd-pull-503.log', 'registry-http-5xx'],
    ['dockerd-pull-connection-refused.log', 'registry-connection-refused'],
    ['dockerd-pull-dial-timeout-blackhole.log', 'registry-request-canceled'],
    ['dockerd-pull-dial-timeout-blackhole-ip.log', 'pull-context-deadline-exceeded'],
    ['dockerd-pull-dns-nxdomain.log', 'dns-no-such-host'],
    ['dockerd-pull-dns-nxdomain-ecr.log', 'dns-no-such-host'],
    ['dockerd-pull-dns-servfail.log', 'dns-server-misbehaving'],
    ['dockerd-pull-dns-server-unreachable.log', 'dns-lookup-timeout'],
    ['dockerd-pull-x509-unknown-authority.log', 'tls-x509-certificate'],
    ['dockerd-pull-x509-hostname-mismatch.log', 'tls-x509-certificate'],
    ['dockerd-pull-x509-expired.log', 'tls-x509-certificate'],
    ['dockerd-pull-no-matching-manifest.log', 'no-matching-manifest-platform'],
    ['dockerd-pull-no-space-download.log', 'no-space-left-on-device'],
    ['dockerd-pull-no-space-extract.log', 'no-space-left-on-device'],
    ['dockerd-container-log-disk-full.log', 'no-space-left-on-device'],
    ['dockerd-pull-dns-timeout.log', 'dns-lookup-timeout'],
    ['dockerd-pull-token-server-dial-timeout.log', 'registry-request-canceled'],
    ['dockerd-pull-blob-missing.log', 'registry-layer-unknown-blob'],
    ['dockerd-pull-blob-corrupt-digest-mismatch.log', 'registry-layer-verification-failed'],
    ['dockerd-pull-blob-truncated-every-attempt.log', 'registry-download-unexpected-eof'],
  ])('%s → %s', (file, ruleId) => {
    const found = causes(file);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found)).toEqual(new Set([ruleId]));
  });

  it('classifies the kernel OOM report by its header and kill lines, not by the memory dump', () => {
    const found = recorded('kernel-oom-dmesg.txt').map((l) => classify(l, 'kernel')?.ruleId).filter((x) => x !== undefined);
    expect(found.sort()).toEqual(['kernel-oom-invoked', 'kernel-oom-kill-cgroup', 'kernel-oom-killed-process']);
  });
});
