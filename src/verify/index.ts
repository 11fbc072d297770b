// Which evidence checks a task gets, chosen by the causes the rules found and by what the task uses (ECR images,
// secrets, awslogs), and running them. Every family runs even when another one cannot: each returns results.
import type { Category } from '../types.js';
import { imageChecks } from './image.js';
import { ecrPermissionChecks, logsPermissionChecks, roleCheck } from './iam.js';
import { networkChecks } from './network.js';
import { secretChecks } from './secrets.js';
import type { CheckResult, VerifyContext } from './types.js';

export type { CheckResult, CheckStatus, VerifyClients, VerifyContext } from './types.js';

type Family = 'role' | 'ecr-permissions' | 'image' | 'secrets' | 'logs' | 'network';

/** The checks that bear on each cause. A cause not listed here has no AWS-side evidence to look at. */
const FAMILIES: Partial<Record<Category, Family[]>> = {
  registry_auth_denied: ['role', 'ecr-permissions', 'image'],
  credential_helper_failure: ['role', 'ecr-permissions'],
  image_not_found: ['role', 'ecr-permissions', 'image'],
  invalid_image_reference: ['image'],
  network_timeout: ['network'],
  context_canceled: ['network'],
  dns_failure: ['network'],
  tls_error: ['network'],
  // ResourceInitializationError covers every setup step: registry auth, secrets, the log driver, the network.
  secrets_init_failure: ['role', 'ecr-permissions', 'secrets', 'logs', 'network'],
  logging_driver_failure: ['role', 'logs', 'network'],
  // "failed to initialize logging driver", secrets the container was to receive: the AWS side of a start.
  container_start_failure: ['role', 'logs', 'secrets'],
};

const ALL: Family[] = ['role', 'ecr-permissions', 'image', 'secrets', 'logs', 'network'];

/** The families to run; with no recognised cause every family that applies runs. */
export function chooseFamilies(categories: Category[]): { families: Family[]; why: string } {
  if (categories.length === 0) return { families: ALL, why: 'no rule recognised what ECS recorded: every check that applies to the task runs' };
  const chosen = new Set<Family>();
  for (const c of categories) for (const f of FAMILIES[c] ?? []) chosen.add(f);
  if (chosen.size === 0) {
    return { families: [], why: `no AWS check bears on ${[...new Set(categories)].join(', ')}: the evidence for it is on the host (see the host timeline)` };
  }
  return { families: ALL.filter((f) => chosen.has(f)), why: `checks for ${[...new Set(categories)].join(', ')}` };
}

export async function runChecks(ctx: VerifyContext, families: Family[]): Promise<CheckResult[]> {
  const on = new Set(families);
  const relatesRole: Category = on.has('ecr-permissions') || on.has('image') ? 'registry_auth_denied' : on.has('logs') && !on.has('secrets') ? 'logging_driver_failure' : 'secrets_init_failure';
  const parts = await Promise.all([
    on.has('role') ? roleCheck(ctx, relatesRole) : [],
    on.has('ecr-permissions') ? ecrPermissionChecks(ctx) : [],
    on.has('image') ? imageChecks(ctx) : [],
    on.has('secrets') ? secretChecks(ctx) : [],
    on.has('logs') ? logsPermissionChecks(ctx) : [],
    on.has('network') ? networkChecks(ctx) : [],
  ]);
  return parts.flat();
}
