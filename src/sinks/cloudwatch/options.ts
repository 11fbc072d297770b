// The CloudWatch sink's settings: the user-facing keys are the `cloudwatch` section of the configuration,
// declared (with their defaults and validation) in src/config/keys.ts and handed here resolved; the tuning
// knobs below are not configuration but timings that tests shorten (retry delays, HTTP timeouts).
import type { TriageConfig } from '../../config.js';

/** The `cloudwatch` configuration section, every default applied and every value validated. */
export type CloudWatchSettings = TriageConfig['cloudwatch'];
/** Timings and client knobs. Production uses the defaults; tests shrink them so a "several minute" outage takes seconds. */
export interface CloudWatchTuning {
  /** First retry delay of the sink's own backoff (full jitter). */
  retryBaseMs: number;
  /** Cap of the backoff delay: while CloudWatch is unreachable the sink polls at most this often. */
  retryMaxMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Attempts the SDK makes inside one send before the sink's own backoff takes over. */
  sdkMaxAttempts: number;
  /** How often to look for identity facts missing at start (agent not registered yet, IMDS slow). */
  identityRefreshMs: number;
  /** Spool segment size; small values exercise segment rotation and drop-oldest in tests. */
  segmentBytes?: number;
  /** Static credentials (tests, or an operator who passes keys explicitly). Default: the SDK's chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const TUNING_DEFAULTS: CloudWatchTuning = {
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  connectTimeoutMs: 3000,
  requestTimeoutMs: 15_000,
  sdkMaxAttempts: 3,
  identityRefreshMs: 60_000,
};
