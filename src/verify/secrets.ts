// Secrets and parameters the task references (container `secrets`, awslogs `secretOptions`, private-registry
// `repositoryCredentials`): each exists (secretsmanager:DescribeSecret, ssm:DescribeParameters), where it lives
// against the task's Region, and whether the role may read it (GetSecretValue / GetParameters, and kms:Decrypt on
// a customer-managed key).
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { describeDecision, pullRole, simulate } from './iam.js';
import { parseSecretRef, type SecretRef } from './refs.js';
import { call, errName, guarded, result, type CheckResult, type VerifyContext } from './types.js';

interface Reference {
  ref: SecretRef;
  /** `container api, secret DB_PASSWORD` … */
  usedBy: string;
}

export function secretReferences(ctx: VerifyContext): Reference[] {
  const out: Reference[] = [];
  const { region, account } = ctx.task;
  for (const c of ctx.task.taskDefinition?.containers ?? []) {
    for (const s of c.secrets) out.push({ ref: parseSecretRef(s.valueFrom, region, account), usedBy: `container ${c.name}, secret ${s.name}` });
    for (const s of c.logConfiguration?.secretOptions ?? []) out.push({ ref: parseSecretRef(s.valueFrom, region, account), usedBy: `container ${c.name}, log option ${s.name}` });
    if (c.repositoryCredentials) out.push({ ref: parseSecretRef(c.repositoryCredentials, region, account), usedBy: `container ${c.name}, registry credentials` });
  }
  return out;
}

interface Resolved {
  exists: boolean | undefined;
  /** The full ARN (Secrets Manager adds a random suffix) for the permission check. */
  arn: string;
  /** Customer-managed KMS key ARN, when the secret or SecureString uses one. */
  kmsKeyArn?: string;
  evidence: string;
}

async function resolve(ctx: VerifyContext, r: SecretRef): Promise<Resolved> {
  return ctx.memo(`secret:${r.arn}`, async () => {
    if (r.kind === 'secretsmanager') {
      const sm = await ctx.clients.secretsManager(r.region);
      try {
        const out = await call('secretsmanager:DescribeSecret', () => sm.send(new DescribeSecretCommand({ SecretId: r.arn })));
        const kms = out.KmsKeyId ? await keyArn(ctx, r.region, out.KmsKeyId) : undefined;
        return { exists: true, arn: out.ARN ?? r.arn, ...(kms ? { kmsKeyArn: kms } : {}), evidence: `secretsmanager:DescribeSecret ${r.arn}: ${out.ARN ?? 'found'}${out.KmsKeyId ? ` (KMS key ${out.KmsKeyId})` : ''}` };
      } catch (err) {
        if (errName(err) === 'ResourceNotFoundException') return { exists: false, arn: r.arn, evidence: `secretsmanager:DescribeSecret ${r.arn}: ResourceNotFoundException` };
        throw err;
      }
    }
    const ssm = await ctx.clients.ssm(r.region);
    const found = [];
    let token: string | undefined;
    // DescribeParameters may answer a page with nothing and a NextToken: follow it to the end.
    do {
      const page = await call('ssm:DescribeParameters', () =>
        ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [r.name] }], MaxResults: 50, ...(token ? { NextToken: token } : {}) })),
      );
      found.push(...(page.Parameters ?? []));
      token = page.NextToken;
    } while (token && found.length === 0);
    const p = found[0];
    if (!p) return { exists: false, arn: r.arn, evidence: `ssm:DescribeParameters Name=${r.name}: not found in ${r.region}` };
    const kms = p.Type === 'SecureString' && p.KeyId && p.KeyId !== 'alias/aws/ssm' ? await keyArn(ctx, r.region, p.KeyId) : undefined;
    return { exists: true, arn: p.ARN ?? r.arn, ...(kms ? { kmsKeyArn: kms } : {}), evidence: `ssm:DescribeParameters Name=${r.name}: ${p.Type ?? 'found'}${p.KeyId ? ` (KMS key ${p.KeyId})` : ''}` };
  });
}

