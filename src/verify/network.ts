// The network path from where the task's setup runs to what it needs: ECR (ecr.api, ecr.dkr and the S3 layer
// bucket), CloudWatch Logs for awslogs, Secrets Manager and SSM for secrets. On Fargate that is the task's own
// network interface; on EC2 it is the container instance (the agent and dockerd pull, read secrets and write logs
// for every network mode, awsvpc included). Each service is reached through the internet (a NAT gateway, or an
// internet gateway with a public IP) or a VPC endpoint; security groups must let TCP 443 out, and the endpoints'
// groups must let it in.
import { filterParams, items, listParams, text, type XmlObject } from '../aws/ec2-query.js';
import type { Category } from '../types.js';
import { ecrImages } from './iam.js';
import { instanceInfo, interfaceInfo } from './instance.js';
import { defaultRoute, describeRules, permits443, type Destination, type InternetPath } from './network-rules.js';
import { secretReferences } from './secrets.js';
import { call, result, unknownFrom, type CheckResult, type VerifyContext } from './types.js';

const RELATES: Category = 'network_timeout';
/** Filter-based Describe* calls ask for pages this size (EC2 allows 5–1000). */
const PAGE = 100;

interface Attachment {
  where: string;
  subnetId: string;
  privateIp?: string;
  /** undefined: not known whether it had one. */
  publicIp?: boolean;
  securityGroups: string[];
  sgFrom: string;
}

interface Network {
  att: Attachment;
  vpcId: string;
  az?: string;
  subnetCidr?: string;
  vpcCidrs: string[];
  routeTableId?: string;
  routeFrom: string;
  internet: InternetPath;
  endpoints: XmlObject[];
  /** Availability Zone of each subnet the VPC's interface endpoints sit in. */
  endpointAzs: Map<string, string>;
}

/** Where the task's setup traffic leaves from. */
async function attachment(ctx: VerifyContext): Promise<Attachment | string> {
  const t = ctx.task;
  if (t.launchType === 'FARGATE') {
    if (!t.eni?.subnetId) return 'the task recorded no network interface (it never got one: see the stopped reason)';
    const eni = t.eni.id ? await interfaceInfo(ctx, t.eni.id) : undefined;
    if (eni) {
      return {
        where: `task network interface ${eni.id}`,
        subnetId: eni.subnetId ?? t.eni.subnetId,
        ...(eni.privateIp ?? t.eni.privateIp ? { privateIp: eni.privateIp ?? t.eni.privateIp } : {}),
        publicIp: !!eni.publicIp,
        securityGroups: eni.securityGroups,
        sgFrom: `ec2:DescribeNetworkInterfaces ${eni.id}`,
      };
    }
    const svc = t.service;
    return {
      where: `task network interface ${t.eni.id ?? ''} (deleted when the task stopped)`.replace('  ', ' '),
      subnetId: t.eni.subnetId,
      ...(t.eni.privateIp ? { privateIp: t.eni.privateIp } : {}),
      ...(svc?.assignPublicIp ? { publicIp: svc.assignPublicIp === 'ENABLED' } : {}),
      securityGroups: svc?.securityGroups ?? [],
      sgFrom: svc?.securityGroups.length ? `the network configuration of service ${svc.name}` : 'not recorded (the interface is gone and the task is not part of a service)',
    };
  }
  if (t.launchType === 'EC2') {
    if (!t.ec2InstanceId) return 'the container instance\'s EC2 instance is not known';
    const inst = await instanceInfo(ctx);
    if (!inst?.subnetId) return `instance ${t.ec2InstanceId} not found by ec2:DescribeInstances (terminated?)`;
    return {
      where: `container instance ${inst.instanceId}`,
      subnetId: inst.subnetId,
      ...(inst.privateIp ? { privateIp: inst.privateIp } : {}),
      publicIp: !!inst.publicIp,
      securityGroups: inst.securityGroups,
      sgFrom: `ec2:DescribeInstances ${inst.instanceId}`,
    };
  }
  return `launch type ${t.launchType ?? 'unknown'}: no AWS network path to check`;
}

