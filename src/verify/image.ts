// ECR checks for each image the task pulls from ECR: the repository exists in the account and Region the URI names
// (and if not, where it does exist, or whether a pull-through cache rule creates it); the tag or digest exists, and
// if not, which lifecycle rule expired it; a repository of another account lets the task's account pull.
import {
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  BatchGetImageCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { items, text } from '../aws/ec2-query.js';
import { ecrImages } from './iam.js';
import { matchingRule, parseLifecyclePolicy, type RemainingImage } from './lifecycle.js';
import { imageRef, repositoryArn, type EcrImage } from './refs.js';
import { call, errName, guarded, result, type CheckResult, type VerifyContext } from './types.js';

/** Where to look for a repository missing from its Region when ec2:DescribeRegions cannot be asked. */
const FALLBACK_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'eu-south-1',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-south-1',
];
/** Regions probed at once when searching for a repository. */
const SEARCH_CONCURRENCY = 6;
/** Images listed for the lifecycle evidence, at most. */
const MAX_LISTED_IMAGES = 1000;

type RepoState = { state: 'exists' } | { state: 'missing' } | { state: 'denied'; err: unknown };

async function repoState(ctx: VerifyContext, img: EcrImage, region = img.region): Promise<RepoState> {
  return ctx.memo(`ecr:DescribeRepositories:${region}:${img.account}:${img.repository}`, async () => {
    const ecr = await ctx.clients.ecr(region);
    try {
      await call('ecr:DescribeRepositories', () => ecr.send(new DescribeRepositoriesCommand({ registryId: img.account, repositoryNames: [img.repository] })));
      return { state: 'exists' } as const;
    } catch (err) {
      if (errName(err) === 'RepositoryNotFoundException') return { state: 'missing' } as const;
      if (errName(err) === 'AccessDeniedException' && img.account !== ctx.task.account) return { state: 'denied', err } as const;
      throw err;
    }
  });
}

async function enabledRegions(ctx: VerifyContext): Promise<{ regions: string[]; from: string }> {
  return ctx.memo('ec2:DescribeRegions', async () => {
    try {
      const ec2 = await ctx.clients.ec2(ctx.task.region);
      const page = await ec2.call('DescribeRegions');
      const regions = items(page.regionInfo).map((r) => text(r.regionName)).filter((r): r is string => !!r);
      if (regions.length) return { regions, from: 'ec2:DescribeRegions' };
    } catch {
      // fall back to the list below
    }
    return { regions: FALLBACK_REGIONS, from: 'the commercial Regions (ec2:DescribeRegions not answered)' };
  });
}

/** The other Regions where the account has a repository of this name. */
async function findElsewhere(ctx: VerifyContext, img: EcrImage): Promise<{ found: string[]; searched: number; from: string }> {
  const { regions, from } = await enabledRegions(ctx);
  const others = regions.filter((r) => r !== img.region);
  const found: string[] = [];
  for (let i = 0; i < others.length; i += SEARCH_CONCURRENCY) {
    const batch = others.slice(i, i + SEARCH_CONCURRENCY);
    const states = await Promise.all(batch.map((r) => repoState(ctx, img, r).catch(() => ({ state: 'missing' }) as RepoState)));
    states.forEach((s, j) => s.state === 'exists' && found.push(batch[j]!));
  }
  return { found, searched: others.length, from };
}

async function pullThroughRule(ecr: ECRClient, img: EcrImage): Promise<string | undefined> {
  const prefix = img.repository.split('/')[0]!;
  if (prefix === img.repository) return undefined;
  try {
    const out = await ecr.send(new DescribePullThroughCacheRulesCommand({ registryId: img.account, ecrRepositoryPrefixes: [prefix] }));
    const rule = out.pullThroughCacheRules?.[0];
    return rule ? `pull-through cache rule for prefix ${prefix}/ → ${rule.upstreamRegistryUrl ?? 'upstream'}` : undefined;
  } catch {
    return undefined; // PullThroughCacheRuleNotFoundException, or not permitted: no rule to report
  }
}

