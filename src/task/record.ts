// What ECS recorded about one task: DescribeTasks, its task definition, the container instance behind it, and the
// events of the service it belongs to. A call the caller may not make leaves a note and the rest is still read;
// only DescribeTasks itself is required.
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Service,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { awsFailure } from '../aws/failure.js';
import { EXIT, TriageError, UsageError, errorMessage } from '../errors.js';

export interface TaskContainer {
  name: string;
  image?: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus?: string;
  exitCode?: number;
  reason?: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  secrets: Array<{ name: string; valueFrom: string }>;
  /** Secrets Manager ARN of private-registry credentials. */
  repositoryCredentials?: string;
  logConfiguration?: { logDriver: string; options: Record<string, string>; secretOptions: Array<{ name: string; valueFrom: string }> };
  memory?: number;
  cpu?: number;
  portMappings: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
}

export interface TaskDefinitionInfo {
  arn: string;
  family?: string;
  revision?: number;
  networkMode?: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  cpu?: string;
  memory?: string;
  requiresCompatibilities: string[];
  containers: ContainerDefinition[];
  volumes: Array<{ name?: string; kind: string }>;
}

export interface ServiceInfo {
  name: string;
  arn?: string;
  /** Events of the task's time window or naming the task, oldest first. */
  events: Array<{ createdAt?: string; message: string }>;
  securityGroups: string[];
  subnets: string[];
  assignPublicIp?: string;
}

export interface TaskTimes {
  createdAt?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  executionStoppedAt?: string;
}

export interface TaskRecord {
  arn: string;
  id: string;
  cluster: string;
  clusterArn?: string;
  region: string;
  account: string;
  launchType?: string;
  capacityProviderName?: string;
  platformVersion?: string;
  lastStatus?: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  group?: string;
  times: TaskTimes;
  containers: TaskContainer[];
  /** The task's own network interface (awsvpc), as the attachment recorded it. */
  eni?: { id?: string; subnetId?: string; privateIp?: string };
  containerInstanceArn?: string;
  ec2InstanceId?: string;
  taskDefinition?: TaskDefinitionInfo;
  service?: ServiceInfo;
  /** What could not be read, in words (a missing permission, a deleted task definition …). */
  problems: string[];
}

const TASK_ARN = /^arn:(aws[\w-]*):ecs:([\w-]+):(\d{12}):task\/(?:([^/]+)\/)?([\w-]+)$/;
/** How long ECS keeps a stopped task visible to DescribeTasks. */
export const STOPPED_TASK_RETENTION = 'about an hour';

export interface TaskRef {
  cluster: string;
  task: string;
  region?: string;
  account?: string;
}

/** A task ARN names its Region, account and (new ARN format) cluster; a bare id needs --cluster (default `default`). */
export function parseTaskRef(text: string, cluster?: string): TaskRef {
  const m = TASK_ARN.exec(text.trim());
  if (m) {
    const inArn = m[4];
    if (inArn && cluster && cluster !== inArn && !cluster.endsWith(`/${inArn}`)) {
      throw new UsageError(`--cluster ${cluster} does not match the cluster in the task ARN (${inArn})`);
    }
    return { cluster: inArn ?? cluster ?? 'default', task: text.trim(), region: m[2]!, account: m[3]! };
  }
  if (!/^[a-zA-Z0-9-]{1,64}$/.test(text.trim())) {
    throw new UsageError(`not a task id or task ARN: ${text}`, { hint: 'e.g. arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef, or the id with --cluster' });
  }
  return { cluster: cluster ?? 'default', task: text.trim() };
}

const iso = (d: Date | undefined): string | undefined => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined);

