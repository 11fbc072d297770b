#!/usr/bin/env node
// Builds the registry-side corpus files (test/corpus/registry.jsonl, network.jsonl, secrets.jsonl):
// the error texts the programs print, instantiated from their format strings at the versions ECS hosts ran,
// inside the wrappers that carry them to the host's logs and to the ECS API; plus recorded lines from
// fixtures/recorded; plus benign lines from the same programs. Labels follow test/corpus/README.md.
// The rules are never consulted: a line is here because a program prints it.
// Usage: node scripts/corpus/registry-side.mjs   (rewrites the three files; the output is deterministic)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REC = path.join(ROOT, 'fixtures/recorded');

// ---- deterministic choices -----------------------------------------------------------------------------
let seed = 0x5eed;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const ip = () => `${pick([10, 52, 54, 3, 18])}.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`;
let clock = Date.UTC(2026, 10, 23, 8, 0, 0);
const tick = () => (clock += 1000 + Math.floor(rand() * 60000));
const ts = () => new Date(tick()).toISOString().replace('.000Z', 'Z');
const tsNano = () => new Date(tick()).toISOString().replace('Z', `${hex(6).replace(/[a-f]/g, '7')}Z`);
const syslogTs = () => {
  const d = new Date(tick());
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 19)}`;
};
const goq = (s) => JSON.stringify(s); // Go's %q of an ASCII string

// ---- the world the lines describe ------------------------------------------------------------------------
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const ACCOUNTS = ['123456789012', '210987654321', '555566667777'];
const REPOS = ['api', 'billing', 'orders', 'web-frontend', 'team/worker', 'payments/ledger', 'search'];
const TAGS = ['v2.14.1', '1.8.0', '2026.11.2', 'latest', 'release-42', 'sha-3f2a1c9'];
const ROLES = ['ecsTaskExecutionRole', 'prod-api-task-execution', 'payments-exec', 'worker-exec-role'];
function ecrImage() {
  const region = pick(REGIONS);
  const account = pick(ACCOUNTS);
  const repo = pick(REPOS);
  return { host: `${account}.dkr.ecr.${region}.amazonaws.com`, region, account, repo, tag: pick(TAGS), get ref() { return `${this.host}/${this.repo}:${this.tag}`; }, get name() { return `${this.host}/${this.repo}`; } };
}
const HUB = [
  { ref: 'redis:7.2-alpine', name: 'redis', path: 'library/redis' },
  { ref: 'nginx:1.25', name: 'nginx', path: 'library/nginx' },
  { ref: 'grafana/grafana:10.4.2', name: 'grafana/grafana', path: 'grafana/grafana' },
  { ref: 'datadog/agent:7', name: 'datadog/agent', path: 'datadog/agent' },
];
const PRIVATE_HOSTS = ['registry.corp.example', 'registry.internal.example:5000', 'harbor.tools.example', 'artifacts.example.net'];
const taskId = () => hex(32);
const principal = (account) => `arn:aws:sts::${account}:assumed-role/${pick(ROLES)}/${hex(8)}`;

// ---- wrappers: how an error reaches a log line or a stopped reason ----------------------------------------
const A = 'aws/amazon-ecs-agent';
const W = {
  agentPull: (img, e) => ({ line: `level=error time=${ts()} msg=${goq(`DockerGoClient: failed to pull image ${img}: [CannotPullContainerError] ${e}`)} module=docker_client.go`, source: 'ecs-agent', via: `${A} v1.105.0 agent/dockerclient/dockerapi/docker_client.go` }),
  agentPullOld: (img, e) => ({ line: `${ts()} [WARN] DockerGoClient: failed to pull image ${img}: ${e}`, source: 'ecs-agent', via: `${A} v1.30.0 agent/dockerclient/dockerapi/docker_client.go (seelog)` }),
  agentPullJson: (img, e) => ({ line: JSON.stringify({ level: 'error', time: ts(), msg: 'Failed to pull image for container', task: taskId(), container: pick(['api', 'web', 'worker', 'app']), image: img, error: e }), source: 'ecs-agent', via: `${A} v1.105.0 agent/engine/docker_task_engine.go (Failed to pull image for container, ECS_LOG_OUTPUT_FORMAT=json)` }),
  agentPullFields: (img, e) => ({ line: `level=error time=${ts()} msg="Failed to pull image for container" task=${goq(taskId())} container=${goq(pick(['api', 'web', 'worker']))} image=${goq(img)} error=${goq(e)}`, source: 'ecs-agent', via: `${A} v1.105.0 agent/engine/docker_task_engine.go (Failed to pull image for container) + ecs-agent/logger/format.go` }),
  stopped: (e, name = 'CannotPullContainerError') => ({ line: `${name}: ${e}`, source: 'stopped-reason', via: `${A} v1.105.0 agent/dockerclient/dockerapi/errors.go (${name}) as the ECS API shows the stopped reason` }),
  dockerdHandler: (e) => ({ line: `time="${tsNano()}" level=error msg=${goq(`Handler for POST /v1.41/images/create returned error: ${e}`)}`, source: 'dockerd', via: 'moby/moby v20.10.24 api/server/server.go (Handler for %s %s returned error: %v)' }),
  dockerdNotContinuing: (e) => ({ line: `time="${tsNano()}" level=error msg=${goq(`Not continuing with pull after error: ${e}`)}`, source: 'dockerd', via: 'moby/moby v20.10.24 distribution/pull.go (Not continuing with pull after error: %v)' }),
  journal: (inner) => ({ ...inner, line: `${syslogTs()} ip-10-0-${Math.floor(rand() * 9)}-${Math.floor(rand() * 250)} dockerd[${1000 + Math.floor(rand() * 8000)}]: ${inner.line}`, via: `${inner.via}, as rsyslog writes the docker.service journal` }),
  cli: (e) => ({ line: `Error response from daemon: ${e}`, source: 'stopped-reason', via: 'moby/moby v20.10.24 client/request.go (Error response from daemon)' }),
};
const dockerAgentWrappers = [W.agentPull, W.agentPullOld, W.agentPullJson, W.agentPullFields];

// ---- the corpus -----------------------------------------------------------------------------------------
const files = { registry: [], network: [], secrets: [] };
function add(file, { line, source, via }, label, what) {
  files[file].push({ line, source, label, origin: via.startsWith('recorded:') ? via : `constructed: ${what}; ${via}` });
}
function dockerError(file, label, what, errorText, { stream = false, n = 4 } = {}) {
  // An error Docker returns: to the agent (several log formats), as a stopped reason, and in dockerd's log.
  for (let i = 0; i < n; i++) {
    const img = errorText.img;
    const e = errorText.text(i);
    const apiErr = stream ? e : `Error response from daemon: ${e}`;
    const w = dockerAgentWrappers[i % dockerAgentWrappers.length];
    add(file, w(img, apiErr), label, what);
  }
  add(file, W.stopped(stream ? errorText.text(9) : `Error response from daemon: ${errorText.text(9)}`), label, what);
  const d = stream ? W.dockerdNotContinuing(errorText.text(8)) : W.dockerdHandler(errorText.text(8));
  add(file, d, label, what);
  add(file, W.journal(stream ? W.dockerdNotContinuing(errorText.text(7)) : W.dockerdHandler(errorText.text(7))), label, what);
}

// registry_auth_denied ----------------------------------------------------------------------------------
{
  const i = ecrImage();
  dockerError('registry', 'registry_auth_denied', "moby distribution/errors.go pull access denied + IAM's AccessDenied message for ecr:BatchGetImage", {
    img: i.ref,
    text: () => {
      const j = ecrImage();
      return `pull access denied for ${j.name}, repository does not exist or may require 'docker login': denied: User: ${principal(pick(ACCOUNTS))} is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:${j.region}:${j.account}:repository/${j.repo} because no resource-based policy allows the ecr:BatchGetImage action`;
    },
  });
}
for (let k = 0; k < 4; k++) {
  const j = ecrImage();
  add('registry', pick([W.agentPull, W.agentPullFields])(j.ref, `CannotPullECRContainerError: AccessDeniedException: User: ${principal(j.account)} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action\n\tstatus code: 400, request id: ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`), 'registry_auth_denied', 'IAM AccessDenied for ecr:GetAuthorizationToken as aws-sdk-go v1 prints it');
  add('registry', W.stopped(`AccessDeniedException: User: ${principal(j.account)} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`, 'CannotPullECRContainerError'), 'registry_auth_denied', 'IAM AccessDenied for ecr:GetAuthorizationToken');
}
dockerError('registry', 'registry_auth_denied', "ECR's expired-token message inside Docker's errcode text (case as ECR and as proxies write it)", {
  img: ecrImage().ref,
  text: (n) => `${n % 2 ? 'pull access denied for ' + ecrImage().name + ", repository does not exist or may require 'docker login': " : ''}denied: ${n % 3 === 0 ? 'Your Authorization Token has expired' : 'Your authorization token has expired'}. Reauthenticate and try again.`,
}, { stream: true });
dockerError('registry', 'registry_auth_denied', 'distribution registry/client/auth/session.go ErrNoBasicAuthCredentials', {
  img: ecrImage().ref,
  text: () => { const j = ecrImage(); return `Head "https://${j.host}/v2/${j.repo}/manifests/${j.tag}": no basic auth credentials`; },
});
dockerError('registry', 'registry_auth_denied', 'distribution errcode UNAUTHORIZED (unauthorized: authentication required)', { img: `${pick(PRIVATE_HOSTS)}/team/app:2.4`, text: () => 'unauthorized: authentication required' });
dockerError('registry', 'registry_auth_denied', 'moby: a 403 without message reads only `denied`', { img: `${pick(PRIVATE_HOSTS)}/team/app:2.4`, text: () => 'denied' }, { n: 2 });
for (const status of ['401 Unauthorized', '403 Forbidden']) {
  for (let k = 0; k < 3; k++) {
    const j = ecrImage();
    const label = 'registry_auth_denied';
    add('registry', W.stopped(`ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://${j.host}/v2/${j.repo}/manifests/sha256:${hex(64)}: ${status}`), label, 'containerd v1.6.20 remotes/docker/fetcher.go (unexpected status code %v: %v) inside the Fargate pull retry');
    add('registry', W.stopped(`failed to resolve ref ${j.ref}: pulling from host ${j.host} failed with status code [manifests ${j.tag}]: ${status}`), label, 'containerd v1.4.13 remotes/docker/resolver.go (pulling from host %s failed with status code %v: %v)');
    add('registry', { line: `ctr: failed to resolve reference "${j.ref}": unexpected status from HEAD request to https://${j.host}/v2/${j.repo}/manifests/${j.tag}: ${status}`, source: 'containerd', via: 'containerd/containerd v1.7.30 remotes/errors/errors.go (unexpected status from %s request to %s: %s)' }, label, 'ctr pull error');
  }
  add('registry', { line: `time="${ts()}" level=fatal msg="Error reading manifest ${pick(TAGS)} in ${pick(PRIVATE_HOSTS)}/team/app: ${status.startsWith('401') ? 'unauthorized: authentication required' : 'denied: requested access to the resource is denied'}"`, source: 'unknown', via: 'containers/image v5.5.2 docker/docker_image_src.go (Error reading manifest %s in %s: %v)' }, 'registry_auth_denied', 'skopeo inspect');
  add('registry', { line: `Error: initializing source docker://${pick(PRIVATE_HOSTS)}/team/app:2.4: Requesting bearer token: invalid status code from registry ${status.replace(/ (.*)/, ' ($1)')}`, source: 'unknown', via: 'containers/image v5.23.1 docker/errors.go (%sinvalid status code from registry %d (%s))' }, 'registry_auth_denied', 'podman/skopeo token request refused');
}
for (let k = 0; k < 4; k++) {
  const region = pick(REGIONS);
  const j = ecrImage();
  add('registry', W.stopped(`ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://prod-${region}-starport-layer-bucket.s3.${region}.amazonaws.com/${hex(4)}-${j.account}-${hex(8)}/${hex(8)}-${hex(4)}?X-Amz-Algorithm=AWS4-HMAC-SHA256: 403 Forbidden`), 'registry_auth_denied', "ECR's S3 layer bucket refusing a layer (prod-REGION-starport-layer-bucket), containerd fetcher.go");
  add('registry', W.agentPull(j.ref, `Error response from daemon: error parsing HTTP 403 response body: invalid character '<' looking for beginning of value: "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>\\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${hex(16).toUpperCase()}</RequestId><HostId>${hex(24)}</HostId></Error>"`), 'registry_auth_denied', "moby v20.10.24 distribution client (error parsing HTTP %d response body) on S3's XML AccessDenied body, as recorded in fixtures/recorded/registry-network");
}
for (let k = 0; k < 3; k++) {
  const j = ecrImage();
  const d = `sha256:${hex(64)}`;
  add('registry', W.agentPull(`${j.name}@${d}`, 'Error response from daemon: denied'), 'registry_auth_denied', 'a pinned digest ECR refuses (agent 1.83+ pulls by digest)');
  add('registry', W.stopped(`Error response from daemon: pull access denied for ${j.name}@${d}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`), 'registry_auth_denied', 'a pinned digest ECR refuses');
}
add('registry', W.stopped('ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: failed open: unexpected status code'), 'registry_auth_denied', 'the stopped reason cut before the status (containerd 1.4 httpReaderSeeker); the AWS page CannotPullContainer task errors');
add('registry', W.stopped(`ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://prod-us-west-2-starport-layer-bucket.s3.us-west-2.amazonaws.com/${hex(4)}-123456789012-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}?X-Amz-Security-Token=IQoJb3JpZ2luX2VjE`), 'registry_auth_denied', 'the stopped reason cut at 255 characters inside the layer URL');

