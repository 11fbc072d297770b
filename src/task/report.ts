// The `task` report: JSON schema `ecs-triage/task-report`, version 1 (every field is documented in the README).
import type { CheckResult } from '../verify/index.js';
import type { Redacted, ReportFinding, ScanSummary, Severity } from '../types.js';
import { severityRank } from '../types.js';
import { VERSION } from '../version.js';
import { redacted, redactedCut } from '../redacted.js';
import type { Diagnosis, EcsText } from './diagnose.js';
import type { HostJoin } from './host-join.js';
import type { TaskRecord, TaskTimes } from './record.js';
import type { Verdict } from './verdict.js';

export interface TaskReport {
  schema: 'ecs-triage/task-report';
  schemaVersion: 1;
  tool: { name: 'ecs-triage'; version: string };
  generatedAt: string;
  task: {
    arn: string;
    cluster: string;
    region: string;
    launchType?: string;
    lastStatus?: string;
    desiredStatus?: string;
    stopCode?: string;
    /** ECS's texts, and what the task definition says of each container, hold what its author wrote: Redacted. */
    stoppedReason?: Redacted;
    taskDefinition?: string;
    networkMode?: string;
    /** Task-level CPU units and memory (MiB), as the task definition sets them. */
    cpu?: string;
    memory?: string;
    executionRole?: string;
    service?: string;
    containerInstance?: string;
    times: TaskTimes;
    containers: Array<{ name: Redacted; image?: Redacted; reason?: Redacted; exitCode?: number; lastStatus?: string }>;
  };
  /** Highest severity among the findings (ECS's texts and the host's), or `ok`. */
  status: 'ok' | Severity;
  /** Causes found in ECS's texts, in the scan report's shape. */
  findings: ReportFinding[];
  /** Texts ECS recorded that no rule recognises. */
  unrecognised: EcsText[];
  checks: CheckResult[];
  /** Why these checks (or none) ran. */
  checksChosen: string;
  host: HostJoin;
  verdict: Verdict;
  /** What could not be read (a permission the caller lacks, a deleted task definition …). */
  problems: Redacted[];
}

export function buildReport(rec: TaskRecord, d: Diagnosis, checks: CheckResult[], checksChosen: string, host: HostJoin, verdict: Verdict, now = new Date()): TaskReport {
  const td = rec.taskDefinition;
  const images = new Map((td?.containers ?? []).map((c) => [c.name, c.image]));
  const hostWorst = host.summary?.status;
  // A host scan that read no agent log (`unknown`) says so in its own section; it is no severity of the task's.
  let status: TaskReport['status'] = hostWorst && hostWorst !== 'ok' && hostWorst !== 'unknown' ? hostWorst : 'ok';
  for (const f of d.findings) if (status === 'ok' || severityRank(f.severity) > severityRank(status)) status = f.severity;
  return {
    schema: 'ecs-triage/task-report',
    schemaVersion: 1,
    tool: { name: 'ecs-triage', version: VERSION },
    generatedAt: now.toISOString(),
    task: {
      arn: rec.arn,
      cluster: rec.cluster,
      region: rec.region,
      ...(rec.launchType ? { launchType: rec.launchType } : {}),
      ...(rec.lastStatus ? { lastStatus: rec.lastStatus } : {}),
      ...(rec.desiredStatus ? { desiredStatus: rec.desiredStatus } : {}),
      ...(rec.stopCode ? { stopCode: rec.stopCode } : {}),
      ...(rec.stoppedReason ? { stoppedReason: redacted(rec.stoppedReason) } : {}),
      ...(td?.arn ? { taskDefinition: td.arn } : {}),
      ...(td?.networkMode ? { networkMode: td.networkMode } : {}),
      ...(td?.cpu ? { cpu: td.cpu } : {}),
      ...(td?.memory ? { memory: td.memory } : {}),
      ...(td?.executionRoleArn ? { executionRole: td.executionRoleArn } : {}),
      ...(rec.service ? { service: rec.service.name } : rec.group?.startsWith('service:') ? { service: rec.group.slice(8) } : {}),
      ...(rec.ec2InstanceId ? { containerInstance: rec.ec2InstanceId } : rec.containerInstanceArn ? { containerInstance: rec.containerInstanceArn } : {}),
      times: rec.times,
      containers: rec.containers.map((c) => ({
        name: redacted(c.name),
        // An image written with credentials (user:password@registry/…) is the task definition's text.
        ...(c.image ?? images.get(c.name) ? { image: redacted(c.image ?? images.get(c.name)!) } : {}),
        ...(c.reason ? { reason: redactedCut(c.reason, 4000, '…') } : {}),
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
        ...(c.lastStatus ? { lastStatus: c.lastStatus } : {}),
      })),
    },
    status,
    findings: d.findings,
    unrecognised: d.unrecognised,
    checks: checks.map((c) => ({ ...c, detail: redacted(c.detail), evidence: c.evidence.map(redacted) })),
    checksChosen,
    host,
    verdict: { ...verdict, summary: redacted(verdict.summary) },
    problems: rec.problems.map(redacted),
  };
}

/** The host summary's findings count toward `--fail-on` like the task's own. */
export function hostFindings(s: ScanSummary | undefined): ScanSummary['findings'] {
  return s?.findings ?? [];
}
