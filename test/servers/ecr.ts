// A local ECR API endpoint (AWS JSON 1.1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`) holding
// repositories in several accounts and Regions. Answers and errors follow the service: RepositoryNotFoundException,
// ImageNotFoundException, LifecyclePolicyNotFoundException, RepositoryPolicyNotFoundException,
// PullThroughCacheRuleNotFoundException, with ECR's own messages; nextToken pages. A request for another
// account's registry is allowed only when that repository's policy grants the caller's account the action, as
// cross-account access works; otherwise AccessDeniedException naming the missing resource-based grant.
import { AwsFault, startJsonServer, type JsonServer } from './fleet-json.js';

export interface FakeImage {
  tags: string[];
  digest: string;
  pushedAt: string;
  sizeBytes?: number;
}

export interface FakeRepository {
  account: string;
  region: string;
  name: string;
  images?: FakeImage[];
  lifecyclePolicy?: unknown;
  policy?: unknown;
}

export interface EcrServerOptions {
  /** The caller's account (the one the test credentials belong to). */
  account: string;
  repositories: FakeRepository[];
  pullThroughCacheRules?: Array<{ account: string; region: string; prefix: string; upstream: string }>;
  pageSize?: number;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const seconds = (iso: string): number => Date.parse(iso) / 1000;

/** Whether a repository policy lets an account perform an action (Principal account, its root ARN, a role in it, or `*`). */
export function policyGrants(policy: unknown, account: string, action: string): boolean {
  const doc = (typeof policy === 'string' ? JSON.parse(policy) : policy) as { Statement?: unknown } | undefined;
  if (!doc) return false;
  let allowed = false;
  for (const s of list(doc.Statement as Array<Record<string, unknown>>)) {
    const principals = s.Principal === '*' ? ['*'] : list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS);
    const who = principals.some((p) => p === '*' || p === account || p.startsWith(`arn:aws:iam::${account}:`));
    const what = list(s.Action as string | string[]).some((a) => new RegExp(`^${a.replace(/\*/g, '.*')}$`, 'i').test(action));
    if (!who || !what) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

export async function startEcrServer(opts: EcrServerOptions): Promise<JsonServer> {
  const find = (region: string, registry: string, name: string): FakeRepository | undefined =>
    opts.repositories.find((r) => r.region === region && r.account === registry && r.name === name);
  const notFound = (name: string, registry: string): AwsFault =>
    new AwsFault('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registry}'`);
  const arn = (r: FakeRepository): string => `arn:aws:ecr:${r.region}:${r.account}:repository/${r.name}`;
  const describe = (r: FakeRepository): Record<string, unknown> => ({
    repositoryArn: arn(r),
    registryId: r.account,
    repositoryName: r.name,
    repositoryUri: `${r.account}.dkr.ecr.${r.region}.amazonaws.com/${r.name}`,
    createdAt: seconds('2025-06-01T12:00:00Z'),
    imageTagMutability: 'MUTABLE',
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: 'AES256' },
  });

  /** The repository a call is about, with cross-account access decided by its policy. */
  const repoFor = (op: string, body: Record<string, unknown>, region: string, caller: string): FakeRepository => {
    const name = body.repositoryName;
    if (typeof name !== 'string' || !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name) || name.length < 2 || name.length > 256) {
      throw new AwsFault('InvalidParameterException', `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
    }
    const registry = typeof body.registryId === 'string' ? body.registryId : caller;
    const r = find(region, registry, name);
    if (registry !== caller) {
      if (!r || !policyGrants(r.policy, caller, `ecr:${op}`)) {
        throw new AwsFault(
          'AccessDeniedException',
          `User: arn:aws:sts::${caller}:assumed-role/oncall/oncall-session is not authorized to perform: ecr:${op} on resource: arn:aws:ecr:${region}:${registry}:repository/${name} because no resource-based policy allows the ecr:${op} action`,
        );
      }
    }
    if (!r) throw notFound(name, registry);
    return r;
  };

  return startJsonServer('AmazonEC2ContainerRegistry_V20150921', (op, body, scope) => {
    const region = scope.region;
    const caller = opts.account;
    switch (op) {
      case 'DescribeRepositories': {
        const names = body.repositoryNames as string[] | undefined;
        const registry = typeof body.registryId === 'string' ? body.registryId : caller;
        let repos: FakeRepository[];
        if (names?.length) repos = names.map((n) => repoFor(op, { repositoryName: n, registryId: registry }, region, caller));
        else {
          if (registry !== caller) throw new AwsFault('AccessDeniedException', `User: arn:aws:sts::${caller}:assumed-role/oncall/oncall-session is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:${region}:${registry}:repository/*`);
          repos = opts.repositories.filter((r) => r.region === region && r.account === registry);
        }
        const size = Math.min(Number(body.maxResults ?? 100), opts.pageSize ?? 1000);
        const start = Number(body.nextToken ?? 0);
        const page = repos.slice(start, start + size);
        return { repositories: page.map(describe), ...(start + size < repos.length ? { nextToken: String(start + size) } : {}) };
      }
      case 'DescribeImages': {
        const r = repoFor(op, body, region, caller);
        const ids = body.imageIds as Array<{ imageTag?: string; imageDigest?: string }> | undefined;
        let found = r.images ?? [];
        if (ids?.length) {
          found = [];
          for (const id of ids) {
            const img = (r.images ?? []).find((i) => (id.imageDigest ? i.digest === id.imageDigest : true) && (id.imageTag ? i.tags.includes(id.imageTag) : true));
            if (!img) {
              throw new AwsFault(
                'ImageNotFoundException',
                `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${r.name}' in the registry with id '${r.account}'`,
              );
            }
            found.push(img);
          }
        }
        const size = Math.min(Number(body.maxResults ?? 100), opts.pageSize ?? 1000);
        const start = Number(body.nextToken ?? 0);
        const page = found.slice(start, start + size);
        return {
          imageDetails: page.map((i) => ({
            registryId: r.account,
            repositoryName: r.name,
            imageDigest: i.digest,
            imageTags: i.tags,
            imageSizeInBytes: i.sizeBytes ?? 31_457_280,
            imagePushedAt: seconds(i.pushedAt),
            imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            artifactMediaType: 'application/vnd.docker.container.image.v1+json',
          })),
          ...(start + size < found.length ? { nextToken: String(start + size) } : {}),
        };
      }
      case 'BatchGetImage': {
        const r = repoFor(op, body, region, caller);
        const ids = (body.imageIds as Array<{ imageTag?: string; imageDigest?: string }> | undefined) ?? [];
        const images: unknown[] = [];
        const failures: unknown[] = [];
        for (const id of ids) {
          const img = (r.images ?? []).find((i) => (id.imageDigest ? i.digest === id.imageDigest : true) && (id.imageTag ? i.tags.includes(id.imageTag) : true));
          if (img) images.push({ registryId: r.account, repositoryName: r.name, imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
          else failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        }
        return { images, failures };
      }
      case 'GetLifecyclePolicy': {
        const r = repoFor(op, body, region, caller);
        if (r.lifecyclePolicy === undefined) {
          throw new AwsFault('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${r.name}' in the registry with id '${r.account}'`);
        }
        return {
          registryId: r.account,
          repositoryName: r.name,
          lifecyclePolicyText: typeof r.lifecyclePolicy === 'string' ? r.lifecyclePolicy : JSON.stringify(r.lifecyclePolicy),
          lastEvaluatedAt: seconds('2026-11-22T03:00:00Z'),
        };
      }
      case 'GetRepositoryPolicy': {
        const r = repoFor(op, body, region, caller);
        if (r.policy === undefined) {
          throw new AwsFault('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${r.name}' in the registry with id '${r.account}'`);
        }
        return { registryId: r.account, repositoryName: r.name, policyText: typeof r.policy === 'string' ? r.policy : JSON.stringify(r.policy) };
      }
      case 'DescribePullThroughCacheRules': {
        const registry = typeof body.registryId === 'string' ? body.registryId : caller;
        const rules = (opts.pullThroughCacheRules ?? []).filter((p) => p.account === registry && p.region === region);
        const prefixes = body.ecrRepositoryPrefixes as string[] | undefined;
        if (prefixes?.length) {
          for (const p of prefixes) {
            if (!rules.some((r) => r.prefix === p)) {
              throw new AwsFault('PullThroughCacheRuleNotFoundException', `The pull through cache rule with prefix '${p}' does not exist in the registry with id '${registry}'`);
            }
          }
        }
        return {
          pullThroughCacheRules: rules
            .filter((r) => !prefixes?.length || prefixes.includes(r.prefix))
            .map((r) => ({ ecrRepositoryPrefix: r.prefix, upstreamRegistryUrl: r.upstream, registryId: r.account, createdAt: seconds('2025-01-01T00:00:00Z') })),
        };
      }
      default:
        throw new AwsFault('UnknownOperationException', `operation ${op} is not implemented by the test server`);
    }
  });
}
