// What the host's Docker and ECS agent configuration say about disk use: Docker's data root and default
// log options (/etc/docker/daemon.json), and the agent's cleanup settings (/etc/ecs/ecs.config).
import type { Host } from '../host.js';
import { readOptional, readOptionalJson } from './host-files.js';
import type { Skipped } from './types.js';

export const DEFAULT_DATA_ROOT = '/var/lib/docker';
const DAEMON_JSON = '/etc/docker/daemon.json';
const ECS_CONFIG = '/etc/ecs/ecs.config';

export interface DaemonConfig {
  /** Host path of Docker's data root. */
  dataRoot: string;
  logDriver: string;
  /** daemon.json `log-opts` (string → string), applied to containers using the default driver. */
  logOpts: Record<string, string>;
}

/** Reads daemon.json. Missing is normal (ECS-optimized AMIs ship none); anything unreadable is a skip, not a crash. */
export async function readDaemonConfig(host: Host, skipped: Skipped[]): Promise<DaemonConfig> {
  const config: DaemonConfig = { dataRoot: DEFAULT_DATA_ROOT, logDriver: 'json-file', logOpts: {} };
  const parsed = await readOptionalJson(host, DAEMON_JSON, skipped, '; using Docker defaults');
  if (parsed === undefined) return config;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    skipped.push({ path: DAEMON_JSON, reason: 'not a JSON object; using Docker defaults' });
    return config;
  }
  const obj = parsed as Record<string, unknown>;
  const dataRoot = obj['data-root'] ?? obj['graph']; // `graph` is the pre-17.05 name of data-root
  if (typeof dataRoot === 'string' && dataRoot.startsWith('/')) config.dataRoot = dataRoot.replace(/\/+$/, '') || '/';
  else if (dataRoot !== undefined) skipped.push({ path: `${DAEMON_JSON}: data-root`, reason: 'not an absolute path; using /var/lib/docker' });
  if (typeof obj['log-driver'] === 'string' && obj['log-driver']) config.logDriver = obj['log-driver'];
  const opts = obj['log-opts'];
  if (typeof opts === 'object' && opts !== null && !Array.isArray(opts)) {
    for (const [k, v] of Object.entries(opts)) {
      // dockerd refuses non-string values; we keep what it would accept and say what we dropped.
      if (typeof v === 'string') config.logOpts[k] = v;
      else skipped.push({ path: `${DAEMON_JSON}: log-opts.${k}`, reason: 'value is not a string (dockerd rejects this file)' });
    }
  } else if (opts !== undefined) {
    skipped.push({ path: `${DAEMON_JSON}: log-opts`, reason: 'not an object' });
  }
  return config;
}

/** The agent settings that govern image and stopped-container cleanup; other keys (auth data) are never read into memory we keep. */
const CLEANUP_KEYS = [
  'ECS_DISABLE_IMAGE_CLEANUP',
  'ECS_IMAGE_CLEANUP_INTERVAL',
  'ECS_IMAGE_MINIMUM_CLEANUP_AGE',
  'ECS_NUM_IMAGES_DELETE_PER_CYCLE',
  'ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION',
] as const;
export type CleanupSettings = Partial<Record<(typeof CLEANUP_KEYS)[number], string>>;

/** Parses ecs.config the way ecs-init does: split each line at the first `=`, no quotes, no comments. */
export async function readCleanupSettings(host: Host, skipped: Skipped[]): Promise<CleanupSettings> {
  const out: CleanupSettings = {};
  const text = await readOptional(host, ECS_CONFIG, skipped);
  if (text === undefined) return out;
  for (const line of text.trim().split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    if ((CLEANUP_KEYS as readonly string[]).includes(key)) out[key as (typeof CLEANUP_KEYS)[number]] = line.slice(eq + 1).trim();
  }
  return out;
}