async function readNetwork(ctx: VerifyContext, att: Attachment): Promise<Network> {
  const ec2 = await ctx.clients.ec2(ctx.task.region);
  const subnet = items((await call('ec2:DescribeSubnets', () => ec2.call('DescribeSubnets', listParams('SubnetId', [att.subnetId])))).subnetSet)[0];
  const vpcId = text(subnet?.vpcId);
  if (!subnet || !vpcId) throw Object.assign(new Error(`subnet ${att.subnetId} not found`), { name: 'InvalidSubnetID.NotFound', permission: 'ec2:DescribeSubnets' });
  const vpc = items((await call('ec2:DescribeVpcs', () => ec2.call('DescribeVpcs', listParams('VpcId', [vpcId])))).vpcSet)[0];
  const vpcCidrs = [text(vpc?.cidrBlock), ...items(vpc?.cidrBlockAssociationSet).map((c) => text(c.cidrBlock))].filter((c): c is string => !!c);
  let tables = await call('ec2:DescribeRouteTables', () =>
    ec2.paginate('DescribeRouteTables', { ...filterParams([{ name: 'association.subnet-id', values: [att.subnetId] }]), MaxResults: String(PAGE) }, 'routeTableSet'),
  );
  let routeFrom = `route table associated with ${att.subnetId}`;
  if (tables.length === 0) {
    tables = await call('ec2:DescribeRouteTables', () =>
      ec2.paginate('DescribeRouteTables', { ...filterParams([{ name: 'vpc-id', values: [vpcId] }, { name: 'association.main', values: ['true'] }]), MaxResults: String(PAGE) }, 'routeTableSet'),
    );
    routeFrom = `main route table of ${vpcId} (${att.subnetId} has no table of its own)`;
  }
  const table = tables[0];
  const endpoints = await call('ec2:DescribeVpcEndpoints', () =>
    ec2.paginate('DescribeVpcEndpoints', { ...filterParams([{ name: 'vpc-id', values: [vpcId] }]), MaxResults: String(PAGE) }, 'vpcEndpointSet'),
  );
  const endpointSubnets = [...new Set(endpoints.flatMap((e) => idList(e.subnetIdSet)))];
  const endpointAzs = new Map<string, string>();
  if (endpointSubnets.length) {
    const page = await ec2.call('DescribeSubnets', listParams('SubnetId', endpointSubnets)).catch(() => undefined);
    for (const sn of items(page?.subnetSet)) if (text(sn.subnetId) && text(sn.availabilityZone)) endpointAzs.set(text(sn.subnetId)!, text(sn.availabilityZone)!);
  }
  const net: Network = { att, vpcId, vpcCidrs, routeFrom, internet: table ? defaultRoute(table) : { kind: 'none' }, endpoints, endpointAzs };
  const az = text(subnet.availabilityZone);
  if (az) net.az = az;
  const cidr = text(subnet.cidrBlock);
  if (cidr) net.subnetCidr = cidr;
  const rt = text(table?.routeTableId);
  if (rt) net.routeTableId = rt;
  return net;
}

function internetWords(net: Network): { ok: boolean | undefined; words: string } {
  const i = net.internet;
  const rt = net.routeTableId ?? 'no route table';
  switch (i.kind) {
    case 'nat':
      return { ok: true, words: `${rt}: 0.0.0.0/0 → ${i.via} (NAT gateway)` };
    case 'igw':
      return net.att.publicIp === false
        ? { ok: false, words: `${rt}: 0.0.0.0/0 → ${i.via} (internet gateway), but ${net.att.where} has no public IP, so it cannot use it` }
        : net.att.publicIp === true
          ? { ok: true, words: `${rt}: 0.0.0.0/0 → ${i.via} (internet gateway), with a public IP` }
          : { ok: undefined, words: `${rt}: 0.0.0.0/0 → ${i.via} (internet gateway); whether a public IP was assigned is not known` };
    case 'blackhole':
      return { ok: false, words: `${rt}: 0.0.0.0/0 → ${i.via} is a blackhole (its target was deleted)` };
    case 'other':
      return { ok: undefined, words: `${rt}: 0.0.0.0/0 → ${i.via} (not followed: a transit gateway, appliance or peering may or may not reach the internet)` };
    default:
      return { ok: false, words: `${rt}: no route for 0.0.0.0/0 (a private subnet without a NAT gateway)` };
  }
}

interface Need {
  service: string;
  why: string;
  /** Gateway endpoint (S3) instead of an interface endpoint. */
  gateway?: boolean;
  /** The Region the service is called in (an endpoint only serves its own Region). */
  region: string;
}

