// The fleet report as a table for a terminal.
import { severityRank } from '../types.js';
import type { FleetReport, InstanceResult } from './types.js';

const TOP_CAUSES = 3;

function topCauses(inst: InstanceResult): string {
  if (inst.state !== 'answered') return inst.reason ?? '';
  const findings = [...(inst.summary?.findings ?? [])].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count,
  );
  if (findings.length === 0 && inst.status === 'unknown') return inst.reason ?? 'not checked';
  if (findings.length === 0) return inst.summary?.problems ? `- (${inst.summary.problems} unreadable source(s))` : '-';
  const shown = findings.slice(0, TOP_CAUSES).map((f) => `${f.category} (${f.count})`);
  if (findings.length > TOP_CAUSES) shown.push(`+${findings.length - TOP_CAUSES} more`);
  // Findings from the other logs, but the agent's own log was not read: say so next to them.
  return shown.join(', ') + (inst.summary?.blind ? ' [no ECS agent log read]' : '');
}

function statusCell(inst: InstanceResult): string {
  if (inst.state === 'answered') return inst.status;
  return `${inst.state.toUpperCase()} ${inst.status}`;
}

export function renderFleetText(r: FleetReport): string {
  if (r.instances.length === 0) {
    return `No instances: ${r.target.kind === 'cluster' ? `cluster ${r.target.cluster} has no container instances` : 'nothing matched the targets'}.\n`;
  }
  const rows = r.instances.map((i) => {
    const note = i.agentConnected === false ? ' [ECS agent disconnected]' : '';
    return [i.instanceId, statusCell(i), topCauses(i) + note];
  });
  const header = ['INSTANCE', 'STATUS', 'TOP CAUSES (count)'];
  const w0 = Math.max(header[0]!.length, ...rows.map((x) => x[0]!.length));
  const w1 = Math.max(header[1]!.length, ...rows.map((x) => x[1]!.length));
  const line = (c: string[]): string => `${c[0]!.padEnd(w0)}  ${c[1]!.padEnd(w1)}  ${c[2]}`.trimEnd();
  const out: string[] = [line(header), ...rows.map(line), ''];

  if (r.causes.length) {
    out.push('Fleet-wide causes (by number of instances):');
    const wn = Math.max(...r.causes.map((c) => String(c.instances).length));
    const wc = Math.max(...r.causes.map((c) => c.category.length));
    for (const c of r.causes) {
      out.push(
        `  ${String(c.instances).padStart(wn)} instance${c.instances === 1 ? ' ' : 's'}  ${c.severity.padEnd(8)} ${c.category.padEnd(wc)}  ` +
          `${c.title}  (${c.count} line${c.count === 1 ? '' : 's'}; rule ${c.ruleId})`,
      );
    }
  } else {
    out.push('Fleet-wide causes: none found on the instances that answered.');
  }
  out.push('');
  const t = r.totals;
  out.push(
    `${t.instances} instance${t.instances === 1 ? '' : 's'}: ${t.answered} answered (${t.withFindings} with findings` +
      (t.notChecked ? `, ${t.notChecked} not checked` : '') +
      '), ' +
      `${t.unreachable} unreachable, ${t.failed} failed` + (r.commandIds.length ? `; SSM command${r.commandIds.length > 1 ? 's' : ''} ${r.commandIds.join(', ')}` : ''),
  );
  return out.join('\n') + '\n';
}
