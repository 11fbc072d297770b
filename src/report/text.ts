// The incident report as text, for a terminal or the SSM console (80 columns, the first 24,000 characters).
// Top to bottom: what was scanned and the status (with what could not be checked), an index of the causes
// (one line each), each cause in detail, the host state, notes, sources. One size budget covers the whole
// text; when it must cut, the details of the lowest causes go first and the index always stays.
import type { ReportFinding, ScanSummary } from '../types.js';
import { MAX_NAMES } from './collect.js';
import { coverageLines } from './coverage.js';
import { DEFAULT_WIDTH, fit, MIN_WIDTH, wrap } from './layout.js';
import type { ScanReport } from './schema.js';
import { ago, isoUtc, painter, visibleLength, when, type Paint } from './style.js';

/** What GetCommandInvocation and the SSM console keep of standard output (docs/aws-facts.md). */
export const SSM_STDOUT_LIMIT = 24_000;
/** The text report's one size budget, in characters: all of it shows in the SSM console. */
export const TEXT_BUDGET = SSM_STDOUT_LIMIT;
/** Names shown per list (tasks, images …) before "+N more". */
const FEW = 3;
/** Notes and sources listed before "… N more". */
const LISTED = 10;

export interface TextOptions {
  budget?: number;
  /** Columns to wrap at (default 80). */
  width?: number;
  /** Colour severities (only for a terminal, never with NO_COLOR). */
  colour?: boolean;
  /** Host state rendered by the checks module without its findings (they are causes here), passed in so this file stays free of it. */
  checksText?: string;
}

interface Layout {
  width: number;
  now: number;
  paint: Paint;
}

export function renderText(report: ScanReport, opts: TextOptions = {}): string {
  const budget = opts.budget ?? TEXT_BUDGET;
  const lay: Layout = {
    width: Math.max(MIN_WIDTH, opts.width ?? DEFAULT_WIDTH),
    now: Date.parse(report.generatedAt),
    paint: painter(opts.colour ?? false),
  };
  const head = block(header(report, lay));
  const index = block(indexLines(report, lay));
  const checks = opts.checksText ? opts.checksText.trimEnd() + '\n' : '';
  const tail = block(tailLines(report, lay));
  const details = report.findings.map((f, i) => block(detail(f, i + 1, lay)));

  const size = (parts: readonly string[]): number => parts.reduce((n, p) => n + visibleLength(p) + 1, 0);
  const cutNote = (from: number): string =>
    block(
      wrap(
        `Details of cause${from === details.length ? ` ${from}` : `s ${from}–${details.length}`} left out to keep the report within ${budget.toLocaleString('en-US')} characters (what the SSM console shows); they are in the index above, and ecs-triage scan --format json has everything.`,
        lay.width,
      ),
    );
  let fixed = [head, index, checks, tail].filter((p) => p !== '');
  if (size(fixed) + (details.length ? size([cutNote(1)]) : 0) > budget && checks) {
    // The index first: the host state gives way before it does.
    fixed = [head, index, block([`Host checks left out to keep the report within ${budget} characters; run ecs-triage check.`]), tail].filter((p) => p !== '');
  }
  let shown = 0;
  let used = size(fixed);
  for (const d of details) {
    const room = budget - used - (shown + 1 < details.length ? size([cutNote(shown + 2)]) : 0);
    if (size([d]) > room) break;
    used += size([d]);
    shown += 1;
  }
  const [top, ...after] = fixed;
  const parts = [top!, ...(index ? [after.shift()!] : []), ...details.slice(0, shown), ...(shown < details.length ? [cutNote(shown + 1)] : []), ...after];
  const text = parts.join('\n');
  // Only a rule set with thousands of causes gets here: the index alone is over the budget.
  return visibleLength(text) <= budget ? text : `${text.slice(0, budget - 60)}\n… cut at ${budget} characters (--format json has everything)\n`;
}

