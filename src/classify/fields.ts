// Turns a regex match into fields: merges `name_2` groups into `name`, copies strings so they do not pin
// the line they came from, and parses what can be parsed (image references, ARNs, HTTP statuses).
import type { Fields } from '../types.js';

/** V8 keeps a slice of 13+ characters attached to its parent string; a concatenation flattens into a copy. */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * Fields of a matched line: the rule's named groups first, then the fields every line may state in a
 * well-known way (agent key=value pairs, Docker and kubelet wording), so rules need not capture them.
 */
export function groupsToFields(groups: Record<string, string | undefined> | undefined, text?: string): Fields {
  const out: Fields = {};
  if (groups) {
    for (const [name, value] of Object.entries(groups)) {
      if (value === undefined || value === '') continue;
      const key = name.replace(/_\d+$/, '');
      if (out[key] === undefined) out[key] = detach(value);
    }
  }
  if (text !== undefined) for (const [k, v] of Object.entries(standardFields(text))) out[k] ??= v;
  return enrich(out);
}

/** key=value pairs the ECS agent writes in structured lines (facts sheet §6.3), and our field names for them. */
const LOGFMT_KEYS: Record<string, string> = {
  image: 'image',
  taskARN: 'taskArn',
  taskArn: 'taskArn',
  task: 'task',
  container: 'container',
  containerName: 'container',
  cluster: 'cluster',
  exitCode: 'exitCode',
  oomKilled: 'oomKilled',
  stopCode: 'stopCode',
};
const LOGFMT_PAIR = /(?:^|[\s{,])"?(image|taskARN|taskArn|task|container|containerName|cluster|exitCode|oomKilled|stopCode)"?[=:]("(?:[^"\\]|\\.)*"|[^\s",}]+)/g;
/** How Docker, containerd, kubelet and the agent name the image in prose. */
const IMAGE_PHRASES = [
  /(?:[Pp]ull(?:ing)? image|unpack image|resolve reference|[Ff]ailed to pull image) \\?"?([\w][\w.-]*(?::\d+)?\/[\w./-]+(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?)/,
  /pull access denied for ([\w][\w.-]*(?::\d+)?(?:\/[\w.-]+)+)/,
  /manifest for ([\w][\w.-]*(?::\d+)?\/[\w./-]+:[\w.-]+) not found/,
  /image (?:reference )?\\?"?([\w][\w.-]*\.[\w.-]+(?::\d+)?\/[\w./-]+(?::[\w.-]+)?)/,
];
const TASK_ARN_ANYWHERE = /arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task\/[\w/-]+/;
const URL_HOST = /https?:\/\/([\w.-]+\.[a-z]{2,}|\d+\.\d+\.\d+\.\d+)(?::\d+)?\//;

export function standardFields(text: string): Fields {
  const f: Fields = {};
  for (const m of text.matchAll(LOGFMT_PAIR)) {
    const key = LOGFMT_KEYS[m[1]!]!;
    if (f[key] !== undefined) continue;
    let v = m[2]!;
    if (v.startsWith('"')) {
      try {
        v = JSON.parse(v) as string;
      } catch {
        v = v.slice(1, -1);
      }
    }
    if (v !== '') f[key] = detach(v);
  }
  if (f.image === undefined) {
    for (const re of IMAGE_PHRASES) {
      const m = re.exec(text);
      if (m) {
        f.image = detach(m[1]!);
        break;
      }
    }
  }
  if (f.taskArn === undefined) {
    const m = TASK_ARN_ANYWHERE.exec(text);
    if (m) f.taskArn = detach(m[0]);
    else if (typeof f.task === 'string' && f.task.startsWith('arn:')) f.taskArn = f.task;
  }
  const host = URL_HOST.exec(text) ?? (text.includes('lookup ') ? LOOKUP_HOST.exec(text) : null);
  if (host) f.host = detach(host[1]!);
  // Each pattern only where its key word is: this runs for every matched line, and most lines have none.
  if (text.includes('arn:aws')) {
    const principal = PRINCIPAL_ARN.exec(text);
    if (principal) f.principal = detach(principal[0]);
    const resource = text.includes('not authorized') ? RESOURCE_ARN.exec(text) : null;
    if (resource) f.resource = detach(resource[1]!);
    const secret = text.includes(':secretsmanager:') ? SECRET_ARN.exec(text) : null;
    if (secret) f.secretArn = detach(secret[0]);
    const group = text.includes(':log-group:') ? LOG_GROUP.exec(text) : null;
    if (group) f.logGroup = detach(group[1] ?? group[2]!);
  }
  if (text.includes('parameter')) {
    const param = SSM_PARAMETER.exec(text);
    if (param) f.parameterName = detach(param[1] ?? param[2]!);
  }
  if (f.logGroup === undefined && text.includes('awslogs-group')) {
    const group = LOG_GROUP.exec(text);
    if (group) f.logGroup = detach(group[1] ?? group[2]!);
  }
  if (text.includes('Bind for') || text.includes(': bind')) {
    const port = HOST_PORT.exec(text);
    if (port) f.port = port[1] ?? port[2]!;
  }
  return f;
}

