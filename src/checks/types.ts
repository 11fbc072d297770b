// The host checks' own vocabulary: what a filesystem and a container's logs look like to us, and the report.
import type { TriageConfig } from '../config.js';
import type { Finding, Severity } from '../types.js';

/**
 * The thresholds, in the one form they have everywhere: the `checks.*` configuration keys (percentages, bytes),
 * declared with their defaults and bounds in src/config/keys.ts; the `check`/`scan` flags set the same keys.
 */
export type Thresholds = Pick<
  TriageConfig['checks'],
  'diskWarnPercent' | 'diskErrorPercent' | 'inodeWarnPercent' | 'inodeErrorPercent' | 'maxLogBytes' | 'maxLogSharePercent'
>;

/** The thresholds out of the whole `checks` section (the report shows exactly these). */
export function thresholdsOf(c: Thresholds): Thresholds {
  const { diskWarnPercent, diskErrorPercent, inodeWarnPercent, inodeErrorPercent, maxLogBytes, maxLogSharePercent } = c;
  return { diskWarnPercent, diskErrorPercent, inodeWarnPercent, inodeErrorPercent, maxLogBytes, maxLogSharePercent };
}

/** Logs smaller than this are never called oversize by the free-space share (keeps a full disk from flagging every small log). */
export const MIN_OVERSIZE_BYTES = 64 * 1024 ** 2;

export interface HostCheckOptions {
  thresholds: Thresholds;
  /** How many containers (largest logs first) the report lists. Default 10. */
  top?: number;
  /** Containers checked between yields to the event loop. Default 64. */
  batch?: number;
}

/** Raw statfs figures, the shape of fs.statfs and of a mount in `.ecs-triage/statfs.json`. */
export interface StatfsFigures {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

export interface FilesystemState {
  /** Mount point when known (the override file names it; on a live host it is found by walking up st_dev). */
  mount?: string;
  /** The host paths we were asked about that live on this filesystem (e.g. `/var/lib/docker`, `/var/log`). */
  paths: string[];
  /** Where the figures came from: the kernel, or the fixture's `.ecs-triage/statfs.json`. */
  figuresFrom: 'statfs' | 'override';
  sizeBytes: number;
  usedBytes: number;
  /** Space an unprivileged writer can still use (bavail × bsize); dockerd runs as root and may get a little more. */
  availableBytes: number;
  usedPercent: number;
  inodesTotal: number;
  inodesFree: number;
  /** Absent when the filesystem has no fixed inode table (btrfs and others report 0 files). */
  inodeUsedPercent?: number;
}

export interface LogLimits {
  /** Log driver (`json-file`, `awslogs`, `none` …). */
  driver: string;
  /** `max-size` as written (`10m`), and in bytes; absent means unlimited. */
  maxSize?: string;
  maxSizeBytes?: number;
  /** `max-file`, default 1. */
  maxFile: number;
  compress: boolean;
  /** Where the limits came from: the container's hostconfig.json, the daemon.json defaults, or nothing readable. */
  from: 'hostconfig' | 'daemon.json' | 'defaults' | 'unknown';
}

export interface EcsAttribution {
  taskArn?: string;
  containerName?: string;
  cluster?: string;
  family?: string;
  revision?: string;
}

export interface ContainerLogState {
  id: string;
  /** Docker name without the leading `/`. */
  name?: string;
  image?: string;
  running?: boolean;
  /** `ecs-agent` for the agent itself, `ecs-task` when it carries ECS labels, `other` otherwise. */
  kind: 'ecs-agent' | 'ecs-task' | 'other' | 'unknown';
  ecs?: EcsAttribution;
  /** The container's directory, as a host path. */
  dir: string;
  logBytes: number;
  /** The live `<id>-json.log` plus rotated `.N` and `.N.gz` files that were present. */
  logFiles: Array<{ name: string; bytes: number }>;
  limits: LogLimits;
}

export interface Skipped {
  /** Host path of the item (as seen on the host, not under --root). */
  path: string;
  reason: string;
}

export interface HostCheckReport {
  schema: 'ecs-triage/host-checks';
  schemaVersion: 1;
  root: string;
  /** Docker's data root as a host path. */
  dataRoot: string;
  thresholds: Thresholds;
  filesystems: FilesystemState[];
  /** Largest container logs first, at most `top`. */
  containers: ContainerLogState[];
  containerCount: number;
  totalLogBytes: number;
  findings: Finding[];
  skipped: Skipped[];
  /** Highest severity among findings, or `ok`. */
  status: 'ok' | Severity;
}
