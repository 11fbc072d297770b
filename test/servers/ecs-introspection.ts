// The ECS agent's introspection API for tests, on 127.0.0.1: `GET /v1/metadata` and `GET /v1/tasks` (all
// tasks, or one with `?taskarn=` / `?dockerid=`: 404 when unknown, 400 when a short Docker id is ambiguous), in
// the shapes of the agent's ecs-agent/introspection/v1/response.go (facts sheet §6.1). Point the CloudWatch
// identity at `url` (ECS_TRIAGE_INTROSPECTION_URL) and the task records at `base` (tasks.introspectionUrl).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAgentContainer {
  DockerId: string;
  DockerName: string;
  Name: string;
  Image?: string;
  ImageID?: string;
  CreatedAt?: string;
  StartedAt?: string;
}

export interface FakeAgentTask {
  Arn: string;
  DesiredStatus: string;
  KnownStatus: string;
  Family: string;
  Version: string;
  Containers: FakeAgentContainer[];
}

export class EcsIntrospectionServer {
  metadata: { Cluster: string; ContainerInstanceArn: string | null; Version: string } = {
    Cluster: 'prod-web',
    ContainerInstanceArn: 'arn:aws:ecs:eu-west-1:111122223333:container-instance/prod-web/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    Version: 'Amazon ECS Agent - v1.89.2 (a0b1c2d3)',
  };
  tasks: FakeAgentTask[] = [];
  /** Answer 503 (the agent is restarting). */
  down = false;
  /** Requests seen (path and query). */
  readonly requests: string[] = [];
  private server: http.Server | undefined;
  /** `/v1/metadata`, for the CloudWatch identity. */
  url = '';
  /** The API's base URL, for the task records. */
  base = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.down) {
        res.writeHead(503);
        return res.end();
      }
      const u = new URL(req.url ?? '/', 'http://agent');
      if (req.method === 'GET' && u.pathname === '/v1/metadata') return json(200, this.metadata);
      if (req.method === 'GET' && u.pathname === '/v1/tasks') {
        const arn = u.searchParams.get('taskarn');
        const dockerId = u.searchParams.get('dockerid');
        if (arn !== null) {
          const t = this.tasks.find((x) => x.Arn === arn);
          return t ? json(200, t) : json(404, {});
        }
        if (dockerId !== null) {
          const found = this.tasks.filter((x) => x.Containers.some((c) => c.DockerId.startsWith(dockerId)));
          if (found.length > 1) return json(400, {});
          return found[0] ? json(200, found[0]) : json(404, {});
        }
        return json(200, { Tasks: this.tasks });
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `${this.base}/v1/metadata`;
    return this.url;
  }

  task(arn: string): FakeAgentTask | undefined {
    return this.tasks.find((t) => t.Arn === arn);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
