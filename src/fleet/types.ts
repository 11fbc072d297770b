// The fleet scan's own vocabulary: what was asked, what each instance answered, and the fleet-wide view.
import type { ScanSummary, Severity } from '../types.js';

/** Who to run on. Exactly one form per scan. */
export type TargetSpec =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'instances'; instanceIds: string[] }
  | { kind: 'tags'; targets: Array<{ Key: string; Values: string[] }> };

/** How an instance ended up, as the operator needs to read it. */
export type InstanceState =
  /** The scan ran and its summary was read. */
  | 'answered'
  /** The command never ran there (no agent, offline, delivery timed out). */
  | 'unreachable'
  /** The command ran but did not produce a readable summary (failed, timed out, truncated output). */
  | 'failed';

export interface InstanceResult {
  instanceId: string;
  state: InstanceState;
  /** Status of the summary (`ok`, `unknown` or the highest finding) when answered; the SSM status otherwise. */
  status: string;
  /** Why the instance is unreachable or failed, in words. */
  reason?: string;
  /** SSM invocation status and details as returned (e.g. `TimedOut` / `DeliveryTimedOut`). */
  ssmStatus?: string;
  ssmStatusDetails?: string;
  responseCode?: number;
  commandId?: string;
  summary?: ScanSummary;
  /** From ECS when targets came from a cluster. */
  containerInstanceArn?: string;
  agentConnected?: boolean;
}

export interface FleetCause {
  category: string;
  ruleId: string;
  title: string;
  severity: Severity;
  /** Instances on which the cause was found. */
  instances: number;
  /** Occurrences over all instances. */
  count: number;
  instanceIds: string[];
}

export interface FleetReport {
  schema: 'ecs-triage/fleet-scan';
  schemaVersion: 1;
  generatedAt: string;
  target: TargetSpec;
  document: string;
  commandIds: string[];
  instances: InstanceResult[];
  causes: FleetCause[];
  /** `notChecked`: answered `unknown` (the scan read no ECS agent log), counted among `answered`. */
  totals: { instances: number; answered: number; withFindings: number; notChecked: number; unreachable: number; failed: number };
}
