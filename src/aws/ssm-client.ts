// SSM and ECS clients for `fleet` and the host join of `task`. Loaded only by those actions (dynamic import), so
// commands that never call AWS do not pay for the SDK at start-up.
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { sdkClientConfig } from './clients.js';
import type { AwsContext } from './settings.js';

export interface FleetClientOptions {
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

export async function createFleetClients(ctx: AwsContext, opts: FleetClientOptions = {}): Promise<FleetClients> {
  const [{ SSMClient }, { ECSClient }] = await Promise.all([import('@aws-sdk/client-ssm'), import('@aws-sdk/client-ecs')]);
  const common = { connectTimeoutMs: 5_000, requestTimeoutMs: opts.requestTimeoutMs ?? 30_000, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) };
  const ssm = new SSMClient(await sdkClientConfig(ctx, 'SSM', common));
  const ecs = new ECSClient(await sdkClientConfig(ctx, 'ECS', common));
  return {
    ssm,
    ecs,
    destroy() {
      ssm.destroy();
      ecs.destroy();
    },
  };
}
