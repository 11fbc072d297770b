// The shared vocabulary of ecs-triage. Every module depends on this file; it depends on nothing.
// Data flows one way: sources → formats (LogRecord) → classify (Finding) → aggregate (TriageEvent) → sinks.

export const SEVERITIES = ['info', 'warn', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/**
 * Category ids. Those before the host-check block come from the log rules; the rest from host checks.
 * A rule or check may only use an id listed here, so a typo in a pattern file is caught at load time.
 */
export const CATEGORIES = [
  'registry_auth_denied',
  'image_not_found',
  'network_timeout',
  'context_canceled',
  'dns_failure',
  'tls_error',
  'disk_full',
  'rate_limited',
  'registry_server_error',
  'secrets_init_failure',
  'oom',
  'arch_mismatch',
  'agent_registration',
  // added: failures the thirteen above do not cover
  'container_start_failure',
  'docker_daemon_failure',
  // added: every cause a stopped task can have (issue: diagnosis that holds on real hosts)
  'port_conflict',
  'container_name_conflict',
  'logging_driver_failure',
  'volume_mount_failure',
  'container_exit',
  'health_check_failure',
  'placement_failure',
  'network_interface_failure',
  'invalid_image_reference',
  'container_timeout',
  'credential_helper_failure',
  'instance_interruption',
  'host_resource_limit',
  // host checks (issue: disk, inodes and container logs)
  'disk_pressure',
  'inode_pressure',
  'container_log_unbounded',
  'container_log_oversize',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Which program wrote a line. Rules list the kinds they apply to. */
export const LOG_SOURCES = [
  'ecs-agent',
  'ecs-init',
  'dockerd',
  'containerd',
  'kernel',
  'kubelet',
  'stopped-reason',
] as const;
export type LogSourceKind = (typeof LOG_SOURCES)[number];
/** `unknown` (stdin, `explain`) lets every rule apply. */
export type RecordSource = LogSourceKind | 'unknown';

/** Where a line was read from: enough to show it to a human and to resume after it. */
export interface Origin {
  /** Path as the user sees it (under --root), or a journal description such as `journal:docker.service`. */
  file: string;
  /** 1-based line number within the file, when known. */
  line?: number;
  /** Byte offset of the start of the line, when the source is a file. */
  offset?: number;
  /** journald cursor, when the source is the journal. */
  cursor?: string;
}

/** One log line, decoded into a form the rules run on. */
export interface LogRecord {
  source: RecordSource;
  /**
   * The text rules match against. For logfmt and text formats it is the line itself; for JSON formats
   * (agent `ECS_LOG_OUTPUT_FORMAT=json`, journald export, Docker json-file) it is the decoded message
   * rendered as logfmt, so one regex serves every format.
   */
  text: string;
  /** The line as read, when `text` is a rendering of it (JSON formats). */
  raw?: string;
  /** The line's own timestamp, epoch milliseconds, when it has one. */
  time?: number;
  /** Level as written by the program (`error`, `warn`, `ERROR`, `3` …), lower-cased. */
  level?: string;
  origin?: Origin;
}

/** Fields extracted by a rule's named groups, then parsed (image references split, ARNs read). */
export type Fields = Record<string, string | number | boolean>;

declare const REDACTED: unique symbol;
/**
 * Text that went through redaction. Only the constructors in src/redacted.ts make it; every text field of
 * what leaves the host (TriageEvent, ReportFinding) has this type, so skipping redaction does not compile.
 */
export type Redacted = string & { readonly [REDACTED]: true };
/** Fields with every text value redacted. */
export type RedactedFields = Record<string, Redacted | number | boolean>;

/** A classified line or a host-check result. */
export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  title: string;
  fields: Fields;
  /** Likely causes and ordered remediation steps. Shared with the rule, not copied per finding. */
  causes: readonly string[];
  remediation: readonly string[];
  /** Other categories an engineer should rule out (e.g. image_not_found behind `pull access denied`). */
  alternatives?: readonly string[];
  /** Documentation pages for this cause. Shared with the rule. */
  docs?: readonly string[];
  /** The wrapped inner cause, e.g. what made a ResourceInitializationError (README "Precedence"). */
  secondary?: { category: Category; ruleId: string; title: string };
  /** The wrapper this cause was found inside, when the cause is the finding (a logger failure inside ResourceInitializationError). */
  wrapper?: { category: Category; ruleId: string; title: string };
  time?: number;
  /** The line's own level, lower-cased, when it states one. */
  level?: string;
  source: RecordSource | 'host-check';
  origin?: Origin;
  /** The raw line (host checks: a one-line statement of the state). */
  line: string;
}

/** How a stopped task (or one of its containers) ended, the `ExitClass` dimension of the `TasksStopped` metric. */
export const EXIT_CLASSES = ['oom', 'killed', 'error', 'normal'] as const;
export type ExitClass = (typeof EXIT_CLASSES)[number];
/** Docker's health states (`State.Health.Status`), and `none` for a container without a health check. */
export type HealthStatus = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One container of a stopped task, in its record (README "Task records"). */
export interface TaskContainerRecord {
  name: Redacted;
  /** Absent when Docker never created the container (the task stopped before, e.g. on a failed pull). */
  dockerId?: Redacted;
  image?: Redacted;
  /** Absent when the container never ran. */
  exitCode?: number;
  /** What the exit means, from the rules (patterns/container-exit.yaml, oom.yaml …): the matching rule's title. */
  exitMeaning: Redacted;
  exitClass: ExitClass;
  /** The rule that gave the meaning. */
  exitRuleId?: string;
  oomKilled?: boolean;
  /** Docker's `State.Error` (a start failure), cut. */
  error?: Redacted;
  /** Signals Docker sent it (`kill` events: 15 then 9 is a stop that ran into its timeout). */
  signals?: number[];
  health?: HealthStatus;
  /** The last health-check output, cut. */
  healthOutput?: Redacted;
  startedAt?: string;
  finishedAt?: string;
  /** The image pull for this container, as the agent logged it (`elapsedMs`). */
  pullMs?: number;
}

/** A finding after aggregation: what sinks receive. Schema documented in the README ("Event schema"). */
export interface TriageEvent {
  schema: 1;
  /** Deterministic: the same occurrence always gets the same id, so at-least-once duplicates are recognisable. */
  id: string;
  kind: 'finding' | 'check' | 'resolved' | 'task_stopped';
  category: Category;
  severity: Severity;
  ruleId: string;
  title: Redacted;
  count: number;
  /** ISO-8601 UTC. */
  firstSeen: string;
  lastSeen: string;
  source: string;
  file?: Redacted;
  message: Redacted;
  line?: Redacted;
  hint?: Redacted;
  fields: RedactedFields;
  /** `task_stopped` only: the task's containers. */
  containers?: TaskContainerRecord[];
  /** `task_stopped` only: ids of the events of findings classified for the task or its containers. */
  findingIds?: string[];
}

export interface SinkHealth {
  ok: boolean;
  delivered: number;
  failed: number;
  pending: number;
  lastError?: string;
  lastSuccessAt?: string;
}

/**
 * A destination for events. `write` resolves only when the events are durably accepted
 * (delivered, or written to the sink's own spool); only then may source checkpoints move past them.
 */
export interface Sink {
  readonly name: string;
  write(events: readonly TriageEvent[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  health(): SinkHealth;
}

// ---- Parts of the scan report (its root, ScanReport, is in src/report/schema.ts; see README) ----

/** One cause in the report. Every text is Redacted: it is built in report/collect.ts, where redaction happens. */
export interface ReportFinding {
  category: Category;
  ruleId: string;
  severity: Severity;
  title: Redacted;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  images: Redacted[];
  tasks: Redacted[];
  containers: Redacted[];
  registries: Redacted[];
  /** Fields of the representative line. */
  fields: RedactedFields;
  example: { file?: Redacted; line?: number; text: Redacted; time?: string };
  causes: Redacted[];
  remediation: Redacted[];
  alternatives?: string[];
  secondary?: { category: Category; ruleId: string; title: Redacted };
  wrapper?: { category: Category; ruleId: string; title: Redacted };
  /** Documentation pages for this cause. */
  docs?: string[];
  /** Host state that explains the finding (e.g. the filesystem behind `no space left on device`). */
  context?: Redacted[];
}

export interface SourceSummary {
  file: string;
  kind: RecordSource;
  format?: string;
  bytes: number;
  lines: number;
  matched: number;
  /** Lines skipped as binary, over-long or undecodable. */
  skipped: number;
  error?: string;
}

export interface Problem {
  file?: string;
  reason: string;
}

/** One line of `scan --task`'s timeline: a log line about the task, or the host's state. */
export interface TimelineEntry {
  /** ISO UTC, when the line has a time of its own. */
  time?: string;
  source: RecordSource | 'host-state';
  /** The line, redacted and cut. */
  text: Redacted;
  /** Set when a rule recognised the line. */
  ruleId?: string;
  category?: string;
  file?: string;
  line?: number;
}

/** What `scan --task` found: the task, its containers, and the lines about it in time order. */
export interface TaskTimeline {
  taskId: string;
  taskArn?: string;
  /** Docker ids of its containers. */
  containers: string[];
  /** Where the container ids were learned: `agent log`, `agent state`, `container labels`. */
  learnedFrom: string[];
  timeline: TimelineEntry[];
  /** Lines about the task left out (over the timeline's cap, or the summary's size budget). */
  omitted: number;
}
/**
 * A scan's verdict: the highest severity found; `unknown` when nothing was found but no ECS agent log was read
 * (the scan did not look, so it cannot say `ok`); `ok` otherwise.
 */
export type ScanStatus = 'ok' | 'unknown' | Severity;

/** The compact form (`scan --format summary`) that fits SSM's 24,000-character output limit. */
export interface ScanSummary {
  schema: 'ecs-triage/scan-summary';
  schemaVersion: 1;
  generatedAt: string;
  status: ScanStatus;
  /** Why the scan is no all-clear (no ECS agent log read), when so. */
  blind?: string;
  findings: Array<{
    category: Category;
    ruleId: string;
    severity: Severity;
    title: string;
    count: number;
    lastSeen?: string;
    images?: string[];
  }>;
  problems: number;
  truncated?: boolean;
  /** `scan --task`: the timeline, as much as fits the summary's size budget. */
  task?: TaskTimeline;
}
