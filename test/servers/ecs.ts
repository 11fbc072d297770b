// A local ECS endpoint (AWS JSON 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`) with the two calls
// `fleet scan --cluster` makes: ListContainerInstances (paged) and DescribeContainerInstances (≤ 100 per call).
import { AwsFault, startJsonServer, type JsonServer } from './fleet-json.js';

export interface FakeContainerInstance {
  ec2InstanceId?: string;
  status?: 'ACTIVE' | 'DRAINING' | 'REGISTERING' | 'DEREGISTERING' | 'REGISTRATION_FAILED' | 'INACTIVE';
  agentConnected?: boolean;
}

export interface EcsServerOptions {
  clusters: Record<string, FakeContainerInstance[]>;
  /** Largest page ListContainerInstances returns, whatever maxResults asks (exercises nextToken). Default 100. */
  pageSize?: number;
  region?: string;
  account?: string;
}

export async function startEcsServer(opts: EcsServerOptions): Promise<JsonServer> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '123456789012';
  const arnOf = (cluster: string, i: number): string =>
    `arn:aws:ecs:${region}:${account}:container-instance/${cluster}/${i.toString(16).padStart(32, '0')}`;
  const clusterName = (v: unknown): string => {
    const s = typeof v === 'string' && v ? v : 'default';
    const m = /^arn:aws:ecs:[^:]+:[0-9]{12}:cluster\/(.+)$/.exec(s);
    return m ? m[1]! : s;
  };
  const lookup = (v: unknown): { name: string; list: FakeContainerInstance[] } => {
    const name = clusterName(v);
    const list = opts.clusters[name];
    if (!list) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
    return { name, list };
  };

  return startJsonServer('AmazonEC2ContainerServiceV20141113', (op, body) => {
    switch (op) {
      case 'ListContainerInstances': {
        const { name, list } = lookup(body.cluster);
        const max = (body.maxResults as number | undefined) ?? 100;
        if (max < 1 || max > 100) throw new AwsFault('InvalidParameterException', 'maxResults must be 1-100');
        const size = Math.min(max, opts.pageSize ?? 100);
        // Without a status filter ECS lists every state except INACTIVE.
        const arns = list.map((ci, i) => ({ ci, arn: arnOf(name, i) })).filter((x) => (x.ci.status ?? 'ACTIVE') !== 'INACTIVE');
        const start = Number(body.nextToken ?? 0);
        const page = arns.slice(start, start + size).map((x) => x.arn);
        return { containerInstanceArns: page, ...(start + size < arns.length ? { nextToken: String(start + size) } : {}) };
      }
      case 'DescribeContainerInstances': {
        const { name, list } = lookup(body.cluster);
        const wanted = body.containerInstances as string[] | undefined;
        if (!Array.isArray(wanted) || wanted.length === 0 || wanted.length > 100) {
          throw new AwsFault('InvalidParameterException', 'containerInstances: 1 to 100 entries');
        }
        const containerInstances: unknown[] = [];
        const failures: unknown[] = [];
        for (const arn of wanted) {
          const i = list.findIndex((_ci, idx) => arnOf(name, idx) === arn);
          if (i < 0) {
            failures.push({ arn, reason: 'MISSING' });
            continue;
          }
          const ci = list[i]!;
          containerInstances.push({
            containerInstanceArn: arn,
            ...(ci.ec2InstanceId ? { ec2InstanceId: ci.ec2InstanceId } : {}),
            status: ci.status ?? 'ACTIVE',
            agentConnected: ci.agentConnected ?? true,
            runningTasksCount: 0,
            pendingTasksCount: 0,
            versionInfo: { agentVersion: '1.89.0', dockerVersion: 'DockerVersion: 25.0.8' },
          });
        }
        return { containerInstances, failures };
      }
      default:
        throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    }
  });
}
