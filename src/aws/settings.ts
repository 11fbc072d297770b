// Where every AWS call of every command goes, decided the way the AWS CLI and SDKs decide it: the named profile
// (`--profile`, then AWS_PROFILE), the Region (`--region`, AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in
// ~/.aws/config, then IMDS on an instance), and the endpoint (`--endpoint-url`, AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL, the profile's `endpoint_url`). Resolved once, explicitly, so errors can say where a value came from.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { processEnv } from '../env.js';

/** The SDK's service ids (sdkId), as the AWS_ENDPOINT_URL_<ID> variables spell them. */
export type AwsService = 'ECS' | 'SSM' | 'CloudWatch Logs' | 'ECR' | 'IAM' | 'EC2' | 'Secrets Manager' | 'KMS';

/** The flags every command that calls AWS accepts. */
export interface AwsFlags {
  region?: string;
  profile?: string;
  /** `--endpoint-url` (or its older alias `--endpoint`). */
  endpointUrl?: string;
}

export interface AwsContext {
  region: string;
  /** Where the Region came from, for messages: `--region`, `AWS_REGION`, `profile prod (~/.aws/config)`, `IMDS`. */
  regionFrom: string;
  /** The named profile in force (flag or AWS_PROFILE); undefined means the SDK's default chain. */
  profile?: string;
  /** The endpoint for a service, when one is configured; otherwise the SDK's Regional endpoint. */
  endpointFor(service: AwsService): string | undefined;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Ask IMDS for the Region when nothing else names one (commands that run on container instances). */
  imds?: boolean;
  /** The config key or flag the error hint should name when no Region is found. */
  regionHint?: string;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** `[default]`, `[profile NAME]` (config file) and `[NAME]` (credentials file) sections → key/value maps. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    // Indented lines continue a nested block (`s3 =` then `  max_concurrent_requests = 20`): not profile keys.
    if (/^\s/.test(raw) && raw.trim() !== '') continue;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (section) {
      const name = section[1]!.replace(/\s+/g, ' ');
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !current) continue;
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).replace(/\s[#;].*$/, '').trim());
  }
  return sections;
}

async function readIni(file: string): Promise<Map<string, Map<string, string>> | undefined> {
  try {
    return parseIni(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

export function sharedConfigFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  return {
    config: env.AWS_CONFIG_FILE || path.join(home(env), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home(env), '.aws', 'credentials'),
  };
}

/** The profile's keys from the config file (`[profile NAME]`, or `[default]`), then the credentials file (`[NAME]`). */
export async function readProfile(name: string, env: NodeJS.ProcessEnv): Promise<{ keys: Map<string, string>; found: boolean; file: string }> {
  const files = sharedConfigFiles(env);
  const [config, credentials] = await Promise.all([readIni(files.config), readIni(files.credentials)]);
  const fromConfig = config?.get(name === 'default' ? 'default' : `profile ${name}`) ?? (name === 'default' ? undefined : config?.get(name));
  const fromCredentials = credentials?.get(name);
  const keys = new Map<string, string>([...(fromCredentials ?? []), ...(fromConfig ?? [])]);
  return { keys, found: fromConfig !== undefined || fromCredentials !== undefined, file: files.config };
}

/** The `region` of the profile in force (AWS_PROFILE, else `default`), for code that resolves the rest itself. */
export async function profileRegion(env: NodeJS.ProcessEnv = processEnv()): Promise<string | undefined> {
  return (await readProfile(env.AWS_PROFILE || 'default', env)).keys.get('region') || undefined;
}

function envEndpoint(env: NodeJS.ProcessEnv, service: AwsService): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/ /g, '_')}`] || env.AWS_ENDPOINT_URL || undefined;
}

function checkUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${what}: not a URL: ${url}`, { hint: 'give the scheme too, e.g. https://vpce-0123-abcd.ecr.us-east-1.vpce.amazonaws.com' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`${what}: expected an http(s) URL, got ${url}`);
  return url.replace(/\/+$/, '');
}

export async function resolveAwsContext(flags: AwsFlags, opts: ResolveOptions = {}): Promise<AwsContext> {
  const env = opts.env ?? processEnv();
  const profile = flags.profile || env.AWS_PROFILE || undefined;
  const { keys, found, file } = await readProfile(profile ?? 'default', env);
  if (profile && !found) {
    throw new ConfigError(`the profile ${JSON.stringify(profile)} is not in ${file} nor in the credentials file`, {}, {
      hint: `${flags.profile ? '--profile' : 'AWS_PROFILE'} must name a profile of ${file} (see \`aws configure list-profiles\`)`,
    });
  }
  const explicit = flags.endpointUrl ? checkUrl(flags.endpointUrl, '--endpoint-url') : undefined;
  const ignoreConfigured = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true';
  const profileEndpoint = keys.get('endpoint_url') || undefined;
  const endpointFor = (service: AwsService): string | undefined => {
    if (explicit) return explicit;
    if (ignoreConfigured) return undefined;
    const configured = envEndpoint(env, service) ?? profileEndpoint;
    return configured ? checkUrl(configured, `endpoint for ${service}`) : undefined;
  };

  let region: string | undefined;
  let regionFrom = '';
  const take = (value: string | undefined, from: string): void => {
    if (!region && value) {
      region = value.trim();
      regionFrom = from;
    }
  };
  take(flags.region, '--region');
  take(env.AWS_REGION, 'AWS_REGION');
  take(env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION');
  take(keys.get('region'), `profile ${profile ?? 'default'} (${file})`);
  if (!region && opts.imds) {
    const { resolveIdentity } = await import('./identity.js');
    take((await resolveIdentity({ env, timeoutMs: 500 })).region, 'IMDS');
  }
  if (!region) {
    throw new ConfigError('no AWS Region: not given, not in AWS_REGION or AWS_DEFAULT_REGION, not in the profile' + (opts.imds ? ', and IMDS did not answer' : ''), {}, {
      hint: opts.regionHint ?? `pass --region, set AWS_REGION, or set region for the profile in ${file}`,
    });
  }
  if (!REGION.test(region)) throw new UsageError(`${regionFrom}: not an AWS Region: ${region}`, { hint: 'Regions look like us-east-1 or eu-west-3' });
  return { region, regionFrom, ...(profile ? { profile } : {}), endpointFor };
}
