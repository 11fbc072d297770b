// The configuration of ecs-triage: reads the config file, validates every value against its declaration
// (src/config/keys.ts), fills in defaults, applies flag overrides, and tells which keys changed on a reload.
// The only reader of config files.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { processEnv } from './env.js';
import { ConfigError, errorMessage } from './errors.js';
import { CONSTRAINTS, SCHEMA, type TriageConfig } from './config/keys.js';
import { flatten, Invalid, type AnyKey, type Reload } from './config/schema.js';
import { nearest } from './config/suggest.js';

export { SCHEMA, SINK_NAMES, LOG_LEVELS, type FileSourceConfig, type SinkName, type TriageConfig } from './config/keys.js';
export type { Reload } from './config/schema.js';

export const DEFAULT_CONFIG_FILE = '/etc/ecs-triage/config.yaml';

/** Every key with its dotted name, in declaration (README) order. */
export const KEYS = flatten(SCHEMA);
const BY_KEY = new Map(KEYS.map((k) => [k.key, k.spec]));
const SECTIONS = new Set(KEYS.filter((k) => k.key.includes('.')).map((k) => k.key.split('.')[0]!));

export function keySpec(key: string): AnyKey {
  const spec = BY_KEY.get(key);
  if (!spec) throw new Error(`no configuration key ${key}`);
  return spec;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

function getPath(obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Rejects keys the schema does not know, suggesting the nearest one: a typo must not be silently ignored. */
function checkUnknown(raw: Record<string, unknown>, file?: string, prefix = ''): void {
  for (const [k, v] of Object.entries(raw)) {
    const full = prefix + k;
    if (BY_KEY.has(full)) continue;
    if (!prefix && SECTIONS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      checkUnknown(v as Record<string, unknown>, file, `${k}.`);
      continue;
    }
    const candidates = prefix ? KEYS.map((x) => x.key) : [...new Set(KEYS.map((x) => x.key.split('.')[0]!))];
    const near = nearest(full, candidates);
    throw new ConfigError(`unknown key${near ? ` (did you mean ${near}?)` : ''}`, { ...(file ? { file } : {}), key: full });
  }
}

/**
 * Builds a configuration from a parsed document (may be empty) and overrides by dotted key (from flags).
 * A bad override is reported under its flag's name, a bad file value under the file and key.
 */
export function buildConfig(raw: unknown, overrides: Record<string, unknown> = {}, file?: string): TriageConfig {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`expected a mapping at the top level, got ${typeName(raw)}`, file ? { file } : {});
  }
  const doc = (raw ?? {}) as Record<string, unknown>;
  checkUnknown(doc, file);
  for (const k of Object.keys(overrides)) if (!BY_KEY.has(k)) throw new Error(`override of an undeclared key ${k}`);
  const out: Record<string, unknown> = {};
  for (const s of SECTIONS) out[s] = {};
  for (const { key, spec } of KEYS) {
    const fromFlag = overrides[key];
    const fromFile = getPath(doc, key);
    let value: unknown;
    if (fromFlag !== undefined) value = parseOrThrow(spec, fromFlag, { key: spec.flag ?? key });
    else if (fromFile !== undefined && fromFile !== null) value = parseOrThrow(spec, fromFile, { ...(file ? { file } : {}), key });
    else value = structuredClone(spec.default);
    if (value !== undefined) setPath(out, key, value);
  }
  const cfg = out as TriageConfig;
  const name = (key: string): string => (overrides[key] !== undefined ? (keySpec(key).flag ?? key) : key);
  for (const c of CONSTRAINTS) {
    const why = c.problem(cfg, name);
    if (why === undefined) continue;
    throw new ConfigError(why, { ...(file && overrides[c.key] === undefined ? { file } : {}), key: name(c.key) });
  }
  return cfg;
}

