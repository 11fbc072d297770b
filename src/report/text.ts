// The incident report as text: read in a terminal or in the SSM console, which shows only the first
// 24,000 characters of output. Causes come first, most severe first; what does not fit is summarised.
import type { ReportFinding, ScanSummary } from '../types.js';
import type { ScanReport } from './schema.js';

export const TEXT_BUDGET = 24_000;
/** Room kept for the summary of what did not fit and the closing lines. */
const RESERVE = 1_500;

export interface TextOptions {
  budget?: number;
  /** Host checks rendered by the checks module (the caller passes it so this file stays free of it). */
  checksText?: string;
}

export function renderText(report: ScanReport, opts: TextOptions = {}): string {
  const budget = opts.budget ?? TEXT_BUDGET;
  const head: string[] = [];
  const lines = report.sources.reduce((n, s) => n + s.lines, 0);
  const read = report.sources.filter((s) => !s.error).length;
  head.push(`ecs-triage scan of ${report.root === '/' ? 'this host' : report.root}  (${report.generatedAt}${report.since ? `, since ${report.since}` : ''})`);
  const causes = report.findings.length;
  head.push(
    causes === 0
      ? `Status: OK — no known failure cause in ${read} log source(s), ${lines.toLocaleString('en-US')} lines.`
      : `Status: ${report.status.toUpperCase()} — ${causes} cause${causes === 1 ? '' : 's'} found in ${read} log source(s), ${lines.toLocaleString('en-US')} lines.`,
  );
  head.push('');

  const out: string[] = [head.join('\n')];
  let used = out[0]!.length;
  let shown = 0;
  for (const f of report.findings) {
    const block = renderFinding(f, shown + 1);
    if (used + block.length > budget - RESERVE) break;
    out.push(block);
    used += block.length;
    shown += 1;
  }
  const rest = report.findings.slice(shown);
  if (rest.length > 0) {
    const summary = [`${rest.length} more cause(s) not shown in full (use --format json for everything):`];
    for (const f of rest) {
      const line = `  - [${f.severity.toUpperCase()}] ${f.category}: ${f.title} (${f.count}×)`;
      if (used + summary.join('\n').length + line.length > budget - 200) {
        summary.push('  - …');
        break;
      }
      summary.push(line);
    }
    out.push(summary.join('\n') + '\n');
    used += summary.join('\n').length;
  }
  if (opts.checksText && used + opts.checksText.length < budget - 300) {
    out.push(opts.checksText.trimEnd() + '\n');
    used += opts.checksText.length;
  }
  const tail: string[] = [];
  const problems = report.problems;
  if (problems.length > 0) {
    tail.push(`Notes (${problems.length}):`);
    for (const p of problems.slice(0, 10)) tail.push(`  - ${p.file ? `${p.file}: ` : ''}${p.reason}`);
    if (problems.length > 10) tail.push(`  - … ${problems.length - 10} more in --format json`);
  }
  tail.push(`Sources: ${report.sources.map((s) => `${s.file} (${s.lines} lines${s.error ? `, ${s.error}` : ''})`).join(', ') || 'no log files found'}`);
  let tailText = tail.join('\n') + '\n';
  if (used + tailText.length > budget) tailText = tailText.slice(0, Math.max(0, budget - used - 2)) + '…\n';
  out.push(tailText);
  return out.join('\n');
}

function renderFinding(f: ReportFinding, n: number): string {
  const l: string[] = [];
  l.push(`${n}. [${f.severity.toUpperCase()}] ${f.title}`);
  l.push(`   category ${f.category} · rule ${f.ruleId} · seen ${f.count}×${f.firstSeen ? ` · ${f.firstSeen} → ${f.lastSeen}` : ''}`);
  if (f.secondary) l.push(`   inner cause: ${f.secondary.category} — ${f.secondary.title}`);
  if (f.wrapper) l.push(`   reported inside: ${f.wrapper.title}`);
  const list = (label: string, items: string[]): void => {
    if (items.length === 0) return;
    const shown = items.slice(0, 5).join(', ');
    l.push(`   ${label}: ${shown}${items.length > 5 ? ` (+${items.length - 5} more)` : ''}`);
  };
  list('images', f.images);
  list('tasks', f.tasks);
  list('containers', f.containers);
  if (f.images.length === 0) list('registries', f.registries);
  if (f.context && f.context.length > 0) {
    l.push('   on this host:');
    for (const c of f.context) l.push(`     ${c}`);
  }
  const where = f.example.file ? `${f.example.file}${f.example.line !== undefined ? `:${f.example.line}` : ''}` : 'line';
  const text = f.example.text.length > 600 ? `${f.example.text.slice(0, 597)}...` : f.example.text;
  l.push(`   example (${where}):`);
  l.push(`     ${text}`);
  l.push('   likely causes:');
  for (const c of f.causes) l.push(`     - ${c}`);
  l.push('   fix:');
  f.remediation.forEach((r, i) => l.push(`     ${i + 1}. ${r}`));
  if (f.alternatives && f.alternatives.length > 0) l.push(`   also rule out: ${f.alternatives.join(', ')}`);
  if (f.docs && f.docs.length > 0) l.push(`   docs: ${f.docs.join(' ')}`);
  return l.join('\n') + '\n';
}

/** The compact form for fleet runs: always well inside SSM's 24,000-character output. */
export function toSummary(report: ScanReport, budget = 20_000): ScanSummary {
  const s: ScanSummary = {
    schema: 'ecs-triage/scan-summary',
    schemaVersion: 1,
    generatedAt: report.generatedAt,
    status: report.status,
    findings: [],
    problems: report.problems.length,
  };
  let size = JSON.stringify(s).length;
  for (const f of report.findings) {
    const item: ScanSummary['findings'][number] = {
      category: f.category,
      ruleId: f.ruleId,
      severity: f.severity,
      title: f.title.length > 160 ? f.title.slice(0, 157) + '...' : f.title,
      count: f.count,
    };
    if (f.lastSeen) item.lastSeen = f.lastSeen;
    if (f.images.length > 0) item.images = f.images.slice(0, 3).map((i) => (i.length > 200 ? i.slice(0, 200) : i));
    const add = JSON.stringify(item).length + 1;
    if (size + add > budget) {
      s.truncated = true;
      break;
    }
    s.findings.push(item);
    size += add;
  }
  return s;
}
