// The Logs Insights query pack: named queries in queries/*.yaml, validated on load, with the
// substitutions the commands make (a cluster filter, an instance id, a task id). Embedded in the bundle when built
// (`__EMBEDDED_QUERIES__`), read from the checkout or the npm package otherwise.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError, UsageError } from '../errors.js';
import { INSIGHTS_MAX_QUERY_CHARS, QUERY_DEFINITION_MAX_NAME_CHARS } from '../cloudwatch-limits.js';

declare const __EMBEDDED_QUERIES__: Record<string, string> | undefined;

/** Saved query definitions go into this folder of the Logs Insights console. */
export const QUERY_FOLDER = 'ecs-triage';
const PARAMS = ['instance', 'task'] as const;
type Param = (typeof PARAMS)[number];
/** What a saved query carries where a parameter goes; the engineer edits it in the console. */
const SAVED_PLACEHOLDER: Record<Param, string> = { instance: 'i-0123456789abcdef0', task: '0123456789abcdef0123456789abcdef' };
const KEYS = new Set(['name', 'title', 'description', 'since', 'params', 'query']);

export interface PackQuery {
  name: string;
  title: string;
  description: string;
  /** Default time range for `insights` (e.g. 1h). */
  since: string;
  params: Param[];
  query: string;
  file: string;
}

function findPackDir(): string | undefined {
  // src/aws/query-pack.ts → ../../queries; dist/ecs-triage.mjs → ../queries
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'queries');
    if (existsSync(path.join(candidate, 'top-causes-by-cluster.yaml'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

export function parseQueryFile(file: string, text: string): PackQuery {
  const bad = (key: string, why: string): never => {
    throw new ConfigError(why, { file, key });
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`not valid YAML: ${(err as Error).message}`, { file });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('must be a mapping', { file });
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) bad(k, `unknown key (allowed: ${[...KEYS].join(', ')})`);
  const str = (k: string): string => (typeof o[k] === 'string' && (o[k] as string).trim() ? (o[k] as string).trim() : bad(k, 'required string'));
  const name = str('name');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) bad('name', 'use lower-case letters, digits and dashes');
  const base = path.basename(file).replace(/\.ya?ml$/, '').replace(/^embedded:/, '');
  if (base !== name) bad('name', `must match the file name (${base})`);
  const title = str('title');
  if (`${QUERY_FOLDER}/${title}`.length > QUERY_DEFINITION_MAX_NAME_CHARS) bad('title', 'too long for a query definition name');
  const query = str('query');
  if (query.length > INSIGHTS_MAX_QUERY_CHARS) bad('query', `longer than ${INSIGHTS_MAX_QUERY_CHARS} characters`);
  const params = (o.params ?? []) as unknown;
  if (!Array.isArray(params) || !params.every((p) => (PARAMS as readonly string[]).includes(p as string))) bad('params', `allowed: ${PARAMS.join(', ')}`);
  for (const p of PARAMS) {
    const used = query.includes(`{{${p}}}`);
    if (used !== (params as string[]).includes(p)) bad('params', `{{${p}}} is ${used ? 'used but not declared' : 'declared but not used'}`);
  }
  const since = o.since === undefined ? '1h' : str('since');
  if (!/^\d+[mhdw]$/.test(since)) bad('since', 'a duration like 30m, 1h, 7d');
  return { name, title, description: o.description === undefined ? '' : str('description'), since, params: params as Param[], query, file };
}

export async function loadQueryPack(dir?: string): Promise<PackQuery[]> {
  let files: Array<{ name: string; text: string }>;
  if (!dir && typeof __EMBEDDED_QUERIES__ === 'object' && __EMBEDDED_QUERIES__ !== null) {
    files = Object.entries(__EMBEDDED_QUERIES__).map(([name, text]) => ({ name: `embedded:${name}`, text }));
  } else {
    const d = dir ?? findPackDir();
    if (!d) throw new ConfigError('the query pack (queries/*.yaml) was not found next to the program', {}, { hint: 'pass --dir DIR' });
    const names = (await readdir(d)).filter((n) => /\.ya?ml$/.test(n)).sort();
    files = await Promise.all(names.map(async (n) => ({ name: path.join(d, n), text: await readFile(path.join(d, n), 'utf8') })));
  }
  const pack = files.map((f) => parseQueryFile(f.name, f.text));
  const seen = new Set<string>();
  for (const q of pack) {
    if (seen.has(q.name)) throw new ConfigError(`duplicate query name ${q.name}`, { file: q.file });
    seen.add(q.name);
  }
  return pack;
}

/** Values go inside a double-quoted Insights string: refuse what could break out of it. */
function quoteSafe(what: string, v: string): string {
  if (!/^[A-Za-z0-9_.:/@+-]{1,512}$/.test(v)) throw new UsageError(`${what} ${JSON.stringify(v)} has characters a query cannot carry safely`);
  return v;
}

/** A task ARN or id → the id, which goes inside a regex (`/ID/`): only the characters task ids have. */
function taskIdSafe(v: string): string {
  const id = v.slice(v.lastIndexOf('/') + 1);
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new UsageError(`task ${JSON.stringify(v)} is not a task ARN or id`);
  return id;
}

/** The query as `insights` runs it: parameters filled in, and an optional cluster filter in front. */
export function renderQuery(q: PackQuery, opts: { cluster?: string; instance?: string; task?: string }): string {
  let text = q.query;
  if (q.params.includes('instance')) {
    if (!opts.instance) throw new UsageError(`query ${q.name} needs --instance ID`);
    text = text.replaceAll('{{instance}}', quoteSafe('instance', opts.instance));
  }
  if (q.params.includes('task')) {
    if (!opts.task) throw new UsageError(`query ${q.name} needs --task ARN_OR_ID`);
    text = text.replaceAll('{{task}}', taskIdSafe(opts.task));
  }
  if (opts.cluster) text = `filter cluster = "${quoteSafe('cluster', opts.cluster)}"\n| ${text}`;
  return text;
}

/** The query as saved in the console: placeholders replaced by an example value to edit. */
export function savedQuery(q: PackQuery): { name: string; queryString: string } {
  let text = q.query;
  for (const p of q.params) text = `# edit the ${p} below\n` + text.replaceAll(`{{${p}}}`, SAVED_PLACEHOLDER[p]);
  return { name: `${QUERY_FOLDER}/${q.title}`, queryString: text };
}