// image_not_found ---------------------------------------------------------------------------------------
dockerError('registry', 'image_not_found', 'moby distribution/errors.go (manifest for %s not found) + errcode MANIFEST_UNKNOWN with ECR message', {
  img: ecrImage().ref, text: () => { const j = ecrImage(); return `manifest for ${j.ref} not found: manifest unknown: ${pick(['Requested image not found', 'manifest unknown'])}`; },
});
dockerError('registry', 'image_not_found', 'moby: repository %s not found + errcode NAME_UNKNOWN with the ECR message', {
  img: ecrImage().ref, text: () => { const j = ecrImage(); return `repository ${j.name} not found: name unknown: The repository with name '${j.repo}' does not exist in the registry with id '${j.account}'`; },
});
for (let k = 0; k < 4; k++) {
  const j = ecrImage();
  add('registry', W.stopped(`pull image manifest has been retried 5 time(s): failed to resolve ref ${j.ref}: ${j.ref}: not found`), 'image_not_found', 'containerd pull.go (failed to resolve reference %q) + errdefs ErrNotFound, inside the Fargate retry');
  add('registry', W.stopped(`API error (404): repository ${j.name} not found`), 'image_not_found', 'Docker Engine API 1.x error form as the AWS documentation quotes it');
  add('registry', W.stopped(`ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: content at https://${j.host}/v2/${j.repo}/manifests/sha256:${hex(64)} not found: not found`), 'image_not_found', 'containerd v1.4.13 remotes/docker/fetcher.go (content at %v not found)');
}
add('registry', { line: `time="${tsNano()}" level=info msg="Attempting next endpoint for pull after error: manifest unknown: manifest unknown"`, source: 'dockerd', via: 'recorded: dockerd 20.10.24, fixtures/recorded/dockerd-pull-tag-not-found.log (the only line dockerd logs for a 404)' }, 'image_not_found', '');

