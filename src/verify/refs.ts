// Reading the references a task definition holds: ECR image URIs, secret and parameter ARNs, log groups, role ARNs.
// Pure functions; each returns undefined for what it does not recognise.

export interface EcrImage {
  account: string;
  region: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** The image as written. */
  uri: string;
}

/** `ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/REPO[:TAG][@sha256:…]` (also the dual-stack `.on.aws` form). */
const ECR_URI = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.(?:amazonaws\.com(?:\.cn)?|on\.aws)\/([a-z0-9][a-z0-9._/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

export function parseEcrImage(image: string): EcrImage | undefined {
  const m = ECR_URI.exec(image.trim());
  if (!m) return undefined;
  const img: EcrImage = { account: m[1]!, region: m[2]!, repository: m[3]!, uri: image.trim() };
  if (m[4]) img.tag = m[4];
  if (m[5]) img.digest = m[5];
  if (!img.tag && !img.digest) img.tag = 'latest';
  return img;
}

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

export function repositoryArn(img: EcrImage): string {
  return `arn:${partitionOf(img.region)}:ecr:${img.region}:${img.account}:repository/${img.repository}`;
}

export function imageRef(img: EcrImage): string {
  return img.digest ? `${img.repository}@${img.digest}` : `${img.repository}:${img.tag}`;
}

export type SecretRef =
  | { kind: 'secretsmanager'; region: string; account: string; name: string; arn: string; /** As written, with JSON key / version parts. */ valueFrom: string }
  | { kind: 'ssm'; region: string; account: string; name: string; arn: string; valueFrom: string };

const SECRET_ARN = /^arn:(aws[\w-]*):secretsmanager:([\w-]+):(\d{12}):secret:([^:]+)(?::.*)?$/;
const PARAMETER_ARN = /^arn:(aws[\w-]*):ssm:([\w-]+):(\d{12}):parameter(\/.*)$/;

/**
 * A `valueFrom`: a Secrets Manager ARN (`…:secret:NAME-AbCdEf`, optionally `:json-key:version-stage:version-id`),
 * a Parameter Store ARN, or a parameter name (then in the task's Region and account), as ECS reads them.
 */
export function parseSecretRef(valueFrom: string, taskRegion: string, taskAccount: string): SecretRef {
  const s = SECRET_ARN.exec(valueFrom);
  if (s) {
    const [, partition, region, account, name] = s as unknown as [string, string, string, string, string];
    return { kind: 'secretsmanager', region, account, name, arn: `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`, valueFrom };
  }
  const p = PARAMETER_ARN.exec(valueFrom);
  if (p) {
    const [, , region, account, rest] = p as unknown as [string, string, string, string, string];
    // A parameter path `/a/b` has the ARN `parameter/a/b`; a plain name `a` has `parameter/a`.
    return { kind: 'ssm', region, account, name: rest.split('/').length > 2 ? rest : rest.slice(1), arn: valueFrom, valueFrom };
  }
  const name = valueFrom;
  const arn = `arn:${partitionOf(taskRegion)}:ssm:${taskRegion}:${taskAccount}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  return { kind: 'ssm', region: taskRegion, account: taskAccount, name, arn, valueFrom };
}

const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:([\w+=,.@/-]*)\/)?([\w+=,.@-]+)$/;

export function roleName(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[4];
}

export function accountOfRole(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[2];
}
