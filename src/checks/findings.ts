// Turns measured host state into Findings, judged against the thresholds.
import type { Fields, Finding, Severity } from '../types.js';
import { severityRank } from '../types.js';
import type { CleanupSettings } from './daemon-config.js';
import { filesystemFor } from './filesystems.js';
import { KNOWLEDGE, type CheckKnowledge } from './knowledge.js';
import { formatBytes, formatPercent } from './sizes.js';
import { MIN_OVERSIZE_BYTES, type ContainerLogState, type FilesystemState, type Thresholds } from './types.js';

function finding(k: CheckKnowledge, severity: Severity, fields: Fields, line: string): Finding {
  return {
    ruleId: k.ruleId,
    category: k.category,
    severity,
    title: k.title,
    fields,
    causes: k.causes,
    remediation: k.remediation,
    source: 'host-check',
    line,
  };
}

function level(percent: number, warn: number, error: number, exhausted: boolean): Severity | undefined {
  if (exhausted) return 'critical';
  if (percent >= error) return 'error';
  if (percent >= warn) return 'warn';
  return undefined;
}

export function fsLabel(fs: FilesystemState): string {
  const held = fs.paths.join(', ');
  return fs.mount && !(fs.paths.length === 1 && fs.paths[0] === fs.mount) ? `${fs.mount} (holds ${held})` : held;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function filesystemFindings(filesystems: readonly FilesystemState[], t: Thresholds, cleanup: CleanupSettings): Finding[] {
  const out: Finding[] = [];
  const cleanupOff = cleanup.ECS_DISABLE_IMAGE_CLEANUP?.toLowerCase() === 'true';
  for (const fs of filesystems) {
    const base: Fields = {
      path: fs.mount ?? fs.paths[0] ?? '/',
      paths: fs.paths.join(','),
      sizeBytes: fs.sizeBytes,
      availableBytes: fs.availableBytes,
      usedPercent: round1(fs.usedPercent),
      figuresFrom: fs.figuresFrom,
    };
    if (fs.inodeUsedPercent !== undefined) base.inodeUsedPercent = round1(fs.inodeUsedPercent);
    for (const [k, v] of Object.entries(cleanup)) base[k] = v;

    const disk = level(fs.usedPercent, t.diskWarnPercent, t.diskErrorPercent, fs.sizeBytes > 0 && fs.availableBytes === 0);
    if (disk) {
      const note = cleanupOff ? '; ECS image cleanup is disabled (ECS_DISABLE_IMAGE_CLEANUP=true)' : '';
      out.push(
        finding(
          KNOWLEDGE.diskPressure,
          disk,
          base,
          `${fsLabel(fs)}: ${formatPercent(fs.usedPercent)} of ${formatBytes(fs.sizeBytes)} used, ${formatBytes(fs.availableBytes)} available${note}`,
        ),
      );
    }
    if (fs.inodeUsedPercent !== undefined) {
      const inode = level(fs.inodeUsedPercent, t.inodeWarnPercent, t.inodeErrorPercent, fs.inodesFree === 0);
      if (inode) {
        const blocksOk = fs.usedPercent < t.diskWarnPercent ? ` while blocks are only ${formatPercent(fs.usedPercent)} used` : '';
        out.push(
          finding(
            KNOWLEDGE.inodePressure,
            inode,
            { ...base, inodesFree: fs.inodesFree, inodesTotal: fs.inodesTotal },
            `${fsLabel(fs)}: ${formatPercent(fs.inodeUsedPercent)} of ${fs.inodesTotal} inodes used (${fs.inodesFree} free)${blocksOk}`,
          ),
        );
      }
    }
  }
  return out;
}

export function containerFields(c: ContainerLogState): Fields {
  const f: Fields = { dockerId: c.id.slice(0, 12), logBytes: c.logBytes, logDriver: c.limits.driver, path: `${c.dir}/${c.id}-json.log` };
  if (c.name) f.dockerName = c.name;
  if (c.image) f.image = c.image;
  if (c.running !== undefined) f.running = c.running;
  if (c.limits.maxSize) f.maxSize = c.limits.maxSize;
  if (c.ecs?.taskArn) f.taskArn = c.ecs.taskArn;
  if (c.ecs?.containerName) f.container = c.ecs.containerName;
  if (c.ecs?.cluster) f.cluster = c.ecs.cluster;
  if (c.ecs?.family) f.family = c.ecs.family;
  if (c.ecs?.revision) f.revision = c.ecs.revision;
  return f;
}

/** `app` of task `web:3` (…/task/abc), or the Docker name when it is not an ECS task container. */
export function describeContainer(c: ContainerLogState): string {
  const docker = c.name ?? c.id.slice(0, 12);
  if (c.ecs?.containerName || c.ecs?.taskArn) {
    const taskDef = c.ecs.family ? `${c.ecs.family}${c.ecs.revision ? ':' + c.ecs.revision : ''}` : undefined;
    const task = c.ecs.taskArn ? c.ecs.taskArn.replace(/^arn:aws[\w-]*:ecs:[^:]*:\d*:task\//, 'task/') : undefined;
    const parts = [taskDef, task].filter(Boolean).join(' ');
    return `container ${c.ecs.containerName ?? docker}${parts ? ` of ${parts}` : ''}`;
  }
  return c.kind === 'ecs-agent' ? `ECS agent (${docker})` : docker;
}

export function containerFindings(containers: readonly ContainerLogState[], filesystems: readonly FilesystemState[], dataRoot: string, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const fs = filesystemFor(filesystems, dataRoot);
  for (const c of containers) {
    const unbounded = c.limits.driver === 'json-file' && c.limits.maxSizeBytes === undefined && c.limits.from !== 'unknown';
    // A stopped container writes no more, so only a running one (or one whose state we could not read) keeps growing.
    if (unbounded && c.running !== false) {
      out.push(
        finding(
          KNOWLEDGE.logUnbounded,
          'warn',
          containerFields(c),
          `${describeContainer(c)}: json-file log with no max-size (${formatBytes(c.logBytes)} so far), neither in its log options nor in daemon.json`,
        ),
      );
    }
    const overLimit = c.logBytes >= t.maxLogBytes;
    const overShare = fs !== undefined && c.logBytes >= MIN_OVERSIZE_BYTES && c.logBytes >= (t.maxLogSharePercent / 100) * fs.availableBytes;
    if (overLimit || overShare) {
      const why = overLimit
        ? `over the ${formatBytes(t.maxLogBytes)} limit`
        : `${formatPercent((c.logBytes / Math.max(1, fs!.availableBytes)) * 100)} of the ${formatBytes(fs!.availableBytes)} still free on its filesystem`;
      const severity: Severity = fs !== undefined && fs.usedPercent >= t.diskErrorPercent ? 'error' : 'warn';
      out.push(
        finding(
          KNOWLEDGE.logOversize,
          severity,
          containerFields(c),
          `${describeContainer(c)}: ${formatBytes(c.logBytes)} of logs in ${c.logFiles.length} file(s), ${why}`,
        ),
      );
    }
  }
  return out;
}

export function sortFindings(findings: Finding[]): Finding[] {
  // Stable: within a severity the order of discovery (filesystems, then largest logs first) is kept.
  return findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}
