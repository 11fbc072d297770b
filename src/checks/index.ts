// Host checks: disk and inode use of the filesystems Docker and the agent write to, and the size and bounds
// of every container's json-file logs, with the ECS task that owns them. Another source of Findings.
import type { Host } from '../host.js';
import { severityRank, type Severity } from '../types.js';
import { walkContainers } from './container-logs.js';
import { readCleanupSettings, readDaemonConfig } from './daemon-config.js';
import { checkFilesystems } from './filesystems.js';
import { containerFindings, filesystemFindings, sortFindings } from './findings.js';
import { thresholdsOf, type HostCheckOptions, type HostCheckReport, type Skipped } from './types.js';

export { correlateDiskFull } from './correlate.js';
export { renderChecksText } from './render.js';
export type * from './types.js';
export { thresholdsOf } from './types.js';

export const DEFAULT_TOP = 10;

/** Runs every host check. Never throws for host state: unreadable items land in `skipped`. */
export async function runHostChecks(host: Host, opts: HostCheckOptions): Promise<HostCheckReport> {
  const thresholds = thresholdsOf(opts.thresholds);
  const skipped: Skipped[] = [];
  const [daemon, cleanup] = await Promise.all([readDaemonConfig(host, skipped), readCleanupSettings(host, skipped)]);
  const paths = [...new Set([daemon.dataRoot, '/var/lib/ecs', '/var/log', '/'])];
  const [filesystems, walk] = await Promise.all([checkFilesystems(host, paths, skipped), walkContainers(host, daemon, opts.batch)]);
  skipped.push(...walk.skipped);

  const findings = sortFindings([
    ...filesystemFindings(filesystems, thresholds, cleanup),
    ...containerFindings(walk.containers, filesystems, daemon.dataRoot, thresholds),
  ]);
  const status = findings.reduce<'ok' | Severity>(
    (s, f) => (s === 'ok' || severityRank(f.severity) > severityRank(s) ? f.severity : s),
    'ok',
  );
  return {
    schema: 'ecs-triage/host-checks',
    schemaVersion: 1,
    root: host.root,
    dataRoot: daemon.dataRoot,
    thresholds,
    filesystems,
    containers: walk.containers.slice(0, Math.max(0, opts.top ?? DEFAULT_TOP)),
    containerCount: walk.containers.length,
    totalLogBytes: walk.containers.reduce((n, c) => n + c.logBytes, 0),
    findings,
    skipped,
    status,
  };
}

/** True when any finding is at or above `failOn`. */
export function failsAt(report: HostCheckReport, failOn: Severity): boolean {
  return report.findings.some((f) => severityRank(f.severity) >= severityRank(failOn));
}