function needs(ctx: VerifyContext): Need[] {
  const out: Need[] = [];
  const r = ctx.task.region;
  const ecrRegions = [...new Set(ecrImages(ctx).map((i) => i.region))];
  for (const reg of ecrRegions) {
    out.push({ service: 'ecr.api', why: 'ECR login and image manifests', region: reg });
    out.push({ service: 'ecr.dkr', why: 'the registry the image is pulled from', region: reg });
    out.push({ service: 's3', why: 'ECR serves image layers from S3', gateway: true, region: reg });
  }
  const logRegions = new Set(
    (ctx.task.taskDefinition?.containers ?? []).filter((c) => c.logConfiguration?.logDriver === 'awslogs').map((c) => c.logConfiguration!.options['awslogs-region'] || r),
  );
  for (const reg of logRegions) out.push({ service: 'logs', why: 'the awslogs log driver', region: reg });
  const refs = secretReferences(ctx);
  for (const reg of new Set(refs.filter((x) => x.ref.kind === 'secretsmanager').map((x) => x.ref.region))) out.push({ service: 'secretsmanager', why: 'secrets from Secrets Manager', region: reg });
  for (const reg of new Set(refs.filter((x) => x.ref.kind === 'ssm').map((x) => x.ref.region))) out.push({ service: 'ssm', why: 'parameters from Parameter Store', region: reg });
  return out;
}

function endpointFor(net: Network, need: Need): { ok: boolean; words: string; endpoint?: XmlObject } {
  const name = `com.amazonaws.${need.region}.${need.service}`;
  const mine = net.endpoints.filter((e) => text(e.serviceName) === name);
  if (mine.length === 0) return { ok: false, words: `no VPC endpoint for ${name} in ${net.vpcId}` };
  for (const e of mine) {
    const id = text(e.vpcEndpointId) ?? 'vpce';
    const state = (text(e.state) ?? '').toLowerCase();
    if (state !== 'available') continue;
    const type = (text(e.vpcEndpointType) ?? '').toLowerCase();
    if (type === 'gateway') {
      if (net.routeTableId && idList(e.routeTableIdSet).includes(net.routeTableId)) return { ok: true, words: `gateway endpoint ${id} on ${net.routeTableId}`, endpoint: e };
      continue;
    }
    if (text(e.privateDnsEnabled) === 'true') {
      // Another AZ's endpoint interface still answers (the traffic crosses AZs): noted, not a failure.
      const azs = idList(e.subnetIdSet).map((sn) => net.endpointAzs.get(sn)).filter((az): az is string => !!az);
      const cross = net.az && azs.length && !azs.includes(net.az) ? ` (no interface in ${net.az}: requests cross to ${[...new Set(azs)].join(', ')})` : '';
      return { ok: true, words: `interface endpoint ${id} with private DNS${cross}`, endpoint: e };
    }
  }
  const described = mine.map((e) => `${text(e.vpcEndpointId)} (${text(e.vpcEndpointType)}, ${text(e.state)}${text(e.vpcEndpointType)?.toLowerCase() === 'gateway' ? `, route tables ${idList(e.routeTableIdSet).join(',') || 'none'}` : `, private DNS ${text(e.privateDnsEnabled) === 'true' ? 'on' : 'off'}`})`);
  return {
    ok: false,
    words: `${name} endpoint(s) ${described.join(', ')} do not serve this subnet${need.gateway ? ` (not associated with ${net.routeTableId ?? 'its route table'})` : ' (not available, or private DNS off)'}`,
  };
}

/** `routeTableIdSet` and `subnetIdSet` hold `<item>id</item>` strings, not objects. */
function idList(set: XmlObject[string] | undefined): string[] {
  if (!set || typeof set === 'string' || Array.isArray(set)) return [];
  const inner = (set as XmlObject).item;
  return (Array.isArray(inner) ? inner : [inner]).filter((x): x is string => typeof x === 'string');
}

async function securityGroups(ctx: VerifyContext, ids: string[]): Promise<Map<string, XmlObject>> {
  const out = new Map<string, XmlObject>();
  if (ids.length === 0) return out;
  const ec2 = await ctx.clients.ec2(ctx.task.region);
  const page = await call('ec2:DescribeSecurityGroups', () => ec2.call('DescribeSecurityGroups', listParams('GroupId', [...new Set(ids)])));
  for (const g of items(page.securityGroupInfo)) {
    const id = text(g.groupId);
    if (id) out.set(id, g);
  }
  return out;
}

async function s3PrefixList(ctx: VerifyContext, region: string): Promise<string | undefined> {
  try {
    const ec2 = await ctx.clients.ec2(region);
    const page = await ec2.call('DescribePrefixLists', filterParams([{ name: 'prefix-list-name', values: [`com.amazonaws.${region}.s3`] }]));
    return text(items(page.prefixListSet)[0]?.prefixListId);
  } catch {
    return undefined;
  }
}