export async function imageChecks(ctx: VerifyContext): Promise<CheckResult[]> {
  const images = ecrImages(ctx);
  const out: CheckResult[] = [];
  for (const img of images) {
    const suffix = images.length > 1 ? `:${imageRef(img)}` : '';
    const repoBase = { id: `ecr.repository${suffix}`, title: `Repository ${img.repository} exists in ${img.region} (account ${img.account})`, relatesTo: 'image_not_found' as const };
    let exists = false;
    out.push(
      ...(await guarded(repoBase, async () => {
        const st = await repoState(ctx, img);
        if (st.state === 'exists') {
          exists = true;
          return result({ ...repoBase, status: 'pass', detail: `Repository ${repositoryArn(img)} exists.`, evidence: [`ecr:DescribeRepositories ${img.repository} (registry ${img.account}, ${img.region}): found`] });
        }
        if (st.state === 'denied') {
          return result({
            ...repoBase,
            status: 'unknown',
            detail: `Not checked: account ${img.account} does not let this caller (account ${ctx.task.account}) describe its repositories; see the cross-account check.`,
            evidence: [`ecr:DescribeRepositories: ${errName(st.err)}`],
          });
        }
        const ecr = await ctx.clients.ecr(img.region);
        const ptc = await pullThroughRule(ecr, img);
        if (ptc) {
          return result({
            ...repoBase,
            status: 'pass',
            detail: `Repository ${img.repository} does not exist yet, but a pull-through cache rule creates it on the first pull.`,
            evidence: [`ecr:DescribeRepositories: RepositoryNotFoundException`, ptc, 'the pulling role also needs ecr:CreateRepository and ecr:BatchImportUpstreamImage for that first pull'],
          });
        }
        const elsewhere = await findElsewhere(ctx, img);
        const evidence = [
          `ecr:DescribeRepositories ${img.repository} (registry ${img.account}, ${img.region}): RepositoryNotFoundException`,
          `searched ${elsewhere.searched} other Region(s) from ${elsewhere.from}: ${elsewhere.found.length ? `found in ${elsewhere.found.join(', ')}` : 'not found'}`,
        ];
        if (elsewhere.found.length) {
          const there = elsewhere.found[0]!;
          return result({
            ...repoBase,
            status: 'fail',
            detail: `Repository ${img.repository} is not in ${img.region}, the Region the image URI names; it exists in ${elsewhere.found.join(', ')}.`,
            evidence,
            fix: [
              `Point the image at the Region that has it: ${img.account}.dkr.ecr.${there}.amazonaws.com/${imageRef(img)} (a cross-Region pull needs a network path to ECR in ${there}), or`,
              `replicate the repository to ${img.region} (aws ecr put-replication-configuration) and keep the URI.`,
            ],
          });
        }
        return result({
          ...repoBase,
          status: 'fail',
          detail: `Repository ${img.repository} does not exist in account ${img.account} in ${img.region} (nor in the other Regions searched): the name in the image URI is wrong, or the repository was deleted.`,
          evidence,
          fix: [`aws ecr describe-repositories --registry-id ${img.account} --region ${img.region} to list the names; fix the image URI, or create the repository and push the image.`],
        });
      })),
    );
    if (exists) out.push(...(await imageCheck(ctx, img, suffix)));
    if (img.account !== ctx.task.account) out.push(...(await crossAccountCheck(ctx, img, suffix)));
  }
  return out;
}

