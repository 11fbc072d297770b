// The EC2 side of a task, read once and shared by the IAM and network checks: the container instance (its subnet,
// security groups, public IP and instance profile) and, for awsvpc tasks, the task's own network interface.
import { items, listParams, text, type XmlObject } from '../aws/ec2-query.js';
import { call, errName, type VerifyContext } from './types.js';

export interface InstanceInfo {
  instanceId: string;
  subnetId?: string;
  vpcId?: string;
  privateIp?: string;
  publicIp?: string;
  securityGroups: string[];
  instanceProfileArn?: string;
}

export async function instanceInfo(ctx: VerifyContext): Promise<InstanceInfo | undefined> {
  const id = ctx.task.ec2InstanceId;
  if (!id) return undefined;
  return ctx.memo(`ec2:DescribeInstances:${id}`, async () => {
    const ec2 = await ctx.clients.ec2(ctx.task.region);
    const page = await call('ec2:DescribeInstances', () => ec2.call('DescribeInstances', listParams('InstanceId', [id])));
    const inst = items(page.reservationSet).flatMap((r) => items(r.instancesSet)).find((i) => text(i.instanceId) === id);
    if (!inst) return undefined;
    const info: InstanceInfo = { instanceId: id, securityGroups: items(inst.groupSet).map((g) => text(g.groupId)).filter((g): g is string => !!g) };
    const set = (k: 'subnetId' | 'vpcId' | 'privateIp' | 'publicIp' | 'instanceProfileArn', v: string | undefined): void => {
      if (v) info[k] = v;
    };
    set('subnetId', text(inst.subnetId));
    set('vpcId', text(inst.vpcId));
    set('privateIp', text(inst.privateIpAddress));
    set('publicIp', text(inst.ipAddress));
    set('instanceProfileArn', text((inst.iamInstanceProfile as XmlObject | undefined)?.arn));
    return info;
  });
}

export interface InterfaceInfo {
  id: string;
  subnetId?: string;
  vpcId?: string;
  privateIp?: string;
  publicIp?: string;
  securityGroups: string[];
}

/** The task's ENI; undefined when it is gone (ECS deletes it when the task stops). */
export async function interfaceInfo(ctx: VerifyContext, eniId: string): Promise<InterfaceInfo | undefined> {
  return ctx.memo(`ec2:DescribeNetworkInterfaces:${eniId}`, async () => {
    const ec2 = await ctx.clients.ec2(ctx.task.region);
    let page;
    try {
      page = await call('ec2:DescribeNetworkInterfaces', () => ec2.call('DescribeNetworkInterfaces', listParams('NetworkInterfaceId', [eniId])));
    } catch (err) {
      if (errName(err) === 'InvalidNetworkInterfaceID.NotFound') return undefined;
      throw err;
    }
    const eni = items(page.networkInterfaceSet)[0];
    if (!eni) return undefined;
    const info: InterfaceInfo = { id: eniId, securityGroups: items(eni.groupSet).map((g) => text(g.groupId)).filter((g): g is string => !!g) };
    const sub = text(eni.subnetId);
    if (sub) info.subnetId = sub;
    const vpc = text(eni.vpcId);
    if (vpc) info.vpcId = vpc;
    const ip = text(eni.privateIpAddress);
    if (ip) info.privateIp = ip;
    const pub = text((eni.association as XmlObject | undefined)?.publicIp);
    if (pub) info.publicIp = pub;
    return info;
  });
}

