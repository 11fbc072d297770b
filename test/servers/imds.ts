// An EC2 instance metadata endpoint for tests (IMDSv2: PUT a token, then GET with it), on 127.0.0.1.
// Point the code at it with AWS_EC2_METADATA_SERVICE_ENDPOINT, as the SDK does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImdsFacts {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  region: string;
  accountId: string;
}

export class ImdsServer {
  facts: ImdsFacts = {
    instanceId: 'i-0abc123def4567890',
    instanceType: 'm6i.large',
    availabilityZone: 'eu-west-1b',
    region: 'eu-west-1',
    accountId: '111122223333',
  };
  /** When true (HttpTokens=required), a GET without a valid token answers 401. */
  tokenRequired = true;
  /** Never answer (a host off EC2, or a container behind hop limit 1). */
  hang = false;
  readonly requests: Array<{ method: string; url: string; token?: string }> = [];
  private readonly tokens = new Set<string>();
  private server: http.Server | undefined;
  endpoint = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = req.headers['x-aws-ec2-metadata-token'] as string | undefined;
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', ...(token ? { token } : {}) });
    if (this.hang) return;
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (req.headers['x-forwarded-for'] || !(ttl >= 1 && ttl <= 21600)) return send(400, 'bad request');
      const t = `AQAEA${Math.random().toString(36).slice(2)}==`;
      this.tokens.add(t);
      return send(200, t);
    }
    if (req.method !== 'GET') return send(405, '');
    if (this.tokenRequired && !(token && this.tokens.has(token))) return send(401, '');
    const f = this.facts;
    switch (req.url) {
      case '/latest/meta-data/instance-id':
        return send(200, f.instanceId);
      case '/latest/meta-data/instance-type':
        return send(200, f.instanceType);
      case '/latest/meta-data/placement/availability-zone':
        return send(200, f.availabilityZone);
      case '/latest/meta-data/placement/region':
        return send(200, f.region);
      case '/latest/dynamic/instance-identity/document':
        return send(
          200,
          JSON.stringify({
            accountId: f.accountId,
            architecture: 'x86_64',
            availabilityZone: f.availabilityZone,
            imageId: 'ami-0123456789abcdef0',
            instanceId: f.instanceId,
            instanceType: f.instanceType,
            pendingTime: '2026-11-20T08:00:00Z',
            privateIp: '10.0.1.23',
            region: f.region,
            version: '2017-09-30',
          }),
        );
      default:
        return send(404, '');
    }
  }
}
