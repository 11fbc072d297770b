// Walks `<data-root>/containers/*/` and learns, per container, how many bytes of json-file logs it keeps and
// whether anything bounds them. Sizes come from stat (the file length, as `ls -l` and Docker's own max-size
// accounting see it); log contents are never opened. Containers come and go while we look: anything that
// vanishes or cannot be read becomes a skipped item with its reason, and the walk goes on.
//
// Per container the calls are synchronous: fs.promises.readFile costs ~0.2 ms per small file here (several
// thread-pool round trips), readFileSync ~0.01 ms, so 1,000 containers take ~50 ms instead of ~500 ms.
// The walk yields to the event loop between batches so a long-running `watch` stays responsive.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { displayPath, hostPath, type Host } from '../host.js';
import { errorMessage } from '../errors.js';
import type { DaemonConfig } from './daemon-config.js';
import { parseSize } from '../base/grammar.js';
import type { ContainerLogState, EcsAttribution, LogLimits, Skipped } from './types.js';

const LOG_FILE = /-json\.log(?:\.\d+(?:\.gz)?)?$/;
const ECS_LABELS: Record<string, keyof EcsAttribution> = {
  'com.amazonaws.ecs.task-arn': 'taskArn',
  'com.amazonaws.ecs.container-name': 'containerName',
  'com.amazonaws.ecs.cluster': 'cluster',
  'com.amazonaws.ecs.task-definition-family': 'family',
  'com.amazonaws.ecs.task-definition-version': 'revision',
};

export interface ContainerWalk {
  containers: ContainerLogState[];
  skipped: Skipped[];
}

function reasonFor(err: unknown, what: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `${what} vanished while checking (container removed or log rotated)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied reading ${what} (run as root)`;
    default:
      return `cannot read ${what}: ${errorMessage(err)}`;
  }
}