// rate_limited -----------------------------------------------------------------------------------------
dockerError('registry', 'rate_limited', "Docker Hub's toomanyrequests message (docs.docker.com) in distribution errcode TOOMANYREQUESTS", {
  img: pick(HUB).ref, text: () => 'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
}, { stream: true });
for (let k = 0; k < 3; k++) {
  const h = pick(HUB);
  add('registry', W.stopped(`ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/${h.path}/manifests/sha256:${hex(64)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`), 'rate_limited', 'containerd fetcher.go (unexpected status code %v: %s - Server message: %s)');
  add('registry', W.stopped(`failed to resolve ref docker.io/${h.path}:${h.ref.split(':')[1]}: pulling from host registry-1.docker.io failed with status code [manifests ${h.ref.split(':')[1]}]: 429 Too Many Requests`), 'rate_limited', 'containerd v1.4.13 resolver.go');
}
add('registry', W.stopped('ERROR: toomanyrequests: Too Many Requests.', 'CannotPullContainerError'), 'rate_limited', 'Docker Hub rate limit as the AWS documentation quotes it');
for (let k = 0; k < 2; k++) add('registry', W.agentPullFields(ecrImage().ref, `CannotPullECRContainerError: ThrottlingException: Rate exceeded\n\tstatus code: 400, request id: ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`), 'rate_limited', 'ECR GetAuthorizationToken throttled, aws-sdk-go v1 error text');

// registry_server_error --------------------------------------------------------------------------------
for (const st of ['500 Internal Server Error', '502 Bad Gateway', '503 Service Unavailable', '504 Gateway Timeout', '530 ']) {
  dockerError('registry', 'registry_server_error', `distribution registry/client/errors.go (received unexpected HTTP status: %s) for ${st.trim()}`, { img: `${pick(PRIVATE_HOSTS)}/team/app:2.4`, text: () => `received unexpected HTTP status: ${st}` }, { n: 2 });
  const j = ecrImage();
  add('registry', W.stopped(`ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://${j.host}/v2/${j.repo}/blobs/sha256:${hex(64)}: ${st}`), 'registry_server_error', 'containerd fetcher.go (unexpected status code %v: %v)');
  add('registry', { line: `ctr: failed to resolve reference "${pick(PRIVATE_HOSTS)}/team/app:2.4": pulling from host ${pick(PRIVATE_HOSTS)} failed with status code [manifests 2.4]: ${st}`, source: 'containerd', via: 'containerd/containerd v1.6.20 remotes/docker/resolver.go' }, 'registry_server_error', 'ctr pull error');
}
dockerError('registry', 'registry_server_error', "moby: the base endpoint answered an error, Docker says only 'unsupported'", { img: `${pick(PRIVATE_HOSTS)}/team/app:2.4`, text: () => 'unsupported' }, { n: 2 });
add('registry', { line: `Error: initializing source docker://${pick(PRIVATE_HOSTS)}/team/app:2.4: pinging container registry ${pick(PRIVATE_HOSTS)}: invalid status code from registry 503 (Service Unavailable)`, source: 'unknown', via: 'containers/image v5.23.1 docker/docker_client.go (pinging container registry %s: %w)' }, 'registry_server_error', 'podman/skopeo ping');

