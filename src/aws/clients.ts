// Builds AWS clients the same way everywhere: region resolved explicitly (config → env → profile → IMDS), an
// optional endpoint override, explicit HTTP timeouts, HTTPS through HTTPS_PROXY (http.ts), and the SDK's credential
// chain (with the named profile) unless credentials are passed.
// The SDK is imported lazily: commands that never call AWS must not pay its start-up cost.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ConfigError, type AwsError } from '../errors.js';
import type { Identity } from './identity.js';
import { awsFailure } from './failure.js';
import { createRequestHandler } from './http.js';
import { resolveAwsContext, type AwsContext, type AwsFlags, type AwsService } from './settings.js';
import { processEnv } from '../env.js';

export interface ClientOptions {
  region: string;
  /** Explicit endpoint (wins over AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, which the SDK reads itself). */
  endpoint?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** Named profile for credentials (AWS_PROFILE works without it: the SDK reads it). */
  profile?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Region: config, then AWS_REGION / AWS_DEFAULT_REGION, then the profile's (AWS_PROFILE) `region` in ~/.aws/config,
 * then IMDS (already read into the identity). The SDK's own chain does not read AWS_DEFAULT_REGION nor (before
 * mid-2026) IMDS, so we always pass it explicitly.
 */
export function resolveRegion(configured: string | undefined, env: NodeJS.ProcessEnv, identity?: Identity, fromProfile?: string): string | undefined {
  return configured || env.AWS_REGION || env.AWS_DEFAULT_REGION || fromProfile || identity?.region || undefined;
}

export function requireRegion(region: string | undefined): string {
  if (!region) {
    throw new ConfigError('no AWS region: not in the config file, not in AWS_REGION, and IMDS did not answer', { key: 'cloudwatch.region' }, {
      hint: 'set cloudwatch.region in the config file or AWS_REGION in the environment',
    });
  }
  return region;
}

export async function createLogsClient(opts: ClientOptions): Promise<CloudWatchLogsClient> {
  const [{ CloudWatchLogsClient: Client }, requestHandler] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    createRequestHandler({ connectTimeoutMs: opts.connectTimeoutMs ?? 3000, requestTimeoutMs: opts.requestTimeoutMs ?? 15_000 }),
  ]);
  return new Client({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler,
  });
}

/** What every SDK client of a command gets: Region, profile, endpoint, retries and the proxy-aware handler. */
export async function sdkClientConfig(
  ctx: AwsContext,
  service: AwsService,
  opts: { maxAttempts?: number; connectTimeoutMs?: number; requestTimeoutMs?: number } = {},
): Promise<{ region: string; endpoint?: string; profile?: string; maxAttempts: number; requestHandler: Awaited<ReturnType<typeof createRequestHandler>> }> {
  const endpoint = ctx.endpointFor(service);
  return {
    region: ctx.region,
    ...(endpoint ? { endpoint } : {}),
    ...(ctx.profile ? { profile: ctx.profile } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: await createRequestHandler({
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    }),
  };
}

/**
 * A Logs client for the interactive commands (`queries`, `insights`): Region, profile and endpoint as the AWS CLI
 * resolves them, or (on an EC2 host) the Region from IMDS with a short timeout.
 */
export async function commandLogsClient(flags: AwsFlags, env: NodeJS.ProcessEnv = processEnv()): Promise<CloudWatchLogsClient> {
  const ctx = await resolveAwsContext(flags, { env, imds: true });
  const { CloudWatchLogsClient: Client } = await import('@aws-sdk/client-cloudwatch-logs');
  return new Client(await sdkClientConfig(ctx, 'CloudWatch Logs', { connectTimeoutMs: 3000, requestTimeoutMs: 15_000 }));
}

/** An SDK failure of a Logs call, with the hint that fits it (see failure.ts). */
export function awsError(operation: string, err: unknown, permission?: string): AwsError {
  return awsFailure(operation, err, { service: 'CloudWatch Logs', ...(permission ? { permission } : {}) });
}

/**
 * For `queries` and `insights`: the log group, Region and endpoint from the flags, else from the config file's
 * `cloudwatch` section (`--config`, $ECS_TRIAGE_CONFIG, or /etc/ecs-triage/config.yaml when present), so that on a
 * host the commands query the group the daemon writes to.
 */
export async function logsCommandSettings(flags: AwsFlags & { logGroup?: string; config?: string }): Promise<AwsFlags & { logGroup: string }> {
  const { loadConfig } = await import('../config.js');
  const { config } = await loadConfig(flags.config ? { file: flags.config } : {});
  const cw = config.cloudwatch;
  const region = flags.region ?? cw.region;
  const endpointUrl = flags.endpointUrl ?? cw.endpoint;
  return {
    logGroup: flags.logGroup ?? cw.logGroup,
    ...(region ? { region } : {}),
    ...(endpointUrl ? { endpointUrl } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
}
