// The one HTTP layer under every AWS client: explicit timeouts, and HTTPS through a proxy when HTTPS_PROXY says so
// (HTTP_PROXY for an http:// endpoint), except for the hosts NO_PROXY lists, as the AWS CLI, the ECS agent and
// the CloudWatch agent do. Many container instances reach AWS only through such a proxy; the SDK for JavaScript
// ignores these variables on its own. The tunnel is a CONNECT through the proxy, then TLS to AWS end to end.
// node:http, node:https and node:tls are imported inside the functions that use them: a static import would be
// hoisted to the top of the single-file bundle and load TLS into every command, `--help` included.
import type http from 'node:http';
import type https from 'node:https';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../errors.js';
import { processEnv, silenceSdkNodeVersionWarning } from '../env.js';

type Net = { http: typeof http; https: typeof https; tls: typeof tls };

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const isIp = (s: string): boolean => IPV4.test(s) || s.includes(':');

export interface HttpSettings {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The proxy for a request to this URL, or undefined to connect directly. Upper case first, as Go reads them. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = processEnv()): URL | undefined {
  const https_ = target.protocol === 'https:';
  const raw = (https_ ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy)?.trim();
  if (!raw) return undefined;
  if (bypassed(target.hostname, Number(target.port) || (https_ ? 443 : 80), env.NO_PROXY ?? env.no_proxy ?? '')) return undefined;
  return parseProxy(raw, https_ ? 'HTTPS_PROXY' : 'HTTP_PROXY');
}

function parseProxy(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new ConfigError(`${name}: not a proxy URL: ${raw}`, {}, { hint: 'e.g. http://proxy.internal:3128' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name}: ${url.protocol.slice(0, -1)} proxies are not supported, only http:// and https:// (CONNECT)`);
  }
  return url;
}

/**
 * NO_PROXY: comma-separated `*`, host names (matching the name and its subdomains; a leading `.` or `*.` is
 * the same), IP addresses and IPv4 CIDR blocks, each optionally with `:port`.
 */