// invalid_image_reference ------------------------------------------------------------------------------
for (const [bad, msg] of [
  ['123456789012.dkr.ecr.us-east-1.amazonaws.com/Billing-API:v3', 'invalid reference format: repository name must be lowercase'],
  ['123456789012.dkr.ecr.us-east-1.amazonaws.com/billing:v3.2.0:latest', 'invalid reference format'],
  ['registry.corp.example/team/app:', 'invalid reference format'],
  ['web-frontend:1.0 ', 'invalid reference format'],
  ['https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1', 'invalid reference format'],
]) {
  add('registry', W.agentPull(bad, `Error response from daemon: ${msg}`), 'invalid_image_reference', 'distribution reference ErrReferenceInvalidFormat / ErrNameContainsUppercase (moby v20.10.24 vendor), answered as HTTP 400');
  add('registry', W.stopped(msg), 'invalid_image_reference', 'distribution reference errors');
}
add('registry', W.stopped('Error response from daemon: invalid tag format'), 'invalid_image_reference', 'distribution reference ErrTagInvalidFormat');
add('registry', { line: `level=error time=${ts()} msg="Failed to prepare a canonical reference. Cannot pull image." task=${goq(taskId())} container="web" image="web-frontend:1.0:rc1" error=${goq("failed to parse image reference 'web-frontend:1.0:rc1': invalid reference format")}`, source: 'ecs-agent', via: `${A} v1.105.0 agent/engine/docker_task_engine.go + agent/utils/reference/reference.go` }, 'invalid_image_reference', 'the agent preparing a canonical reference');
for (const f of ['api-invalid-reference-uppercase.txt', 'api-invalid-reference-bad-tag.txt', 'api-invalid-reference-space.txt', 'cli-pull-invalid-reference-uppercase.txt', 'cli-pull-invalid-reference-tag.txt', 'skopeo-invalid-reference.txt']) {
  for (const line of recordedLines(`registry-network/${f}`).filter((l) => /reference|tag format/.test(l))) add('registry', { line, source: 'unknown', via: `recorded: fixtures/recorded/registry-network/${f}` }, 'invalid_image_reference', '');
}

// credential_helper_failure ----------------------------------------------------------------------------
for (const helper of ['docker-credential-ecr-login', 'docker-credential-pass', 'docker-credential-secretservice']) {
  add('registry', W.stopped(`error getting credentials - err: exec: "${helper}": executable file not found in $PATH, out: \`\``), 'credential_helper_failure', 'docker/docker-credential-helpers v0.8.2 client/client.go (error getting credentials - err: %v, out: `%s`) + Go os/exec');
  add('registry', { line: `Error saving credentials: error storing credentials - err: exec: "${helper}": executable file not found in $PATH, out: \`\``, source: 'unknown', via: 'docker/docker-credential-helpers v0.6.3 client/client.go (error storing credentials - err: %v, out: `%s`)' }, 'credential_helper_failure', 'docker login');
}
for (const f of ['cli-login-credsstore-helper-missing.txt', 'skopeo-credhelper-missing.txt']) for (const line of recordedLines(`registry-network/${f}`).filter((l) => /credentials/.test(l))) add('registry', { line, source: 'unknown', via: `recorded: fixtures/recorded/registry-network/${f}` }, 'credential_helper_failure', '');
for (const m of ["Could not parse 'dockercfg' type auth config", "Could not parse 'docker' type auth config", 'Malformed auth data for registry https://index.docker.io/v1/', "Malformed auth data for registry registry.corp.example; must contain ':'", 'Unknown auth configuration: docker-cfg']) {
  add('registry', { line: `level=warn time=${ts()} msg=${goq(m)} module=dockerauth.go`, source: 'ecs-agent', via: `${A} v1.105.0 agent/dockerclient/dockerauth/dockerauth.go` }, 'credential_helper_failure', 'ECS_ENGINE_AUTH_DATA the agent cannot parse');
  add('registry', { line: `${ts()} [WARN] ${m}`, source: 'ecs-agent', via: `${A} v1.20.0 agent/dockerclient/dockerauth/dockerauth.go (seelog)` }, 'credential_helper_failure', 'ECS_ENGINE_AUTH_DATA the agent cannot parse');
}
add('registry', { line: 'error getting credentials - err: exit status 1, out: `ecr: Failed to get authorization token: operation error ECR: GetAuthorizationToken, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, canceled, context deadline exceeded`', source: 'unknown', via: 'docker-credential-helpers client.go + awslabs/amazon-ecr-credential-helper v0.12.0 ecr-login/api/client.go' }, 'credential_helper_failure', 'a helper that ran and failed');

// arch_mismatch -------------------------------------------------------------------------------------
dockerError('registry', 'arch_mismatch', 'moby distribution/pull_v2.go (no matching manifest for %s in the manifest list entries)', { img: ecrImage().ref, text: () => `no matching manifest for ${pick(['linux/amd64', 'linux/arm64/v8'])} in the manifest list entries` }, { stream: true, n: 3 });
for (let k = 0; k < 2; k++) {
  const j = ecrImage();
  add('registry', W.stopped(`Error response from daemon: image with reference ${j.ref} was found but does not match the specified platform: wanted linux/amd64, actual: linux/arm64/v8`), 'arch_mismatch', 'moby v20.10.24 daemon/images/image.go');
  add('registry', W.stopped(`Error response from daemon: image with reference ${j.ref} was found but does not provide the specified platform (linux/arm64)`), 'arch_mismatch', 'moby v28.5.2 daemon/containerd/image.go (errPlatformNotFound)');
  add('registry', W.stopped(`failed to pull and unpack image "${j.ref}": no match for platform in manifest: not found`), 'arch_mismatch', 'containerd v1.6.20 images/handlers.go (no match for platform in manifest: %w)');
}

