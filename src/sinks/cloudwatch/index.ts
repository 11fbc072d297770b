// Entry point of the CloudWatch Logs sink (the daemon imports it lazily): resolves the host identity and the
// Region, opens the spool, builds the client, and returns the running sink (sink.ts). The settings arrive
// validated (src/config/keys.ts checks names, retention and namespace as CloudWatch would).
import path from 'node:path';
import type { Logger } from '../../log.js';
import { processEnv } from '../../env.js';
import { resolveIdentity, type Identity } from '../../aws/identity.js';
import { createLogsClient, requireRegion, resolveRegion } from '../../aws/clients.js';
import { profileRegion } from '../../aws/settings.js';
import { Spool } from './spool.js';
import { LogsSender } from './sender.js';
import { TUNING_DEFAULTS, type CloudWatchSettings, type CloudWatchTuning } from './options.js';
import { CloudWatchSink } from './sink.js';

export type { CloudWatchSettings, CloudWatchTuning } from './options.js';
export { CloudWatchSink, type CloudWatchStats } from './sink.js';

export interface CloudWatchSinkOptions {
  config: CloudWatchSettings;
  stateDir: string;
  log: Logger;
  root?: string;
  /** Test and benchmark knobs; production uses the defaults. */
  tuning?: Partial<CloudWatchTuning>;
  /** Skip the IMDS/introspection lookup (the caller resolved it already). */
  identity?: Identity;
  env?: NodeJS.ProcessEnv;
  /** Spool directory name under stateDir; `scan --ship` uses its own so it never fights the daemon for the lock. */
  spoolName?: string;
}

/** Creates the sink: resolves identity and region, opens the spool, starts the sender. */
export async function createCloudWatchSink(opts: CloudWatchSinkOptions): Promise<CloudWatchSink> {
  const settings = opts.config;
  const env = opts.env ?? processEnv();
  const tuning = { ...TUNING_DEFAULTS, ...opts.tuning };
  const identity = opts.identity ?? (await resolveIdentity({ root: opts.root ?? '/', env, log: opts.log }));
  const region = requireRegion(resolveRegion(settings.region, env, identity, await profileRegion(env)));
  if (!identity.region) identity.region = region;
  const logStream = (settings.logStream ?? identity.instanceId ?? identity.hostname).replace(/[:*]/g, '_');
  const spool = await Spool.open(path.join(opts.stateDir, opts.spoolName ?? 'cloudwatch-spool'), {
    maxBytes: settings.spoolMaxBytes,
    ...(tuning.segmentBytes ? { segmentBytes: tuning.segmentBytes } : {}),
    log: opts.log,
  });
  // The client after the spool: a locked spool must not leave a client behind.
  const client = await createLogsClient({
    region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    connectTimeoutMs: tuning.connectTimeoutMs,
    requestTimeoutMs: tuning.requestTimeoutMs,
    maxAttempts: tuning.sdkMaxAttempts,
    ...(tuning.credentials ? { credentials: tuning.credentials } : {}),
  }).catch(async (err: unknown) => {
    await spool.close();
    throw err;
  });
  const dest = { logGroup: settings.logGroup, logStream, ...(settings.retentionDays !== undefined ? { retentionDays: settings.retentionDays } : {}) };
  const sink = new CloudWatchSink(settings, tuning, identity, client, new LogsSender(client, dest, opts.log), spool, opts.log);
  if (!opts.identity) sink.refreshIdentityUntilComplete(() => resolveIdentity({ root: opts.root ?? '/', env, log: opts.log }));
  opts.log.info('CloudWatch sink ready', { logGroup: dest.logGroup, logStream, region, pending: spool.pending });
  return sink;
}
