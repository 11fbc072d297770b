// A local IAM endpoint (AWS Query protocol, XML) with the calls `task` makes: GetRole, GetInstanceProfile and
// SimulatePrincipalPolicy. The simulation evaluates the role's policies as IAM does for one account: an explicit
// Deny wins, else any Allow (within the permissions boundary, when the role has one), else an implicit deny;
// actions match case-insensitively with `*` and `?`, resources case-sensitively; NotAction and NotResource work.
// Results follow the current API: one EvaluationResult per action, with ResourceSpecificResults per resource.
import { QueryFault, listParam, startQueryServer, type QueryServer, type XmlData } from './query-xml.js';

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, unknown>;
}

export interface FakeRole {
  path?: string;
  trust: PolicyDocument;
  /** Inline and attached policies: `name` as IAM shows it; an `arn` marks a managed policy. */
  policies: Array<{ name: string; arn?: string; document: PolicyDocument }>;
  boundary?: PolicyDocument;
}

export interface IamServerOptions {
  account: string;
  roles: Record<string, FakeRole>;
  /** Instance profile name → the role it holds. */
  instanceProfiles?: Record<string, string>;
  /** SimulatePrincipalPolicy page size (MaxItems is capped at this). */
  pageSize?: number;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

function statementApplies(s: PolicyStatement, action: string, resource: string): boolean {
  const actionOk = s.Action !== undefined ? list(s.Action).some((p) => wildcard(p, action, true)) : !list(s.NotAction).some((p) => wildcard(p, action, true));
  const resourceOk = s.Resource !== undefined ? list(s.Resource).some((p) => wildcard(p, resource, false)) : !list(s.NotResource).some((p) => wildcard(p, resource, false));
  return actionOk && resourceOk;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export function evaluate(role: FakeRole, action: string, resource: string): { decision: Decision; matched: Array<{ policy: string; type: string }>; missing: string[] } {
  const matched: Array<{ policy: string; type: string }> = [];
  const missing: string[] = [];
  let allow = false;
  for (const p of role.policies) {
    for (const s of list(p.document.Statement)) {
      if (!statementApplies(s, action, resource)) continue;
      if (s.Condition) {
        // Conditions are not evaluated here; the simulator reports the keys it could not fill.
        for (const block of Object.values(s.Condition)) for (const key of Object.keys(block as object)) missing.push(key);
        continue;
      }
      const type = p.arn ? (p.arn.startsWith('arn:aws:iam::aws:') ? 'aws-managed' : 'user-managed') : 'role';
      if (s.Effect === 'Deny') return { decision: 'explicitDeny', matched: [{ policy: p.name, type }], missing };
      allow = true;
      matched.push({ policy: p.name, type });
    }
  }
  if (allow && role.boundary && !list(role.boundary.Statement).some((s) => s.Effect === 'Allow' && !s.Condition && statementApplies(s, action, resource))) {
    return { decision: 'implicitDeny', matched: [], missing };
  }
  return { decision: allow ? 'allowed' : 'implicitDeny', matched: allow ? matched : [], missing };
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;
const ACTION = /^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/;

export async function startIamServer(opts: IamServerOptions): Promise<QueryServer> {
  const roleArn = (name: string, r: FakeRole): string => `arn:aws:iam::${opts.account}:role${r.path ?? '/'}${name}`;
  const roleXml = (name: string, r: FakeRole): XmlData => ({
    Path: r.path ?? '/',
    RoleName: name,
    RoleId: `AROA${Buffer.from(name).toString('hex').toUpperCase().padEnd(17, '0').slice(0, 17)}`,
    Arn: roleArn(name, r),
    CreateDate: new Date('2026-01-05T10:00:00Z'),
    // IAM returns policy documents URL-encoded (RFC 3986).
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(r.trust)),
    MaxSessionDuration: 3600,
  });
  const noRole = (name: string): QueryFault => new QueryFault('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);

  return startQueryServer('iam', (op, params) => {
    switch (op) {
      case 'GetRole': {
        const name = params.get('RoleName') ?? '';
        if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new QueryFault('ValidationError', `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
        const r = opts.roles[name];
        if (!r) throw noRole(name);
        return { Role: roleXml(name, r) };
      }
      case 'GetInstanceProfile': {
        const name = params.get('InstanceProfileName') ?? '';
        const roleName = opts.instanceProfiles?.[name];
        if (roleName === undefined) throw new QueryFault('NoSuchEntity', `Instance Profile ${name} cannot be found.`, 404);
        const r = opts.roles[roleName];
        return {
          InstanceProfile: {
            Path: '/',
            InstanceProfileName: name,
            InstanceProfileId: `AIPA${name.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(17, '0').slice(0, 17)}`,
            Arn: `arn:aws:iam::${opts.account}:instance-profile/${name}`,
            CreateDate: new Date('2026-01-05T10:00:00Z'),
            Roles: r ? [roleXml(roleName, r)] : [],
          },
        };
      }
      case 'SimulatePrincipalPolicy': {
        const source = params.get('PolicySourceArn') ?? '';
        const m = ROLE_ARN.exec(source);
        if (!m) throw new QueryFault('InvalidInput', `Invalid ARN: ${source}. PolicySourceArn must be the ARN of an IAM user, group, or role.`);
        const r = opts.roles[m[2]!];
        if (!r || m[1] !== opts.account) throw noRole(m[2]!);
        const actions = listParam(params, 'ActionNames', 'iam');
        if (actions.length === 0) throw new QueryFault('ValidationError', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
        for (const a of actions) if (!ACTION.test(a)) throw new QueryFault('InvalidInput', `Invalid action name: ${a}`);
        const resources = listParam(params, 'ResourceArns', 'iam');
        const results = actions.map((action) => {
          const per = (resources.length ? resources : ['*']).map((res) => ({ res, ...evaluate(r, action, res) }));
          const worst = per.find((p) => p.decision === 'explicitDeny') ?? per.find((p) => p.decision === 'implicitDeny') ?? per[0]!;
          const statements = (x: typeof worst): XmlData =>
            x.matched.map((s) => ({ SourcePolicyId: s.policy, SourcePolicyType: s.type, StartPosition: { Line: 1, Column: 1 }, EndPosition: { Line: 1, Column: 1 } }));
          return {
            EvalActionName: action,
            EvalResourceName: resources.length ? resources[0] : '*',
            EvalDecision: worst.decision,
            MatchedStatements: statements(worst),
            MissingContextValues: [...new Set(per.flatMap((p) => p.missing))],
            ...(resources.length
              ? {
                  EvalDecisionDetails: undefined,
                  ResourceSpecificResults: per.map((p) => ({
                    EvalResourceName: p.res,
                    EvalResourceDecision: p.decision,
                    MatchedStatements: statements(p),
                    MissingContextValues: [...new Set(p.missing)],
                  })),
                }
              : {}),
          };
        });
        const maxItems = Math.min(Number(params.get('MaxItems') ?? 100), opts.pageSize ?? 100);
        if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) throw new QueryFault('ValidationError', 'MaxItems must be between 1 and 1000');
        const start = Number(params.get('Marker') ?? 0);
        const page = results.slice(start, start + maxItems);
        const truncated = start + maxItems < results.length;
        return { EvaluationResults: page, IsTruncated: truncated, ...(truncated ? { Marker: String(start + maxItems) } : {}) };
      }
      default:
        throw new QueryFault('InvalidAction', `Could not find operation ${op} for version 2010-05-08`);
    }
  });
}