// context_canceled around pulls and container operations ----------------------------------------------
for (let k = 0; k < 3; k++) {
  const j = ecrImage();
  add('network', W.stopped(`Error response from daemon: Get "https://${j.host}/v2/": context deadline exceeded`), 'context_canceled', 'Go context.DeadlineExceeded in the registry ping (moby v20.10.24)');
  add('network', W.stopped(`Error response from daemon: Get "https://${j.host}/v2/": context canceled`), 'context_canceled', 'Go context.Canceled in the registry ping');
  add('network', W.agentPull(j.ref, 'context canceled'), 'context_canceled', 'the pull cancelled');
}
for (const name of ['CannotStartContainerError', 'CannotCreateContainerError']) {
  add('network', W.stopped('context canceled', name), 'context_canceled', `${A} v1.105.0 errors.go ${name} wrapping Go context.Canceled`);
  add('network', W.stopped('Error response from daemon: context canceled', name), 'context_canceled', `${A} v1.105.0 errors.go ${name} + moby client/request.go`);
}
for (const next of ['CREATED', 'RUNNING']) {
  add('network', { line: `level=error time=${ts()} msg="Error transitioning container" task=${goq(taskId())} container="web" runtimeID=${goq(hex(64))} nextState=${goq(next)} error="context canceled"`, source: 'ecs-agent', via: `${A} v1.105.0 agent/engine/docker_task_engine.go (Error transitioning container)` }, 'context_canceled', 'the agent cancelling a container step');
  add('network', { line: `${ts()} [INFO] Task engine [arn:aws:ecs:us-east-1:123456789012:task/${taskId()}]: error transitioning container [web (Runtime ID: ${hex(64)})] to [${next}]: context canceled`, source: 'ecs-agent', via: `${A} v1.50.0 agent/engine/docker_task_engine.go` }, 'context_canceled', 'the agent cancelling a container step');
}
for (const op of ['start', 'wait', 'stop']) add('network', { line: `time="${tsNano()}" level=error msg="Handler for POST /v1.41/containers/${hex(64)}/${op} returned error: context canceled"`, source: 'dockerd', via: 'moby/moby v20.10.24 api/server/server.go' }, 'context_canceled', 'a cancelled container API call');

// network_timeout ------------------------------------------------------------------------------------
const netErr = (h) => ({
  'i/o timeout': `Get "https://${h}/v2/": dial tcp ${ip()}:443: i/o timeout`,
  'request canceled': `Get "https://${h}/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)`,
  'tls handshake': `Get "https://${h}/v2/": net/http: TLS handshake timeout`,
  'connection timed out': `Get "https://${h}/v2/": dial tcp ${ip()}:443: connect: connection timed out`,
  'connection refused': `Get "https://${h}/v2/": dial tcp ${ip()}:443: connect: connection refused`,
  'network unreachable': `Get "https://${h}/v2/": dial tcp ${ip()}:443: connect: network is unreachable`,
  'no route': `Get "https://${h}/v2/": dial tcp ${ip()}:443: connect: no route to host`,
  'reset': `Get "https://${h}/v2/": read tcp 10.0.${Math.floor(rand() * 9)}.${Math.floor(rand() * 250)}:${30000 + Math.floor(rand() * 30000)}->${ip()}:443: read: connection reset by peer`,
});
for (const kind of ['i/o timeout', 'request canceled', 'tls handshake', 'connection timed out', 'connection refused', 'network unreachable', 'no route', 'reset']) {
  for (const hostKind of ['ecr', 'hub', 'private']) {
    const img = hostKind === 'ecr' ? ecrImage() : hostKind === 'hub' ? { ref: pick(HUB).ref, host: 'registry-1.docker.io' } : { ref: `${pick(PRIVATE_HOSTS)}/team/app:2.4`, host: pick(PRIVATE_HOSTS) };
    const what = `Go net/http and net errors (${kind}) in moby v20.10.24 registry requests`;
    add('network', pick(dockerAgentWrappers)(img.ref, `Error response from daemon: ${netErr(img.host)[kind]}`), 'network_timeout', what);
    add('network', W.stopped(`Error response from daemon: ${netErr(img.host)[kind]}`), 'network_timeout', what);
    add('network', W.dockerdHandler(netErr(img.host)[kind]), 'network_timeout', what);
  }
}
for (let k = 0; k < 3; k++) {
  const j = ecrImage();
  add('network', W.stopped(`ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://prod-${j.region}-starport-layer-bucket.s3.${j.region}.amazonaws.com/${hex(4)}-${j.account}/${hex(4)}": dial tcp ${ip()}:443: i/o timeout`), 'network_timeout', 'containerd fetcher (failed to do request: %w) to the S3 layer bucket');
  add('network', { line: `time="${tsNano()}" level=error msg="Download failed after 6 attempts: dial tcp ${ip()}:443: i/o timeout"`, source: 'dockerd', via: 'moby/moby v20.10.24 distribution/xfer/download.go (Download failed after %d attempts: %v)' }, 'network_timeout', 'a layer download that never connected');
  add('network', W.agentPullJson(j.ref, `CannotPullECRContainerError: RequestError: send request failed\ncaused by: Post "https://api.ecr.${j.region}.amazonaws.com/": dial tcp ${ip()}:443: i/o timeout`), 'network_timeout', 'aws-sdk-go v1 RequestError to the ECR API');
  add('network', { line: `${'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.'}${j.region}.amazonaws.com/": dial tcp ${ip()}:443: i/o timeout`, source: 'stopped-reason', via: 'the ResourceInitializationError stopped-reason format (AWS documentation: stopped task error codes) around an aws-sdk-go RequestError' }, 'network_timeout', 'registry auth that could not reach ECR: the network cause, not a secret');
}
add('network', { line: `time="${tsNano()}" level=error msg="Download failed after 6 attempts: unexpected EOF"`, source: 'dockerd', via: 'recorded: dockerd 20.10.24, fixtures/recorded/dockerd-pull-blob-truncated-every-attempt.log' }, 'network_timeout', '');
add('network', W.stopped('inactivity time exceeded timeout while pulling image'), 'network_timeout', `${A} docker_client.go inactivity timeout`);
for (let k = 0; k < 2; k++) add('network', { line: `level=error time=${ts()} msg="Error connecting to ACS" error=${goq(`Post "https://ecs-a-${k + 1}.${pick(REGIONS)}.amazonaws.com/ws": dial tcp ${ip()}:443: i/o timeout`)}`, source: 'ecs-agent', via: `${A} v1.51.0 agent/acs/handler/acs_handler.go (Error connecting to ACS: %v)` }, 'network_timeout', 'the agent cannot reach ECS at all');
for (const svc of ['secretsmanager', 'ssm', 'logs', 'kms']) add('network', { line: `level=error time=${ts()} msg="Failed to fetch secret" error=${goq(`RequestError: send request failed caused by: Post "https://${svc}.${pick(REGIONS)}.amazonaws.com/": dial tcp ${ip()}:443: i/o timeout`)}`, source: 'ecs-agent', via: 'aws-sdk-go v1 RequestError in an agent error field' }, 'network_timeout', 'an AWS API endpoint the task needs');

