// The host checks as text for a terminal or an SSM output box: filesystems, largest container logs,
// findings grouped by check (one remediation per check, not per container), and skipped items.
import type { Finding } from '../types.js';
import { describeContainer, fsLabel } from './findings.js';
import { formatBytes, formatPercent } from './sizes.js';
import type { ContainerLogState, HostCheckReport } from './types.js';

const SHOWN_PER_GROUP = 5;

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => '  ' + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function limitText(c: ContainerLogState): string {
  const l = c.limits;
  if (l.from === 'unknown') return 'unknown';
  if (l.driver !== 'json-file') return l.driver;
  if (!l.maxSize) return 'none';
  return `${l.maxSize} x ${l.maxFile}${l.compress ? ' gz' : ''}${l.from === 'daemon.json' ? ' (daemon)' : ''}`;
}

function stateText(c: ContainerLogState): string {
  return c.running === undefined ? '?' : c.running ? 'running' : 'stopped';
}

export function renderChecksText(report: HostCheckReport): string {
  const out: string[] = [];
  out.push(`Host checks: status ${report.status.toUpperCase()}, data root ${report.dataRoot}${report.root === '/' ? '' : `, root ${report.root}`}`);

  out.push('', 'Filesystems');
  if (report.filesystems.length === 0) out.push('  (none measured)');
  else {
    const rows = [['FILESYSTEM', 'SIZE', 'USED', 'AVAIL', 'USE', 'INODES', 'FROM']];
    for (const fs of report.filesystems) {
      rows.push([
        fsLabel(fs),
        formatBytes(fs.sizeBytes),
        formatBytes(fs.usedBytes),
        formatBytes(fs.availableBytes),
        formatPercent(fs.usedPercent),
        formatPercent(fs.inodeUsedPercent),
        fs.figuresFrom,
      ]);
    }
    out.push(...table(rows));
  }

  const listed = report.containers.length;
  out.push(
    '',
    `Container logs: ${report.containerCount} container${report.containerCount === 1 ? '' : 's'}, ${formatBytes(report.totalLogBytes)} in total` +
      (listed < report.containerCount ? ` (largest ${listed} shown)` : ''),
  );
  if (listed > 0) {
    const rows = [['LOGS', 'FILES', 'LIMIT', 'STATE', 'CONTAINER']];
    for (const c of report.containers) {
      const docker = c.name && c.ecs ? ` [${c.name}]` : '';
      rows.push([formatBytes(c.logBytes), String(c.logFiles.length), limitText(c), stateText(c), describeContainer(c) + docker]);
    }
    out.push(...table(rows));
  }

  out.push('', report.findings.length === 0 ? 'Findings: none' : `Findings (${report.findings.length})`);
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.severity} ${f.ruleId}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const explained = new Set<string>();
  for (const g of groups.values()) {
    const first = g[0]!;
    out.push(`  ${first.severity.toUpperCase().padEnd(8)} ${first.ruleId}: ${first.title}${g.length > 1 ? ` (${g.length})` : ''}`);
    for (const f of g.slice(0, SHOWN_PER_GROUP)) out.push(`           - ${f.line}`);
    if (g.length > SHOWN_PER_GROUP) out.push(`           … and ${g.length - SHOWN_PER_GROUP} more (--format json lists all)`);
    if (!explained.has(first.ruleId)) {
      explained.add(first.ruleId);
      first.remediation.forEach((r, i) => out.push(`           ${i + 1}. ${r}`));
    }
  }

  if (report.skipped.length > 0) {
    out.push('', `Skipped (${report.skipped.length})`);
    for (const s of report.skipped.slice(0, 20)) out.push(`  ${s.path}: ${s.reason}`);
    if (report.skipped.length > 20) out.push(`  … and ${report.skipped.length - 20} more (--format json lists all)`);
  }
  return out.join('\n') + '\n';
}