function parseOrThrow(spec: AnyKey, raw: unknown, where: { file?: string; key: string }): unknown {
  const v = spec.parse(raw);
  if (v instanceof Invalid) {
    // A list item's field is named in the reason as `[i].field: …`: fold it into the key.
    const m = /^(\[\d+\](?:\.\w+)?): (.*)$/s.exec(v.reason);
    throw new ConfigError(m ? m[2]! : v.reason, m ? { ...where, key: where.key + m[1]! } : where);
  }
  return v;
}

/** Every default: what runs with no config file and no flags. */
export function defaultConfig(): TriageConfig {
  return buildConfig(undefined);
}

export interface LoadedConfig {
  config: TriageConfig;
  /** The file read, if any. */
  file?: string;
  /** What was written for each key (file or flag), before resolution: `2h` stays `2h` however late it is read. */
  inputs: Record<string, unknown>;
}

/**
 * Reads the config file (`--config`, else $ECS_TRIAGE_CONFIG, else /etc/ecs-triage/config.yaml if it exists)
 * and applies flag overrides. A file named explicitly must exist; the default one may be absent.
 */
export async function loadConfig(opts: { file?: string; overrides?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? processEnv();
  const explicit = opts.file ?? env.ECS_TRIAGE_CONFIG;
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit !== undefined || code !== 'ENOENT') {
      throw new ConfigError(`cannot read config file: ${errorMessage(err)}`, { file }, { cause: err });
    }
  }
  let raw: unknown;
  if (text !== undefined) {
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`not valid YAML: ${errorMessage(err)}`, { file }, { cause: err });
    }
  }
  const overrides = { ...(opts.overrides ?? {}) };
  // The environment sits between the file and the flags.
  if (env.ECS_TRIAGE_LOG_LEVEL && overrides.logLevel === undefined) overrides.logLevel = env.ECS_TRIAGE_LOG_LEVEL;
  const config = buildConfig(raw, overrides, text !== undefined ? file : undefined);
  const inputs: Record<string, unknown> = {};
  for (const { key } of KEYS) {
    const v = overrides[key] ?? (raw !== null && typeof raw === 'object' ? getPath(raw as Record<string, unknown>, key) : undefined);
    if (v !== undefined) inputs[key] = v;
  }
  return text !== undefined ? { config, file, inputs } : { config, inputs };
}

/** The file sink's path once defaults are applied. */
export function fileSinkPath(cfg: TriageConfig): string {
  return cfg.fileSink.path ?? path.join(cfg.stateDir, 'events.jsonl');
}

/**
 * Keys whose values differ between two configurations, with when each takes effect. With the inputs of both,
 * a key written the same way is unchanged even when it resolves differently (`start.since: 2h` read later).
 */
export function changedKeys(
  before: TriageConfig,
  after: TriageConfig,
  inputs?: { before: Record<string, unknown>; after: Record<string, unknown> },
): Array<{ key: string; reload: Reload }> {
  const out: Array<{ key: string; reload: Reload }> = [];
  for (const { key, spec } of KEYS) {
    if (inputs && inputs.before[key] !== undefined && JSON.stringify(inputs.before[key]) === JSON.stringify(inputs.after[key])) continue;
    const a = getPath(before as unknown as Record<string, unknown>, key);
    const b = getPath(after as unknown as Record<string, unknown>, key);
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key, reload: spec.reload });
  }
  return out;
}

/** `current` with every key that SIGHUP applies taken from `next`; the others keep their running values. */
export function applyLive(current: TriageConfig, next: TriageConfig): TriageConfig {
  const out = structuredClone(current) as unknown as Record<string, unknown>;
  for (const { key, spec } of KEYS) {
    if (spec.reload !== 'live') continue;
    const v = getPath(next as unknown as Record<string, unknown>, key);
    if (v === undefined) deletePath(out, key);
    else setPath(out, key, structuredClone(v));
  }
  return out as unknown as TriageConfig;
}

function deletePath(obj: Record<string, unknown>, key: string): void {
  const parts = key.split('.');
  const parent = parts.length === 1 ? obj : (getPath(obj, parts.slice(0, -1).join('.')) as Record<string, unknown> | undefined);
  if (parent) delete parent[parts[parts.length - 1]!];
}