async function imageCheck(ctx: VerifyContext, img: EcrImage, suffix: string): Promise<CheckResult[]> {
  const base = { id: `ecr.image${suffix}`, title: `Image ${imageRef(img)} exists`, relatesTo: 'image_not_found' as const };
  return guarded(base, async () => {
    const ecr = await ctx.clients.ecr(img.region);
    const id = img.digest ? { imageDigest: img.digest } : { imageTag: img.tag! };
    try {
      const out = await call('ecr:DescribeImages', () => ecr.send(new DescribeImagesCommand({ registryId: img.account, repositoryName: img.repository, imageIds: [id] })));
      const d = out.imageDetails?.[0];
      return result({
        ...base,
        status: 'pass',
        detail: `${imageRef(img)} is in the repository${d?.imagePushedAt ? ` (pushed ${d.imagePushedAt.toISOString()})` : ''}.`,
        evidence: [`ecr:DescribeImages ${imageRef(img)}: ${d?.imageDigest ?? 'found'}`],
      });
    } catch (err) {
      if (errName(err) !== 'ImageNotFoundException') throw err;
    }
    const evidence = [`ecr:DescribeImages ${imageRef(img)}: ImageNotFoundException`];
    let policyText: string | undefined;
    try {
      policyText = (await call('ecr:GetLifecyclePolicy', () => ecr.send(new GetLifecyclePolicyCommand({ registryId: img.account, repositoryName: img.repository })))).lifecyclePolicyText;
    } catch (err) {
      if (errName(err) !== 'LifecyclePolicyNotFoundException') {
        evidence.push(`ecr:GetLifecyclePolicy: ${errName(err) || 'failed'} (cannot say whether a lifecycle rule removed it)`);
      } else {
        evidence.push('ecr:GetLifecyclePolicy: LifecyclePolicyNotFoundException (no lifecycle policy)');
      }
    }
    const missing = `${imageRef(img)} is not in repository ${img.repository}`;
    if (policyText) {
      const remaining = await listImages(ecr, img);
      let match;
      try {
        match = matchingRule(parseLifecyclePolicy(policyText), img.digest ? undefined : img.tag, remaining);
      } catch {
        evidence.push('ecr:GetLifecyclePolicy: the policy text is not valid JSON');
      }
      if (match) {
        evidence.push(`lifecycle policy ${match.reading}`, match.now);
        return result({
          ...base,
          status: 'fail',
          detail: `${missing}: lifecycle ${match.reading.split(':')[0]} selects it and most likely expired it.`,
          evidence,
          fix: [
            `Deploy an image that exists (aws ecr describe-images --repository-name ${img.repository} --registry-id ${img.account}), or push ${img.tag ?? img.digest} again.`,
            `Keep images in use: narrow ${match.reading.split(':')[0]} (e.g. a tag prefix for releases only, a higher count), and deploy by digest.`,
          ],
        });
      }
      evidence.push(`no rule of the lifecycle policy selects ${img.tag ? `tag ${img.tag}` : 'this digest'}`);
    }
    return result({
      ...base,
      status: 'fail',
      detail: `${missing}: it was never pushed, or it was deleted by hand or moved to another tag (no lifecycle rule selects it).`,
      evidence,
      fix: [`Push ${imageRef(img)} or change the task definition to a tag that exists (aws ecr describe-images --repository-name ${img.repository} --registry-id ${img.account}).`],
    });
  });
}

