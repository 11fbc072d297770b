// The recorded corpus as a regression suite: every dockerd log, docker CLI output and Engine API answer in
// fixtures/recorded (written by the real dockerd 20.10 / docker CLI, see its README) gets exactly the
// categories listed here from the whole shipped rule set, and the successful cases get none. The error
// the CLI prints is what the ECS agent gets back from Docker, so it is also checked wrapped the way the
// agent reports it: as a stopped reason and inside an agent JSON log line.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { recordedLines } from './helpers/recorded.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { parseLine } from '../src/formats/index.js';
import type { Category, Finding, RecordSource } from '../src/types.js';

const DIR = path.resolve('fixtures/recorded');

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

const lines = (file: string): string[] => recordedLines(DIR, file);

function findings(file: string): Finding[] {
  const source: RecordSource = file.startsWith('dockerd-') ? 'dockerd' : 'unknown';
  return lines(file).flatMap((l) => rules.classify(parseLine(l, { source })) ?? []);
}

const categoriesOf = (file: string) => [...new Set(findings(file).map((f) => f.category))].sort();

type Expect = Category[];
const NONE: Expect = [];

// File → the categories its lines yield (exactly). Empty: successful or harmless, or (for the dockerd side of
// start failures Docker answers with a 4xx) dockerd 20.10 logs nothing that names the cause at info level.
const EXPECTED: Record<string, Expect> = {
  // docker CLI (the Engine API's error text)
  'cli-daemon-not-running.txt': ['docker_daemon_failure'],
  'cli-login-wrong-password.txt': ['registry_auth_denied'],
  'cli-pull-429-toomanyrequests.txt': ['rate_limited'],
  'cli-pull-500.txt': ['registry_server_error'],
  'cli-pull-503.txt': ['registry_server_error'],
  'cli-pull-auth-no-creds.txt': ['registry_auth_denied'],
  'cli-pull-auth-success.txt': NONE,
  'cli-pull-auth-tag-not-found.txt': ['image_not_found'],
  'cli-pull-auth-wrong-creds.txt': ['registry_auth_denied'],
  'cli-pull-blob-corrupt-digest-mismatch.txt': ['registry_server_error'],
  'cli-pull-blob-missing.txt': ['image_not_found'],
  'cli-pull-blob-truncated-every-attempt.txt': ['network_timeout'],
  'cli-pull-blob-truncated-then-resumed.txt': NONE,
  'cli-pull-connection-refused.txt': ['network_timeout'],
  'cli-pull-denied-403.txt': ['registry_auth_denied'],
  'cli-pull-dial-timeout-blackhole-ip.txt': ['context_canceled'],
  'cli-pull-dial-timeout-blackhole.txt': ['network_timeout'],
  'cli-pull-dns-nxdomain-ecr.txt': ['dns_failure'],
  'cli-pull-dns-nxdomain.txt': ['dns_failure'],
  'cli-pull-dns-server-unreachable.txt': ['dns_failure'],
  'cli-pull-dns-servfail.txt': ['dns_failure'],
  'cli-pull-dns-timeout.txt': ['dns_failure'],
  'cli-pull-ecr-expired-token-401.txt': ['registry_auth_denied'],
  'cli-pull-ecr-expired-token-403.txt': ['registry_auth_denied'],
  'cli-pull-hang-ping-deadline.txt': ['context_canceled'],
  'cli-pull-layer-s3-dial-timeout.txt': ['network_timeout'],
  'cli-pull-manifest-hang-client-cancel.txt': NONE,
  'cli-pull-name-unknown-ecr-like.txt': ['image_not_found'],
  'cli-pull-no-matching-manifest.txt': ['arch_mismatch'],
  'cli-pull-no-space-download.txt': ['disk_full'],
  'cli-pull-no-space-extract.txt': ['disk_full'],
  'cli-pull-ping-503.txt': ['registry_server_error'],
  'cli-pull-platform-mismatch-arm64-only.txt': NONE,
  'cli-pull-platform-requested-arm64.txt': NONE,
  'cli-pull-repo-not-found.txt': ['image_not_found'],
  'cli-pull-success.txt': NONE,
  'cli-pull-tag-not-found.txt': ['image_not_found'],
  'cli-pull-tls-success-trusted-ca.txt': NONE,
  'cli-pull-token-server-dial-timeout.txt': ['network_timeout'],
  'cli-pull-token-unauthorized-401.txt': ['registry_auth_denied'],
  'cli-pull-x509-expired.txt': ['tls_error'],
  'cli-pull-x509-hostname-mismatch.txt': ['tls_error'],
  'cli-pull-x509-unknown-authority-hostname.txt': ['tls_error'],
  'cli-pull-x509-unknown-authority.txt': ['tls_error'],
  'cli-push-success.txt': NONE,
  'cli-run-command-not-in-path.txt': ['container_start_failure'],
  'cli-run-exec-format-error-arm64-image.txt': ['arch_mismatch'],
  'cli-run-exec-format-error-noshebang.txt': ['arch_mismatch'],
  'cli-run-invalid-daemon-log-opt.txt': ['logging_driver_failure'],
  'cli-run-invalid-log-opt.txt': ['logging_driver_failure'],
  'cli-run-no-such-executable.txt': ['container_start_failure'],
  'cli-run-on-full-disk.txt': ['disk_full'],
  'cli-run-unknown-log-driver.txt': ['logging_driver_failure'],
  // Engine API answers (HTTP status + JSON body)
  'api-pull-auth-no-creds.txt': ['registry_auth_denied'],
  'api-pull-connection-refused.txt': ['network_timeout'],
  'api-pull-no-matching-manifest.txt': ['arch_mismatch'],
  'api-pull-success.txt': NONE,
  'api-pull-tag-not-found.txt': ['image_not_found'],
  'api-pull-429-toomanyrequests.txt': ['rate_limited'],
  // dockerd
  'dockerd-container-lifecycle.log': NONE,
  'dockerd-container-log-disk-full.log': ['disk_full'],
  'dockerd-containerd-killed.log': ['docker_daemon_failure'],
  'dockerd-login-wrong-password.log': ['registry_auth_denied'],
  'dockerd-pull-429-toomanyrequests.log': ['rate_limited'],
  'dockerd-pull-500.log': ['registry_server_error'],
  'dockerd-pull-503.log': ['registry_server_error'],
  'dockerd-pull-auth-no-creds.log': ['registry_auth_denied'],
  'dockerd-pull-auth-success.log': NONE,
  'dockerd-pull-auth-tag-not-found.log': ['image_not_found'],
  'dockerd-pull-auth-wrong-creds.log': ['registry_auth_denied'],
  'dockerd-pull-blob-corrupt-digest-mismatch.log': ['registry_server_error'],
  'dockerd-pull-blob-missing.log': ['image_not_found'],
  'dockerd-pull-blob-truncated-every-attempt.log': ['network_timeout'],
  'dockerd-pull-blob-truncated-then-resumed.log': NONE,
  'dockerd-pull-connection-refused.log': ['network_timeout'],
  'dockerd-pull-denied-403.log': ['registry_auth_denied'],
  'dockerd-pull-dial-timeout-blackhole-ip.log': ['context_canceled'],
  'dockerd-pull-dial-timeout-blackhole.log': ['network_timeout'],
  'dockerd-pull-dns-nxdomain-ecr.log': ['dns_failure'],
  'dockerd-pull-dns-nxdomain.log': ['dns_failure'],
  'dockerd-pull-dns-server-unreachable.log': ['dns_failure'],
  'dockerd-pull-dns-servfail.log': ['dns_failure'],
  'dockerd-pull-dns-timeout.log': ['dns_failure'],
  'dockerd-pull-ecr-expired-token-401.log': ['registry_auth_denied'],
  'dockerd-pull-ecr-expired-token-403.log': ['registry_auth_denied'],
  // TLS handshake timeout on the HTTPS attempt, then the deadline on the HTTP fallback.
  'dockerd-pull-hang-ping-deadline.log': ['context_canceled', 'network_timeout'],
  'dockerd-pull-layer-s3-dial-timeout.log': ['network_timeout'],
  'dockerd-pull-manifest-hang-client-cancel.log': NONE,
  'dockerd-pull-name-unknown-ecr-like.log': ['image_not_found'],
  'dockerd-pull-no-matching-manifest.log': ['arch_mismatch'],
  'dockerd-pull-no-space-download.log': ['disk_full'],
  'dockerd-pull-no-space-extract.log': ['disk_full'],
  'dockerd-pull-ping-503.log': ['registry_server_error'],
  'dockerd-pull-platform-mismatch-arm64-only.log': NONE,
  'dockerd-pull-platform-requested-arm64.log': NONE,
  'dockerd-pull-repo-not-found.log': ['image_not_found'],
  'dockerd-pull-success.log': NONE,
  'dockerd-pull-tag-not-found.log': ['image_not_found'],
  'dockerd-pull-tls-success-trusted-ca.log': NONE,
  'dockerd-pull-token-server-dial-timeout.log': ['network_timeout'],
  'dockerd-pull-token-unauthorized-401.log': ['registry_auth_denied'],
  'dockerd-pull-x509-expired.log': ['tls_error'],
  'dockerd-pull-x509-hostname-mismatch.log': ['tls_error'],
  'dockerd-pull-x509-unknown-authority-hostname.log': ['tls_error'],
  'dockerd-pull-x509-unknown-authority.log': ['tls_error'],
  'dockerd-push-success.log': NONE,
  'dockerd-restart-with-existing-containers.log': NONE,
  'dockerd-run-command-not-in-path.log': NONE, // 4xx: no Handler line, only shim clean-up noise
  'dockerd-run-exec-format-error-arm64-image.log': NONE, // the error is the container's own stderr
  'dockerd-run-exec-format-error-noshebang.log': NONE,
  'dockerd-run-invalid-daemon-log-opt.log': ['logging_driver_failure'],
  'dockerd-run-invalid-log-opt.log': ['logging_driver_failure'],
  'dockerd-run-no-such-executable.log': NONE, // 4xx, as above
  'dockerd-run-on-full-disk.log': ['disk_full'],
  'dockerd-run-unknown-log-driver.log': NONE, // only "Unable to locate plugin ... retrying" warnings
  'dockerd-shutdown-with-running-containers.log': NONE,
  'dockerd-start-fail-conflict.log': ['docker_daemon_failure'],
  'dockerd-start-fail-int.log': ['docker_daemon_failure'],
  'dockerd-start-fail-syntax.log': ['docker_daemon_failure'],
  'dockerd-start-fail-unknownopt.log': ['docker_daemon_failure'],
  'dockerd-startup.log': NONE,
  // Whole daemon logs: every case of the table above in one stream, plus start-up, restart and shutdown noise.
  'dockerd-full-d1.log': ['arch_mismatch', 'context_canceled', 'image_not_found', 'network_timeout', 'rate_limited', 'registry_auth_denied', 'registry_server_error'],
  'dockerd-full-d2.log': ['context_canceled', 'dns_failure', 'docker_daemon_failure', 'network_timeout', 'tls_error'],
};

