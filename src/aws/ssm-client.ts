// SSM and ECS clients for `fleet`. Loaded only by the fleet action (dynamic import), so commands that never
// call AWS do not pay for the SDK at start-up.
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { processEnv, silenceSdkNodeVersionWarning } from '../env.js';

export interface FleetClientOptions {
  region?: string;
  /** Explicit endpoints win over everything; tests point these at local servers. */
  ssmEndpoint?: string;
  ecsEndpoint?: string;
  /** SDK attempts per call (default 3, the SDK's own default). */
  maxAttempts?: number;
  /** Per-request socket timeout in ms. */
  requestTimeoutMs?: number;
}

export interface FleetClients {
  ssm: SSMClient;
  ecs: ECSClient;
  destroy(): void;
}

/** Reads the endpoint overrides from the environment the way the SDK names them, so it works on any SDK release. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = processEnv()): Pick<FleetClientOptions, 'ssmEndpoint' | 'ecsEndpoint'> {
  const out: Pick<FleetClientOptions, 'ssmEndpoint' | 'ecsEndpoint'> = {};
  const ssm = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  const ecs = env.AWS_ENDPOINT_URL_ECS ?? env.AWS_ENDPOINT_URL;
  if (ssm) out.ssmEndpoint = ssm;
  if (ecs) out.ecsEndpoint = ecs;
  return out;
}

export async function createFleetClients(opts: FleetClientOptions = {}): Promise<FleetClients> {
  // Node 20 makes the SDK print a support warning on every client; the README says to prefer Node 22.
  silenceSdkNodeVersionWarning();
  const [{ SSMClient }, { ECSClient }, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-ssm'),
    import('@aws-sdk/client-ecs'),
    import('@smithy/node-http-handler'),
  ]);
  const common = {
    ...(opts.region ? { region: opts.region } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: opts.requestTimeoutMs ?? 30_000 }),
  };
  const ssm = new SSMClient({ ...common, ...(opts.ssmEndpoint ? { endpoint: opts.ssmEndpoint } : {}) });
  const ecs = new ECSClient({ ...common, ...(opts.ecsEndpoint ? { endpoint: opts.ecsEndpoint } : {}) });
  return {
    ssm,
    ecs,
    destroy() {
      ssm.destroy();
      ecs.destroy();
    },
  };
}