// dns_failure ----------------------------------------------------------------------------------------
for (const [kind, tail] of [
  ['no such host', (h, dns) => `lookup ${h} on ${dns}:53: no such host`],
  ['server misbehaving', (h, dns) => `lookup ${h} on ${dns}:53: server misbehaving`],
  ['udp timeout', (h, dns) => `lookup ${h} on ${dns}:53: read udp 10.0.1.${Math.floor(rand() * 250)}:${40000 + Math.floor(rand() * 20000)}->${dns}:53: i/o timeout`],
  ['udp unreachable', (h, dns) => `lookup ${h} on ${dns}:53: dial udp ${dns}:53: connect: network is unreachable`],
  ['cgo temporary', (h) => `lookup ${h}: Temporary failure in name resolution`],
]) {
  for (let k = 0; k < 3; k++) {
    const h = k === 0 ? ecrImage().host : k === 1 ? 'registry-1.docker.io' : pick(PRIVATE_HOSTS).split(':')[0];
    const e = `Get "https://${h}/v2/": dial tcp: ${tail(h, `10.${Math.floor(rand() * 200)}.0.2`)}`;
    add('network', [W.stopped(`Error response from daemon: ${e}`), W.dockerdHandler(e), W.agentPull(`${h}/team/app:1`, `Error response from daemon: ${e}`)][k], 'dns_failure', `Go net dnsclient (lookup %s on %s: %v), ${kind}`);
  }
}

// tls_error ------------------------------------------------------------------------------------------
for (const [prefix, ver] of [['', 'moby v20.10.24 / Go 1.19'], ['tls: failed to verify certificate: ', 'moby v24.0.9 / Go 1.20+']]) {
  for (const x of ['x509: certificate signed by unknown authority', 'x509: certificate has expired or is not yet valid: current time 2026-11-23T10:31:10Z is after 2026-11-01T00:00:00Z', 'x509: certificate is valid for registry.corp.example, not harbor.tools.example']) {
    const h = pick(PRIVATE_HOSTS);
    add('network', W.stopped(`Error response from daemon: Get "https://${h}/v2/": ${prefix}${x}`), 'tls_error', `Go crypto/x509 errors as ${ver} prints them`);
    add('network', W.dockerdHandler(`Get "https://${h}/v2/": ${prefix}${x}`), 'tls_error', `Go crypto/x509 errors as ${ver} prints them`);
  }
}
add('network', W.stopped('Error response from daemon: Get "https://10.0.1.20:5000/v2/": http: server gave HTTP response to HTTPS client'), 'tls_error', 'Go net/http (server gave HTTP response to HTTPS client) for a non-loopback registry');

// secrets_init_failure, and what else ResourceInitializationError wraps ----------------------------------
const RIE = 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ';
const RIE_VIA = 'the ResourceInitializationError stopped-reason format (AWS documentation: stopped task error codes)';
for (let k = 0; k < 4; k++) {
  const region = pick(REGIONS);
  const acct = pick(ACCOUNTS);
  const secret = `arn:aws:secretsmanager:${region}:${acct}:secret:prod/${pick(['db', 'api-key', 'payments'])}-${hex(6)}`;
  const param = `/prod/${pick(['api', 'payments', 'web'])}/${pick(['key', 'dsn', 'token'])}`;
  const p = principal(acct);
  const s = (line, label, what) => add('secrets', { line, source: 'stopped-reason', via: RIE_VIA }, label, what);
  s(`${RIE}unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${secret} from secrets manager: AccessDeniedException: User: ${p} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret} because no identity-based policy allows the secretsmanager:GetSecretValue action`, 'secrets_init_failure', 'secretsmanager:GetSecretValue denied');
  s(`${RIE}unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${secret} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`, 'secrets_init_failure', 'a secret that does not exist');
  s(`${RIE}unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: ${param}`, 'secrets_init_failure', 'an SSM parameter that does not exist');
  s(`${RIE}unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: User: ${p} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:${region}:${acct}:parameter${param} because no identity-based policy allows the ssm:GetParameters action`, 'secrets_init_failure', 'ssm:GetParameters denied');
  s(`${RIE}unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret ${secret} from secrets manager: RequestError: send request failed caused by: Post "https://secretsmanager.${region}.amazonaws.com/": dial tcp ${ip()}:443: i/o timeout`, 'secrets_init_failure', 'Secrets Manager unreachable while fetching a secret');
  s(`${RIE}unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${secret} from secrets manager: AccessDeniedException: User: ${p} is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:${region}:${acct}:key/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)} because no identity-based policy allows the kms:Decrypt action`, 'secrets_init_failure', 'kms:Decrypt denied for a secret');
  s(`${RIE}unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: User: ${p} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`, 'registry_auth_denied', 'registry auth inside ResourceInitializationError: the auth cause');
  add('secrets', { line: `level=error time=${ts()} msg="Failed to transition resource" taskARN=${goq(`arn:aws:ecs:${region}:${acct}:task/prod/${taskId()}`)} resource="ssmsecret" error=${goq(`unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: ${param}`)}`, source: 'ecs-agent', via: `${A} v1.105.0 agent/taskresource/ssmsecret (unable to retrieve secrets from ssm)` }, 'secrets_init_failure', 'the agent fetching an SSM parameter');
}