/** The key's ARN, for a customer-managed key; AWS-managed keys (aws/secretsmanager, aws/ssm) need no grant. */
async function keyArn(ctx: VerifyContext, region: string, keyId: string): Promise<string | undefined> {
  if (/alias\/aws\//.test(keyId)) return undefined;
  try {
    const kms = await ctx.clients.kms(region);
    const out = await call('kms:DescribeKey', () => kms.send(new DescribeKeyCommand({ KeyId: keyId })));
    return out.KeyMetadata?.KeyManager === 'AWS' ? undefined : out.KeyMetadata?.Arn;
  } catch {
    return keyId.startsWith('arn:') && keyId.includes(':key/') ? keyId : undefined;
  }
}

export async function secretChecks(ctx: VerifyContext): Promise<CheckResult[]> {
  const refs = secretReferences(ctx);
  if (refs.length === 0) return [];
  const relatesTo = 'secrets_init_failure' as const;
  const existBase = { id: 'secrets.exist', title: 'Every secret and parameter the task references exists', relatesTo };
  const readBase = { id: 'secrets.read-permission', title: 'The role may read every secret and parameter', relatesTo };
  const resolved = new Map<string, Resolved | Error>();
  for (const r of refs) {
    if (!resolved.has(r.ref.arn)) resolved.set(r.ref.arn, await resolve(ctx, r.ref).catch((err: unknown) => err as Error));
  }
  const exist = await guarded(existBase, async () => {
    const evidence: string[] = [];
    const missing: string[] = [];
    let unknownErr: unknown;
    for (const r of refs) {
      const x = resolved.get(r.ref.arn)!;
      if (x instanceof Error) {
        unknownErr ??= x;
        evidence.push(`${r.usedBy}: ${r.ref.arn}: not checked (${errName(x) || x.message})`);
        continue;
      }
      evidence.push(`${r.usedBy}: ${x.evidence}`);
      if (r.ref.region !== ctx.task.region) {
        evidence.push(`${r.usedBy}: in ${r.ref.region}, the task runs in ${ctx.task.region}: allowed with a full ARN, but VPC endpoints of ${ctx.task.region} do not reach it (it needs an internet path)`);
      }
      if (!x.exists) missing.push(`${r.ref.valueFrom} (${r.usedBy})`);
    }
    if (unknownErr && missing.length === 0) throw unknownErr;
    return result({
      ...existBase,
      status: missing.length ? 'fail' : 'pass',
      detail: missing.length ? `Not found: ${missing.join('; ')}.` : `All ${refs.length} reference(s) exist.`,
      evidence,
      ...(missing.length ? { fix: ['Create the missing secret or parameter in the account and Region the ARN names, or fix the ARN in the task definition (a Secrets Manager ARN ends with a six-character suffix).'] } : {}),
    });
  });
  const read = await guarded(readBase, async () => {
    const role = await pullRole(ctx);
    if (!role) return result({ ...readBase, status: 'unknown', detail: 'Not checked: no execution role, and no instance role found.', evidence: [] });
    const evidence: string[] = [];
    const denied: string[] = [];
    for (const r of refs) {
      const x = resolved.get(r.ref.arn);
      const arn = x && !(x instanceof Error) ? x.arn : r.ref.arn;
      const action = r.ref.kind === 'secretsmanager' ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameters';
      const s = (await simulate(ctx, role.arn, [action], arn)).get(action);
      evidence.push(`${r.usedBy}: ${describeDecision(action, arn, s)}`);
      if (s?.decision !== 'allowed') denied.push(`${action} on ${arn}`);
      const key = x && !(x instanceof Error) ? x.kmsKeyArn : undefined;
      if (key) {
        const k = (await simulate(ctx, role.arn, ['kms:Decrypt'], key)).get('kms:Decrypt');
        evidence.push(`${r.usedBy}: ${describeDecision('kms:Decrypt', key, k)} (the key policy must allow it too)`);
        if (k?.decision !== 'allowed') denied.push(`kms:Decrypt on ${key}`);
      }
    }
    return result({
      ...readBase,
      status: denied.length ? 'fail' : 'pass',
      detail: denied.length
        ? `The ${role.kind} ${role.name} may not call ${[...new Set(denied)].join(', ')}: the task cannot start (ResourceInitializationError).`
        : `The ${role.kind} ${role.name} may read all ${refs.length} reference(s).`,
      evidence,
      ...(denied.length ? { fix: [`Allow ${[...new Set(denied)].join(', ')} in a policy of ${role.name} (the execution role, not the task role, reads secrets at start).`] } : {}),
    });
  });
  return [...exist, ...read];
}
