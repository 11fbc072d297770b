// A local EC2 endpoint (EC2 Query protocol: form-encoded requests, EC2's own XML with `<item>` lists) with the
// Describe* calls `task` makes. Resources are given in EC2's wire names (subnetId, routeSet, ipPermissionsEgress …)
// and answered as they are, per Region; ids are checked for EC2's id shapes and unknown ones answer
// `Invalid<Thing>ID.NotFound`; filters the server does not know answer InvalidParameterValue; MaxResults pages.
import { QueryFault, filtersOf, listParam, startQueryServer, type QueryServer, type XmlData } from './query-xml.js';

type Res = Record<string, XmlData>;

export interface RegionNetwork {
  vpcs?: Res[];
  subnets?: Res[];
  routeTables?: Res[];
  vpcEndpoints?: Res[];
  securityGroups?: Res[];
  networkInterfaces?: Res[];
  /** Reservations as DescribeInstances lists them: `{ reservationId, ownerId, instancesSet: [...] }`. */
  reservations?: Res[];
  prefixLists?: Res[];
}

export interface Ec2ServerOptions {
  /** Region → its resources. */
  regions: Record<string, RegionNetwork>;
  /** Page size for calls that take MaxResults (default: whatever MaxResults asks). */
  pageSize?: number;
}

const ID_SHAPES: Record<string, { re: RegExp; malformed: string; notFound: (id: string) => string; code: string }> = {
  SubnetId: { re: /^subnet-[0-9a-f]{8,17}$/, malformed: 'InvalidSubnetID.Malformed', code: 'InvalidSubnetID.NotFound', notFound: (id) => `The subnet ID '${id}' does not exist` },
  GroupId: { re: /^sg-[0-9a-f]{8,17}$/, malformed: 'InvalidGroupId.Malformed', code: 'InvalidGroup.NotFound', notFound: (id) => `The security group '${id}' does not exist` },
  NetworkInterfaceId: { re: /^eni-[0-9a-f]{8,17}$/, malformed: 'InvalidNetworkInterfaceID.Malformed', code: 'InvalidNetworkInterfaceID.NotFound', notFound: (id) => `The networkInterface ID '${id}' does not exist` },
  InstanceId: { re: /^i-[0-9a-f]{8,17}$/, malformed: 'InvalidInstanceID.Malformed', code: 'InvalidInstanceID.NotFound', notFound: (id) => `The instance ID '${id}' does not exist` },
  VpcId: { re: /^vpc-[0-9a-f]{8,17}$/, malformed: 'InvalidVpcID.Malformed', code: 'InvalidVpcID.NotFound', notFound: (id) => `The vpc ID '${id}' does not exist` },
};

const str = (v: XmlData): string => (v === undefined || v === null ? '' : String(v));
const arr = (v: XmlData): Res[] => (Array.isArray(v) ? (v as Res[]) : []);

/** The filters each call supports here, as functions of the resource. */
const FILTERS: Record<string, Record<string, (r: Res) => string[]>> = {
  DescribeRouteTables: {
    'vpc-id': (r) => [str(r.vpcId)],
    'association.subnet-id': (r) => arr(r.associationSet).map((a) => str(a.subnetId)),
    'association.main': (r) => arr(r.associationSet).map((a) => str(a.main)),
    'route-table-id': (r) => [str(r.routeTableId)],
  },
  DescribeVpcEndpoints: {
    'vpc-id': (r) => [str(r.vpcId)],
    'service-name': (r) => [str(r.serviceName)],
    'vpc-endpoint-type': (r) => [str(r.vpcEndpointType)],
  },
  DescribeSubnets: { 'vpc-id': (r) => [str(r.vpcId)] },
  DescribeSecurityGroups: { 'vpc-id': (r) => [str(r.vpcId)] },
  DescribePrefixLists: { 'prefix-list-name': (r) => [str(r.prefixListName)] },
};

function byIds(op: string, params: URLSearchParams, idParam: string, all: Res[], key: string): Res[] {
  const ids = listParam(params, idParam, 'ec2');
  if (ids.length === 0) return all;
  const shape = ID_SHAPES[idParam]!;
  const out: Res[] = [];
  for (const id of ids) {
    if (!shape.re.test(id)) throw new QueryFault(shape.malformed, `Invalid id: "${id}"`);
    const found = all.find((r) => r[key] === id);
    if (!found) throw new QueryFault(shape.code, shape.notFound(id));
    out.push(found);
  }
  void op;
  return out;
}

