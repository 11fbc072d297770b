// The clients `task` uses, built on first use per Region with the command's profile, endpoint and proxy settings.
// This module (and with it the IAM, ECR, Secrets Manager and KMS SDK clients) is loaded only by `task`.
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { sdkClientConfig } from '../aws/clients.js';
import { Ec2QueryClient } from '../aws/ec2-query.js';
import { createRequestHandler } from '../aws/http.js';
import type { AwsContext } from '../aws/settings.js';
import type { VerifyClients } from '../verify/index.js';

export interface TaskClients extends VerifyClients {
  ecs: ECSClient;
  destroy(): void;
}

const TIMEOUTS = { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 };

export async function createTaskClients(ctx: AwsContext): Promise<TaskClients> {
  const ecs = new ECSClient(await sdkClientConfig(ctx, 'ECS', TIMEOUTS));
  const made: Array<{ destroy(): void }> = [ecs];
  const cache = new Map<string, Promise<unknown>>();
  const once = <T extends { destroy(): void }>(key: string, make: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make().then((c) => {
        made.push(c);
        return c;
      });
      cache.set(key, p);
    }
    return p;
  };
  // Another Region's client keeps the profile and the endpoint override: a local stack serves every Region.
  const inRegion = (region: string): AwsContext => ({ ...ctx, region });
  return {
    ecs,
    ecr: (region) => once(`ecr:${region}`, async () => new ECRClient(await sdkClientConfig(inRegion(region), 'ECR', TIMEOUTS))),
    iam: () => once('iam', async () => new IAMClient(await sdkClientConfig(ctx, 'IAM', TIMEOUTS))),
    secretsManager: (region) => once(`sm:${region}`, async () => new SecretsManagerClient(await sdkClientConfig(inRegion(region), 'Secrets Manager', TIMEOUTS))),
    kms: (region) => once(`kms:${region}`, async () => new KMSClient(await sdkClientConfig(inRegion(region), 'KMS', TIMEOUTS))),
    ssm: (region) => once(`ssm:${region}`, async () => new SSMClient(await sdkClientConfig(inRegion(region), 'SSM', TIMEOUTS))),
    ec2: (region) =>
      once(`ec2:${region}`, async () => {
        const endpoint = ctx.endpointFor('EC2');
        const requestHandler = await createRequestHandler(TIMEOUTS);
        const client = new Ec2QueryClient({
          region,
          ...(endpoint ? { endpoint } : {}),
          // The same credentials as every SDK client: the chain with the profile in force.
          credentials: () => ecs.config.credentials(),
          requestHandler,
        });
        return Object.assign(client, { destroy: () => requestHandler.destroy() });
      }),
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}
