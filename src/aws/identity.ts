// Who this host is: instance facts from IMDSv2, the ECS cluster from the agent's introspection API, with
// /etc/ecs/ecs.config as the fallback. Every lookup is short and optional: a host without IMDS (a laptop, a
// fixture root) still gets an identity (the hostname), never a hang.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';
import { readRegularFile } from '../base/regular-file.js';
import { processEnv } from '../env.js';
import { INTROSPECTION_DEFAULT_BASE } from '../ecs-host.js';

export interface Identity {
  instanceId?: string;
  region?: string;
  az?: string;
  instanceType?: string;
  accountId?: string;
  cluster?: string;
  containerInstanceArn?: string;
  hostname: string;
}

export const IMDS_DEFAULT_ENDPOINT = 'http://169.254.169.254';
export const INTROSPECTION_DEFAULT_URL = `${INTROSPECTION_DEFAULT_BASE}/v1/metadata`;
/** Env override of the introspection URL (tests point it at a local server). */
export const INTROSPECTION_URL_ENV = 'ECS_TRIAGE_INTROSPECTION_URL';

export interface IdentityOptions {
  /** Host root (`--root`). IMDS and introspection are only asked on the live host (`/`) unless an endpoint is set in env. */
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout for IMDS and introspection. IMDS answers in milliseconds on EC2; off EC2 it never answers. */
  timeoutMs?: number;
  log?: Logger;
}

interface HttpAnswer {
  status: number;
  body: string;
}

function request(url: string, init: { method: string; headers?: Record<string, string>; timeoutMs: number }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers, timeout: init.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // Metadata answers are tiny; a huge one is not metadata.
        if (size > 1024 * 1024) req.destroy(new Error('answer too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${init.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The IMDS base URL the way the SDK picks it: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the IPv4/IPv6 default. */
export function imdsEndpoint(env: NodeJS.ProcessEnv): string {
  const explicit = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  if (explicit) return explicit.replace(/\/+$/, '');
  if ((env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE ?? '').toLowerCase() === 'ipv6') return 'http://[fd00:ec2::254]';
  return IMDS_DEFAULT_ENDPOINT;
}

export interface ImdsFacts {
  instanceId?: string;
  region?: string;
  az?: string;
  instanceType?: string;
  accountId?: string;
}

/**
 * IMDSv2: PUT a token first, then GET with it. When the token PUT is refused (403/404/405) we try IMDSv1 like the
 * SDK does, unless AWS_EC2_METADATA_V1_DISABLED is set.
 */
export async function readImds(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ImdsFacts> {
  const base = imdsEndpoint(env);
  let token: string | undefined;
  const tok = await request(`${base}/latest/api/token`, {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' },
    timeoutMs,
  });
  if (tok.status === 200) token = tok.body.trim();
  else if (![403, 404, 405].includes(tok.status) || env.AWS_EC2_METADATA_V1_DISABLED) {
    throw new Error(`IMDS token request answered HTTP ${tok.status}`);
  }
  const headers: Record<string, string> = token ? { 'X-aws-ec2-metadata-token': token } : {};
  const doc = await request(`${base}/latest/dynamic/instance-identity/document`, { method: 'GET', headers, timeoutMs });
  if (doc.status !== 200) throw new Error(`IMDS identity document answered HTTP ${doc.status}`);
  const parsed = JSON.parse(doc.body) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof parsed[k] === 'string' && parsed[k] ? (parsed[k] as string) : undefined);
  const facts: ImdsFacts = {};
  const set = (k: keyof ImdsFacts, v: string | undefined): void => {
    if (v) facts[k] = v;
  };
  set('instanceId', str('instanceId'));
  set('instanceType', str('instanceType'));
  set('az', str('availabilityZone'));
  set('accountId', str('accountId'));
  // placement/region is right for Local Zones and Wavelength, where stripping the AZ letter is not.
  const region = await request(`${base}/latest/meta-data/placement/region`, { method: 'GET', headers, timeoutMs }).catch(() => undefined);
  set('region', region?.status === 200 && region.body.trim() ? region.body.trim() : str('region'));
  return facts;
}

/** ECS agent introspection `GET /v1/metadata` → cluster and container instance ARN (null before registration). */
export async function readIntrospection(url: string, timeoutMs: number): Promise<{ cluster?: string; containerInstanceArn?: string }> {
  const res = await request(url, { method: 'GET', timeoutMs });
  if (res.status !== 200) throw new Error(`introspection answered HTTP ${res.status}`);
  const body = JSON.parse(res.body) as { Cluster?: unknown; ContainerInstanceArn?: unknown };
  const out: { cluster?: string; containerInstanceArn?: string } = {};
  if (typeof body.Cluster === 'string' && body.Cluster) out.cluster = body.Cluster;
  if (typeof body.ContainerInstanceArn === 'string' && body.ContainerInstanceArn) out.containerInstanceArn = body.ContainerInstanceArn;
  return out;
}

/** ECS_CLUSTER from ecs.config, parsed like ecs-init does: split at the first `=`, no quotes, no comments. */
export async function readEcsConfigCluster(root: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readRegularFile(path.join(root, 'etc/ecs/ecs.config'));
  } catch {
    return undefined;
  }
  for (const raw of text.trim().split('\n')) {
    const i = raw.indexOf('=');
    if (i < 0) continue;
    if (raw.slice(0, i).trim() === 'ECS_CLUSTER') {
      const v = raw.slice(i + 1).trim();
      return v || undefined;
    }
  }
  return undefined;
}

export async function resolveIdentity(opts: IdentityOptions = {}): Promise<Identity> {
  const env = opts.env ?? processEnv();
  const root = path.resolve(opts.root ?? '/');
  const live = root === '/';
  const timeoutMs = opts.timeoutMs ?? 1000;
  const id: Identity = { hostname: os.hostname() };

  const imdsDisabled = !!env.AWS_EC2_METADATA_DISABLED;
  const askImds = !imdsDisabled && (live || !!env.AWS_EC2_METADATA_SERVICE_ENDPOINT);
  const introspectionUrl = env[INTROSPECTION_URL_ENV] || (live ? INTROSPECTION_DEFAULT_URL : undefined);

  const [imds, intro] = await Promise.all([
    askImds
      ? readImds(env, timeoutMs).catch((err: unknown) => {
          opts.log?.debug('IMDS not available', { error: err });
          return {} as ImdsFacts;
        })
      : Promise.resolve({} as ImdsFacts),
    introspectionUrl
      ? readIntrospection(introspectionUrl, timeoutMs).catch((err: unknown) => {
          opts.log?.debug('ECS agent introspection not available', { error: err });
          return {};
        })
      : Promise.resolve({}),
  ]);
  Object.assign(id, imds, intro);
  if (!id.cluster) {
    const cluster = await readEcsConfigCluster(root);
    if (cluster) id.cluster = cluster;
  }
  return id;
}
