// The AWS JSON 1.1 wire protocol, shared by the SSM and ECS test servers: POST /, `X-Amz-Target: <Prefix>.<Op>`,
// JSON in and out, errors as HTTP 400 with `{"__type": name, "message": ...}`.
import http from 'node:http';
import { listenLocal } from './listen.js';

export class AwsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Who signed the request, from its SigV4 credential scope. */
export interface RequestScope {
  region: string;
  accessKeyId: string;
}

export type Handler = (op: string, body: Record<string, unknown>, scope: RequestScope) => Promise<unknown> | unknown;

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//;

export function scopeOf(authorization: string | undefined): RequestScope {
  const m = SCOPE.exec(authorization ?? '');
  return { accessKeyId: m?.[1] ?? '', region: m?.[2] ?? '' };
}

export interface JsonServer {
  endpoint: string;
  calls: Array<{ op: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startJsonServer(targetPrefix: string, handle: Handler): Promise<JsonServer> {
  const calls: JsonServer['calls'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, payload: unknown): void => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': `req-${calls.length}`,
        });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(targetPrefix + '.')) {
        reply(400, { __type: 'UnknownOperationException', message: `bad target ${target}` });
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
        reply(400, { __type: 'MissingAuthenticationTokenException', message: 'request is not signed' });
        return;
      }
      const op = target.slice(targetPrefix.length + 1);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        reply(400, { __type: 'SerializationException', message: 'body is not JSON' });
        return;
      }
      calls.push({ op, body });
      Promise.resolve()
        .then(() => handle(op, body, scopeOf(req.headers.authorization)))
        .then(
          (out) => reply(200, out ?? {}),
          (err: unknown) => {
            if (err instanceof AwsFault) reply(err.status, { __type: err.type, message: err.message });
            else reply(500, { __type: 'InternalServerError', message: String(err) });
          },
        );
    });
  });
  const { port, close } = await listenLocal(server);
  return { endpoint: `http://127.0.0.1:${port}`, calls, close };
}
