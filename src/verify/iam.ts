// IAM checks: the role the task pulls, reads secrets and writes logs with exists and trusts ECS, and IAM's policy
// simulator (iam:SimulatePrincipalPolicy, which includes permissions boundaries and SCPs) says whether that role may
// call what the agent calls: ecr:GetAuthorizationToken on *, the pull actions on each repository, logs:CreateLogStream
// and logs:PutLogEvents on the log group.
import { GetInstanceProfileCommand, GetRoleCommand, SimulatePrincipalPolicyCommand, type EvaluationResult } from '@aws-sdk/client-iam';
import type { Category } from '../types.js';
import { instanceInfo } from './instance.js';
import { imageRef, parseEcrImage, partitionOf, repositoryArn, roleName, type EcrImage } from './refs.js';
import { call, errName, guarded, result, type CheckResult, type VerifyContext } from './types.js';

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface Simulated {
  decision: Decision;
  /** Policies whose statements decided it. */
  by: string[];
  /** Condition keys the simulator could not fill: the decision may differ at run time. */
  missingContext: string[];
}

/**
 * One simulation per resource: the simulator's per-resource answer (ResourceSpecificResults) is read when present,
 * the action's top-level answer otherwise, so both the current and the older response forms read the same.
 */
export async function simulate(ctx: VerifyContext, roleArn: string, actions: string[], resource: string): Promise<Map<string, Simulated>> {
  const key = `iam:SimulatePrincipalPolicy:${roleArn}:${resource}:${[...actions].sort().join(',')}`;
  return ctx.memo(key, async () => {
    const iam = await ctx.clients.iam();
    const out = new Map<string, Simulated>();
    let marker: string | undefined;
    do {
      const page = await call('iam:SimulatePrincipalPolicy', () =>
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: roleArn,
            ActionNames: actions,
            ...(resource !== '*' ? { ResourceArns: [resource] } : {}),
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      );
      for (const r of page.EvaluationResults ?? []) if (r.EvalActionName) out.set(r.EvalActionName, readResult(r, resource));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  });
}

function readResult(r: EvaluationResult, resource: string): Simulated {
  const specific = r.ResourceSpecificResults?.find((x) => x.EvalResourceName === resource);
  const decision = (specific?.EvalResourceDecision ?? r.EvalDecision ?? 'implicitDeny') as Decision;
  const statements = specific?.MatchedStatements ?? r.MatchedStatements ?? [];
  return {
    decision,
    by: [...new Set(statements.map((s) => s.SourcePolicyId).filter((s): s is string => !!s))],
    missingContext: [...new Set([...(specific?.MissingContextValues ?? []), ...(r.MissingContextValues ?? [])])],
  };
}

export function describeDecision(action: string, resource: string, s: Simulated | undefined): string {
  if (!s) return `${action} on ${resource}: no answer from the simulator`;
  const why =
    s.decision === 'allowed'
      ? `allowed${s.by.length ? ` by ${s.by.join(', ')}` : ''}`
      : s.decision === 'explicitDeny'
        ? `explicitly denied${s.by.length ? ` by ${s.by.join(', ')}` : ''}`
        : 'implicitly denied (no policy allows it)';
  return `${action} on ${resource}: ${why}${s.missingContext.length ? ` (conditions on ${s.missingContext.join(', ')} not evaluated)` : ''}`;
}

export interface PullRole {
  arn: string;
  name: string;
  /** `execution role` or `instance role`. */
  kind: 'execution role' | 'instance role';
}

/**
 * The role the agent pulls images, reads secrets and (on ECS-optimized AMIs, where ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE
 * is on) writes awslogs with: the task execution role, else on EC2 the container instance's role.
 */
export async function pullRole(ctx: VerifyContext): Promise<PullRole | undefined> {
  const exec = ctx.task.taskDefinition?.executionRoleArn;
  if (exec) return { arn: exec, name: roleName(exec) ?? exec, kind: 'execution role' };
  if (ctx.task.launchType !== 'EC2' && ctx.task.launchType !== 'EXTERNAL') return undefined;
  return ctx.memo('instance-role', async () => {
    const inst = await instanceInfo(ctx);
    const profile = inst?.instanceProfileArn?.split('/').pop();
    if (!profile) return undefined;
    const iam = await ctx.clients.iam();
    const out = await call('iam:GetInstanceProfile', () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile })));
    const role = out.InstanceProfile?.Roles?.[0];
    return role?.Arn ? { arn: role.Arn, name: role.RoleName ?? roleName(role.Arn) ?? role.Arn, kind: 'instance role' as const } : undefined;
  });
}