export async function networkChecks(ctx: VerifyContext): Promise<CheckResult[]> {
  const wanted = needs(ctx);
  if (wanted.length === 0) return [];
  const pathBase = { id: 'network.path', title: 'Where the task\'s setup traffic leaves from', relatesTo: RELATES };
  let att: Attachment | string;
  let net: Network;
  try {
    att = await attachment(ctx);
    if (typeof att === 'string') return [result({ ...pathBase, status: 'unknown', detail: `Not checked: ${att}.`, evidence: [] })];
    net = await readNetwork(ctx, att);
  } catch (err) {
    return [unknownFrom(pathBase, 'reading the subnet, route table and endpoints', err, (err as { permission?: string }).permission ?? 'ec2:Describe*')];
  }
  const internet = internetWords(net);
  const pathEvidence = [`${att.where} in ${att.subnetId} (${net.az ?? '?'}, ${net.vpcId})`, `${net.routeFrom}: ${internet.words}`];
  const out: CheckResult[] = [];
  const destinations: Array<{ need: Need; dest: Destination; endpoint?: XmlObject }> = [];
  for (const need of wanted) {
    const base = { id: `network.${need.service}${need.region !== ctx.task.region ? `.${need.region}` : ''}`, title: `${need.service} is reachable (${need.why})`, relatesTo: RELATES };
    const ep = need.region === ctx.task.region ? endpointFor(net, need) : { ok: false, words: `the service is called in ${need.region}; VPC endpoints of ${ctx.task.region} do not reach it` };
    // The path is stated once, on the first service, and again wherever it explains a failure.
    const evidence = [...(out.length === 0 || !(ep.ok || internet.ok) ? pathEvidence : []), ep.words];
    if (ep.ok) {
      out.push(result({ ...base, status: 'pass', detail: `Reached through ${ep.words}.`, evidence }));
      destinations.push({ need, dest: { name: `${need.service} endpoint` }, ...(ep.endpoint ? { endpoint: ep.endpoint } : {}) });
    } else if (internet.ok === true) {
      out.push(result({ ...base, status: 'pass', detail: `Reached through the internet path (${internet.words}).`, evidence }));
      destinations.push({ need, dest: { name: 'the internet', cidrs: ['0.0.0.0/0'] } });
    } else if (internet.ok === undefined) {
      out.push(result({ ...base, status: 'unknown', detail: `Not established: ${internet.words}, and ${ep.words}.`, evidence }));
    } else {
      out.push(
        result({
          ...base,
          status: 'fail',
          detail: `${need.service} cannot be reached from ${att.subnetId}: ${internet.words}, and ${ep.words}.`,
          evidence,
          fix: need.gateway
            ? [`aws ec2 create-vpc-endpoint --vpc-id ${net.vpcId} --vpc-endpoint-type Gateway --service-name com.amazonaws.${need.region}.s3 --route-table-ids ${net.routeTableId ?? 'ROUTE_TABLE'}`, 'or route 0.0.0.0/0 to a NAT gateway.']
            : [`aws ec2 create-vpc-endpoint --vpc-id ${net.vpcId} --vpc-endpoint-type Interface --service-name com.amazonaws.${need.region}.${need.service} --subnet-ids ${att.subnetId} --security-group-ids ENDPOINT_SG --private-dns-enabled`, 'or route 0.0.0.0/0 to a NAT gateway.'],
        }),
      );
    }
  }
  out.push(...(await sgChecks(ctx, net, destinations)));
  return out;
}

