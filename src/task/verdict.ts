// The cause `task` concludes, and whether the checks confirmed it. The cause is what ECS's own texts name (else
// what the host logged, else what a failed check shows); a failed check bearing on that cause confirms it, passing
// checks that bear on it rule it out (the cause may have been fixed since the task stopped).
import type { CheckResult } from '../verify/index.js';
import type { Category, ReportFinding, ScanSummary } from '../types.js';

export type VerdictStatus = 'confirmed' | 'not-confirmed' | 'unverified' | 'found-by-checks' | 'unknown';

export interface Verdict {
  status: VerdictStatus;
  /** True when at least one check confirms the cause. */
  confirmed: boolean;
  category?: Category;
  ruleId?: string;
  title?: string;
  /** The wrapper the cause was found inside (ResourceInitializationError around the real failure). */
  wrappedBy?: { category: Category; ruleId: string; title: string };
  /** Where the cause was read: ECS's record, the host's logs, or the checks alone. */
  from: 'ecs' | 'host' | 'checks' | 'none';
  /** Ids of the checks that confirm it (or, when not confirmed, that rule it out). */
  by: string[];
  /** The cause in plain words, with the confirming evidence. */
  summary: string;
}

/** Check categories that can confirm a cause. ResourceInitializationError (secrets_init_failure) wraps every setup step. */
const CONFIRMED_BY: Partial<Record<Category, Category[]>> = {
  secrets_init_failure: ['secrets_init_failure', 'logging_driver_failure', 'registry_auth_denied', 'network_timeout', 'image_not_found'],
  logging_driver_failure: ['logging_driver_failure', 'network_timeout'],
  context_canceled: ['network_timeout'],
  dns_failure: ['network_timeout'],
  tls_error: ['network_timeout'],
  // Docker's "pull access denied … may require 'docker login'" is said for a missing repository and for a refusal alike.
  image_not_found: ['image_not_found', 'registry_auth_denied'],
  credential_helper_failure: ['registry_auth_denied'],
  container_start_failure: ['logging_driver_failure', 'secrets_init_failure'],
};

function bears(check: CheckResult, cause: { category: Category; secondary?: { category: Category } }): boolean {
  const accepted = new Set<Category>([cause.category, ...(CONFIRMED_BY[cause.category] ?? [])]);
  if (cause.secondary) accepted.add(cause.secondary.category);
  return accepted.has(check.relatesTo);
}

export function decide(primary: ReportFinding | undefined, host: ScanSummary | undefined, checks: CheckResult[]): Verdict {
  const failed = checks.filter((c) => c.status === 'fail');
  const hostTop = host?.findings.find((f) => f.severity === 'error' || f.severity === 'critical') ?? host?.findings[0];
  const cause = primary
    ? { from: 'ecs' as const, category: primary.category, ruleId: primary.ruleId, title: primary.title, ...(primary.secondary ? { secondary: primary.secondary } : {}) }
    : hostTop
      ? { from: 'host' as const, category: hostTop.category, ruleId: hostTop.ruleId, title: hostTop.title }
      : undefined;
  if (!cause) {
    if (failed.length > 0) {
      const first = failed[0]!;
      return {
        status: 'found-by-checks',
        confirmed: true,
        category: first.relatesTo,
        from: 'checks',
        by: failed.map((c) => c.id),
        summary: `No rule recognises what ECS recorded, but the checks found: ${failed.map((c) => c.detail).join(' ')}`,
      };
    }
    return { status: 'unknown', confirmed: false, from: 'none', by: [], summary: 'No rule recognises what ECS recorded and no check failed: see the texts below and the host timeline.' };
  }
  // A wrapper (ResourceInitializationError) names the step; the inner cause is what the operator fixes.
  const inner = 'secondary' in cause && cause.secondary ? cause.secondary : undefined;
  const base = inner
    ? { category: inner.category, ruleId: inner.ruleId, title: inner.title, wrappedBy: { category: cause.category, ruleId: cause.ruleId, title: cause.title }, from: cause.from }
    : { category: cause.category, ruleId: cause.ruleId, title: cause.title, from: cause.from };
  const title = base.title;
  const relevant = checks.filter((c) => bears(c, cause));
  const confirming = relevant.filter((c) => c.status === 'fail');
  if (confirming.length > 0) {
    return { ...base, status: 'confirmed', confirmed: true, by: confirming.map((c) => c.id), summary: `${title}. Confirmed: ${confirming.map((c) => c.detail).join(' ')}` };
  }
  const others = failed.filter((c) => !relevant.includes(c));
  const otherText = others.length ? ` The checks found something else: ${others.map((c) => c.detail).join(' ')}` : '';
  if (relevant.length > 0 && relevant.every((c) => c.status === 'pass')) {
    return {
      ...base,
      status: 'not-confirmed',
      confirmed: false,
      by: relevant.map((c) => c.id),
      summary: `${title}. The checks that bear on it pass now: it may have been fixed since the task stopped, or the cause lies elsewhere.${otherText}`,
    };
  }
  return {
    ...base,
    status: 'unverified',
    confirmed: false,
    by: [],
    summary: `${title}. ${relevant.length ? 'The checks that bear on it could not answer (see the ? marks).' : 'No check bears on this cause.'}${otherText}`,
  };
}
