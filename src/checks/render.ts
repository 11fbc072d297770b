// The host checks as text for a terminal or an SSM output box: filesystems, largest container logs,
// findings grouped by check (one remediation per check, not per container), and skipped items. Laid out at
// the report's width (src/report/layout.ts).
import { DEFAULT_WIDTH, table, wrap } from '../report/layout.js';
import type { Finding } from '../types.js';
import { describeContainer, fsLabel } from './findings.js';
import { formatBytes, formatPercent } from './sizes.js';
import type { ContainerLogState, HostCheckReport } from './types.js';

const SHOWN_PER_GROUP = 5;

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

export interface ChecksTextOptions {
  /** Columns to wrap at (default 80). */
  width?: number;
  /**
   * List the findings (default). `scan` passes false: its report lists them with the log causes already,
   * and printing them twice took up to a third of the report.
   */
  findings?: boolean;
}

export function renderChecksText(report: HostCheckReport, opts: ChecksTextOptions = {}): string {
  const width = opts.width ?? DEFAULT_WIDTH;
  const out: string[] = [];
  out.push(...wrap(`Host checks: status ${report.status.toUpperCase()}, data root ${report.dataRoot}${report.root === '/' ? '' : `, root ${report.root}`}`, width, '', '  '));

  out.push('', 'Filesystems');
  if (report.filesystems.length === 0) out.push('  (none measured)');
  else {
    // The label last: it is the long cell, and the one that wraps.
    const rows = [['SIZE', 'USED', 'AVAIL', 'USE', 'INODES', 'FROM', 'FILESYSTEM']];
    for (const fs of report.filesystems) {
      rows.push([
        formatBytes(fs.sizeBytes),
        formatBytes(fs.usedBytes),
        formatBytes(fs.availableBytes),
        formatPercent(fs.usedPercent),
        formatPercent(fs.inodeUsedPercent),
        fs.figuresFrom,
        fsLabel(fs),
      ]);
    }
    out.push(...table(rows, width));
  }

  const listed = report.containers.length;
  out.push('');
  out.push(
    ...wrap(
      `Container logs: ${report.containerCount} container${report.containerCount === 1 ? '' : 's'}, ${formatBytes(report.totalLogBytes)} in total` +
        (listed < report.containerCount ? ` (largest ${listed} shown)` : ''),
      width,
    ),
  );
  if (listed > 0) {
    const rows = [['LOGS', 'FILES', 'LIMIT', 'STATE', 'CONTAINER']];
    for (const c of report.containers) {
      const docker = c.name && c.ecs ? ` [${c.name}]` : '';
      rows.push([formatBytes(c.logBytes), String(c.logFiles.length), limitText(c), stateText(c), describeContainer(c) + docker]);
    }
    out.push(...table(rows, width));
  }

  if (opts.findings !== false) out.push(...findingLines(report, width));

  if (report.skipped.length > 0) {
    out.push('', `Skipped (${report.skipped.length})`);
    for (const s of report.skipped.slice(0, 20)) out.push(...wrap(`${s.path}: ${s.reason}`, width, '  ', '    '));
    if (report.skipped.length > 20) out.push(`  … and ${report.skipped.length - 20} more (--format json lists all)`);
  }
  return out.join('\n') + '\n';
}

function findingLines(report: HostCheckReport, width: number): string[] {
  const out: string[] = [];
  out.push('', report.findings.length === 0 ? 'Findings: none' : `Findings (${report.findings.length})`);
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.severity} ${f.ruleId}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const explained = new Set<string>();
  const under = ' '.repeat(11);
  for (const g of groups.values()) {
    const first = g[0]!;
    out.push(...wrap(`${first.severity.toUpperCase().padEnd(8)} ${first.ruleId}: ${first.title}${g.length > 1 ? ` (${g.length})` : ''}`, width, '  ', under));
    for (const f of g.slice(0, SHOWN_PER_GROUP)) out.push(...wrap(f.line, width, `${under}- `, `${under}  `));
    if (g.length > SHOWN_PER_GROUP) out.push(`${under}… and ${g.length - SHOWN_PER_GROUP} more (--format json lists all)`);
    if (!explained.has(first.ruleId)) {
      explained.add(first.ruleId);
      first.remediation.forEach((r, i) => out.push(...wrap(r, width, `${under}${i + 1}. `)));
    }
  }
  return out;
}
