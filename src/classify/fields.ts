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
};
const LOGFMT_PAIR = /(?:^|[\s{,])"?(image|taskARN|taskArn|task|container|containerName|cluster)"?[=:]("(?:[^"\\]|\\.)*"|[^\s",}]+)/g;
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
  const host = URL_HOST.exec(text);
  if (host) f.host = detach(host[1]!);
  return f;
}

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
  if (typeof f.taskArn === 'string') {
    const m = TASK_ARN.exec(f.taskArn);
    if (m) {
      f.taskId = m[4]!;
      if (m[3]) f.cluster ??= m[3];
    }
  }
  return f;
}
