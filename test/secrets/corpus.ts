// The secrets corpus: lines that carry planted secrets, printed the way the programs on an ECS container
// instance print them. Each secret kind below is a payload (an env dump, the ECS credentials answer, a docker
// config.json, ECS_ENGINE_AUTH_DATA, an HTTP request dump …); each escaping puts the payload into a line the way
// one program does:
//   - plain:          seelog `2026-… [ERROR] …` (the old agent format, ecs-init), a stopped reason, ecs.config
//   - logfmt-quoted:  ECS agent logfmt (ecs-agent/logger/format.go: `key=%q`), dockerd/containerd logrus (`%q`)
//   - json-in-logfmt: a JSON payload inside such a %q field (`{\"auth\":\"…\"}`)
//   - agent-json:     the agent's JSON format (encoding/json: `\"`, and `\u0026` `\u003c` `\u003e` for & < >)
//   - journal-json:   a dockerd logrus line as `journalctl -o json` exports it (the payload escaped twice)
//   - url-encoded:    query strings and form bodies (presigned S3 URLs, the registry token endpoint's POST body)
//   - base64:         docker auths (`base64(user:password)`), X-Registry-Auth (base64url JSON), ECR tokens
// Half the lines state a failure a shipped rule recognises (so they become findings and events), half are
// debug/info lines no rule matches. Every secret is random (seeded), so a leak of any part of it is found.
// Nothing here is copied from a public issue thread: the wording of the failures is that of the shipped rules'
// own examples (taken from the programs' format strings), the payloads follow the documented formats.
import type { RecordSource } from '../../src/types.js';

export type Escaping = 'plain' | 'logfmt-quoted' | 'json-in-logfmt' | 'agent-json' | 'journal-json' | 'url-encoded' | 'base64';

export interface Secret {
  kind: string;
  /** The secret as the program holds it. */
  value: string;
  /** Its random runs (no fixed prefix such as `ghp_` or `IQoJb3JpZ2lu`), each 10+ characters: any 10 of them in a row are a leak. */
  cores: string[];
}

/** Where the line is written in a test host, which decides the reader and the format detection. */
export type Destination = 'agent-log' | 'docker-log' | 'journal-export' | 'stdin';

export interface CorpusLine {
  id: string;
  line: string;
  source: RecordSource;
  destination: Destination;
  escaping: Escaping;
  kind: string;
  /** Which program's output format the line instantiates. */
  origin: string;
  /** A shipped rule must classify the line (true) or none may (false). */
  matches: boolean;
  /** Unique to this line (the task id / container id it names): traces an event back to its line. */
  marker: string;
  secrets: Secret[];
}