// Docker 25-28 with the containerd image store, containerd 1.7 and 2.x --------------------------------------
for (let k = 0; k < 3; k++) {
  const j = ecrImage();
  const h = pick(HUB);
  add('registry', { line: `time="${tsNano()}" level=error msg=${goq(`Handler for POST /v1.47/images/create returned error: pull access denied for ${j.name}, repository does not exist or may require 'docker login'`)}`, source: 'dockerd', via: "moby/moby v28.5.2 daemon/containerd/image_pull.go (pull access denied for %s, repository does not exist or may require 'docker login')" }, 'registry_auth_denied', 'Docker 28 with the containerd image store');
  add('registry', W.stopped(`failed to resolve reference "docker.io/${h.path}:${h.ref.split(':')[1]}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`), 'registry_auth_denied', 'containerd v1.7.30 remotes/docker/resolver.go + authorizer.go (server message: %s: %w)');
  add('registry', { line: `ctr: failed to resolve image: ${j.ref}: not found`, source: 'containerd', via: 'containerd/containerd v2.1.0 core/transfer/local/pull.go (failed to resolve image: %w)' }, 'image_not_found', 'containerd 2.x transfer service');
  add('registry', { line: `time="${tsNano()}" level=error msg=${goq(`Handler for POST /v1.47/images/create returned error: no matching manifest for linux/amd64 in the manifest list entries: no match for platform in manifest: not found`)}`, source: 'dockerd', via: 'moby/moby v28.5.2 daemon/containerd/image_pull.go (no matching manifest for %s in the manifest list entries: %w)' }, 'arch_mismatch', 'Docker 28 with the containerd image store');
  add('registry', W.stopped(`failed to resolve reference "${pick(PRIVATE_HOSTS)}/team/app:2.4": unexpected status from HEAD request to https://${pick(PRIVATE_HOSTS)}/v2/team/app/manifests/2.4: ${pick(['500 Internal Server Error', '502 Bad Gateway', '503 Service Unavailable', '530 '])}`), 'registry_server_error', 'containerd v1.7.30 remotes/errors/errors.go (unexpected status from %s request to %s: %s)');
  add('registry', W.stopped(`failed to resolve reference "${j.ref}": unexpected status from HEAD request to https://${j.host}/v2/${j.repo}/manifests/${j.tag}: 429 Too Many Requests`), 'rate_limited', 'containerd v1.7.30 remotes/errors/errors.go');
}

