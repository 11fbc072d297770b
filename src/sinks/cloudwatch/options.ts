// The CloudWatch sink's settings: the user-facing keys (the `cloudwatch` section of the config file, read by
// src/config.ts) and the tuning knobs that tests shorten (retry delays, HTTP timeouts).

import type { CloudWatchConfig } from '../../config.js';

/** User configuration. Mirrors `CloudWatchConfig` in src/config.ts; every key is optional here and defaulted below. */
export interface CloudWatchSettings {
  logGroup?: string;
  /** Default: the instance id, then the hostname. */
  logStream?: string;
  region?: string;
  endpoint?: string;
  retentionDays?: number;
  flushIntervalMs?: number;
  spoolMaxBytes?: number;
  metricsNamespace?: string;
  emf?: boolean;
}

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

/** Settings with every default applied: exactly the daemon's `cloudwatch` config section. */
export type ResolvedCloudWatchSettings = CloudWatchConfig;

export const CLOUDWATCH_DEFAULTS = {
  logGroup: '/ecs-triage/events',
  flushIntervalMs: 2000,
  spoolMaxBytes: 100 * 1024 * 1024,
  metricsNamespace: 'ECSTriage',
  emf: true,
} as const;

export const TUNING_DEFAULTS: CloudWatchTuning = {
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  connectTimeoutMs: 3000,
  requestTimeoutMs: 15_000,
  sdkMaxAttempts: 3,
  identityRefreshMs: 60_000,
};

export function resolveSettings(s: CloudWatchSettings = {}): ResolvedCloudWatchSettings {
  const out: ResolvedCloudWatchSettings = {
    logGroup: s.logGroup ?? CLOUDWATCH_DEFAULTS.logGroup,
    flushIntervalMs: s.flushIntervalMs ?? CLOUDWATCH_DEFAULTS.flushIntervalMs,
    spoolMaxBytes: s.spoolMaxBytes ?? CLOUDWATCH_DEFAULTS.spoolMaxBytes,
    metricsNamespace: s.metricsNamespace ?? CLOUDWATCH_DEFAULTS.metricsNamespace,
    emf: s.emf ?? CLOUDWATCH_DEFAULTS.emf,
  };
  if (s.logStream) out.logStream = s.logStream;
  if (s.region) out.region = s.region;
  if (s.endpoint) out.endpoint = s.endpoint;
  if (s.retentionDays !== undefined) out.retentionDays = s.retentionDays;
  return out;
}

// Compile-time guard: the daemon passes config.cloudwatch straight in, so its type must stay assignable.
export const acceptsDaemonConfig: (c: CloudWatchConfig) => CloudWatchSettings = (c) => c;