export async function readTask(ecs: ECSClient, ref: TaskRef, region: string): Promise<TaskRecord> {
  let out;
  try {
    out = await ecs.send(new DescribeTasksCommand({ cluster: ref.cluster, tasks: [ref.task] }));
  } catch (err) {
    throw awsFailure('ecs:DescribeTasks', err, { service: 'ECS', permission: 'ecs:DescribeTasks', context: `task ${ref.task} in cluster ${ref.cluster}` });
  }
  const task = out.tasks?.[0];
  if (!task?.taskArn) {
    const reason = out.failures?.[0]?.reason ?? 'MISSING';
    throw new TriageError(`task ${ref.task} not found in cluster ${ref.cluster} (${reason})`, {
      code: 'ETASKNOTFOUND',
      exitCode: EXIT.usage,
      hint: `ECS keeps a stopped task for ${STOPPED_TASK_RETENTION} after it stops; check the cluster (--cluster), the Region (--region) and the account (--profile)`,
    });
  }
  return fromTask(task, ref, region);
}

function fromTask(task: Task, ref: TaskRef, region: string): TaskRecord {
  const m = TASK_ARN.exec(task.taskArn!);
  const rec: TaskRecord = {
    arn: task.taskArn!,
    id: m?.[5] ?? task.taskArn!.split('/').pop()!,
    cluster: task.clusterArn?.split('/').pop() ?? ref.cluster,
    region: m?.[2] ?? ref.region ?? region,
    account: m?.[3] ?? ref.account ?? '',
    times: {},
    containers: [],
    problems: [],
  };
  const set = <K extends keyof TaskRecord>(k: K, v: TaskRecord[K] | undefined): void => {
    if (v !== undefined && v !== null && v !== '') rec[k] = v;
  };
  set('clusterArn', task.clusterArn);
  set('launchType', task.launchType);
  set('capacityProviderName', task.capacityProviderName);
  set('platformVersion', task.platformVersion);
  set('lastStatus', task.lastStatus);
  set('desiredStatus', task.desiredStatus);
  set('stopCode', task.stopCode);
  set('stoppedReason', task.stoppedReason);
  set('group', task.group);
  set('containerInstanceArn', task.containerInstanceArn);
  for (const k of ['createdAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt', 'stoppingAt', 'stoppedAt', 'executionStoppedAt'] as const) {
    const v = iso(task[k]);
    if (v) rec.times[k] = v;
  }
  for (const c of task.containers ?? []) {
    const tc: TaskContainer = { name: c.name ?? '?' };
    if (c.image) tc.image = c.image;
    if (c.imageDigest) tc.imageDigest = c.imageDigest;
    if (c.runtimeId) tc.runtimeId = c.runtimeId;
    if (c.lastStatus) tc.lastStatus = c.lastStatus;
    if (c.exitCode !== undefined && c.exitCode !== null) tc.exitCode = c.exitCode;
    if (c.reason) tc.reason = c.reason;
    rec.containers.push(tc);
  }
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  if (eni) {
    const d = Object.fromEntries((eni.details ?? []).map((x) => [x.name ?? '', x.value ?? '']));
    rec.eni = {
      ...(d.networkInterfaceId ? { id: d.networkInterfaceId } : {}),
      ...(d.subnetId ? { subnetId: d.subnetId } : {}),
      ...(d.privateIPv4Address ? { privateIp: d.privateIPv4Address } : {}),
    };
  }
  if (task.taskDefinitionArn) rec.taskDefinition = { arn: task.taskDefinitionArn, requiresCompatibilities: [], containers: [], volumes: [] };
  return rec;
}

/** Fills in the task definition, the EC2 instance and the service; each failure is a note, not an abort. */
export async function enrichTask(ecs: ECSClient, rec: TaskRecord): Promise<void> {
  await Promise.all([readTaskDefinition(ecs, rec), readContainerInstance(ecs, rec), readService(ecs, rec)]);
}

