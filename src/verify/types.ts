// The result every evidence check returns, and what checks are given. A check never throws for AWS's answers:
// a permission the caller lacks, or an endpoint it cannot reach, is an `unknown` result that says so.
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Ec2QueryClient } from '../aws/ec2-query.js';
import { awsFailure, failureKind } from '../aws/failure.js';
import { errorMessage } from '../errors.js';
import type { TaskRecord } from '../task/record.js';
import type { Category } from '../types.js';

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  /** Stable id: `<family>.<check>` (`iam.ecr-auth-token`), unique within a report. */
  id: string;
  /** What is checked, in a few words. */
  title: string;
  status: CheckStatus;
  /** One or two sentences: the answer, naming the role, repository, subnet … */
  detail: string;
  /** The facts the answer rests on: API answers, as short lines. */
  evidence: string[];
  /** The cause this check bears on. */
  relatesTo: Category;
  /** fail confirms that cause, pass rules it out, unknown says nothing. */
  bearing: 'confirms' | 'rules-out' | 'none';
  /** What to do, when the check failed. */
  fix?: string[];
}

/** Clients per Region (ECR images and secrets may live elsewhere); created on first use. */
export interface VerifyClients {
  ecr(region: string): Promise<ECRClient>;
  iam(): Promise<IAMClient>;
  ec2(region: string): Promise<Ec2QueryClient>;
  secretsManager(region: string): Promise<SecretsManagerClient>;
  kms(region: string): Promise<KMSClient>;
  ssm(region: string): Promise<SSMClient>;
}

export interface VerifyContext {
  task: TaskRecord;
  clients: VerifyClients;
  /** Every text ECS recorded about the task (stopped reason, container reasons, service events). */
  ecsTexts: string[];
  /** Categories the rules found in those texts (and on the host), most important first. */
  categories: Category[];
  /** Calls shared by several checks or tasks (`--service`) are made once. */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export function result(r: Omit<CheckResult, 'bearing'>): CheckResult {
  return { ...r, bearing: r.status === 'fail' ? 'confirms' : r.status === 'pass' ? 'rules-out' : 'none' };
}

/**
 * An `unknown` result for a call that failed: names the permission the caller lacks, or the endpoint it could not
 * reach, so the operator can grant it or run from where AWS is reachable.
 */
export function unknownFrom(base: { id: string; title: string; relatesTo: Category }, what: string, err: unknown, permission: string): CheckResult {
  const kind = failureKind(err);
  const hint = awsFailure(permission, err, { permission }).hint;
  const detail =
    kind === 'denied'
      ? `Not checked: the caller may not call ${permission} (${(err as { name?: string }).name ?? 'AccessDenied'}).`
      : kind === 'unreachable'
        ? `Not checked: no answer from the endpoint for ${permission.split(':')[0]} (${errorMessage(err)}).`
        : kind === 'no-credentials' || kind === 'bad-credentials'
          ? `Not checked: no usable AWS credentials (${errorMessage(err)}).`
          : `Not checked: ${what} failed: ${errorMessage(err)}.`;
  return result({ ...base, status: 'unknown', detail, evidence: [`${permission}: ${(err as { name?: string }).name ?? 'Error'}: ${errorMessage(err)}`, ...(hint ? [`hint: ${hint}`] : [])] });
}

/** Runs a check, turning anything it throws into an `unknown` result: one broken check never hides the others. */
export async function guarded(base: { id: string; title: string; relatesTo: Category }, fn: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await fn();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    const permission = (err as { permission?: string }).permission ?? 'the call';
    return [unknownFrom(base, base.title, err, permission)];
  }
}

/** An AWS call whose failure should name the permission it needed (read by `guarded`). */
export async function call<T>(permission: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err && typeof err === 'object') Object.assign(err, { permission });
    throw err;
  }
}

export const errName = (err: unknown): string => (err as { name?: string } | null)?.name ?? '';