const TRUSTED: Record<PullRole['kind'], string> = { 'execution role': 'ecs-tasks.amazonaws.com', 'instance role': 'ec2.amazonaws.com' };

/** The role exists and its trust policy lets ECS (or EC2, for an instance role) assume it. */
export async function roleCheck(ctx: VerifyContext, relatesTo: Category): Promise<CheckResult[]> {
  const id = 'iam.role';
  const title = 'The role the task runs its setup with exists and trusts ECS';
  return guarded({ id, title, relatesTo }, async () => {
    const role = await pullRole(ctx);
    if (!role) {
      const fargate = ctx.task.launchType === 'FARGATE';
      return result({
        id,
        title,
        relatesTo,
        status: fargate ? 'fail' : 'unknown',
        detail: fargate
          ? 'The task definition has no execution role: Fargate needs one to pull from ECR, read secrets and write awslogs.'
          : 'The task definition has no execution role and the container instance\'s role could not be found.',
        evidence: [`task definition ${ctx.task.taskDefinition?.arn ?? '(not read)'}: executionRoleArn not set`],
        ...(fargate ? { fix: ['Set executionRoleArn in the task definition to a role with AmazonECSTaskExecutionRolePolicy (arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy).'] } : {}),
      });
    }
    const iam = await ctx.clients.iam();
    let out;
    try {
      out = await call('iam:GetRole', () => iam.send(new GetRoleCommand({ RoleName: role.name })));
    } catch (err) {
      if (errName(err) !== 'NoSuchEntity') throw err;
      return result({
        id,
        title,
        relatesTo,
        status: 'fail',
        detail: `The ${role.kind} ${role.name} does not exist (deleted or misspelt in the task definition): ECS cannot assume it.`,
        evidence: [`iam:GetRole ${role.name}: NoSuchEntity`],
        fix: [`Create the role ${role.name} (trusting ${TRUSTED[role.kind]}) or point the task definition at an existing one, then register a new revision.`],
      });
    }
    const doc = decodePolicy(out.Role?.AssumeRolePolicyDocument);
    const trusts = trustsService(doc, TRUSTED[role.kind]);
    return result({
      id,
      title,
      relatesTo,
      status: trusts ? 'pass' : 'fail',
      detail: trusts
        ? `The ${role.kind} ${role.name} exists and trusts ${TRUSTED[role.kind]}.`
        : `The ${role.kind} ${role.name} exists but its trust policy does not let ${TRUSTED[role.kind]} assume it.`,
      evidence: [`iam:GetRole ${role.name}: ${out.Role?.Arn ?? role.arn}`, `trust policy principals: ${principals(doc).join(', ') || 'none'}`],
      ...(trusts ? {} : { fix: [`aws iam update-assume-role-policy --role-name ${role.name} --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"${TRUSTED[role.kind]}"},"Action":"sts:AssumeRole"}]}'`] }),
    });
  });
}