async function readTaskDefinition(ecs: ECSClient, rec: TaskRecord): Promise<void> {
  if (!rec.taskDefinition) return;
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: rec.taskDefinition.arn }));
    if (out.taskDefinition) rec.taskDefinition = fromTaskDefinition(out.taskDefinition, rec.taskDefinition.arn);
  } catch (err) {
    rec.problems.push(`task definition ${rec.taskDefinition.arn} not read: ${describe(err, 'ecs:DescribeTaskDefinition')}`);
  }
}

function fromTaskDefinition(td: TaskDefinition, arn: string): TaskDefinitionInfo {
  const info: TaskDefinitionInfo = {
    arn: td.taskDefinitionArn ?? arn,
    requiresCompatibilities: td.requiresCompatibilities ?? [],
    containers: [],
    volumes: (td.volumes ?? []).map((v) => ({
      ...(v.name ? { name: v.name } : {}),
      kind: v.efsVolumeConfiguration ? 'efs' : v.fsxWindowsFileServerVolumeConfiguration ? 'fsx' : v.dockerVolumeConfiguration ? 'docker' : v.host ? 'host' : 'task',
    })),
  };
  if (td.family) info.family = td.family;
  if (td.revision !== undefined) info.revision = td.revision;
  if (td.networkMode) info.networkMode = td.networkMode;
  if (td.executionRoleArn) info.executionRoleArn = td.executionRoleArn;
  if (td.taskRoleArn) info.taskRoleArn = td.taskRoleArn;
  if (td.cpu) info.cpu = td.cpu;
  if (td.memory) info.memory = td.memory;
  for (const c of td.containerDefinitions ?? []) {
    const cd: ContainerDefinition = {
      name: c.name ?? '?',
      image: c.image ?? '',
      secrets: (c.secrets ?? []).filter((s) => s.name && s.valueFrom).map((s) => ({ name: s.name!, valueFrom: s.valueFrom! })),
      portMappings: (c.portMappings ?? []).map((p) => ({
        ...(p.containerPort !== undefined ? { containerPort: p.containerPort } : {}),
        ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
      })),
    };
    if (c.essential !== undefined) cd.essential = c.essential;
    if (c.repositoryCredentials?.credentialsParameter) cd.repositoryCredentials = c.repositoryCredentials.credentialsParameter;
    if (c.logConfiguration?.logDriver) {
      cd.logConfiguration = {
        logDriver: c.logConfiguration.logDriver,
        options: { ...(c.logConfiguration.options ?? {}) },
        secretOptions: (c.logConfiguration.secretOptions ?? []).filter((s) => s.name && s.valueFrom).map((s) => ({ name: s.name!, valueFrom: s.valueFrom! })),
      };
    }
    if (c.memory !== undefined) cd.memory = c.memory;
    if (c.cpu !== undefined) cd.cpu = c.cpu;
    info.containers.push(cd);
  }
  return info;
}

async function readContainerInstance(ecs: ECSClient, rec: TaskRecord): Promise<void> {
  if (!rec.containerInstanceArn) return;
  try {
    const out = await ecs.send(new DescribeContainerInstancesCommand({ cluster: rec.cluster, containerInstances: [rec.containerInstanceArn] }));
    const ci = out.containerInstances?.[0];
    if (ci?.ec2InstanceId) rec.ec2InstanceId = ci.ec2InstanceId;
    else rec.problems.push(`container instance ${rec.containerInstanceArn}: ${out.failures?.[0]?.reason ?? 'no EC2 instance id (deregistered, or an external instance)'}`);
  } catch (err) {
    rec.problems.push(`container instance not read: ${describe(err, 'ecs:DescribeContainerInstances')}`);
  }
}

/** Service events around the task: from 15 minutes before it was created to 15 minutes after it stopped. */
const EVENT_MARGIN_MS = 15 * 60_000;

