// The scan report (JSON schema `ecs-triage/scan-report`, version 1; see README): the causes, the sources read,
// what was skipped, and the host checks' own report. Here rather than in types.ts because it holds the host
// checks' report type, which depends on the configuration's thresholds.
import type { HostCheckReport } from '../checks/types.js';
import type { Problem, ReportFinding, Severity, SourceSummary, TaskTimeline } from '../types.js';

export interface ScanReport {
  schema: 'ecs-triage/scan-report';
  schemaVersion: 1;
  tool: { name: 'ecs-triage'; version: string };
  generatedAt: string;
  root: string;
  since?: string;
  /** Highest severity among findings, or `ok`. */
  status: 'ok' | Severity;
  findings: ReportFinding[];
  sources: SourceSummary[];
  problems: Problem[];
  /** Host checks (disk, inodes, container logs); absent with --no-checks. */
  checks?: HostCheckReport;
  /** `scan --task`: the task's timeline (findings are then only those about the task). */
  task?: TaskTimeline;
}

