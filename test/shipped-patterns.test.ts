// The shipped rule library: it loads (which proves every example and counterexample), covers every
// category, cannot hang on hostile lines, and decides ambiguous lines the way the README says.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { stressRules } from '../src/classify/stress.js';
import { parseLine } from '../src/formats/index.js';
import type { RecordSource } from '../src/types.js';

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

const classify = (line: string, source: RecordSource = 'unknown') => rules.classify(parseLine(line, { source }));

describe('shipped patterns', () => {
  it('load cleanly and cover every log category, including our two additions', () => {
    expect([...rules.categories()].sort()).toEqual(
      expect.arrayContaining(['agent_registration', 'arch_mismatch', 'context_canceled', 'disk_full', 'dns_failure', 'image_not_found', 'network_timeout', 'oom',
        'rate_limited', 'registry_auth_denied', 'registry_server_error', 'secrets_init_failure', 'tls_error',
        'container_start_failure', 'docker_daemon_failure',
        // the runtime/host side of the diagnosis issue
        'port_conflict', 'container_name_conflict', 'logging_driver_failure', 'volume_mount_failure', 'container_exit',
        'health_check_failure', 'placement_failure', 'network_interface_failure', 'container_timeout',
        'instance_interruption', 'host_resource_limit', 'invalid_image_reference', 'credential_helper_failure']),
    );
    expect(rules.rules.length).toBeGreaterThanOrEqual(30);
  });

  it('every rule has examples from its sources and none is slow on near-miss lines', () => {
    for (const r of rules.rules) expect(r.examples.length, r.id).toBeGreaterThan(0);
    expect(stressRules(rules.rules)).toEqual([]);
  });

  it.each<[string, string, string]>([
    // 1. the innermost, most specific cause wins over the wrapper
    ['wrapper with i/o timeout', 'CannotPullContainerError: API error (500): Get https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/: dial tcp 10.0.0.1:443: i/o timeout', 'network_timeout'],
    ['failed to copy 429', 'CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:abc: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.', 'rate_limited'],
    // 2. HTTP status decides
    ['403', 'CannotPullContainerError: Error response from daemon: Head "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/v1": 403 Forbidden', 'registry_auth_denied'],
    ['404', 'CannotPullContainerError: API error (404): repository 111122223333.dkr.ecr.us-east-1.amazonaws.com/app not found', 'image_not_found'],
    ['503', 'level=error time=2026-11-23T09:00:00Z msg="Error pulling image" error="received unexpected HTTP status: 503 Service Unavailable"', 'registry_server_error'],
    // 3. AccessDenied decided by the action
    ['ecr action', 'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/r/x is not authorized to perform: ecr:GetAuthorizationToken on resource: *', 'registry_auth_denied'],
    ['ecs action', 'level=error time=2026-11-23T09:00:00Z msg="Unable to register as a container instance with ECS" error="AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc is not authorized to perform: ecs:RegisterContainerInstance on resource: arn:aws:ecs:us-east-1:123456789012:cluster/prod"', 'agent_registration'],
    ['ssm action', 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/abc is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter/db', 'secrets_init_failure'],
    // 5. context canceled unless something more specific is stated
    ['context canceled alone', 'CannotPullContainerError: context canceled', 'context_canceled'],
    ['request canceled while waiting', 'CannotPullContainerError: API error (500): Get https://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2/: net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)', 'network_timeout'],
    ['TLS handshake timeout', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout', 'network_timeout'],
    // 6. pull access denied is auth, with image_not_found to rule out
    ['pull access denied', "CannotPullContainerError: Error response from daemon: pull access denied for 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app, repository does not exist or may require 'docker login'", 'registry_auth_denied'],
    // other categories from the stopped reasons engineers paste
    ['disk', 'CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob111111111: no space left on device', 'disk_full'],
    ['oom', 'OutOfMemoryError: Container killed due to memory usage', 'oom'],
  ])('%s → %s', (_name, line, category) => {
    expect(classify(line)?.category).toBe(category);
  });

  it('keeps the inner cause of a ResourceInitializationError', () => {
    const f = classify('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:db from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded');
    expect(f?.category).toBe('secrets_init_failure');
    expect(f?.secondary?.category).toBeDefined();
  });

  it('names image_not_found as the alternative behind "pull access denied"', () => {
    const f = classify("Error response from daemon: pull access denied for acme/tool, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");
    expect(f?.alternatives).toContain('image_not_found');
  });

  it.each([
    'level=info time=2026-11-23T09:00:00Z msg="Successfully pulled image" image="123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"',
    'level=info time=2026-11-23T09:00:00Z msg="Successfully got ECR auth token" registry=123456789012.dkr.ecr.us-east-1.amazonaws.com',
    'time="2026-11-23T09:00:00Z" level=warning msg="Error getting v2 registry: Get \\"https://127.0.0.1:5000/v2/\\": http: server gave HTTP response to HTTPS client"',
  ])('harmless line matches nothing: %s', (line) => {
    expect(classify(line)).toBeUndefined();
  });
});