// --- deterministic randomness -------------------------------------------------------------------------------
let state = 0x5ec2e75;
function next(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = ALNUM + '+/';
const HEX = '0123456789abcdef';
function rand(n: number, alphabet = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

// --- secret makers ------------------------------------------------------------------------------------------
const secret = (kind: string, value: string, ...cores: string[]): Secret => ({ kind, value, cores: cores.length ? cores : [value] });
const akid = (prefix: 'AKIA' | 'ASIA'): Secret => {
  const core = rand(16, UPPER32);
  return secret('aws-access-key-id', prefix + core, core);
};
const secretKey = (): Secret => secret('aws-secret-access-key', rand(40, B64));
const sessionToken = (): Secret => {
  const core = rand(280, B64);
  return secret('aws-session-token', `IQoJb3JpZ2luX2VjE${core}`, core);
};
/** Passwords hold the characters that escaping changes: `"` `\` `&` `<` `%` `@` `:` `/` `!` `#`. */
const PASSWORD_SPICE = ['!', '#', '@', ':', '/', '&', '<', '%', '"', '\\', '~', '*'];
const password = (): Secret => {
  const a = rand(10);
  const b = rand(10);
  const spice = PASSWORD_SPICE[Math.floor(next() * PASSWORD_SPICE.length)]!;
  return secret('password', `${a}${spice}${b}`, a, b);
};
/** A password as a URL or a form body may carry it unencoded: no `"` `\` `&` `/` `@` `%` `:`. */
const urlPassword = (): Secret => {
  const a = rand(10);
  const b = rand(10);
  return secret('password', `${a}!${b}`, a, b);
};
const dockerAuth = (user: string, pw: Secret): Secret => {
  const value = b64(`${user}:${pw.value}`);
  return secret('docker-auth', value, value.slice(12));
};
const jwt = (): Secret => {
  const payload = b64url(JSON.stringify({ iss: 'registry-token-issuer', sub: rand(12), access: [{ type: 'repository', name: `acme/${rand(6).toLowerCase()}`, actions: ['pull'] }], exp: 1795420960 }));
  const sig = rand(86, ALNUM + '-_');
  return secret('jwt', `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${payload}.${sig}`, sig);
};
const opaqueToken = (): Secret => secret('opaque-token', rand(48, ALNUM + '-_'));
const ecrToken = (): Secret => {
  // GetAuthorizationToken: base64("AWS:" + the payload, itself base64 JSON).
  const payload = b64(JSON.stringify({ payload: rand(600, B64), datakey: rand(240, B64), version: '2', type: 'DATA_KEY', expiration: 1795463200 }));
  const value = b64(`AWS:${payload}`);
  return secret('ecr-token', value, value.slice(40));
};
const GH_PREFIXES = ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] as const;
const githubToken = (i: number): Secret => {
  if (i % 6 === 5) {
    const core = `${rand(22)}_${rand(59)}`;
    return secret('github-token', `github_pat_${core}`, core);
  }
  const core = rand(36);
  return secret('github-token', `${GH_PREFIXES[i % 5]}${core}`, core);
};
const dockerHubPat = (): Secret => {
  const core = rand(27, ALNUM + '-_');
  return secret('docker-hub-pat', `dckr_pat_${core}`, core);
};
const pemKey = (type: string): Secret => {
  const body = [rand(64, B64), rand(64, B64), rand(64, B64), `${rand(40, B64)}==`];
  return secret('pem-private-key', `-----BEGIN ${type}PRIVATE KEY-----\n${body.join('\n')}\n-----END ${type}PRIVATE KEY-----\n`, ...body.slice(0, 3));
};
const imdsToken = (): Secret => {
  const core = rand(51, B64);
  return secret('imds-token', `AQAEA${core}==`, core);
};
const signature = (): Secret => secret('sigv4-signature', rand(64, HEX));

// --- escapings ----------------------------------------------------------------------------------------------
/** Go's %q (strconv.Quote) for the characters these payloads hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + '"';
}
/** Go's encoding/json string, with its default HTML escaping. */
export function goJson(s: string): string {
  return JSON.stringify(s).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

// --- payloads: what a program had in hand when it printed -----------------------------------------------------
interface Payload {
  kind: string;
  text: string;
  secrets: Secret[];
  /** The payload is JSON (its quotes are escaped once more when it is a %q field). */
  json?: boolean;
  /** The payload is a URL or a form body: it can be carried URL-encoded. */
  url?: boolean;
  /** The payload can be carried base64-encoded (a docker auth, an X-Registry-Auth). */
  base64?: Secret;
}

const REGISTRIES = ['111122223333.dkr.ecr.us-east-1.amazonaws.com', 'registry.example.com:5000', 'ghcr.io', 'index.docker.io'];

function payloads(): Payload[] {
  const reg = REGISTRIES[0]!;
  const user = `ci-${rand(4).toLowerCase()}`;
  const out: Payload[] = [];
  {
    const id = akid('AKIA');
    const sk = secretKey();
    const st = sessionToken();
    out.push({ kind: 'aws-env', text: `AWS_ACCESS_KEY_ID=${id.value} AWS_SECRET_ACCESS_KEY=${sk.value} AWS_SESSION_TOKEN=${st.value}`, secrets: [id, sk, st] });
  }
  {
    const id = akid('ASIA');
    const sk = secretKey();
    const st = sessionToken();
    // The task credentials endpoint (169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) and IMDS answer this.
    out.push({ kind: 'ecs-credentials-json', json: true, text: JSON.stringify({ RoleArn: 'arn:aws:iam::111122223333:role/app-task', AccessKeyId: id.value, SecretAccessKey: sk.value, Token: st.value, Expiration: '2026-11-23T15:00:00Z' }), secrets: [id, sk, st] });
  }
  {
    const id = akid('ASIA');
    const sk = secretKey();
    const st = sessionToken();
    // Go's %+v of aws.Credentials, and %v (no names) of the SDK v1 credentials.Value.
    out.push({ kind: 'go-struct-credentials', text: `{AccessKeyID:${id.value} SecretAccessKey:${sk.value} SessionToken:${st.value} Source:EC2RoleProvider CanExpire:true}`, secrets: [id, sk, st] });
    const id2 = akid('ASIA');
    const sk2 = secretKey();
    out.push({ kind: 'go-value-credentials', text: `{${id2.value} ${sk2.value} ${st.value} EC2RoleProvider}`, secrets: [id2, sk2, st] });
  }
  {
    const sk = secretKey();
    out.push({ kind: 'aws-ini', text: `[default]\naws_access_key_id = AKIA${rand(16, UPPER32)}\naws_secret_access_key = ${sk.value}\n`, secrets: [sk] });
  }
  {
    const pw = password();
    const auth = dockerAuth(user, pw);
    out.push({ kind: 'docker-config-auth', json: true, base64: auth, text: JSON.stringify({ auths: { [reg]: { auth: auth.value } }, credsStore: '' }), secrets: [auth] });
  }
  {
    const tok = opaqueToken();
    const pw = password();
    const auth = dockerAuth('<token>', pw);
    out.push({ kind: 'docker-config-identitytoken', json: true, text: JSON.stringify({ auths: { [reg]: { auth: auth.value, identitytoken: tok.value } } }), secrets: [tok, auth] });
  }
  {
    const pw = password();
    out.push({ kind: 'engine-auth-docker', json: true, text: `ECS_ENGINE_AUTH_DATA=${JSON.stringify({ 'https://index.docker.io/v1/': { username: user, password: pw.value, email: 'ops@example.com' } })}`, secrets: [pw] });
  }
  {
    const pw = password();
    const auth = dockerAuth(user, pw);
    out.push({ kind: 'engine-auth-dockercfg', json: true, base64: auth, text: `ECS_ENGINE_AUTH_DATA=${JSON.stringify({ [`https://${reg}`]: { auth: auth.value, email: 'ops@example.com' } })}`, secrets: [auth] });
  }
  {
    const tok = ecrToken();
    out.push({ kind: 'ecr-get-authorization-token', json: true, base64: tok, text: JSON.stringify({ authorizationData: [{ authorizationToken: tok.value, expiresAt: '2026-11-23T21:00:00Z', proxyEndpoint: 'https://111122223333.dkr.ecr.us-east-1.amazonaws.com' }] }), secrets: [tok] });
  }
  {
    const t = jwt();
    const o = opaqueToken();
    // The registry token server's answer (distribution docs/spec/auth/token.md: token, access_token, refresh_token).
    out.push({ kind: 'token-server-answer', json: true, text: JSON.stringify({ token: t.value, access_token: t.value, refresh_token: o.value, expires_in: 300, issued_at: '2026-11-23T09:00:00Z' }), secrets: [t, o] });
    const o2 = opaqueToken();
    out.push({ kind: 'token-server-opaque', json: true, text: JSON.stringify({ token: o2.value, expires_in: 60 }), secrets: [o2] });
  }
  {
    const pw = password();
    const auth = dockerAuth(user, pw);
    out.push({ kind: 'http-dump-basic', text: `GET /v2/ HTTP/1.1\r\nHost: ${reg}\r\nUser-Agent: docker/25.0.8 go/go1.22.12\r\nAuthorization: Basic ${auth.value}\r\nAccept-Encoding: gzip\r\n\r\n`, secrets: [auth] });
    const t = jwt();
    out.push({ kind: 'http-dump-bearer', text: `GET /v2/acme/app/manifests/1.4 HTTP/1.1\r\nHost: ${reg}\r\nAuthorization: Bearer ${t.value}\r\nAccept: application/vnd.oci.image.index.v1+json\r\n\r\n`, secrets: [t] });
  }
  {
    const pw = password();
    const header = b64url(JSON.stringify({ username: user, password: pw.value, serveraddress: reg }));
    const h = secret('x-registry-auth', header, header.slice(24));
    out.push({ kind: 'x-registry-auth', base64: h, text: `POST /v1.44/images/create?fromImage=${reg}%2Facme%2Fapp&tag=1.4 HTTP/1.1\r\nX-Registry-Auth: ${header}\r\n`, secrets: [h] });
  }
  {
    const pw = urlPassword();
    out.push({ kind: 'url-userinfo', url: true, text: `https://${user}:${encodeURIComponent(pw.value)}@${reg}/v2/`, secrets: [pw] });
    const pw2 = urlPassword();
    out.push({ kind: 'proxy-url', url: true, text: `HTTPS_PROXY=http://proxy-${user}:${encodeURIComponent(pw2.value)}@10.0.0.5:3128`, secrets: [pw2] });
  }
  {
    const o = opaqueToken();
    out.push({ kind: 'access-token-query', url: true, text: `https://${reg}/v2/acme/app/blobs/sha256:${rand(64, HEX)}?access_token=${o.value}&expires=300`, secrets: [o] });
  }
  {
    const id = akid('ASIA');
    const st = sessionToken();
    const sig = signature();
    out.push({
      kind: 's3-presigned-url',
      url: true,
      text:
        `https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/${rand(8, HEX)}-${rand(4, HEX)}/${rand(36, HEX)}?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
        `&X-Amz-Credential=${id.value}%2F20261123%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261123T090000Z&X-Amz-Expires=3600` +
        `&X-Amz-Security-Token=${encodeURIComponent(st.value)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig.value}`,
      secrets: [id, st, sig],
    });
  }
  {
    // One of each prefix GitHub documents (ghp_ classic, gho_ OAuth, ghu_ user-to-server, ghs_ installation,
    // ghr_ refresh, github_pat_ fine-grained), as a registry password, in a clone URL, bare, in env and JSON.
    const [ghp, gho, ghu, ghs, ghr, pat] = [0, 1, 2, 3, 4, 5].map(githubToken) as [Secret, Secret, Secret, Secret, Secret, Secret];
    out.push({ kind: 'github-token-login', text: `docker login ghcr.io --username ${user} --password ${ghp.value}`, secrets: [ghp] });
    out.push({ kind: 'github-token-url', url: true, text: `https://x-access-token:${ghs.value}@github.com/acme/app.git`, secrets: [ghs] });
    out.push({ kind: 'github-token-bare', text: `the credential helper returned ${gho.value} for ghcr.io`, secrets: [gho] });
    out.push({ kind: 'github-token-env', text: `GITHUB_TOKEN=${ghu.value} GITHUB_ACTIONS=true`, secrets: [ghu] });
    out.push({ kind: 'github-token-json', json: true, text: JSON.stringify({ access_token: gho.value, refresh_token: ghr.value, token_type: 'bearer', scope: 'read:packages' }), secrets: [gho, ghr] });
    const auth = dockerAuth(user, pat);
    out.push({ kind: 'github-pat-docker-auth', json: true, base64: auth, text: JSON.stringify({ auths: { 'ghcr.io': { username: user, password: pat.value, auth: auth.value } } }), secrets: [pat, auth] });
  }
  for (const type of ['RSA ', 'EC ', 'OPENSSH ', '', 'ENCRYPTED ']) {
    // PEM blocks (RFC 7468 labels and OpenSSH's), carried in JSON: their newlines escaped once more per level.
    const k = pemKey(type);
    out.push({ kind: 'pem-private-key', json: true, text: JSON.stringify({ name: 'registry-client-key', key: k.value }), secrets: [k] });
  }
  {
    const pw = password();
    out.push({ kind: 'registry-password-kv', text: `registry_user=${user} registry_password=${pw.value.replace(/[\s"\\&]/g, '_')}`, secrets: [{ ...pw, value: pw.value.replace(/[\s"\\&]/g, '_') }] });
    const pw2 = password();
    out.push({ kind: 'password-kv', json: true, text: JSON.stringify({ username: user, password: pw2.value, serveraddress: reg }), secrets: [pw2] });
  }
  {
    const pw = urlPassword();
    const tok = ecrToken();
    out.push({ kind: 'cli-password', text: `docker login --username ${user} --password ${pw.value} ${reg}`, secrets: [pw] });
    out.push({ kind: 'cli-login-p', text: `docker login -u AWS -p ${tok.value} https://111122223333.dkr.ecr.us-east-1.amazonaws.com`, secrets: [tok] });
  }
  {
    const pat = dockerHubPat();
    const auth = dockerAuth(user, pat);
    out.push({ kind: 'docker-hub-pat', json: true, base64: auth, text: JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: auth.value } }, note: `token ${pat.value}` }), secrets: [pat, auth] });
  }
  {
    const pw = urlPassword();
    const r = opaqueToken();
    // docker's OAuth2 POST to the token endpoint (registry/auth: grant_type=password / refresh_token), form-encoded.
    out.push({ kind: 'token-form-body', url: true, text: `client_id=docker&grant_type=password&password=${encodeURIComponent(pw.value)}&scope=repository%3Aacme%2Fapp%3Apull&service=${reg}&username=${user}`, secrets: [pw] });
    out.push({ kind: 'token-form-refresh', url: true, text: `client_id=docker&grant_type=refresh_token&refresh_token=${r.value}&scope=repository%3Aacme%2Fapp%3Apull&service=${reg}`, secrets: [r] });
  }
  {
    const t = imdsToken();
    const value = t.value;
    out.push({ kind: 'imds-token-header', text: `PUT /latest/api/token HTTP/1.1\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\nGET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nX-aws-ec2-metadata-token: ${value}\r\n`, secrets: [t] });
    const c = opaqueToken();
    out.push({ kind: 'container-authorization-token', text: `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:51679/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=${c.value}`, secrets: [c] });
  }
  return out;
}

// --- carriers: how each program prints a line around a payload ----------------------------------------------------
/** Failure wordings from the shipped rules' examples (recorded dockerd/registry output and the agent's format strings). */
const FAILURES = [
  'no basic auth credentials',
  'unauthorized: authentication required',
  'dial tcp 10.0.1.20:443: i/o timeout',
  'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  'manifest unknown: manifest unknown',
  'x509: certificate signed by unknown authority',
  'context deadline exceeded',
  'received unexpected HTTP status: 503 Service Unavailable',
  'dial tcp: lookup registry.example.com on 10.0.0.2:53: no such host',
  'write /var/lib/docker/tmp/GetImageBlob312255: no space left on device',
  'pull access denied for registry.example.com:5000/acme/app, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied',
  'Get "https://registry.example.com:5000/v2/": net/http: TLS handshake timeout',
  'Get "http://10.0.1.20:5999/v2/": dial tcp 10.0.1.20:5999: connect: connection refused',
  'Get "https://10.0.1.20:5000/v2/": http: server gave HTTP response to HTTPS client',
  'denied: Your authorization token has expired. Reauthenticate and try again.',
  'no matching manifest for linux/amd64 in the manifest list entries',
  'Get "https://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2/": context canceled',
  'repository registry.example.com:5000/missing-repo not found: name unknown: The repository with name \'missing-repo\' does not exist in the registry with id \'111122223333\'',
  'Download failed after 6 attempts: unexpected EOF',
  'Download failed after 1 attempts: unknown blob',
  'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "node": executable file not found in $PATH: unknown',
  'Get "https://registry.example.com/v2/": dial tcp: lookup registry.example.com on 10.0.0.2:53: server misbehaving',
  'Get "https://registry-1.docker.io/v2/": dial tcp 54.196.99.49:443: connect: connection timed out',
  'Get "https://registry.example.com/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
  'filesystem layer verification failed for digest sha256:b2601709979a10b455a3dc6e2933a90c5f8efd0b8ecd2096412daaf94a6f1e9c',
  'error looking up logging plugin awslogz: plugin "awslogz" not found',
];

// An hour ago (to the second): recent enough that CloudWatch accepts the events the lines become.
const AT_MS = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const T = new Date(AT_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
const TN = T.replace(/Z$/, '.120789756Z');

interface Carried {
  line: string;
  source: RecordSource;
  destination: Destination;
  origin: string;
}

function carry(p: Payload, escaping: Escaping, matches: boolean, n: number, marker: string): Carried {
  const failure = FAILURES[Math.floor(n / 2) % FAILURES.length]!;
  const image = `${REGISTRIES[n % REGISTRIES.length]!}/acme/app:${marker.slice(0, 12)}`;
  const taskArn = `arn:aws:ecs:us-east-1:111122223333:task/prod/${marker}`;
  const payloadText = escaping === 'url-encoded' && !p.url ? encodeURIComponent(p.text) : escaping === 'base64' ? p.base64!.value : p.text;
  // A base64 carriage uses a key that names no secret, so the value is found by what it decodes to.
  const key = escaping === 'base64' ? 'data' : p.json ? 'config' : 'detail';
  const agentMsg = matches ? 'Error while pulling image; will try to run anyway' : 'Task engine: loaded registry settings';
  switch (escaping) {
    case 'plain': {
      // seelog, the agent's format before 1.36 and ecs-init's: `TIME [LEVEL] message`, the payload printed with %s/%v.
      const text = matches ? `Error pulling image ${image} for task ${taskArn}: ${p.text.replace(/\r?\n/g, ' ')}: ${failure}` : `Loaded configuration for task ${taskArn}: ${p.text.replace(/\r?\n/g, ' ')}`;
      return { line: `${T} [${matches ? 'ERROR' : 'INFO'}] ${text}`, source: 'ecs-agent', destination: 'agent-log', origin: 'ecs-agent seelog %s (amazon-ecs-agent v1.35 and ecs-init logger)' };
    }
    case 'logfmt-quoted':
    case 'json-in-logfmt':
    case 'url-encoded':
    case 'base64': {
      if (n % 2 === 0) {
        // The agent's structured logfmt (ecs-agent/logger/format.go): msg=%q then key=%q per field.
        const fields = `task=${goQuote(marker)} container="app" image=${goQuote(image)} ${key}=${goQuote(payloadText)}${matches ? ` error=${goQuote(`CannotPullContainerError: Error response from daemon: ${failure}`)}` : ''}`;
        return { line: `level=${matches ? 'error' : 'debug'} time=${T} msg=${goQuote(agentMsg)} ${fields}`, source: 'ecs-agent', destination: 'agent-log', origin: 'amazon-ecs-agent v1.105.0 ecs-agent/logger/format.go (logfmt, %q fields)' };
      }
      // dockerd's logrus TextFormatter: time, level, msg=%q, then the fields (%q when they need quoting).
      const msg = matches ? `Not continuing with pull after error: ${failure}` : 'Calling POST /v1.44/images/create';
      return { line: `time="${TN}" level=${matches ? 'error' : 'debug'} msg=${goQuote(msg)} container=${marker} ${key}=${goQuote(payloadText)}`, source: 'dockerd', destination: 'docker-log', origin: 'moby v25 daemon logrus TextFormatter (%q values)' };
    }
    case 'agent-json': {
      // The agent's JSON format: encoding/json of the fields, HTML-escaped.
      const fields = [`"msg":${goJson(agentMsg)}`, `"task":${goJson(marker)}`, `"image":${goJson(image)}`, `"${key}":${goJson(p.text)}`];
      if (matches) fields.push(`"error":${goJson(`CannotPullContainerError: Error response from daemon: ${failure}`)}`);
      return { line: `{"level":"${matches ? 'error' : 'debug'}","time":"${T}",${fields.join(',')}}`, source: 'ecs-agent', destination: 'agent-log', origin: 'amazon-ecs-agent v1.105.0 ecs-agent/logger/format.go (messageJsonFormatter)' };
    }
    case 'journal-json': {
      const msg = matches ? `Not continuing with pull after error: ${failure}` : 'Calling POST /v1.44/auth';
      const logrus = `time="${TN}" level=${matches ? 'error' : 'debug'} msg=${goQuote(msg)} container=${marker} ${key}=${goQuote(p.text)}`;
      const entry = {
        __CURSOR: `s=b781d40424b6cfeeddc27be29d7c8265;i=${(0x5a000 + n).toString(16)};b=da2b6b11256810b16535d26deabcc9cd;m=5a6023900;t=660ecf2a9669c;x=${marker.slice(0, 16)}`,
        __REALTIME_TIMESTAMP: String(AT_MS * 1000 + n),
        _BOOT_ID: 'da2b6b11256810b16535d26deabcc9cd',
        PRIORITY: matches ? '3' : '7',
        SYSLOG_IDENTIFIER: 'dockerd',
        _PID: '3120',
        _SYSTEMD_UNIT: 'docker.service',
        _TRANSPORT: 'stdout',
        MESSAGE: logrus,
      };
      return { line: JSON.stringify(entry), source: 'dockerd', destination: 'journal-export', origin: 'journalctl -o json (systemd 252) of a moby logrus line' };
    }
  }
}

function escapingsFor(p: Payload): Escaping[] {
  const out: Escaping[] = ['plain', p.json ? 'json-in-logfmt' : 'logfmt-quoted', 'agent-json', 'journal-json'];
  if (p.url || p.json) out.push('url-encoded');
  if (p.base64) out.push('base64');
  return out;
}

function build(): CorpusLine[] {
  const lines: CorpusLine[] = [];
  let n = 0;
  const kinds = payloads().length;
  for (let k = 0; k < kinds; k++) {
    for (const escaping of escapingsFor(payloads()[k]!)) {
      // Fresh secrets for every line: a leak names the one line (and so the one path) it came from.
      const p = payloads()[k]!;
      const matches = n % 2 === 0;
      const marker = rand(32, HEX);
      const c = carry(p, escaping, matches, n, marker);
      // A base64 carriage shows only the encoded form: the raw password is then not in the line at all.
      const secrets = escaping === 'base64' ? [p.base64!] : p.secrets;
      lines.push({ id: `s${String(n).padStart(3, '0')}`, ...c, escaping, kind: p.kind, matches, marker, secrets });
      n += 1;
    }
  }
  return lines;
}

export const CORPUS: readonly CorpusLine[] = build();

/** Every distinct secret planted in the corpus. */
export const PLANTED: readonly Secret[] = [...new Map(CORPUS.flatMap((l) => l.secrets).map((s) => [s.value, s])).values()];
