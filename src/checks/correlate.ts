// Joins a `no space left on device` finding from the logs with what the host checks measured: which
// filesystem, whether blocks or inodes ran out, and whose container logs are the biggest on it.
import type { ReportFinding } from '../types.js';
import { describeContainer, fsLabel } from './findings.js';
import { filesystemFor } from './filesystems.js';
import { formatBytes, formatPercent } from './sizes.js';
import type { FilesystemState, HostCheckReport } from './types.js';
import { redacted } from '../redacted.js';

const PATH_FIELDS = ['path', 'file', 'dir', 'mount', 'device'] as const;

/** The path the log line names, if any (e.g. `/var/lib/docker/tmp/GetImageBlob123`). */
function namedPath(f: ReportFinding): string | undefined {
  for (const k of PATH_FIELDS) {
    const v = f.fields[k];
    if (typeof v === 'string' && v.startsWith('/')) return v;
  }
  return undefined;
}

// The agent runs in a container with host /var/lib/ecs/data at /data and /var/log/ecs at /log (facts sheet 6.2).
const AGENT_MOUNTS: Array<[string, string]> = [
  ['/data/', '/var/lib/ecs/data/'],
  ['/log/', '/var/log/ecs/'],
];

/**
 * Where a named path lives on the host. Paths under a checked directory (data root, /var/lib/ecs, /var/log)
 * are host paths; the agent's own /data and /log are translated; anything else (`/usr/share/…` while a layer
 * is extracted, a file a container writes) is inside an image layer or a container's writable layer, which
 * live under the data root.
 */
function locate(named: string, checks: HostCheckReport): { fs: FilesystemState | undefined; note: string } {
  let p = named;
  for (const [from, to] of AGENT_MOUNTS) if (p.startsWith(from)) p = to + p.slice(from.length);
  const underChecked = checks.filesystems.some((fs) =>
    [...fs.paths, ...(fs.mount ? [fs.mount] : [])].some((d) => d !== '/' && (p === d || p.startsWith(d.replace(/\/$/, '') + '/'))),
  );
  if (underChecked) return { fs: filesystemFor(checks.filesystems, p), note: p === named ? named : `${named} (host path ${p})` };
  return { fs: filesystemFor(checks.filesystems, checks.dataRoot), note: `the Docker data root (${named} is inside an image or container layer)` };
}

function exhaustion(fs: FilesystemState, checks: HostCheckReport): string {
  const t = checks.thresholds;
  const blocksOut = fs.availableBytes === 0 || fs.usedPercent >= t.diskErrorPercent;
  const inodesOut = fs.inodeUsedPercent !== undefined && (fs.inodesFree === 0 || fs.inodeUsedPercent >= t.inodeErrorPercent);
  if (inodesOut && !blocksOut) {
    return (
      `Inodes ran out while ${formatBytes(fs.availableBytes)} of blocks are still free: "no space left on device" also means ` +
      'no free inode. Deleting large files will not help; remove many small files (unused images, stopped containers).'
    );
  }
  if (blocksOut && inodesOut) return 'Both blocks and inodes are exhausted on this filesystem.';
  if (blocksOut) return `Blocks ran out (inodes are ${formatPercent(fs.inodeUsedPercent)} used): data fills the disk; see the largest container logs and \`docker system df\`.`;
  return (
    `Neither blocks nor inodes are exhausted now (${formatPercent(fs.usedPercent)} used, inodes ${formatPercent(fs.inodeUsedPercent)}): ` +
    'space was freed since the error, or the write went to another filesystem (a volume or tmpfs); run `df -h` and `df -i` on the path the error names.'
  );
}

/**
 * Adds `context` lines to every `disk_full` finding. Call once per report. The figures are those at check
 * time, which may be later than the log line.
 */
export function correlateDiskFull(findings: ReportFinding[], checks: HostCheckReport): void {
  const dataFs = filesystemFor(checks.filesystems, checks.dataRoot);
  for (const f of findings) {
    if (f.category !== 'disk_full') continue;
    const named = namedPath(f);
    const { fs, note } = named ? locate(named, checks) : { fs: dataFs, note: 'the Docker data root' };
    const context = f.context ?? (f.context = []);
    const add = (line: string): void => void context.push(redacted(line));
    if (!fs) {
      add(`Host check could not measure the filesystem holding ${named ?? checks.dataRoot} (see the checks' skipped items).`);
      continue;
    }
    const inodes = fs.inodeUsedPercent === undefined ? 'inodes not reported' : `inodes ${formatPercent(fs.inodeUsedPercent)} used (${fs.inodesFree} free)`;
    add(
      `Filesystem holding ${note}: ${fsLabel(fs)}, ${formatPercent(fs.usedPercent)} of ` +
        `${formatBytes(fs.sizeBytes)} used, ${formatBytes(fs.availableBytes)} available; ${inodes}.`,
    );
    add(exhaustion(fs, checks));
    // Container logs all live under the data root, so they count only when that is the filesystem in question.
    if (fs === dataFs && checks.containers.length > 0) {
      const top = checks.containers
        .filter((c) => c.logBytes > 0)
        .slice(0, 3)
        .map((c) => `${describeContainer(c)} ${formatBytes(c.logBytes)}${c.limits.driver === 'json-file' && c.limits.maxSizeBytes === undefined ? ' (no max-size)' : ''}`);
      if (top.length > 0) {
        const share = fs.sizeBytes > 0 ? ` (${formatPercent((checks.totalLogBytes / fs.sizeBytes) * 100)} of the filesystem)` : '';
        add(`Largest container logs on it: ${top.join('; ')}. All ${checks.containerCount} containers' logs: ${formatBytes(checks.totalLogBytes)}${share}.`);
      }
    }
  }
}