function block(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function plural(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

function header(report: ScanReport, lay: Layout): string[] {
  const lines = report.sources.reduce((n, s) => n + s.lines, 0);
  const read = report.sources.filter((s) => !s.error).length;
  const out = wrap(`ecs-triage scan of ${report.root === '/' ? 'this host' : report.root}`, lay.width);
  const since = report.since ? `, lines since ${report.since}` : '';
  out.push(...wrap(`at ${isoUtc(lay.now)}${since}: ${plural(read, 'log source')}, ${plural(lines, 'line')} read`, lay.width));
  const n = report.findings.length;
  const says = n > 0 ? `${plural(n, 'cause')} found` : report.status === 'unknown' ? 'nothing found, but the host was not checked' : 'no known failure cause';
  const label = `Status: ${report.status.toUpperCase()}`;
  const status = wrap(`${label} — ${says}.`, lay.width);
  status[0] = status[0]!.replace(label, lay.paint(report.status, label));
  out.push(...status);
  for (const line of coverageLines(report.coverage)) out.push(...wrap(line, lay.width, '', '  '));
  return out;
}

/** One line per cause, never cut: severity, count, when it was last seen, title. */
function indexLines(report: ScanReport, lay: Layout): string[] {
  if (report.findings.length === 0) return [];
  const num = String(report.findings.length).length;
  const counts = Math.max(5, ...report.findings.map((f) => String(f.count).length));
  const seen = report.findings.map((f) => (f.lastSeen ? ago(Date.parse(f.lastSeen), lay.now) : '-'));
  const seenW = Math.max('LAST SEEN'.length, ...seen.map((s) => s.length));
  const lead = (cells: string[]): string => `  ${cells[0]!.padStart(num)}  ${cells[1]!.padEnd(8)}  ${cells[2]!.padStart(counts)}  ${cells[3]!.padEnd(seenW)}  `;
  const out = [`Causes, most severe first:`, `${lead(['#', 'SEVERITY', 'COUNT', 'LAST SEEN'])}CAUSE`];
  report.findings.forEach((f, i) => {
    const cells = lead([String(i + 1), f.severity.toUpperCase(), String(f.count), seen[i]!]);
    const line = fit(cells + f.title, lay.width);
    out.push(line.replace(f.severity.toUpperCase().padEnd(8), lay.paint(f.severity, f.severity.toUpperCase().padEnd(8))));
  });
  return out;
}

function detail(f: ReportFinding, n: number, lay: Layout): string[] {
  const w = lay.width;
  const sev = f.severity.toUpperCase();
  const l = wrap(`${n}. ${sev} ${f.title}`, w, '', ' '.repeat(String(n).length + 2));
  l[0] = l[0]!.replace(sev, lay.paint(f.severity, sev));
  const indent = ' '.repeat(String(n).length + 2);
  const more = indent + '  ';
  const line = (text: string): void => void l.push(...wrap(text, w, indent, more));
  line(`${f.category} · rule ${f.ruleId} · ${plural(f.count, f.example.file ? 'line' : 'item')}`);
  if (f.firstSeen && f.lastSeen) {
    line(f.firstSeen === f.lastSeen ? `seen ${when(f.lastSeen, lay.now)}` : `first ${when(f.firstSeen, lay.now)}, last ${when(f.lastSeen, lay.now)}`);
  }
  if (f.secondary) line(`inner cause: ${f.secondary.category} — ${f.secondary.title}`);
  if (f.wrapper) line(`reported inside: ${f.wrapper.title}`);
  names(l, 'images', f.images, lay, indent);
  tasks(l, f.tasks, lay, indent);
  names(l, 'containers', f.containers, lay, indent);
  if (f.images.length === 0) names(l, 'registries', f.registries, lay, indent);
  if (f.context && f.context.length > 0) {
    line('on this host:');
    for (const c of f.context) l.push(...wrap(c, w, more));
  }
  const where = f.example.file ? `${f.example.file}${f.example.line !== undefined ? `:${f.example.line}` : ''}` : undefined;
  line(where ? `example (${where}):` : 'found:');
  const text = f.example.text.length > 600 ? `${f.example.text.slice(0, 597)}...` : f.example.text;
  l.push(...wrap(text, w, more));
  line('likely causes:');
  for (const c of f.causes) l.push(...wrap(c, w, `${more}- `));
  line('fix:');
  f.remediation.forEach((r, i) => l.push(...wrap(r, w, `${more}${i + 1}. `)));
  if (f.alternatives && f.alternatives.length > 0) line(`also rule out: ${f.alternatives.join(', ')}`);
  if (f.docs && f.docs.length > 0) {
    line('docs:');
    for (const d of f.docs) l.push(...wrap(d, w, more));
  }
  return l;
}

/** A count and the first few; the JSON report has up to MAX_NAMES. */
function rest(items: readonly string[]): string {
  if (items.length <= FEW) return '';
  if (items.length >= MAX_NAMES) return ` (+${items.length - FEW} more, maybe others; --format json lists ${MAX_NAMES})`;
  return ` (+${items.length - FEW} more; --format json lists them)`;
}

function names(l: string[], label: string, items: readonly string[], lay: Layout, indent: string): void {
  if (items.length === 0) return;
  const head = `${label}${items.length > 1 ? ` (${items.length}${items.length >= MAX_NAMES ? '+' : ''})` : ''}:`;
  l.push(...wrap(`${head} ${items.slice(0, FEW).join(', ')}${rest(items)}`, lay.width, indent, `${indent}  `));
}

const TASK_ARN = /^(arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task\/)(.+)$/;

/** Task ARNs of one account and Region share their first 45 characters: said once, then the cluster/task ids. */
function tasks(l: string[], arns: readonly string[], lay: Layout, indent: string): void {
  const prefix = TASK_ARN.exec(arns[0] ?? '')?.[1];
  if (!prefix || !arns.every((a) => a.startsWith(prefix))) return names(l, 'tasks', arns, lay, indent);
  const count = `${arns.length}${arns.length >= MAX_NAMES ? '+' : ''}`;
  l.push(...wrap(`tasks (${count}, under ${prefix}):`, lay.width, indent, `${indent}  `));
  const ids = arns.map((a) => a.slice(prefix.length));
  l.push(...wrap(ids.slice(0, FEW).join(', ') + rest(ids), lay.width, `${indent}  `));
}

function tailLines(report: ScanReport, lay: Layout): string[] {
  const out: string[] = [];
  const problems = report.problems;
  if (problems.length > 0) {
    out.push(`Notes (${problems.length}):`);
    for (const p of problems.slice(0, LISTED)) out.push(...wrap(`${p.file ? `${p.file}: ` : ''}${p.reason}`, lay.width, '  - ', '    '));
    if (problems.length > LISTED) out.push(`  - … ${problems.length - LISTED} more in --format json`);
  }
  const sources = report.sources.map((s) => `${s.file} (${plural(s.lines, 'line')}${s.error ? `, ${s.error}` : ''})`);
  if (sources.length === 0) out.push('Sources: no log files found.');
  else {
    const listed = sources.slice(0, LISTED).join(', ') + (sources.length > LISTED ? `, and ${sources.length - LISTED} more` : '');
    out.push(...wrap(`Sources: ${listed}.`, lay.width, '', '  '));
  }
  return out;
}

/** The compact form for fleet runs: always well inside SSM's 24,000-character output. */
export function toSummary(report: ScanReport, budget = 20_000): ScanSummary {
  const s: ScanSummary = {
    schema: 'ecs-triage/scan-summary',
    schemaVersion: 1,
    generatedAt: report.generatedAt,
    status: report.status,
    ...(report.coverage.blind ? { blind: report.coverage.blind } : {}),
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
