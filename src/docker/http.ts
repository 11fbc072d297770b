// A small HTTP/1.1 client for the two local APIs the task records read: the Docker Engine API on its unix
// socket and the ECS agent's introspection API on 127.0.0.1. node:http speaks the protocol (chunked bodies
// included, over a socket path too); this adds what both callers need: a deadline on every request, a cap on
// the body, JSON, a long-lived streaming request, and errors that name the endpoint and say why.
import http from 'node:http';
import { TriageError } from '../errors.js';

/** Where an API listens: a unix socket (Docker) or a base URL (the agent). `display` names it in messages. */
export type Endpoint = { socketPath: string; display: string } | { baseUrl: string; display: string };

/** A local API did not answer as expected. `reason` is short (`ENOENT`, `EACCES`, `HTTP 404`, `timed out`). */
export class LocalApiError extends TriageError {
  constructor(
    readonly endpoint: string,
    readonly reason: string,
    readonly status?: number,
    cause?: unknown,
  ) {
    super(`${endpoint}: ${reason}`, { code: 'ELOCALAPI', ...(cause === undefined ? {} : { cause }) });
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

/**
 * No connection pooling: a connection is cheap on a local socket, and a pooled one that the other side closed
 * while idle (the agent restarting) would fail the next request with ECONNRESET.
 */
function options(ep: Endpoint, path: string, method: string): http.RequestOptions {
  if ('socketPath' in ep) return { socketPath: ep.socketPath, path, method, agent: false };
  const u = new URL(path, ep.baseUrl + '/');
  return { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, protocol: u.protocol, agent: false };
}

/** Why a request failed, as an operator reads it: the errno code for socket errors, else the message. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'ENOENT (no such socket: is the daemon running?)';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return `${e.code} (no permission to connect)`;
  if (e?.code === 'ECONNREFUSED') return 'ECONNREFUSED (nothing listening)';
  return e?.code ?? (err instanceof Error ? err.message : String(err));
}

/** One request with a whole-request deadline; the body is read up to `maxBytes`. */
export function request(ep: Endpoint, path: string, o: { method?: string; timeoutMs: number; maxBytes?: number }): Promise<Answer> {
  const max = o.maxBytes ?? DEFAULT_MAX_BODY;
  return new Promise((resolve, reject) => {
    const req = http.request(options(ep, path, o.method ?? 'GET'), (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) req.destroy(new LocalApiError(ep.display, `answer to ${path} larger than ${max} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => fail(err));
    });
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      reject(err instanceof LocalApiError ? err : new LocalApiError(ep.display, reasonOf(err), undefined, err));
    };
    const timer = setTimeout(() => req.destroy(new LocalApiError(ep.display, `no answer to ${path} within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('error', fail);
    req.end();
  });
}

/** GET a JSON document; anything but 200 is an error carrying the status (404 is often an answer in itself). */
export async function getJson<T>(ep: Endpoint, path: string, timeoutMs: number): Promise<T> {
  const a = await request(ep, path, { timeoutMs });
  if (a.status !== 200) {
    let msg = '';
    try {
      msg = String((JSON.parse(a.body) as { message?: unknown }).message ?? '');
    } catch {
      msg = a.body.slice(0, 200);
    }
    throw new LocalApiError(ep.display, `HTTP ${a.status} for ${path}${msg ? `: ${msg.trim()}` : ''}`, a.status);
  }
  try {
    return JSON.parse(a.body) as T;
  } catch (err) {
    throw new LocalApiError(ep.display, `answer to ${path} is not JSON`, a.status, err);
  }
}

export interface Stream {
  /** Resolves when the stream ends or fails (never rejects): with the error, or undefined for a clean end. */
  readonly ended: Promise<Error | undefined>;
  close(): void;
}

/**
 * A long-lived GET whose body is a sequence of JSON documents, one per line (Docker's event stream: a chunked
 * body; a document may be split across chunks, and a chunk may hold several). `connectTimeoutMs` bounds the
 * wait for the response head only: an event stream is quiet for hours.
 */
export function streamJsonLines(
  ep: Endpoint,
  path: string,
  o: { connectTimeoutMs: number; maxLineBytes: number; onOpen?: () => void; onDocument: (doc: unknown) => void; onBadLine?: (line: string) => void },
): Stream {
  let settle!: (e: Error | undefined) => void;
  const ended = new Promise<Error | undefined>((r) => (settle = r));
  let done = false;
  const finish = (e: Error | undefined): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    settle(e);
  };
  const req = http.request(options(ep, path, 'GET'), (res) => {
    clearTimeout(timer);
    if (res.statusCode !== 200) {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body.length < 2000 ? (body += c) : undefined));
      res.on('end', () => finish(new LocalApiError(ep.display, `HTTP ${res.statusCode} for ${path}: ${body.trim().slice(0, 200)}`, res.statusCode)));
      return;
    }
    o.onOpen?.();
    let pending = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let doc: unknown;
        try {
          doc = JSON.parse(line);
        } catch {
          o.onBadLine?.(line);
          continue;
        }
        o.onDocument(doc);
      }
      // A "line" that never ends is not an event: drop it rather than grow without bound.
      if (pending.length > o.maxLineBytes) {
        o.onBadLine?.(pending.slice(0, 200));
        pending = '';
      }
    });
    res.on('end', () => finish(new LocalApiError(ep.display, `event stream ${path} ended`)));
    res.on('error', (err) => finish(new LocalApiError(ep.display, reasonOf(err), undefined, err)));
    res.on('close', () => finish(new LocalApiError(ep.display, `event stream ${path} closed`)));
  });
  const timer = setTimeout(() => req.destroy(new LocalApiError(ep.display, `no answer to ${path} within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
  req.on('error', (err) => finish(err instanceof LocalApiError ? err : new LocalApiError(ep.display, reasonOf(err), undefined, err)));
  req.end();
  return {
    ended,
    close: () => {
      done = true;
      clearTimeout(timer);
      settle(undefined);
      req.destroy();
    },
  };
}
