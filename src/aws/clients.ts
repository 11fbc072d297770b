// Builds AWS clients the same way everywhere: region resolved explicitly (config → env → IMDS), an optional
// endpoint override, explicit HTTP timeouts, and the SDK's credential chain unless credentials are passed.
// The SDK is imported lazily: commands that never call AWS must not pay its start-up cost.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError, ConfigError, errorMessage } from '../errors.js';
import type { Identity } from './identity.js';
import { processEnv } from '../env.js';

export interface ClientOptions {
  region: string;
  /** Explicit endpoint (wins over AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, which the SDK reads itself). */
  endpoint?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Region: config, then AWS_REGION / AWS_DEFAULT_REGION, then IMDS (already read into the identity). The SDK's
 * own chain does not read AWS_DEFAULT_REGION nor (before mid-2026) IMDS, so we always pass it explicitly.
 */
export function resolveRegion(configured: string | undefined, env: NodeJS.ProcessEnv, identity?: Identity): string | undefined {
  return configured || env.AWS_REGION || env.AWS_DEFAULT_REGION || identity?.region || undefined;
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
  const [{ CloudWatchLogsClient: Client }, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    import('@smithy/node-http-handler'),
  ]);
  return new Client({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: opts.connectTimeoutMs ?? 3000,
      requestTimeout: opts.requestTimeoutMs ?? 15_000,
      // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and the
      // request hangs on: an endpoint that accepts connections but never answers would stall the sink forever.
      throwOnRequestTimeout: true,
    }),
  });
}

/**
 * A Logs client for the interactive commands (`queries`, `insights`): region from the flag, the environment,
 * or (on an EC2 host) IMDS with a short timeout.
 */
export async function commandLogsClient(flags: { region?: string; endpoint?: string }, env: NodeJS.ProcessEnv = processEnv()): Promise<CloudWatchLogsClient> {
  let region = resolveRegion(flags.region, env);
  if (!region) {
    const { resolveIdentity } = await import('./identity.js');
    region = resolveRegion(undefined, env, await resolveIdentity({ env, timeoutMs: 500 }));
  }
  return createLogsClient({ region: requireRegion(region), ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) });
}

/** An SDK failure as a typed error whose hint fits the failure: permissions, or no route to the endpoint. */
export function awsError(operation: string, err: unknown, permission?: string): AwsError {
  const e = err as { name?: string; code?: string };
  const name = e?.name ?? '';
  let hint: string | undefined;
  if (/AccessDenied|UnrecognizedClient|NotAuthorized|InvalidClientTokenId|ExpiredToken|InvalidSignature|CredentialsProviderError/.test(name)) {
    hint = permission ? `check the credentials; the caller needs ${permission}` : 'check the credentials and their permissions';
  } else if (name === 'TimeoutError' || /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH/.test(e?.code ?? '')) {
    hint = 'no answer from the CloudWatch Logs endpoint: check the network path (NAT gateway or a VPC endpoint for logs) and --endpoint';
  }
  return new AwsError(operation, errorMessage(err), { cause: err, ...(hint ? { hint } : {}) });
}

/**
 * For `queries` and `insights`: the log group, Region and endpoint from the flags, else from the config file's
 * `cloudwatch` section (`--config`, $ECS_TRIAGE_CONFIG, or /etc/ecs-triage/config.yaml when present), so that on a
 * host the commands query the group the daemon writes to.
 */
export async function logsCommandSettings(flags: { logGroup?: string; region?: string; endpoint?: string; config?: string }): Promise<{
  logGroup: string;
  region?: string;
  endpoint?: string;
}> {
  const { loadConfig } = await import('../config.js');
  const { config } = await loadConfig(flags.config ? { file: flags.config } : {});
  const cw = config.cloudwatch;
  const region = flags.region ?? cw.region;
  const endpoint = flags.endpoint ?? cw.endpoint;
  return { logGroup: flags.logGroup ?? cw.logGroup, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}