async function listImages(ecr: ECRClient, img: EcrImage): Promise<RemainingImage[]> {
  const out: RemainingImage[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecr.send(new DescribeImagesCommand({ registryId: img.account, repositoryName: img.repository, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
      for (const d of page.imageDetails ?? []) out.push({ tags: d.imageTags ?? [], ...(d.imagePushedAt ? { pushedAt: d.imagePushedAt.toISOString() } : {}) });
      nextToken = page.nextToken;
    } while (nextToken && out.length < MAX_LISTED_IMAGES);
  } catch {
    // evidence only
  }
  return out;
}

const PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether a repository policy grants an account (its root, any principal in it, or `*`) the pull actions. */
export function grantsPull(policyText: string, account: string, roleArn?: string): { granted: boolean; reading: string } {
  const doc = JSON.parse(policyText) as { Statement?: unknown };
  const missing = new Set(PULL_ACTIONS);
  for (const s of list(doc.Statement as Array<Record<string, unknown>>)) {
    if (s.Effect !== 'Allow') continue;
    const p = s.Principal;
    const principals = p === '*' ? ['*'] : list((p as { AWS?: string | string[] } | undefined)?.AWS);
    const who = principals.some((x) => x === '*' || x === account || x === `arn:aws:iam::${account}:root` || (roleArn !== undefined && x === roleArn));
    if (!who) continue;
    for (const a of list(s.Action as string | string[])) for (const want of PULL_ACTIONS) if (new RegExp(`^${a.replace(/\*/g, '.*')}$`, 'i').test(want)) missing.delete(want);
  }
  return missing.size === 0
    ? { granted: true, reading: `the policy allows account ${account} ${PULL_ACTIONS.join(' and ')}` }
    : { granted: false, reading: `no statement allows account ${account} ${[...missing].join(' and ')}` };
}

async function crossAccountCheck(ctx: VerifyContext, img: EcrImage, suffix: string): Promise<CheckResult[]> {
  const base = { id: `ecr.cross-account${suffix}`, title: `Repository ${img.repository} of account ${img.account} lets account ${ctx.task.account} pull`, relatesTo: 'registry_auth_denied' as const };
  return guarded(base, async () => {
    const ecr = await ctx.clients.ecr(img.region);
    const fix = [
      `In account ${img.account}: aws ecr set-repository-policy --repository-name ${img.repository} --policy-text '{"Version":"2012-10-17","Statement":[{"Sid":"AllowPullFrom${ctx.task.account}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ctx.task.account}:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}'`,
      `The role in account ${ctx.task.account} also needs ecr:GetAuthorizationToken on * and the pull actions on ${repositoryArn(img)} in its own policies.`,
    ];
    const evidence: string[] = [];
    try {
      const out = await call('ecr:GetRepositoryPolicy', () => ecr.send(new GetRepositoryPolicyCommand({ registryId: img.account, repositoryName: img.repository })));
      const grant = grantsPull(out.policyText ?? '{}', ctx.task.account, ctx.task.taskDefinition?.executionRoleArn);
      return result({
        ...base,
        status: grant.granted ? 'pass' : 'fail',
        detail: grant.granted ? `Account ${img.account}'s repository policy lets account ${ctx.task.account} pull.` : `Account ${img.account}'s repository policy does not let account ${ctx.task.account} pull: ${grant.reading}.`,
        evidence: [`ecr:GetRepositoryPolicy ${img.repository} (registry ${img.account}): ${grant.reading}`],
        ...(grant.granted ? {} : { fix }),
      });
    } catch (err) {
      if (errName(err) === 'RepositoryPolicyNotFoundException') {
        return result({
          ...base,
          status: 'fail',
          detail: `Repository ${img.repository} in account ${img.account} has no repository policy: no principal outside account ${img.account} may pull from it.`,
          evidence: [`ecr:GetRepositoryPolicy ${img.repository} (registry ${img.account}): RepositoryPolicyNotFoundException`],
          fix,
        });
      }
      if (errName(err) === 'RepositoryNotFoundException') throw err;
      if (errName(err) !== 'AccessDeniedException') throw err;
      evidence.push(`ecr:GetRepositoryPolicy ${img.repository} (registry ${img.account}): AccessDeniedException (a policy granting only pulls does not grant reading it)`);
    }
    // The policy is not readable from here: try a pull-side read with the caller's own credentials.
    try {
      const id = img.digest ? { imageDigest: img.digest } : { imageTag: img.tag! };
      await call('ecr:BatchGetImage', () => ecr.send(new BatchGetImageCommand({ registryId: img.account, repositoryName: img.repository, imageIds: [id], acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'] })));
      evidence.push(`ecr:BatchGetImage as the caller (account ${ctx.task.account}): allowed`);
      return result({
        ...base,
        status: 'pass',
        detail: `Account ${img.account} lets account ${ctx.task.account} read ${imageRef(img)} (checked with the caller's credentials); if the policy names single principals, it must name the task's role.`,
        evidence,
      });
    } catch (err) {
      if (errName(err) !== 'AccessDeniedException') throw err;
      evidence.push(`ecr:BatchGetImage as the caller (account ${ctx.task.account}): AccessDeniedException`);
    }
    const ecsSaid = ctx.ecsTexts.find((t) => /no resource-based policy allows the ecr:(?:BatchGetImage|GetDownloadUrlForLayer)|\b403 Forbidden\b|\bdenied\b/i.test(t));
    if (ecsSaid) evidence.push(`ECS recorded: ${ecsSaid.length > 300 ? `${ecsSaid.slice(0, 297)}...` : ecsSaid}`);
    return result({
      ...base,
      status: ecsSaid ? 'fail' : 'unknown',
      detail: ecsSaid
        ? `Account ${img.account} does not let account ${ctx.task.account} read repository ${img.repository}: its repository policy is missing or does not name account ${ctx.task.account} (the pull was refused, and so were this caller's reads).`
        : `Not checked: account ${img.account}'s repository policy cannot be read from account ${ctx.task.account}; check it there (aws ecr get-repository-policy --registry-id ${img.account} --repository-name ${img.repository}).`,
      evidence,
      ...(ecsSaid ? { fix } : {}),
    });
  });
}
