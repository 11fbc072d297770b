// The fleet-wide view: causes ranked by how many instances have them.
import { severityRank, type Severity } from '../types.js';
import type { FleetCause, FleetReport, InstanceResult, TargetSpec } from './types.js';

export function buildFleetReport(input: {
  target: TargetSpec;
  document: string;
  commandIds: string[];
  instances: InstanceResult[];
  now?: Date;
}): FleetReport {
  const instances = [...input.instances].sort(byAttention);
  const causes = new Map<string, FleetCause>();
  for (const inst of instances) {
    for (const f of inst.summary?.findings ?? []) {
      const key = f.ruleId;
      let c = causes.get(key);
      if (!c) {
        c = { category: f.category, ruleId: f.ruleId, title: f.title, severity: f.severity, instances: 0, count: 0, instanceIds: [] };
        causes.set(key, c);
      }
      if (!c.instanceIds.includes(inst.instanceId)) {
        c.instances++;
        c.instanceIds.push(inst.instanceId);
      }
      c.count += f.count;
      if (severityRank(f.severity) > severityRank(c.severity)) c.severity = f.severity;
    }
  }
  const ranked = [...causes.values()].sort(
    (a, b) => b.instances - a.instances || severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId),
  );
  return {
    schema: 'ecs-triage/fleet-scan',
    schemaVersion: 1,
    generatedAt: (input.now ?? new Date()).toISOString(),
    target: input.target,
    document: input.document,
    commandIds: input.commandIds,
    instances,
    causes: ranked,
    totals: {
      instances: instances.length,
      answered: instances.filter((i) => i.state === 'answered').length,
      withFindings: instances.filter((i) => i.state === 'answered' && (i.summary?.findings.length ?? 0) > 0).length,
      notChecked: instances.filter((i) => i.state === 'answered' && i.status === 'unknown').length,
      unreachable: instances.filter((i) => i.state === 'unreachable').length,
      failed: instances.filter((i) => i.state === 'failed').length,
    },
  };
}

/** Worst first: highest severity, then failed, not checked (`unknown`) and unreachable, then healthy; ties by id so output is stable. */
function byAttention(a: InstanceResult, b: InstanceResult): number {
  return weight(b) - weight(a) || a.instanceId.localeCompare(b.instanceId);
}

function weight(i: InstanceResult): number {
  if (i.state === 'answered') {
    if (i.status === 'unknown') return 2;
    const r = severityRank(i.status as Severity);
    return r >= 0 ? 10 + r : 0;
  }
  return i.state === 'failed' ? 2 : 1;
}