// benign: the same programs at work ----------------------------------------------------------------------
const benign = (file, line, source, via) => files[file].push({ line, source, label: 'benign', origin: via.startsWith('recorded:') ? via : `constructed: ${via}` });
for (let k = 0; k < 6; k++) {
  const j = ecrImage();
  const f = k % 2 ? 'registry' : 'network';
  benign(f, `level=info time=${ts()} msg="Pulling image for container concurrently" task=${goq(taskId())} container=${goq(pick(['api', 'web']))} image=${goq(j.ref)}`, 'ecs-agent', `${A} v1.105.0 agent/engine/docker_task_engine.go (Pulling image for container concurrently)`);
  benign(f, `level=info time=${ts()} msg="Finished pulling image for container" task=${goq(taskId())} container="api" image=${goq(j.ref)} elapsed=${goq(`${(rand() * 9).toFixed(1)}s`)}`, 'ecs-agent', `${A} v1.105.0 docker_task_engine.go (Finished pulling image for container)`);
  benign(f, `level=info time=${ts()} msg="Fetched image manifest digest for container from registry" task=${goq(taskId())} container="api" image=${goq(j.ref)} imageDigest=${goq(`sha256:${hex(64)}`)}`, 'ecs-agent', `${A} v1.105.0 docker_task_engine.go (Fetched image manifest digest for container from registry)`);
  benign(f, `level=info time=${ts()} msg="Setting task execution credentials for image pull registry auth" task=${goq(taskId())} container="api"`, 'ecs-agent', `${A} v1.105.0 docker_task_engine.go`);
  benign(f, `level=info time=${ts()} msg="Image for container already exists, not pulling it again" task=${goq(taskId())} container="web" image=${goq(j.ref)}`, 'ecs-agent', `${A} v1.105.0 docker_task_engine.go`);
  benign(f, `level=info time=${ts()} msg="Prepared a canonical reference for image pull" image=${goq(`${j.name}@sha256:${hex(64)}`)}`, 'ecs-agent', `${A} v1.105.0 docker_task_engine.go (Prepared a canonical reference for image pull)`);
}
for (let k = 0; k < 10; k++) {
  const r = pick(REGIONS);
  const f = k % 2 ? 'registry' : 'network';
  const e = pick([`write tcp 10.0.1.${k + 5}:${40000 + k}->${ip()}:443: i/o timeout`, `read tcp 10.0.1.${k + 5}:${40000 + k}->${ip()}:443: i/o timeout`, `read tcp 10.0.1.${k + 5}:${40000 + k}->${ip()}:443: read: connection reset by peer`, 'websocket: close 1006 (abnormal closure): unexpected EOF', 'context canceled']);
  benign(f, `level=warn time=${ts()} msg="Error disconnecting from ACS" endpoint=${goq(`https://ecs-a-${1 + (k % 4)}.${r}.amazonaws.com/ws`)} error=${goq(e)}`, 'ecs-agent', `${A} v1.105.0 ecs-agent/acs/session/session.go (Error disconnecting from ACS)`);
  benign(f, `${ts()} [WARN] Error disconnecting: ${e}`, 'ecs-agent', `${A} v1.30.0 agent/acs/handler/acs_handler.go (Error disconnecting: %v)`);
  benign(f, `level=warn time=${ts()} msg="ACS WebSocket connection closed" error=${goq(e)}`, 'ecs-agent', `${A} v1.105.0 ecs-agent/acs/session/session.go`);
  benign(f, `level=info time=${ts()} msg="TCS Websocket connection closed for a valid reason"`, 'ecs-agent', `${A} v1.105.0 ecs-agent/tcs/handler/handler.go`);
  benign(f, `level=info time=${ts()} msg="Waiting before reconnecting to ACS" backoff=${goq(`${(rand() * 3).toFixed(3)}s`)}`, 'ecs-agent', `${A} v1.105.0 ecs-agent/acs/session/session.go`);
  benign(f, `level=info time=${ts()} msg="Connected to ACS endpoint" endpoint=${goq(`https://ecs-a-${1 + (k % 4)}.${r}.amazonaws.com/ws`)}`, 'ecs-agent', `${A} v1.105.0 ecs-agent/acs/session/session.go`);
  benign(f, `level=warn time=${ts()} msg="Unable to extend read deadline for ACS connection" error=${goq(e)}`, 'ecs-agent', `${A} v1.105.0 ecs-agent/acs/session/session.go`);
  benign(f, `${ts()} [INFO] ACS Websocket connection closed for a valid reason: ${e}`, 'ecs-agent', `${A} v1.30.0 agent/acs/handler/acs_handler.go`);
}
for (let k = 0; k < 8; k++) {
  const h = pick([...PRIVATE_HOSTS, 'registry-1.docker.io', ecrImage().host]);
  const e = pick([`read tcp 10.0.1.5:${41000 + k}->${ip()}:443: read: connection reset by peer`, 'unexpected EOF', `dial tcp ${ip()}:443: i/o timeout`, 'http2: server sent GOAWAY and closed the connection']);
  benign('network', `time="${tsNano()}" level=info msg="Download failed, retrying (${1 + (k % 5)}/5): ${e}"`, 'dockerd', 'moby/moby v20.10.24 distribution/xfer/download.go (Download failed, retrying (%d/%d): %v)');
  benign('registry', `time="${tsNano()}" level=info msg="Ignoring extra error returned from registry: unauthorized: authentication required"`, 'dockerd', 'moby/moby v20.10.24 distribution/errors.go (Ignoring extra error returned from registry)');
  benign('registry', `time="${tsNano()}" level=warning msg="Error getting v2 registry: Get \\"https://127.0.0.1:${5000 + k}/v2/\\": http: server gave HTTP response to HTTPS client"`, 'dockerd', 'moby/moby v20.10.24 distribution/pull.go, the HTTPS attempt before the HTTP fallback for a loopback registry');
}
for (const f of ['dockerd-pull-success.log', 'dockerd-pull-auth-success.log', 'dockerd-push-success.log', 'dockerd-pull-blob-truncated-then-resumed.log', 'registry-network/dockerd-pull-ping-404.log', 'dockerd-pull-tls-success-trusted-ca.log', 'dockerd-pull-platform-mismatch-arm64-only.log', 'dockerd-pull-manifest-hang-client-cancel.log']) {
  for (const line of recordedLines(f)) benign('registry', line, 'dockerd', `recorded: dockerd 20.10.24, fixtures/recorded/${f}`);
}
for (const [f, take] of [['dockerd-startup.log', 40], ['dockerd-container-lifecycle.log', 30], ['dockerd-restart-with-existing-containers.log', 20]]) {
  const ls = recordedLines(f);
  for (let k = 0; k < take && k < ls.length; k++) benign(k % 2 ? 'registry' : 'network', ls[Math.floor((k * ls.length) / take)], 'dockerd', `recorded: dockerd 20.10.24, fixtures/recorded/${f}`);
}
for (const f of ['registry-network/ctr-platform-arm64.txt']) for (const line of recordedLines(f)) benign('registry', line, 'containerd', `recorded: containerd 1.6.20 ctr, fixtures/recorded/${f}`);
for (const line of ['Getting image source signatures', `Copying blob sha256:${hex(64)}`, `Copying config sha256:${hex(64)}`, 'Writing manifest to image destination', 'Storing signatures']) benign('registry', line, 'unknown', 'containers/image v5.23.1 copy/copy.go progress lines (skopeo copy)');
for (let k = 0; k < 6; k++) {
  benign('registry', `time="${tsNano()}" level=info msg="trying next host" error="failed to do request: Head \\"https://${pick(PRIVATE_HOSTS)}/v2/team/app/manifests/2.4\\": dial tcp ${ip()}:443: connect: connection refused" host=${goq(pick(PRIVATE_HOSTS))}`, 'containerd', 'containerd v1.6.20 remotes/docker/resolver.go (trying next host), followed by a mirror that answers');
  benign('secrets', `level=info time=${ts()} msg="Resource initialization complete" task=${goq(taskId())} resource=${goq(pick(['ssmsecret', 'asmsecret', 'asmauth', 'envfile']))}`, 'ecs-agent', `${A} agent/taskresource status lines`);
  benign('secrets', `level=info time=${ts()} msg="Processing refresh credentials message" taskARN=${goq(`arn:aws:ecs:us-east-1:123456789012:task/prod/${taskId()}`)} roleType="TaskExecution"`, 'ecs-agent', `${A} v1.105.0 agent/acs refresh credentials handler`);
  benign('secrets', `level=info time=${ts()} msg="Retrieved secrets from ssm" task=${goq(taskId())} count=${1 + k}`, 'ecs-agent', `${A} ssmsecret resource`);
}
benign('secrets', 'Task stopped by user', 'stopped-reason', 'the stopped reason StopTask gives without --reason (AWS documentation, stopped task error codes, UserInitiated)');
benign('secrets', 'Scaling activity initiated by (deployment ecs-svc/5432109876543210987)', 'stopped-reason', 'the stopped reason of a task replaced by a deployment (ServiceSchedulerInitiated)');

// ---- output ---------------------------------------------------------------------------------------------
function recordedLines(file) {
  return readFileSync(path.join(REC, file), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('$ ') && !/^\[exit code \d+\]$/.test(l) && !/^(HTTP\/1\.1|Content-Type:|\{"status")/.test(l));
}
for (const [name, rows] of Object.entries(files)) {
  writeFileSync(path.join(ROOT, 'test/corpus', `${name}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const benignRows = rows.filter((r) => r.label === 'benign').length;
  process.stdout.write(`${name}.jsonl: ${rows.length} lines, ${benignRows} benign (${((100 * benignRows) / rows.length).toFixed(0)} %)\n`);
}