export function bypassed(hostname: string, port: number, noProxy: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (let entry of noProxy.split(/[\s,]+/).map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    if (entry === '*') return true;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes('::') && !/^\[/.test(entry)) {
      if (Number(portMatch[2]) !== port) continue;
      entry = portMatch[1]!;
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entry.includes('/')) {
      if (IPV4.test(host) && inCidr(host, entry)) return true;
      continue;
    }
    if (isIp(entry)) {
      if (entry === host) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

/** True when an IPv4 address is inside an IPv4 CIDR block (`10.0.0.0/16`). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!base || !IPV4.test(base) || !IPV4.test(ip) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(base) & mask);
}

/** A failed CONNECT: the proxy refused, or could not reach AWS itself. */
export class ProxyConnectError extends Error {
  readonly code = 'EPROXY';
  constructor(message: string, readonly proxy: string) {
    super(message);
    this.name = 'ProxyConnectError';
  }
}

type ConnectOptions = (http.ClientRequestArgs & tls.ConnectionOptions) & { host?: string; port?: number | string; servername?: string };
type OnCreate = (err: Error | null, socket?: Duplex) => void;

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw tunnel socket. */
function openTunnel(mods: Net, proxy: URL, host: string, port: number, timeoutMs: number, cb: (err: Error | null, socket?: import('node:net').Socket) => void): void {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: target };
  if (proxy.username) {
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const shown = `${proxy.protocol}//${proxy.host}`;
  const req = (proxy.protocol === 'https:' ? mods.https : mods.http).request({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: target,
    headers,
    agent: false,
    timeout: timeoutMs,
  });
  let settled = false;
  const done = (err: Error | null, socket?: import('node:net').Socket): void => {
    if (settled) return;
    settled = true;
    cb(err, socket);
  };
  req.once('connect', (res, socket, head) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      done(new ProxyConnectError(`proxy ${shown} answered HTTP ${res.statusCode} to CONNECT ${target}`, shown));
      return;
    }
    // Bytes the proxy sent after its answer belong to the tunnel.
    if (head.length > 0) socket.unshift(head);
    done(null, socket);
  });
  req.once('timeout', () => req.destroy(new ProxyConnectError(`proxy ${shown} did not open a tunnel to ${target} within ${timeoutMs} ms`, shown)));
  req.once('error', (err) => done(err instanceof ProxyConnectError ? err : new ProxyConnectError(`proxy ${shown}: ${err.message}`, shown)));
  req.end();
}

function targetOf(options: ConnectOptions, defaultPort: number): { host: string; port: number } {
  return { host: String(options.host ?? options.hostname ?? 'localhost'), port: Number(options.port) || defaultPort };
}

/**
 * Where a connection goes: its target, and the proxy NO_PROXY does not exempt it from (undefined: connect
 * directly). Undefined in place of the whole answer when the target is not a valid URL: `cb` has the error then.
 */
function routeOf(scheme: 'http' | 'https', options: ConnectOptions, env: NodeJS.ProcessEnv, cb: OnCreate): { host: string; port: number; proxy: URL | undefined } | undefined {
  const { host, port } = targetOf(options, scheme === 'https' ? 443 : 80);
  try {
    return { host, port, proxy: proxyFor(new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`), env) };
  } catch (err) {
    cb(err as Error);
    return undefined;
  }
}

/** Agent classes that tunnel through the proxy NO_PROXY does not exempt the host from (built once the modules load). */
function agentClasses(mods: Net): { Https: new (env: NodeJS.ProcessEnv, t: number, o: https.AgentOptions) => https.Agent; Http: new (env: NodeJS.ProcessEnv, t: number, o: http.AgentOptions) => http.Agent } {
  class ProxyHttpsAgent extends mods.https.Agent {
    constructor(
      private readonly env: NodeJS.ProcessEnv,
      private readonly connectTimeoutMs: number,
      options: https.AgentOptions,
    ) {
      super(options);
    }

    override createConnection(options: ConnectOptions, cb: OnCreate): Duplex | undefined {
      const route = routeOf('https', options, this.env, cb);
      if (!route) return undefined;
      const { host, port, proxy } = route;
      if (!proxy) return super.createConnection(options as never, cb as never) as Duplex | undefined;
      openTunnel(mods, proxy, host, port, this.connectTimeoutMs, (err, socket) => {
        if (err || !socket) return cb(err ?? new Error('no tunnel'));
        const secure = mods.tls.connect({ ...options, socket, servername: options.servername ?? (isIp(host) ? undefined : host) } as tls.ConnectionOptions);
        cb(null, secure);
      });
      return undefined;
    }
  }

  /** The same for plain http:// endpoints (local stacks): a CONNECT tunnel through HTTP_PROXY. */
  class ProxyHttpAgent extends mods.http.Agent {
    constructor(
      private readonly env: NodeJS.ProcessEnv,
      private readonly connectTimeoutMs: number,
      options: http.AgentOptions,
    ) {
      super(options);
    }

    override createConnection(options: ConnectOptions, cb: OnCreate): Duplex | undefined {
      const route = routeOf('http', options, this.env, cb);
      if (!route) return undefined;
      const { host, port, proxy } = route;
      if (!proxy) return super.createConnection(options as never, cb as never) as Duplex | undefined;
      openTunnel(mods, proxy, host, port, this.connectTimeoutMs, (err, socket) => (err || !socket ? cb(err ?? new Error('no tunnel')) : cb(null, socket)));
      return undefined;
    }
  }
  return { Https: ProxyHttpsAgent, Http: ProxyHttpAgent };
}

export interface HttpAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** Agents for one client; keep-alive as the SDK's own defaults. */
export async function createAgents(settings: HttpSettings = {}): Promise<HttpAgents> {
  const env = settings.env ?? processEnv();
  const connect = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // Fail on a bad proxy setting now, with its name, rather than on the first request.
  for (const [name, value] of [['HTTPS_PROXY', env.HTTPS_PROXY || env.https_proxy], ['HTTP_PROXY', env.HTTP_PROXY || env.http_proxy]] as const) {
    if (value?.trim()) parseProxy(value.trim(), name);
  }
  const [h, hs, t] = await Promise.all([import('node:http'), import('node:https'), import('node:tls')]);
  const { Http, Https } = agentClasses({ http: h.default, https: hs.default, tls: t.default });
  return {
    httpAgent: new Http(env, connect, { keepAlive: true, maxSockets: 50 }),
    httpsAgent: new Https(env, connect, { keepAlive: true, maxSockets: 50 }),
  };
}

/** The request handler every SDK client gets (and the EC2 Query client uses directly). */
export async function createRequestHandler(settings: HttpSettings = {}): Promise<import('@smithy/node-http-handler').NodeHttpHandler> {
  silenceSdkNodeVersionWarning();
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  return new NodeHttpHandler({
    ...(await createAgents(settings)),
    connectionTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and the request
    // hangs on: an endpoint that accepts connections but never answers would stall the command forever.
    throwOnRequestTimeout: true,
  });
}