/** IAM returns policy documents URL-encoded. */
export function decodePolicy(text: string | undefined): unknown {
  if (!text) return undefined;
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statements(doc: unknown): Array<Record<string, unknown>> {
  return list((doc as { Statement?: Record<string, unknown> | Array<Record<string, unknown>> } | undefined)?.Statement);
}

function principals(doc: unknown): string[] {
  return statements(doc).flatMap((s) => {
    const p = s.Principal as Record<string, string | string[]> | string | undefined;
    if (typeof p === 'string') return [p];
    return Object.values(p ?? {}).flatMap((v) => list(v));
  });
}

function trustsService(doc: unknown, service: string): boolean {
  return statements(doc).some((s) => {
    if (s.Effect !== 'Allow') return false;
    const actions = list(s.Action as string | string[] | undefined);
    if (!actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*')) return false;
    const p = s.Principal as Record<string, string | string[]> | string | undefined;
    return p === '*' || list(typeof p === 'object' ? p.Service : undefined).includes(service);
  });
}

/** The ECR images of the task, as the task definition names them (the containers' own record as a fallback). */
export function ecrImages(ctx: VerifyContext): EcrImage[] {
  const uris = new Set<string>([...(ctx.task.taskDefinition?.containers ?? []).map((c) => c.image), ...ctx.task.containers.map((c) => c.image ?? '')]);
  const seen = new Map<string, EcrImage>();
  for (const u of uris) {
    const img = u ? parseEcrImage(u) : undefined;
    if (img) seen.set(`${img.account}/${img.region}/${imageRef(img)}`, img);
  }
  return [...seen.values()];
}

const AUTH = 'ecr:GetAuthorizationToken';
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
/** In AmazonECSTaskExecutionRolePolicy, but a pull does not need it (pushes do): reported, never a failure. */
const ADVISORY = 'ecr:BatchCheckLayerAvailability';

/** The role may get an ECR token and read each repository the task pulls from. */
export async function ecrPermissionChecks(ctx: VerifyContext): Promise<CheckResult[]> {
  const images = ecrImages(ctx);
  if (images.length === 0) return [];
  const relatesTo: Category = 'registry_auth_denied';
  const tokenBase = { id: 'iam.ecr-auth-token', title: 'The role may call ecr:GetAuthorizationToken', relatesTo };
  const pullBase = { id: 'iam.ecr-pull', title: 'The role may read the image from its repository', relatesTo };
  const role = await pullRole(ctx).catch(() => undefined);
  if (!role) {
    const why = 'no execution role, and no instance role found: nothing to simulate';
    return [
      result({ ...tokenBase, status: 'unknown', detail: `Not checked: ${why}.`, evidence: [] }),
      result({ ...pullBase, status: 'unknown', detail: `Not checked: ${why}.`, evidence: [] }),
    ];
  }
  const token = await guarded(tokenBase, async () => {
    const sim = (await simulate(ctx, role.arn, [AUTH], '*')).get(AUTH);
    const ok = sim?.decision === 'allowed';
    return result({
      ...tokenBase,
      status: ok ? 'pass' : 'fail',
      detail: ok
        ? `The ${role.kind} ${role.name} may call ${AUTH}.`
        : `The ${role.kind} ${role.name} may not call ${AUTH}: the agent cannot log in to ECR, so every pull from ECR fails before the repository is even asked.`,
      evidence: [`iam:SimulatePrincipalPolicy ${role.arn}: ${describeDecision(AUTH, '*', sim)}`],
      ...(ok
        ? {}
        : {
            fix: [
              `aws iam attach-role-policy --role-name ${role.name} --policy-arn arn:${partitionOf(ctx.task.region)}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
              `or add to a policy of ${role.name}: {"Effect":"Allow","Action":"${AUTH}","Resource":"*"} (the action cannot be scoped to a repository)`,
              ...(sim?.decision === 'explicitDeny' ? [`remove the Deny in ${sim.by.join(', ') || 'the denying policy'} (an explicit Deny wins over any Allow)`] : []),
            ],
          }),
    });
  });
  const pull = await guarded(pullBase, async () => {
    const evidence: string[] = [];
    const denied: string[] = [];
    for (const img of images) {
      const arn = repositoryArn(img);
      const sims = await simulate(ctx, role.arn, [...PULL, ADVISORY], arn);
      for (const a of PULL) {
        const s = sims.get(a);
        evidence.push(`iam:SimulatePrincipalPolicy ${role.arn}: ${describeDecision(a, arn, s)}`);
        if (s?.decision !== 'allowed') denied.push(`${a} on ${arn}`);
      }
      const adv = sims.get(ADVISORY);
      if (adv && adv.decision !== 'allowed') evidence.push(`note: ${ADVISORY} is not allowed on ${arn}; pulls do not need it (AmazonECSTaskExecutionRolePolicy grants it for pushes)`);
    }
    return result({
      ...pullBase,
      status: denied.length ? 'fail' : 'pass',
      detail: denied.length
        ? `The ${role.kind} ${role.name} may not call ${denied.join(', ')}.`
        : `The ${role.kind} ${role.name} may call ${PULL.join(' and ')} on ${images.map(repositoryArn).join(', ')}.`,
      evidence,
      ...(denied.length ? { fix: [`Allow ${PULL.join(', ')} on ${[...new Set(images.map(repositoryArn))].join(', ')} in a policy of ${role.name} (or attach AmazonECSTaskExecutionRolePolicy).`] } : {}),
    });
  });
  return [...token, ...pull];
}

/** awslogs: the role may create the task's log stream and put events in it (and create the group when asked to). */
export async function logsPermissionChecks(ctx: VerifyContext): Promise<CheckResult[]> {
  const awslogs = (ctx.task.taskDefinition?.containers ?? []).filter((c) => c.logConfiguration?.logDriver === 'awslogs' && c.logConfiguration.options['awslogs-group']);
  if (awslogs.length === 0) return [];
  const base = { id: 'iam.logs-write', title: 'The role may write the awslogs log group', relatesTo: 'logging_driver_failure' as Category };
  return guarded(base, async () => {
    const role = await pullRole(ctx);
    if (!role) return result({ ...base, status: 'unknown', detail: 'Not checked: no execution role, and no instance role found.', evidence: [] });
    const evidence: string[] = [];
    const denied: string[] = [];
    const groups = new Set<string>();
    for (const c of awslogs) {
      const o = c.logConfiguration!.options;
      const group = o['awslogs-group']!;
      const region = o['awslogs-region'] || ctx.task.region;
      groups.add(`${group} (${region})`);
      const groupArn = `arn:${partitionOf(region)}:logs:${region}:${ctx.task.account}:log-group:${group}`;
      // CloudWatch Logs authorizes these against log-stream ARNs (the group's own requests carry an empty stream name).
      const stream = o['awslogs-stream-prefix'] ? `${o['awslogs-stream-prefix']}/${c.name}/${ctx.task.id}` : '*';
      const wants: Array<[string, string]> = [
        ['logs:CreateLogStream', `${groupArn}:log-stream:`],
        ['logs:PutLogEvents', `${groupArn}:log-stream:${stream}`],
      ];
      if (o['awslogs-create-group'] === 'true') wants.push(['logs:CreateLogGroup', `${groupArn}:log-stream:`]);
      for (const [action, resource] of wants) {
        const s = (await simulate(ctx, role.arn, [action], resource)).get(action);
        evidence.push(`iam:SimulatePrincipalPolicy ${role.arn}: ${describeDecision(action, resource, s)}`);
        if (s?.decision !== 'allowed') denied.push(`${action} on ${groupArn}`);
      }
    }
    if (ctx.task.launchType === 'EC2' && role.kind === 'execution role') {
      evidence.push('on EC2 the awslogs driver uses the execution role when the agent runs with ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true (the ECS-optimized AMIs\' default), else the instance role');
    }
    return result({
      ...base,
      status: denied.length ? 'fail' : 'pass',
      detail: denied.length
        ? `The ${role.kind} ${role.name} may not call ${[...new Set(denied)].join(', ')}: the awslogs driver cannot start and the container with it.`
        : `The ${role.kind} ${role.name} may write to ${[...groups].join(', ')}.`,
      evidence,
      ...(denied.length
        ? { fix: [`Allow logs:CreateLogStream and logs:PutLogEvents on ${[...new Set(awslogs.map((c) => `arn:${partitionOf(ctx.task.region)}:logs:${c.logConfiguration!.options['awslogs-region'] || ctx.task.region}:${ctx.task.account}:log-group:${c.logConfiguration!.options['awslogs-group']}:*`))].join(', ')} in a policy of ${role.name}.`] }
        : {}),
    });
  });
}