describe('recorded real-software output (fixtures/recorded)', () => {
  it('lists every recorded dockerd log, CLI output and API answer', () => {
    const files = readdirSync(DIR).filter((f) => /^(?:dockerd-.*\.log|cli-.*\.txt|api-.*\.txt)$/.test(f)).sort();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s → %j', (file, categories) => {
    expect(categoriesOf(file)).toEqual([...categories].sort());
  });
});

describe('the decisive lines and what they extract', () => {
  const one = (file: string) => {
    const found = findings(file);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it.each<[string, string, Record<string, string | number>]>([
    ['cli-run-command-not-in-path.txt', 'oci-executable-not-found', { path: 'node', reason: 'executable file not found in $PATH' }],
    ['cli-run-no-such-executable.txt', 'oci-executable-not-found', { path: '/app/server', reason: 'no such file or directory' }],
    ['cli-run-invalid-daemon-log-opt.txt', 'logging-driver-init-failed', { detail: "invalid size: '10q'." }],
    ['dockerd-run-invalid-daemon-log-opt.log', 'logging-driver-init-failed', { detail: "invalid size: '10q'" }],
    ['dockerd-run-invalid-log-opt.log', 'logging-driver-init-failed', { detail: 'strconv.Atoi: parsing ' }],
    ['cli-run-unknown-log-driver.txt', 'logging-plugin-not-found', { driver: 'awslogz' }],
    ['dockerd-start-fail-syntax.log', 'dockerd-config-file-invalid', { path: '/tmp/rec/d4/daemon-syntax.json', detail: "invalid character '}' looking for beginning of object key string" }],
    ['dockerd-start-fail-int.log', 'dockerd-config-file-invalid', { detail: 'json: cannot unmarshal number into Go struct field Config.log-opts of type string' }],
    ['dockerd-start-fail-conflict.log', 'dockerd-config-flag-conflict', { detail: 'storage-driver: (from flag: vfs, from file: overlay2)' }],
    ['dockerd-start-fail-unknownopt.log', 'dockerd-failed-to-start', { detail: "failed to set log opts: unknown log opt 'max-sise' for json-file log driver" }],
    ['dockerd-containerd-killed.log', 'containerd-killed', { reason: 'signal: killed' }],
    ['cli-daemon-not-running.txt', 'docker-daemon-unreachable', { endpoint: 'unix:///tmp/rec/nonexistent/docker.sock' }],
    ['cli-pull-blob-missing.txt', 'registry-layer-unknown-blob', { reason: 'unknown blob' }],
    ['dockerd-pull-blob-missing.log', 'registry-layer-unknown-blob', { reason: 'unknown blob' }],
    ['cli-pull-blob-corrupt-digest-mismatch.txt', 'registry-layer-verification-failed', { digest: 'sha256:b2601709979a10b455a3dc6e2933a90c5f8efd0b8ecd2096412daaf916f3cbe4' }],
    ['dockerd-pull-blob-corrupt-digest-mismatch.log', 'registry-layer-verification-failed', { digest: 'sha256:b2601709979a10b455a3dc6e2933a90c5f8efd0b8ecd2096412daaf916f3cbe4' }],
    ['cli-pull-blob-truncated-every-attempt.txt', 'registry-download-unexpected-eof', { reason: 'unexpected EOF' }],
    ['dockerd-pull-blob-truncated-every-attempt.log', 'registry-download-unexpected-eof', { detail: '6', reason: 'unexpected EOF' }],
    ['cli-pull-denied-403.txt', 'registry-denied', { reason: 'denied' }],
    ['cli-pull-ping-503.txt', 'registry-ping-unsupported', { reason: 'unsupported' }],
    ['dockerd-pull-ping-503.log', 'registry-ping-unsupported', { reason: 'unsupported' }],
  ])('%s: %s', (file, ruleId, fields) => {
    const f = one(file);
    expect(f.ruleId).toBe(ruleId);
    expect(f.fields).toMatchObject(fields);
  });

  it('counts the corrupt layer once per pull, not once per dockerd line about it', () => {
    // dockerd logs the digest mismatch as a bare error, as "Download failed after 1 attempts: …" and as an info line.
    const raw = lines('dockerd-pull-blob-corrupt-digest-mismatch.log').filter((l) => l.includes('verification failed'));
    expect(raw).toHaveLength(3);
    expect(findings('dockerd-pull-blob-corrupt-digest-mismatch.log').map((f) => f.line)).toEqual([raw[1]]);
  });
});

describe('the CLI error as the ECS agent reports it', () => {
  // What the agent calls the error of each kind of Docker call (the stopped reason's prefix).
  const wrapperFor = (file: string): string | undefined => {
    if (file === 'cli-run-on-full-disk.txt') return 'CannotCreateContainerError';
    if (file.startsWith('cli-pull-')) return 'CannotPullContainerError';
    if (file.startsWith('cli-run-') && !file.includes('exec-format')) return 'CannotStartContainerError'; // exec format: the container's own stderr
    return undefined;
  };
  const cases = Object.entries(EXPECTED).filter(([file, cats]) => cats.length > 0 && wrapperFor(file) !== undefined);

  it.each(cases)('%s keeps %j as a stopped reason and in an agent JSON line', (file, categories) => {
    // The CLI adds "docker: " and a final "." to `docker run` errors; the Engine API's text has neither.
    const errorLines = lines(file)
      .filter((l) => rules.classify(parseLine(l, { source: 'unknown' })) !== undefined)
      .map((l) => l.replace(/^docker: /, '').replace(/\.$/, ''));
    expect(errorLines).toHaveLength(1);
    const reason = `${wrapperFor(file)}: ${errorLines[0]}`;
    expect(rules.classify(parseLine(reason, { source: 'stopped-reason' }))?.category).toBe(categories[0]);
    const agentLine = JSON.stringify({
      level: 'error', time: '2026-11-23T22:40:00Z', msg: 'Container transitioned to a failed state',
      taskARN: 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd4567ef890123abcd4567ef89', container: 'app', error: reason,
    });
    const f = rules.classify(parseLine(agentLine, { source: 'ecs-agent' }));
    expect(f?.category).toBe(categories[0]);
    expect(f?.fields).toMatchObject({ container: 'app', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd4567ef890123abcd4567ef89' });
  });

  it('keeps exec format error inside CannotStartContainerError as arch_mismatch', () => {
    const notFound = lines('cli-run-command-not-in-path.txt').find((l) => l.includes('OCI runtime'))!.replace(/^docker: /, '').replace(/\.$/, '');
    const formatError = notFound.replace('executable file not found in $PATH', 'exec format error');
    expect(formatError).not.toBe(notFound);
    expect(rules.classify(parseLine(`CannotStartContainerError: ${notFound}`, { source: 'stopped-reason' }))?.category).toBe('container_start_failure');
    const f = rules.classify(parseLine(`CannotStartContainerError: ${formatError}`, { source: 'stopped-reason' }));
    expect(f).toMatchObject({ category: 'arch_mismatch', ruleId: 'exec-format-error' });
  });

  it('keeps the network cause of a log driver that cannot reach CloudWatch Logs', () => {
    const f = rules.classify(parseLine('CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: RequestError: send request failed caused by: Post "https://logs.us-east-1.amazonaws.com/": dial tcp 52.46.1.20:443: i/o timeout', { source: 'stopped-reason' }));
    expect(f).toMatchObject({ category: 'network_timeout', ruleId: 'aws-service-endpoint-io-timeout' });
  });
});
