// What a scan could see. A scan that read no ECS agent log — a mistyped --root, a host that is not an ECS
// container instance, a user who may not read /var/log/ecs — has not looked, so it must not say "OK": its
// status is `unknown`, the report says why at the top, and `scan` exits 3. Files refused for lack of
// permission are named at the top too, with the `sudo` that fixes it.
import type { Problem, SourceSummary } from '../types.js';

export const AGENT_LOG_DIR = '/var/log/ecs';

export interface ScanCoverage {
  /** ECS agent log files found under the root, and how many of them were read. */
  agentLogs: { found: number; read: number };
  /** Files and directories the scan was refused (permission denied), as paths on the host. */
  denied: string[];
  /** Why the report is no all-clear; absent when an ECS agent log was read. */
  blind?: string;
  /** What to do about `blind` or `denied`. */
  hint?: string;
}

export interface CoverageInput {
  sources: readonly SourceSummary[];
  problems: readonly Problem[];
  /** The root as given (`/` on a live host). */
  root: string;
  live: boolean;
  /** The effective user id (0 = root); absent where there is none. */
  uid?: number;
}

const DENIED = /\bE(?:ACCES|PERM)\b|permission denied/i;

export function assessCoverage(input: CoverageInput): ScanCoverage {
  const agent = input.sources.filter((s) => s.kind === 'ecs-agent');
  const read = agent.filter((s) => !s.error);
  const denied = [
    ...input.problems.filter((p) => p.file !== undefined && DENIED.test(p.reason)).map((p) => p.file!),
    ...input.sources.filter((s) => s.error !== undefined && DENIED.test(s.error)).map((s) => s.file),
  ];
  const cov: ScanCoverage = { agentLogs: { found: agent.length, read: read.length }, denied: [...new Set(denied)] };
  const asRoot = `sudo ecs-triage scan${input.live ? '' : ` --root ${input.root}`}`;
  const refusedRoot = input.uid === 0;
  const permissionHint = refusedRoot
    ? 'even root was refused: look for SELinux denials or a FUSE or NFS mount that does not let root in'
    : `run it as root: ${asRoot}`;
  if (read.length === 0) {
    const dirDenied = cov.denied.includes(AGENT_LOG_DIR);
    const where = input.live ? AGENT_LOG_DIR : `${input.root.replace(/\/$/, '')}${AGENT_LOG_DIR}`;
    if (agent.length > 0) {
      // Node's `EACCES: permission denied, open '/root/…'` without the path, which is named already.
      const why = (agent[0]!.error ?? 'unreadable').replace(/, \w+ '.*'$/, '');
      cov.blind = `no ECS agent log could be read (${agent.map((s) => s.file).join(', ')}: ${why})`;
      if (DENIED.test(why)) cov.hint = permissionHint;
    } else if (dirDenied) {
      cov.blind = `no ECS agent log could be read: ${AGENT_LOG_DIR} cannot be listed (permission denied)`;
      cov.hint = permissionHint;
    } else if (input.live) {
      cov.blind = `no ECS agent log found in ${where}: this does not look like an ECS container instance`;
      cov.hint = 'run it on a container instance, or point --root at an unpacked log bundle (its var/log/ecs holds ecs-agent.log)';
    } else {
      cov.blind = `no ECS agent log found in ${where}`;
      cov.hint = "--root is the directory that stands for the host's / : DIR/var/log/ecs/ecs-agent.log must exist";
    }
  } else if (cov.denied.length > 0) {
    cov.hint = permissionHint;
  }
  return cov;
}

/** The headline of a report's coverage: lines for its top (empty when the scan saw everything it found). */
export function coverageLines(cov: ScanCoverage | undefined): string[] {
  if (!cov) return [];
  const out: string[] = [];
  if (cov.blind) out.push(`NOT CHECKED: ${cov.blind}.`);
  const denied = cov.denied.filter((d) => !cov.blind?.includes(d));
  if (denied.length > 0) {
    const shown = denied.slice(0, 3).join(', ') + (denied.length > 3 ? ` and ${denied.length - 3} more` : '');
    out.push(`Permission denied: ${shown}; what they hold is not in this report.`);
  }
  // No full stop: a hint may end in a command to copy.
  if (cov.hint) out.push(`Hint: ${cov.hint}`);
  return out;
}
