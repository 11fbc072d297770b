// A local ECS endpoint (AWS JSON 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`) with the calls
// `fleet scan --cluster` makes (ListContainerInstances, paged, and DescribeContainerInstances, ≤ 100 per call) and
// those of `task`: DescribeTasks (≤ 100, unknown ones as `failures` with reason MISSING), DescribeTaskDefinition,
// DescribeServices and ListTasks (paged, by service and desired status). Tasks, task definitions and services are
// given as the API prints them; times may be ISO strings and are answered as epoch seconds, as ECS does.
import { AwsFault, startJsonServer, type JsonServer } from './fleet-json.js';

export interface FakeContainerInstance {
  ec2InstanceId?: string;
  status?: 'ACTIVE' | 'DRAINING' | 'REGISTERING' | 'DEREGISTERING' | 'REGISTRATION_FAILED' | 'INACTIVE';
  agentConnected?: boolean;
}

export interface EcsServerOptions {
  clusters: Record<string, FakeContainerInstance[]>;
  /** DescribeTasks records (`taskArn` names the cluster: arn:aws:ecs:R:A:task/CLUSTER/ID). */
  tasks?: Array<Record<string, unknown>>;
  taskDefinitions?: Array<Record<string, unknown>>;
  /** DescribeServices records; `clusterArn` places them. */
  services?: Array<Record<string, unknown>>;
  /** Largest page ListContainerInstances returns, whatever maxResults asks (exercises nextToken). Default 100. */
  pageSize?: number;
  region?: string;
  account?: string;
}

/** The ARN the server gives the container instance at `index` of a cluster. */
export function containerInstanceArn(cluster: string, index: number, region = 'us-east-1', account = '123456789012'): string {
  return `arn:aws:ecs:${region}:${account}:container-instance/${cluster}/${index.toString(16).padStart(32, '0')}`;
}

/** ISO strings in `…At` fields become epoch seconds, as the ECS JSON protocol carries timestamps. */
function wireTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wireTimes);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, /At$|^registeredAt$/.test(k) && typeof x === 'string' ? Date.parse(x) / 1000 : wireTimes(x)]),
    );
  }
  return v;
}

export async function startEcsServer(opts: EcsServerOptions): Promise<JsonServer> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '123456789012';
  const arnOf = (cluster: string, i: number): string => containerInstanceArn(cluster, i, region, account);
  const clusterOfArn = (arn: string): string | undefined => /^arn:aws[\w-]*:ecs:[^:]+:\d{12}:(?:task|service)\/([^/]+)\/[^/]+$/.exec(arn)?.[1];
  const known = (v: unknown): string => {
    const name = clusterName(v);
    if (!opts.clusters[name] && !(opts.tasks ?? []).some((t) => clusterOfArn(String(t.taskArn)) === name)) {
      throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
    }
    return name;
  };
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
      case 'DescribeTasks': {
        const name = known(body.cluster);
        const wanted = body.tasks as string[] | undefined;
        if (!Array.isArray(wanted) || wanted.length === 0 || wanted.length > 100) throw new AwsFault('InvalidParameterException', 'Tasks cannot be empty.');
        const tasks: unknown[] = [];
        const failures: unknown[] = [];
        for (const w of wanted) {
          const t = (opts.tasks ?? []).find((x) => {
            const arn = String(x.taskArn);
            return clusterOfArn(arn) === name && (arn === w || arn.endsWith(`/${w}`));
          });
          if (t) tasks.push(wireTimes(t));
          else failures.push({ arn: w.startsWith('arn:') ? w : `arn:aws:ecs:${region}:${account}:task/${name}/${w}`, reason: 'MISSING' });
        }
        return { tasks, failures };
      }
      case 'DescribeTaskDefinition': {
        const ref = String(body.taskDefinition ?? '');
        const td = (opts.taskDefinitions ?? []).find((d) => {
          const arn = String(d.taskDefinitionArn);
          return arn === ref || arn.endsWith(`:task-definition/${ref}`) || `${d.family}:${d.revision}` === ref;
        });
        if (!td) throw new AwsFault('ClientException', 'Unable to describe task definition.');
        return { taskDefinition: wireTimes(td), tags: [] };
      }
      case 'DescribeServices': {
        const name = known(body.cluster);
        const wanted = body.services as string[] | undefined;
        if (!Array.isArray(wanted) || wanted.length === 0 || wanted.length > 10) throw new AwsFault('InvalidParameterException', 'services: 1 to 10 entries');
        const services: unknown[] = [];
        const failures: unknown[] = [];
        for (const w of wanted) {
          const s = (opts.services ?? []).find((x) => clusterName(x.clusterArn) === name && (x.serviceName === w || x.serviceArn === w));
          if (s) services.push(wireTimes(s));
          else failures.push({ arn: w.startsWith('arn:') ? w : `arn:aws:ecs:${region}:${account}:service/${name}/${w}`, reason: 'MISSING' });
        }
        return { services, failures };
      }
      case 'ListTasks': {
        const name = known(body.cluster);
        const service = body.serviceName as string | undefined;
        if (service !== undefined && !(opts.services ?? []).some((x) => clusterName(x.clusterArn) === name && (x.serviceName === service || x.serviceArn === service))) {
          throw new AwsFault('ServiceNotFoundException', 'Service not found.');
        }
        const desired = (body.desiredStatus as string | undefined) ?? 'RUNNING';
        const max = (body.maxResults as number | undefined) ?? 100;
        if (max < 1 || max > 100) throw new AwsFault('InvalidParameterException', 'maxResults must be 1-100');
        const size = Math.min(max, opts.pageSize ?? 100);
        const arns = (opts.tasks ?? [])
          .filter((t) => clusterOfArn(String(t.taskArn)) === name && t.desiredStatus === desired && (service === undefined || t.group === `service:${service}`))
          .map((t) => String(t.taskArn));
        const start = Number(body.nextToken ?? 0);
        return { taskArns: arns.slice(start, start + size), ...(start + size < arns.length ? { nextToken: String(start + size) } : {}) };
      }
      default:
        throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    }
  });
}