// The principal that was refused (`User: arn:... is not authorized`), the resource it was refused on, and the
// names AWS puts in ARNs: enough to fill `aws iam` and `aws secretsmanager` commands in the advice.
const PRINCIPAL_ARN = /arn:aws[\w-]*:(?:sts::\d{12}:assumed-role|iam::\d{12}:role)\/[\w+=,.@/-]+/;
const RESOURCE_ARN = /not authorized to perform:? [\w-]+:\w+ on resource:? (arn:aws[\w-]*:[\w-]+:[\w-]*:\d{12}:[\w+=,.@:/*-]+?)(?=[\s"\\,;]|\.?$| because)/;
const SECRET_ARN = /arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+/;
const SSM_PARAMETER = /arn:aws[\w-]*:ssm:[a-z0-9-]+:\d{12}:parameter(\/[\w/.-]+)|invalid parameters?: (\/?[\w/.-]+)/;
const LOG_GROUP = /:log-group:([\w/.#-]+?)(?::log-stream|:\*|[\s"\\,]|$)|awslogs-group[=:] ?\\?"?([\w/.#-]+)/;
/** `Bind for 0.0.0.0:80 failed` (Docker), `listen tcp 0.0.0.0:80: bind:` (Go). */
const HOST_PORT = /Bind for [\w.:[\]]*?:(\d{1,5}) failed|listen (?:tcp|udp)6? [\w.:[\]]*?:(\d{1,5}): bind/;
/** The host of a DNS lookup Go reports (`dial tcp: lookup HOST on 10.0.0.2:53: ...`). */
const LOOKUP_HOST = /lookup ([\w-]+(?:\.[\w-]+)+)(?: on [\w.:[\]]+)?: /;

export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  isEcr: boolean;
  ecrAccount?: string;
  ecrRegion?: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/** Splits an image reference the way Docker's reference parser does (docker.io and library/ defaults). */
export function parseImageRef(ref: string): ImageRef | undefined {
  // A URL form (scheme, and user:password@ in front of the host) is not part of the reference.
  const quoted = ref.trim().replace(/^["']|["',.;]$/g, '');
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@\s]+@)?/i.exec(quoted);
  const clean = url ? quoted.slice(url[0].length) : quoted;
  if (!clean || /\s/.test(clean)) return undefined;
  let rest = clean;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  let registry = 'docker.io';
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  const repository = registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  const ecr = ECR_HOST.exec(registry);
  const out: ImageRef = { registry, repository, isEcr: ecr !== null };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  if (ecr) {
    out.ecrAccount = ecr[1]!;
    out.ecrRegion = ecr[2]!;
  }
  return out;
}

const TASK_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):task\/(?:([^/]+)\/)?([a-f0-9-]+)$/;

function enrich(f: Fields): Fields {
  if (typeof f.image === 'string') {
    const ref = parseImageRef(f.image);
    if (ref) {
      f.image = ref.tag || ref.digest ? f.image.replace(/^["']|["',.;]$/g, '') : f.image;
      f.registry ??= ref.registry;
      f.repository ??= ref.repository;
      if (ref.tag !== undefined) f.tag ??= ref.tag;
      if (ref.digest !== undefined) f.digest ??= ref.digest;
      f.isEcr = ref.isEcr;
      if (ref.ecrAccount) f.ecrAccount = ref.ecrAccount;
      if (ref.ecrRegion) f.ecrRegion = ref.ecrRegion;
    }
  }
  if (typeof f.registry === 'string' && f.isEcr === undefined) {
    const ecr = ECR_HOST.exec(f.registry);
    if (ecr) {
      f.isEcr = true;
      f.ecrAccount = ecr[1]!;
      f.ecrRegion = ecr[2]!;
    }
  }
  if (typeof f.httpStatus === 'string' && /^\d{3}$/.test(f.httpStatus)) f.httpStatus = Number(f.httpStatus);
  if (typeof f.exitCode === 'string' && /^-?\d{1,10}$/.test(f.exitCode)) f.exitCode = Number(f.exitCode);
  if (f.oomKilled === 'true' || f.oomKilled === 'false') f.oomKilled = f.oomKilled === 'true';
  let taskRegion: string | undefined;
  let taskAccount: string | undefined;
  if (typeof f.taskArn === 'string') {
    const m = TASK_ARN.exec(f.taskArn);
    if (m) {
      f.taskId = m[4]!;
      if (m[3]) f.cluster ??= m[3];
      taskRegion = m[1];
      taskAccount = m[2];
    }
  }
  const role = typeof f.principal === 'string' ? roleOf(f.principal) : undefined;
  if (role) {
    f.roleName ??= role.name;
    f.roleArn ??= role.arn;
  }
  const res = typeof f.resource === 'string' ? ARN.exec(f.resource) : null;
  if (res && res[2] === 'ecr') {
    const repo = /^repository\/(.+)$/.exec(res[5]!);
    if (repo) {
      f.repositoryArn ??= f.resource as string;
      f.repository ??= repo[1]!;
      f.ecrAccount ??= res[4]!;
      f.ecrRegion ??= res[3]!;
    }
  }
  if (f.repositoryArn === undefined && f.isEcr === true && typeof f.repository === 'string') {
    f.repositoryArn = `arn:aws:ecr:${String(f.ecrRegion)}:${String(f.ecrAccount)}:repository/${f.repository}`;
  }
  // `account` and `region`: where the thing to fix lives - the registry, else the refused resource, else the task.
  const secret = typeof f.secretArn === 'string' ? ARN.exec(f.secretArn) : null;
  const account = f.ecrAccount ?? res?.[4] ?? secret?.[4] ?? taskAccount ?? (typeof f.principal === 'string' ? accountOf(f.principal) : undefined);
  const region = f.ecrRegion ?? (res?.[3] || undefined) ?? secret?.[3] ?? (typeof f.host === 'string' ? AWS_HOST_REGION.exec(f.host)?.[1] : undefined) ?? taskRegion;
  if (account !== undefined) f.account ??= account;
  if (region !== undefined) f.region ??= region;
  return f;
}

const ARN = /^arn:(aws[\w-]*):([\w-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;
const AWS_HOST_REGION = /\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The role behind a principal ARN. An assumed-role ARN drops the role's path, so the ARN rebuilt from it is
 * right only for roles without a path; the name is what the `aws iam` commands take.
 */
function roleOf(principal: string): { name: string; arn: string } | undefined {
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\//.exec(principal);
  if (assumed) return { name: assumed[3]!, arn: `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` };
  const role = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(principal);
  return role ? { name: role[1]!, arn: principal } : undefined;
}

function accountOf(arn: string): string | undefined {
  return /^arn:[\w-]+:[\w-]+:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1];
}
