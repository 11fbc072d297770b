// Pure readings of EC2's answers: what a route table's default route leads to, and whether security group rules let
// TCP 443 through to (or from) a destination. The XML is EC2's own (routeSet, ipPermissionsEgress, groups …).
import { inCidr } from '../aws/http.js';
import { items, text, type XmlObject } from '../aws/ec2-query.js';

export type InternetPath =
  | { kind: 'nat'; via: string }
  | { kind: 'igw'; via: string }
  | { kind: 'none' }
  | { kind: 'blackhole'; via: string }
  | { kind: 'other'; via: string };

/** The route for 0.0.0.0/0 in a route table and where it goes. */
export function defaultRoute(table: XmlObject): InternetPath {
  const route = items(table.routeSet).find((r) => text(r.destinationCidrBlock) === '0.0.0.0/0');
  if (!route) return { kind: 'none' };
  const target =
    text(route.natGatewayId) ??
    text(route.gatewayId) ??
    text(route.transitGatewayId) ??
    text(route.instanceId) ??
    text(route.networkInterfaceId) ??
    text(route.vpcPeeringConnectionId) ??
    text(route.localGatewayId) ??
    text(route.carrierGatewayId) ??
    text(route.coreNetworkArn) ??
    'unknown target';
  if ((text(route.state) ?? 'active') === 'blackhole') return { kind: 'blackhole', via: target };
  if (target.startsWith('nat-')) return { kind: 'nat', via: target };
  if (target.startsWith('igw-')) return { kind: 'igw', via: target };
  return { kind: 'other', via: target };
}

export interface Destination {
  /** e.g. `the internet`, `endpoint vpce-1 (sg-1)`, `S3 (pl-63a5400a)`. */
  name: string;
  cidrs?: string[];
  groupIds?: string[];
  prefixListIds?: string[];
}

function allows443(p: XmlObject): boolean {
  const proto = text(p.ipProtocol) ?? '';
  if (proto === '-1') return true;
  if (proto !== 'tcp' && proto !== '6') return false;
  const from = Number(text(p.fromPort) ?? NaN);
  const to = Number(text(p.toPort) ?? NaN);
  return from <= 443 && 443 <= to;
}

/** Whether some rule of these permissions (egress or ingress) lets TCP 443 reach the destination. */
export function permits443(permissions: XmlObject[], dest: Destination): string | undefined {
  for (const p of permissions) {
    if (!allows443(p)) continue;
    for (const r of items(p.ipRanges)) {
      const cidr = text(r.cidrIp);
      if (!cidr) continue;
      if (cidr === '0.0.0.0/0') return `${text(p.ipProtocol) === '-1' ? 'all traffic' : `tcp ${text(p.fromPort)}-${text(p.toPort)}`} to/from 0.0.0.0/0`;
      if ((dest.cidrs ?? []).some((d) => coversCidr(cidr, d))) return `tcp 443 to/from ${cidr}`;
    }
    for (const g of items(p.groups)) {
      const id = text(g.groupId);
      if (id && dest.groupIds?.includes(id)) return `tcp 443 to/from ${id}`;
    }
    for (const pl of items(p.prefixListIds)) {
      const id = text(pl.prefixListId);
      if (id && dest.prefixListIds?.includes(id)) return `tcp 443 to/from ${id}`;
    }
  }
  return undefined;
}

/** True when `outer` contains the address or block `inner` (IPv4). */
export function coversCidr(outer: string, inner: string): boolean {
  const [ip, bits] = inner.split('/');
  if (!ip) return false;
  const innerBits = bits === undefined ? 32 : Number(bits);
  const outerBits = Number(outer.split('/')[1] ?? 32);
  return outerBits <= innerBits && inCidr(ip, outer);
}

export function describeRules(permissions: XmlObject[]): string {
  const parts = permissions.map((p) => {
    const proto = text(p.ipProtocol) === '-1' ? 'all' : `${text(p.ipProtocol)} ${text(p.fromPort)}-${text(p.toPort)}`;
    const to = [
      ...items(p.ipRanges).map((r) => text(r.cidrIp)),
      ...items(p.groups).map((g) => text(g.groupId)),
      ...items(p.prefixListIds).map((x) => text(x.prefixListId)),
    ].filter(Boolean);
    return `${proto} ${to.join(',') || '(none)'}`;
  });
  return parts.length ? parts.join('; ') : 'no rules';
}
