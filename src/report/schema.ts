// The scan report (JSON schema `ecs-triage/scan-report`, version 1; see README): the causes, the sources read,
// what was skipped, and the host checks' own report. Here rather than in types.ts because it holds the host
// checks' report type, which depends on the configuration's thresholds.
import type { HostCheckReport } from '../checks/types.js';
import type { Problem, ReportFinding, ScanStatus, SourceSummary, TaskTimeline } from '../types.js';
import type { ScanCoverage } from './coverage.js';

export interface ScanReport {
  schema: 'ecs-triage/scan-report';
  schemaVersion: 1;
  tool: { name: 'ecs-triage'; version: string };
  generatedAt: string;
  root: string;
  since?: string;
  /** Highest severity among findings; else `unknown` when no ECS agent log was read (`coverage.blind`), else `ok`. */
  status: ScanStatus;
  findings: ReportFinding[];
  sources: SourceSummary[];
  problems: Problem[];
  /** What the scan could see: the agent logs found and read, what was refused, and why it is no all-clear. */
  coverage: ScanCoverage;
  /** Host checks (disk, inodes, container logs); absent with --no-checks. */
  checks?: HostCheckReport;
  /** `scan --task`: the task's timeline (findings are then only those about the task). */
  task?: TaskTimeline;
}