type JsonObject = Record<string, unknown>;
function asObject(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** Docker's metadata files are a few KiB; anything this big is not one. */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

/**
 * Reads a small regular file. O_NONBLOCK and the fstat guard keep a FIFO, a device or a huge file planted in
 * a bundle from hanging the check or filling memory.
 */
function readSmallFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    if (st.size > MAX_METADATA_BYTES) throw Object.assign(new Error(`${st.size} bytes, too large for container metadata`), { code: 'ETOOBIG' });
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const got = readSync(fd, buf, n, st.size - n, n);
      if (got === 0) break; // shrank while we read
      n += got;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses a small JSON file; a failure is recorded as a skip and returns undefined. */
function readJson(file: string, shown: string, skipped: Skipped[]): JsonObject | undefined {
  let text: string;
  try {
    text = readSmallFile(file);
  } catch (err) {
    skipped.push({ path: shown, reason: reasonFor(err, path.basename(file)) });
    return undefined;
  }
  try {
    const obj = asObject(JSON.parse(text));
    if (obj) return obj;
    skipped.push({ path: shown, reason: 'not a JSON object' });
  } catch (err) {
    const why = text.trim() === '' ? 'empty file' : `not valid JSON (${errorMessage(err)})`;
    skipped.push({ path: shown, reason: `${why}; truncated by a crash or a full disk?` });
  }
  return undefined;
}

/** The container's log limits: its own hostconfig.json LogConfig, then daemon.json log-opts for the same driver. */
export function resolveLimits(hostconfig: JsonObject | undefined, daemon: DaemonConfig, shown: string, skipped: Skipped[]): LogLimits {
  if (!hostconfig) return { driver: 'unknown', maxFile: 1, compress: false, from: 'unknown' };
  const logConfig = asObject(hostconfig.LogConfig);
  const type = logConfig?.Type;
  const driver = typeof type === 'string' && type !== '' ? type : daemon.logDriver;
  const own = asObject(logConfig?.Config) ?? {};
  const inherited = driver === daemon.logDriver ? daemon.logOpts : {};
  const opt = (k: string): { value: string; from: 'hostconfig' | 'daemon.json' } | undefined => {
    if (typeof own[k] === 'string' && own[k] !== '') return { value: own[k] as string, from: 'hostconfig' };
    if (inherited[k] !== undefined && inherited[k] !== '') return { value: inherited[k], from: 'daemon.json' };
    return undefined;
  };
  const limits: LogLimits = { driver, maxFile: 1, compress: false, from: 'defaults' };
  const maxSize = opt('max-size');
  if (maxSize) {
    const bytes = parseSize(maxSize.value);
    // Docker reads -1 as "no limit".
    if (bytes !== undefined) {
      limits.maxSize = maxSize.value;
      limits.maxSizeBytes = bytes;
      limits.from = maxSize.from;
    } else if (maxSize.value.trim() !== '-1') {
      skipped.push({ path: shown, reason: `max-size ${JSON.stringify(maxSize.value)} is not a size Docker accepts; treated as unlimited` });
    }
  }
  const maxFile = opt('max-file');
  if (maxFile) {
    const n = Number(maxFile.value);
    if (Number.isInteger(n) && n >= 1) limits.maxFile = n;
  }
  limits.compress = opt('compress')?.value === 'true';
  return limits;
}

function describeFromConfig(cfg: JsonObject, state: ContainerLogState): void {
  const name = cfg.Name;
  if (typeof name === 'string') state.name = name.replace(/^\//, '');
  const config = asObject(cfg.Config);
  if (typeof config?.Image === 'string') state.image = config.Image;
  const running = asObject(cfg.State)?.Running;
  if (typeof running === 'boolean') state.running = running;
  const labels = asObject(config?.Labels) ?? {};
  const ecs: EcsAttribution = {};
  for (const [label, key] of Object.entries(ECS_LABELS)) {
    const v = labels[label];
    if (typeof v === 'string' && v !== '') ecs[key] = v;
  }
  if (Object.keys(ecs).length > 0) state.ecs = ecs;
  const isAgent = state.name === 'ecs-agent' || /(^|\/)amazon-ecs-agent(:|@|$)/.test(state.image ?? '');
  state.kind = isAgent ? 'ecs-agent' : ecs.taskArn ? 'ecs-task' : 'other';
}

function checkContainer(host: Host, dir: string, id: string, daemon: DaemonConfig, skipped: Skipped[]): ContainerLogState | undefined {
  const shownDir = displayPath(host, dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    skipped.push({ path: shownDir, reason: reasonFor(err, 'container directory') });
    return undefined;
  }
  const state: ContainerLogState = {
    id,
    kind: 'unknown',
    dir: shownDir,
    logBytes: 0,
    logFiles: [],
    limits: { driver: 'unknown', maxFile: 1, compress: false, from: 'unknown' },
  };
  const hasConfig = names.includes('config.v2.json');
  const cfg = hasConfig ? readJson(path.join(dir, 'config.v2.json'), `${shownDir}/config.v2.json`, skipped) : undefined;
  const hostconfig = names.includes('hostconfig.json') ? readJson(path.join(dir, 'hostconfig.json'), `${shownDir}/hostconfig.json`, skipped) : undefined;
  if (!hasConfig) skipped.push({ path: shownDir, reason: 'no config.v2.json (container being created or removed?); name and ECS task unknown' });
  if (cfg) describeFromConfig(cfg, state);
  state.limits = resolveLimits(hostconfig, daemon, `${shownDir}/hostconfig.json`, skipped);

  for (const n of names.filter((x) => LOG_FILE.test(x)).sort()) {
    try {
      const st = statSync(path.join(dir, n));
      if (!st.isFile()) continue;
      state.logFiles.push({ name: n, bytes: st.size });
      state.logBytes += st.size;
    } catch (err) {
      skipped.push({ path: `${shownDir}/${n}`, reason: reasonFor(err, 'log file') });
    }
  }
  if (!cfg && state.logFiles.length === 0) return undefined;
  return state;
}

/** Every container under the data root, `batch` containers between yields to the event loop. */
export async function walkContainers(host: Host, daemon: DaemonConfig, batch = 64): Promise<ContainerWalk> {
  const skipped: Skipped[] = [];
  const containersDir = hostPath(host, path.posix.join(daemon.dataRoot, 'containers'));
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(containersDir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    let reason = reasonFor(err, 'containers directory');
    let shown = displayPath(host, containersDir);
    if (code === 'ENOENT') {
      const rootExists = await stat(hostPath(host, daemon.dataRoot)).then(() => true, () => false);
      reason = rootExists
        ? 'no containers directory under the Docker data root (no container was ever created?)'
        : 'Docker data root does not exist (wrong data-root in /etc/docker/daemon.json, or Docker not installed); container logs not checked';
      if (!rootExists) shown = daemon.dataRoot;
    }
    skipped.push({ path: shown, reason });
    return { containers: [], skipped };
  }
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const containers: ContainerLogState[] = [];
  for (let i = 0; i < dirs.length; i++) {
    if (i > 0 && i % batch === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const id = dirs[i]!;
    const c = checkContainer(host, path.join(containersDir, id), id, daemon, skipped);
    if (c) containers.push(c);
  }
  // readdir order is the filesystem's; sort so the report is the same on every run.
  containers.sort((a, b) => b.logBytes - a.logBytes || a.id.localeCompare(b.id));
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { containers, skipped };
}