async function readService(ecs: ECSClient, rec: TaskRecord): Promise<void> {
  const name = rec.group?.startsWith('service:') ? rec.group.slice('service:'.length) : undefined;
  if (!name) return;
  try {
    const out = await ecs.send(new DescribeServicesCommand({ cluster: rec.cluster, services: [name] }));
    const s = out.services?.[0];
    if (!s) {
      rec.problems.push(`service ${name}: ${out.failures?.[0]?.reason ?? 'not found'} (deleted since?)`);
      return;
    }
    rec.service = serviceInfo(s, name, rec);
  } catch (err) {
    rec.problems.push(`service ${name} not read: ${describe(err, 'ecs:DescribeServices')}`);
  }
}

function serviceInfo(s: Service, name: string, rec: TaskRecord): ServiceInfo {
  const from = Date.parse(rec.times.createdAt ?? '') - EVENT_MARGIN_MS;
  const to = Date.parse(rec.times.stoppedAt ?? rec.times.stoppingAt ?? '') + EVENT_MARGIN_MS;
  const events = (s.events ?? [])
    .filter((e) => e.message)
    .filter((e) => {
      if (e.message!.includes(rec.id)) return true;
      const t = e.createdAt?.getTime();
      return t !== undefined && (Number.isNaN(from) || t >= from) && (Number.isNaN(to) || t <= to);
    })
    .map((e) => ({ ...(iso(e.createdAt) ? { createdAt: iso(e.createdAt)! } : {}), message: e.message! }))
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  const vpc = s.networkConfiguration?.awsvpcConfiguration ?? s.deployments?.find((d) => d.networkConfiguration)?.networkConfiguration?.awsvpcConfiguration;
  return {
    name,
    ...(s.serviceArn ? { arn: s.serviceArn } : {}),
    events,
    securityGroups: vpc?.securityGroups ?? [],
    subnets: vpc?.subnets ?? [],
    ...(vpc?.assignPublicIp ? { assignPublicIp: vpc.assignPublicIp } : {}),
  };
}

/** The last `n` stopped tasks of a service, newest first (ECS lists stopped tasks for about an hour). */
export async function stoppedTasksOf(ecs: ECSClient, cluster: string, service: string, n: number): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (err) {
    throw awsFailure('ecs:ListTasks', err, { service: 'ECS', permission: 'ecs:ListTasks', context: `service ${service} in cluster ${cluster}` });
  }
  if (arns.length === 0) return [];
  // ListTasks does not order by stop time: describe them all (≤ 100 per call) and keep the newest.
  const stopped: Array<{ arn: string; at: number }> = [];
  for (let i = 0; i < arns.length; i += 100) {
    let out;
    try {
      out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
    } catch (err) {
      throw awsFailure('ecs:DescribeTasks', err, { service: 'ECS', permission: 'ecs:DescribeTasks' });
    }
    for (const t of out.tasks ?? []) if (t.taskArn) stopped.push({ arn: t.taskArn, at: (t.stoppedAt ?? t.stoppingAt ?? t.createdAt)?.getTime() ?? 0 });
  }
  return stopped.sort((a, b) => b.at - a.at).slice(0, n).map((s) => s.arn);
}

/** The service's own record, for `--service` when it has no stopped task to explain. */
export async function readServiceOnly(ecs: ECSClient, cluster: string, service: string): Promise<ServiceInfo | undefined> {
  try {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const s = out.services?.[0];
    if (!s) return undefined;
    const recent = (s.events ?? []).filter((e) => e.message).slice(0, 20);
    return {
      name: service,
      ...(s.serviceArn ? { arn: s.serviceArn } : {}),
      events: recent.map((e) => ({ ...(iso(e.createdAt) ? { createdAt: iso(e.createdAt)! } : {}), message: e.message! })).reverse(),
      securityGroups: [],
      subnets: [],
    };
  } catch (err) {
    throw awsFailure('ecs:DescribeServices', err, { service: 'ECS', permission: 'ecs:DescribeServices' });
  }
}

function describe(err: unknown, permission: string): string {
  const e = awsFailure(permission, err, { permission });
  return `${errorMessage(err)}${e.hint ? ` (${e.hint})` : ''}`;
}