async function sgChecks(ctx: VerifyContext, net: Network, destinations: Array<{ need: Need; dest: Destination; endpoint?: XmlObject }>): Promise<CheckResult[]> {
  const egressBase = { id: 'network.egress-443', title: 'The security groups let HTTPS (TCP 443) out', relatesTo: RELATES };
  const ingressBase = { id: 'network.endpoint-ingress-443', title: 'The VPC endpoints\' security groups let HTTPS in from the task', relatesTo: RELATES };
  if (net.att.securityGroups.length === 0) {
    return [result({ ...egressBase, status: 'unknown', detail: `Not checked: the security groups of ${net.att.where} are ${net.att.sgFrom}.`, evidence: [] })];
  }
  const endpointGroups = destinations.flatMap((d) => (d.endpoint ? items(d.endpoint.groupSet).map((g) => text(g.groupId)).filter((g): g is string => !!g) : []));
  const out: CheckResult[] = [];
  let groups: Map<string, XmlObject>;
  try {
    groups = await securityGroups(ctx, [...net.att.securityGroups, ...endpointGroups]);
  } catch (err) {
    return [unknownFrom(egressBase, 'reading the security groups', err, 'ec2:DescribeSecurityGroups')];
  }
  const mine = net.att.securityGroups.map((id) => groups.get(id)).filter((g): g is XmlObject => !!g);
  const egress = mine.flatMap((g) => items(g.ipPermissionsEgress));
  const evidence = mine.map((g) => `${text(g.groupId)} egress: ${describeRules(items(g.ipPermissionsEgress))} (from ${net.att.sgFrom})`);
  const blocked: string[] = [];
  const seen = new Set<string>();
  for (const d of destinations) {
    let dest = d.dest;
    if (d.endpoint) {
      const epGroups = items(d.endpoint.groupSet).map((g) => text(g.groupId)).filter((g): g is string => !!g);
      // An interface endpoint's addresses are in the VPC: a rule to its groups or to the VPC's CIDR lets 443 reach it.
      dest = { name: `${d.need.service} endpoint ${text(d.endpoint.vpcEndpointId)}`, groupIds: epGroups, cidrs: net.vpcCidrs };
      if ((text(d.endpoint.vpcEndpointType) ?? '').toLowerCase() === 'gateway') {
        const pl = await s3PrefixList(ctx, d.need.region);
        dest = { name: `S3 gateway endpoint ${text(d.endpoint.vpcEndpointId)}${pl ? ` (prefix list ${pl})` : ''}`, ...(pl ? { prefixListIds: [pl] } : {}) };
      }
    }
    if (seen.has(dest.name)) continue;
    seen.add(dest.name);
    const via = permits443(egress, dest);
    if (via) evidence.push(`to ${dest.name}: allowed (${via})`);
    else blocked.push(dest.name);
  }
  out.push(
    result({
      ...egressBase,
      status: blocked.length ? 'fail' : 'pass',
      detail: blocked.length
        ? `No outbound rule of ${net.att.securityGroups.join(', ')} lets TCP 443 reach ${blocked.join(', ')}: the pull, log and secret calls time out.`
        : `Outbound HTTPS is allowed to ${[...seen].join(', ')}.`,
      evidence,
      ...(blocked.length ? { fix: [`aws ec2 authorize-security-group-egress --group-id ${net.att.securityGroups[0]} --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges='[{CidrIp=0.0.0.0/0}]' (or narrow it to the endpoints' security groups and the S3 prefix list)`] } : {}),
    }),
  );
  const interfaceDests = destinations.filter((d) => d.endpoint && (text(d.endpoint.vpcEndpointType) ?? '').toLowerCase() !== 'gateway');
  if (interfaceDests.length > 0) {
    const ingressEvidence: string[] = [];
    const refused: string[] = [];
    const source: Destination = { name: net.att.where, groupIds: net.att.securityGroups, cidrs: net.att.privateIp ? [net.att.privateIp] : net.subnetCidr ? [net.subnetCidr] : [] };
    for (const d of interfaceDests) {
      const id = text(d.endpoint!.vpcEndpointId)!;
      const epGroups = items(d.endpoint!.groupSet).map((g) => text(g.groupId)).filter((g): g is string => !!g);
      const ingress = epGroups.flatMap((g) => items(groups.get(g)?.ipPermissions));
      const via = permits443(ingress, source);
      ingressEvidence.push(`${id} (${d.need.service}) ${epGroups.join(',')} ingress: ${describeRules(ingress)}${via ? ` → allows ${via}` : ''}`);
      if (!via) refused.push(`${id} (${d.need.service})`);
    }
    out.push(
      result({
        ...ingressBase,
        status: refused.length ? 'fail' : 'pass',
        detail: refused.length ? `The security groups of ${refused.join(', ')} do not let TCP 443 in from ${net.att.where}.` : 'Every interface endpoint the task uses lets TCP 443 in from it.',
        evidence: ingressEvidence,
        ...(refused.length ? { fix: [`Allow inbound TCP 443 on the endpoints' security groups from ${net.att.securityGroups.join(', ')} (or from the VPC CIDR ${net.vpcCidrs[0] ?? ''}).`] } : {}),
      }),
    );
  }
  return out;
}
