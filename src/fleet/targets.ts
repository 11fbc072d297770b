// Turning the command line into targets, and a cluster into the EC2 instances behind it.
import { ListContainerInstancesCommand, DescribeContainerInstancesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { UsageError } from '../errors.js';
import { awsFailure } from '../aws/failure.js';
import type { TargetSpec } from './types.js';

/** SSM's instance id forms: EC2 (8 or 17 hex digits) and hybrid managed nodes. */
const INSTANCE_ID = /^(?:i-[0-9a-f]{8}(?:[0-9a-f]{9})?|mi-[0-9a-f]{17})$/;
/** SendCommand accepts at most five Targets entries. */
export const MAX_TARGET_ENTRIES = 5;
const TARGET_KEY = /^(?:tag:[^=]{1,128}|tag-key|resource-groups:Name|InstanceIds)$/;

export interface TargetOptions {
  cluster?: string;
  instanceIds?: string[];
  targets?: string[];
}

export function parseTargetSpec(opts: TargetOptions): TargetSpec {
  const given = [opts.cluster !== undefined, (opts.instanceIds?.length ?? 0) > 0, (opts.targets?.length ?? 0) > 0].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError('give exactly one of --cluster, --instance-ids or --targets');
  }
  if (opts.cluster !== undefined) {
    if (!/^[A-Za-z0-9_\-:/.]{1,2048}$/.test(opts.cluster)) throw new UsageError(`--cluster: not a cluster name or ARN: ${opts.cluster}`);
    return { kind: 'cluster', cluster: opts.cluster };
  }
  if (opts.instanceIds?.length) {
    const ids = [...new Set(opts.instanceIds.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];
    const bad = ids.filter((id) => !INSTANCE_ID.test(id));
    if (bad.length) throw new UsageError(`--instance-ids: not an instance id: ${bad.join(', ')}`, { hint: 'ids look like i-0123456789abcdef0' });
    return { kind: 'instances', instanceIds: ids };
  }
  const targets = (opts.targets ?? []).map(parseTarget);
  if (targets.length > MAX_TARGET_ENTRIES) throw new UsageError(`--targets: at most ${MAX_TARGET_ENTRIES} target entries (SSM limit)`);
  return { kind: 'tags', targets };
}

/** `tag:Env=prod,staging`, `tag-key=Team`, `resource-groups:Name=web`. */
function parseTarget(text: string): { Key: string; Values: string[] } {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  const values = eq > 0 ? text.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean) : [];
  if (!TARGET_KEY.test(key) || values.length === 0 || values.length > 50) {
    throw new UsageError(`--targets: cannot read "${text}"`, { hint: 'use tag:Key=Value[,Value…], tag-key=Key or resource-groups:Name=Group' });
  }
  return { Key: key, Values: values };
}

export interface ClusterInstance {
  ec2InstanceId: string;
  containerInstanceArn: string;
  status?: string;
  agentConnected?: boolean;
}

/** ListContainerInstances (paged) then DescribeContainerInstances (≤ 100 per call) → EC2 ids. */
export async function clusterInstances(
  ecs: ECSClient,
  cluster: string,
): Promise<{ instances: ClusterInstance[]; failures: Array<{ arn: string; reason: string }> }> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecs.send(new ListContainerInstancesCommand({ cluster, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
      arns.push(...(page.containerInstanceArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (err) {
    throw awsFailure('ecs:ListContainerInstances', err, { service: 'ECS', context: `cluster ${cluster}` });
  }
  const instances: ClusterInstance[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  for (let i = 0; i < arns.length; i += 100) {
    const chunk = arns.slice(i, i + 100);
    let out;
    try {
      out = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: chunk }));
    } catch (err) {
      throw awsFailure('ecs:DescribeContainerInstances', err, { service: 'ECS', context: `cluster ${cluster}` });
    }
    for (const ci of out.containerInstances ?? []) {
      if (!ci.ec2InstanceId || !ci.containerInstanceArn) {
        // External (ECS Anywhere) instances have no EC2 id; they cannot be reached by EC2 instance id.
        failures.push({ arn: ci.containerInstanceArn ?? 'container instance', reason: 'no EC2 instance id (external instance?): SSM cannot be reached by instance id' });
        continue;
      }
      instances.push({
        ec2InstanceId: ci.ec2InstanceId,
        containerInstanceArn: ci.containerInstanceArn,
        ...(ci.status ? { status: ci.status } : {}),
        ...(ci.agentConnected !== undefined ? { agentConnected: ci.agentConnected } : {}),
      });
    }
    for (const f of out.failures ?? []) {
      failures.push({ arn: f.arn ?? '?', reason: `DescribeContainerInstances: ${f.reason ?? 'failed'}${f.detail ? ` (${f.detail})` : ''}` });
    }
  }
  return { instances, failures };
}
