// Every CloudWatch Logs API limit ecs-triage obeys, in one place (facts sheet §1.2, §1.4, §2). The batcher,
// the event encoder, the query pack, the configuration's validation and the test server all read these, so a
// limit changes in one line.

/** PutLogEvents: Σ UTF-8 bytes of every message + PER_EVENT_OVERHEAD_BYTES per event. Not adjustable. */
export const MAX_BATCH_BYTES = 1_048_576;
/** Added to each message's byte length when sizing a batch. */
export const PER_EVENT_OVERHEAD_BYTES = 26;
/** PutLogEvents: 1…10,000 events per request. */
export const MAX_BATCH_EVENTS = 10_000;
/**
 * One event, overhead included. Current docs say 1 MB, older docs and the 2025 model say 256 KB; we use the
 * smaller so a batch is valid in every Region.
 */
export const MAX_EVENT_BYTES = 256 * 1024;
/** Largest message we send: the event cap minus the per-event overhead. */
export const MAX_MESSAGE_BYTES = MAX_EVENT_BYTES - PER_EVENT_OVERHEAD_BYTES;
/** Events in one request may span at most 24 hours. */
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
/** Events older than 14 days are rejected (the group's retention can make that shorter). */
export const MAX_EVENT_AGE_MS = 14 * 24 * 60 * 60 * 1000;
/** Events more than 2 hours in the future are rejected. */
export const MAX_EVENT_FUTURE_MS = 2 * 60 * 60 * 1000;
/**
 * Margin kept inside both time limits: an event may wait in the spool or in retries before it is sent,
 * and the host clock may be a little off.
 */
export const TIME_WINDOW_MARGIN_MS = 10 * 60 * 1000;

/** Log group names: 1–512 of letters, digits, `_ - / . #`, not starting with `aws/`. */
export const LOG_GROUP_NAME_RE = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** Why CloudWatch would refuse this log group name, or undefined. */
export function logGroupNameProblem(name: string): string | undefined {
  if (!LOG_GROUP_NAME_RE.test(name)) return 'a log group name is 1–512 of A-Z a-z 0-9 _ - / . #';
  if (/^aws\//i.test(name)) return 'log group names starting with aws/ are reserved';
  return undefined;
}
/** Log stream names: 1–512 chars without `:` or `*`. */
export const LOG_STREAM_NAME_RE = /^[^:*]{1,512}$/;
/** PutRetentionPolicy accepts only these day counts. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** EMF / CloudWatch metric API limits. */
export const EMF_MAX_DIMENSION_VALUE_CHARS = 1024;
export const EMF_MAX_NAMESPACE_CHARS = 255;

/** Namespace rules of the metric API (1–255 chars, not starting with `:`, `AWS/` reserved). Returns a reason or undefined. */
export function metricNamespaceProblem(ns: string): string | undefined {
  if (ns.length < 1 || ns.length > EMF_MAX_NAMESPACE_CHARS) return `must be 1–${EMF_MAX_NAMESPACE_CHARS} characters`;
  if (ns.startsWith(':')) return 'must not start with ":"';
  if (/^aws\//i.test(ns)) return 'the AWS/ prefix is reserved for AWS services';
  return undefined;
}

/** Logs Insights. */
export const INSIGHTS_MAX_QUERY_CHARS = 10_000;
export const QUERY_DEFINITION_MAX_NAME_CHARS = 255;
