// The ECS agent's introspection API for tests (`GET /v1/metadata`), on 127.0.0.1.
// Point the code at it with ECS_TRIAGE_INTROSPECTION_URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class EcsIntrospectionServer {
  metadata: { Cluster: string; ContainerInstanceArn: string | null; Version: string } = {
    Cluster: 'prod-web',
    ContainerInstanceArn: 'arn:aws:ecs:eu-west-1:111122223333:container-instance/prod-web/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    Version: 'Amazon ECS Agent - v1.89.2 (a0b1c2d3)',
  };
  /** Answer 503 (the agent is restarting). */
  down = false;
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      if (this.down) {
        res.writeHead(503);
        return res.end();
      }
      if (req.method === 'GET' && req.url === '/v1/metadata') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(this.metadata));
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/metadata`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