function filtered(op: string, params: URLSearchParams, list: Res[]): Res[] {
  const filters = filtersOf(params);
  const known = FILTERS[op] ?? {};
  return list.filter((r) =>
    filters.every((f) => {
      const get = known[f.name];
      if (!get) throw new QueryFault('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      const have = get(r);
      return f.values.some((v) => have.some((h) => h === v || (v.includes('*') && new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(h))));
    }),
  );
}

function paged(params: URLSearchParams, list: Res[], setName: string, pageSize?: number): Record<string, XmlData> {
  const maxText = params.get('MaxResults');
  if (maxText === null) return { [setName]: list };
  const max = Number(maxText);
  if (!Number.isInteger(max) || max < 5 || max > 1000) throw new QueryFault('InvalidParameterValue', `Value ( ${maxText} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  const size = Math.min(max, pageSize ?? max);
  const start = Number(params.get('NextToken') ?? 0);
  const page = list.slice(start, start + size);
  return { [setName]: page, ...(start + size < list.length ? { nextToken: String(start + size) } : {}) };
}

export async function startEc2Server(opts: Ec2ServerOptions): Promise<QueryServer> {
  return startQueryServer('ec2', (op, params, scope) => {
    const net = opts.regions[scope.region] ?? {};
    const withIds = (idParam: string): void => {
      if (listParam(params, idParam, 'ec2').length > 0 && params.get('MaxResults') !== null) {
        throw new QueryFault('InvalidParameterCombination', `The parameter ${idParam}s cannot be used with the parameter maxResults`);
      }
    };
    switch (op) {
      case 'DescribeSubnets':
        withIds('SubnetId');
        return paged(params, filtered(op, params, byIds(op, params, 'SubnetId', net.subnets ?? [], 'subnetId')), 'subnetSet', opts.pageSize);
      case 'DescribeVpcs':
        withIds('VpcId');
        return paged(params, byIds(op, params, 'VpcId', net.vpcs ?? [], 'vpcId'), 'vpcSet', opts.pageSize);
      case 'DescribeRouteTables':
        return paged(params, filtered(op, params, net.routeTables ?? []), 'routeTableSet', opts.pageSize);
      case 'DescribeVpcEndpoints':
        return paged(params, filtered(op, params, net.vpcEndpoints ?? []), 'vpcEndpointSet', opts.pageSize);
      case 'DescribeSecurityGroups':
        withIds('GroupId');
        return paged(params, filtered(op, params, byIds(op, params, 'GroupId', net.securityGroups ?? [], 'groupId')), 'securityGroupInfo', opts.pageSize);
      case 'DescribeNetworkInterfaces':
        withIds('NetworkInterfaceId');
        return paged(params, byIds(op, params, 'NetworkInterfaceId', net.networkInterfaces ?? [], 'networkInterfaceId'), 'networkInterfaceSet', opts.pageSize);
      case 'DescribeInstances': {
        withIds('InstanceId');
        const ids = listParam(params, 'InstanceId', 'ec2');
        const all = (net.reservations ?? []).flatMap((r) => arr(r.instancesSet).map((i) => ({ r, i })));
        for (const id of ids) {
          if (!ID_SHAPES.InstanceId!.re.test(id)) throw new QueryFault('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
          if (!all.some((x) => x.i.instanceId === id)) throw new QueryFault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        }
        const chosen = ids.length ? all.filter((x) => ids.includes(str(x.i.instanceId))) : all;
        const reservations = [...new Set(chosen.map((x) => x.r))].map((r) => ({ ...r, instancesSet: chosen.filter((x) => x.r === r).map((x) => x.i) }));
        return paged(params, reservations, 'reservationSet', opts.pageSize);
      }
      case 'DescribePrefixLists':
        return paged(params, filtered(op, params, net.prefixLists ?? []), 'prefixListSet', opts.pageSize);
      case 'DescribeRegions':
        return {
          regionInfo: Object.keys(opts.regions).map((r) => ({ regionName: r, regionEndpoint: `ec2.${r}.amazonaws.com`, optInStatus: 'opt-in-not-required' })),
        };
      default:
        throw new QueryFault('InvalidAction', `The action ${op} is not valid for this web service.`);
    }
  });
}
