// One endpoint for every service, as `--endpoint-url` gives one URL to all clients: requests are routed by the
// service in their SigV4 credential scope (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), the way local AWS
// stacks route them, to the per-service test servers. It can speak HTTPS (for the proxy test), and it answers
// for the caller's missing permissions with each service's own error shape: AccessDeniedException (JSON 1.1
// services), AccessDenied (IAM, Query XML), UnauthorizedOperation (EC2).
import http from 'node:http';
import https from 'node:https';
import { listenLocal } from './listen.js';
import { randomUUID } from 'node:crypto';

export interface FrontRequest {
  service: string;
  region: string;
  operation: string;
  accessKeyId: string;
  /** Who the request came in on: set when the test routes through a proxy. */
  via?: string;
}

export interface AwsFrontOptions {
  /** Signing name (ecs, ecr, iam, ec2, secretsmanager, kms, ssm, logs) → backend http endpoint. */
  backends: Record<string, string>;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** IAM actions the caller may not perform, e.g. `iam:SimulatePrincipalPolicy`: answered as AWS answers them. */
  deny?: Iterable<string>;
  callerArn?: string;
}

export interface AwsFront {
  endpoint: string;
  port: number;
  requests: FrontRequest[];
  deny: Set<string>;
  close(): Promise<void>;
}

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function operationOf(headers: http.IncomingHttpHeaders, body: string): string {
  const target = String(headers['x-amz-target'] ?? '');
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  return new URLSearchParams(body).get('Action') ?? '';
}

function denied(service: string, action: string, caller: string, resource: string): { status: number; type: string; body: string } {
  const why = `User: ${caller} is not authorized to perform: ${service}:${action}${resource ? ` on resource: ${resource}` : ''} because no identity-based policy allows the ${service}:${action} action`;
  const id = randomUUID();
  if (service === 'iam') {
    return {
      status: 403,
      type: 'text/xml',
      body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n    <Message>${xmlEscape(why)}</Message>\n  </Error>\n  <RequestId>${id}</RequestId>\n</ErrorResponse>\n`,
    };
  }
  if (service === 'ec2') {
    return {
      status: 403,
      type: 'text/xml;charset=UTF-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. ${xmlEscape(why)}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
    };
  }
  return { status: 400, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'AccessDeniedException', message: why }) };
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export async function startAwsFront(opts: AwsFrontOptions): Promise<AwsFront> {
  const requests: FrontRequest[] = [];
  const deny = new Set(opts.deny ?? []);
  const caller = opts.callerArn ?? 'arn:aws:sts::123456789012:assumed-role/oncall/oncall-session';
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const scope = SCOPE.exec(String(req.headers.authorization ?? ''));
      if (!scope) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }));
        return;
      }
      const [, accessKeyId, region, service] = scope as unknown as [string, string, string, string];
      const operation = operationOf(req.headers, body.toString('utf8'));
      requests.push({ service, region, operation, accessKeyId });
      if (deny.has(`${service}:${operation}`)) {
        const d = denied(service, operation, caller, '');
        res.writeHead(d.status, { 'content-type': d.type, 'x-amzn-requestid': randomUUID() }).end(d.body);
        return;
      }
      const backend = opts.backends[service];
      if (!backend) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no test server for service ${service}`);
        return;
      }
      const target = new URL(backend);
      const fwd = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (err) => res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err)));
      fwd.end(body);
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  const { port, close } = await listenLocal(server);
  return { endpoint: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, requests, deny, close };
}
