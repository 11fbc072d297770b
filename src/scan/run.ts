// The one-shot pipeline behind `scan`: discover the host's logs, read each with the prefilter, classify the
// nominated lines, fold them into causes, add the host checks. Produces a ScanReport; rendering is elsewhere.
import { stat } from 'node:fs/promises';
import type { RuleSet } from '../classify/ruleset.js';
import { defaultConfig } from '../config.js';
import { parseJournalEntry, parseLine } from '../formats/index.js';
import { requireHostRoot, type Host } from '../host.js';
import type { Logger } from '../log.js';
import { FindingCollector, scanStatus, sortReportFindings } from '../report/collect.js';
import { assessCoverage } from '../report/coverage.js';
import { discoverLogFiles, type LogFile } from '../sources/discover.js';
import { headLooksBinary, scanFile, type CandidateLine, type FileScanStats } from '../sources/file-scan.js';
import { readLiveJournal } from '../sources/journal-once.js';
import { classifyRecord, nominatingSearch } from '../pipeline.js';
import type { LiteralSearch } from '../search/literals.js';
import type { HostCheckOptions } from '../checks/types.js';
import type { Finding, LogRecord, Problem, SourceSummary } from '../types.js';
import type { ScanReport } from '../report/schema.js';
import { VERSION } from '../version.js';
import { keepYoungGenerationSmall } from './heap.js';
import { PARALLEL_MIN_BYTES, scanRanges, workerCount, workerSource } from './parallel.js';

/**
 * Narrows a scan to what concerns one thing (`scan --task`, src/task/host-filter.ts): extra prefilter literals,
 * a record predicate, and an observer that sees every kept record with what the rules made of it.
 */
export interface ScanFocus {
  readonly literals: readonly string[];
  concerns(rec: LogRecord): boolean;
  observe(rec: LogRecord, finding: Finding | undefined): void;
}

export interface ScanOptions {
  root: string;
  /** Epoch ms: lines with an earlier timestamp of their own are left out. */
  since?: number;
  /** As given on the command line, for the report. */
  sinceText?: string;
  rules: RuleSet;
  /** Run the host checks (disk, inodes, container logs). */
  checks: boolean;
  checkOptions?: HostCheckOptions;
  log: Logger;
  now?: number;
  /** Keep only the records this focus concerns (one-thread path: worker threads do not see it). */
  focus?: ScanFocus;
  /** The effective user id, for the permission hint (default: this process's). */
  uid?: number;
  /** Kept up to date while the scan reads, for a progress line. */
  progress?: ScanProgress;
}

/** How far a scan is: files and bytes read so far (`bytes` moves within a file as lines are nominated). */
export interface ScanProgress {
  files: number;
  filesDone: number;
  bytes: number;
  current?: string;
}


export async function runScan(opts: ScanOptions): Promise<ScanReport> {
  keepYoungGenerationSmall();
  const host = await requireHostRoot(opts.root);
  const { files, problems } = await discoverLogFiles(host);
  const collector = new FindingCollector();
  const sources: SourceSummary[] = [];
  const focus = opts.focus;
  // Journal exports also nominate entries whose MESSAGE is a byte array: their text is hidden until decoded.
  // `scan --task` nominates the lines naming the task or its containers too.
  const extra = focus ? focus.literals.map((text) => ({ text, fold: false })) : [];
  const searches = new Map<boolean, LiteralSearch>();
  const searchFor = (file: LogFile): LiteralSearch => {
    const journal = file.journal === true;
    let s = searches.get(journal);
    if (!s) searches.set(journal, (s = nominatingSearch(opts.rules, journal, extra)));
    return s;
  };

  const consider = (rec: LogRecord, summary: SourceSummary): void => {
    if (focus && !focus.concerns(rec)) return;
    const finding = classifyRecord(opts.rules, rec, opts.since);
    focus?.observe(rec, finding);
    if (!finding) return;
    summary.matched += 1;
    collector.add(finding);
  };

  const progress = opts.progress;
  if (progress) progress.files = files.length;
  for (const file of files) {
    if (progress) progress.current = file.display;
    const parallel = focus ? undefined : await parallelPlan(file);
    const summary = parallel
      ? await scanParallel(file, parallel, opts, collector, problems)
      : await scanOne(file, searchFor(file), consider, problems, opts.log, progress);
    sources.push(summary);
    if (progress) {
      progress.filesDone += 1;
      if (parallel) progress.bytes += summary.bytes;
    }
  }

  if (host.live) {
    // Without --since the journal is read for the last 24 hours: it can hold weeks of dockerd output.
    const summary = await readLiveJournal({ since: opts.since ?? (opts.now ?? Date.now()) - 24 * 3600_000 }, consider);
    if (summary) sources.push(summary);
  }

  const report: ScanReport = {
    schema: 'ecs-triage/scan-report',
    schemaVersion: 1,
    tool: { name: 'ecs-triage', version: VERSION },
    generatedAt: new Date(opts.now ?? Date.now()).toISOString(),
    root: host.root,
    status: 'ok',
    findings: collector.findings(),
    sources,
    problems,
    coverage: assessCoverage({ sources, problems, root: opts.root, live: host.live, ...uidOf(opts) }),
  };
  if (opts.sinceText !== undefined) report.since = opts.sinceText;
  if (opts.checks) await addHostChecks(report, host, opts);
  report.status = scanStatus(report);
  return report;
}

function uidOf(opts: ScanOptions): { uid?: number } {
  const uid = opts.uid ?? process.getuid?.();
  return uid === undefined ? {} : { uid };
}

async function scanOne(
  file: LogFile,
  search: LiteralSearch,
  consider: (rec: LogRecord, summary: SourceSummary) => void,
  problems: Problem[],
  log: Logger,
  progress?: ScanProgress,
): Promise<SourceSummary> {
  const summary: SourceSummary = { file: file.display, kind: file.source, bytes: 0, lines: 0, matched: 0, skipped: 0 };
  if (file.format) summary.format = file.format;
  let malformed = 0;
  const before = progress?.bytes ?? 0;
  const onCandidate = (c: CandidateLine): void => {
    if (progress) progress.bytes = before + c.offset;
    const origin = { file: file.display, line: c.line, offset: c.offset };
    if (file.journal) {
      let entry: unknown;
      try {
        entry = JSON.parse(c.text);
      } catch {
        malformed += 1; // a truncated export line, or one cut at the line limit
        return;
      }
      const rec = typeof entry === 'object' && entry !== null ? parseJournalEntry(entry as Record<string, unknown>, origin) : undefined;
      if (rec) consider(rec, summary);
      return;
    }
    consider(parseLine(c.text, { source: file.source, ...(file.format ? { format: file.format } : {}), origin }), summary);
  };
  try {
    const stats = await scanFile(file.path, search, onCandidate);
    summarize(summary, [stats], malformed, problems);
    if (progress) progress.bytes = before + summary.bytes;
  } catch (err) {
    summary.error = (err as Error).message;
    problems.push({ file: file.display, reason: `cannot read: ${(err as Error).message}` });
    log.warn('cannot read log file', { file: file.display, error: err });
  }
  return summary;
}

/** Fills a file's summary from its scan statistics (one per byte range) and notes what was skipped. */
function summarize(summary: SourceSummary, parts: FileScanStats[], malformed: number, problems: Problem[]): void {
  const sum = (k: 'bytes' | 'lines' | 'binary' | 'truncated'): number => parts.reduce((n, s) => n + s[k], 0);
  summary.bytes = sum('bytes');
  summary.lines = sum('lines');
  summary.skipped = sum('binary') + malformed;
  const note = (reason: string): void => void problems.push({ file: summary.file, reason });
  if (parts.some((s) => s.binaryFile)) note((summary.error = 'binary file: not a log, skipped'));
  if (sum('binary') > 0) note(`${sum('binary')} line(s) with binary bytes skipped`);
  if (sum('truncated') > 0) note(`${sum('truncated')} over-long line(s) cut to their first 64 KiB`);
  if (malformed > 0) note(`${malformed} malformed journal line(s) skipped (truncated or not JSON)`);
}

async function parallelPlan(file: LogFile): Promise<{ source: string; size: number; threads: number } | undefined> {
  if (file.journal) return undefined;
  const source = workerSource();
  const threads = workerCount();
  if (!source || threads < 2) return undefined;
  try {
    const { size } = await stat(file.path);
    // A binary file is refused by the one-thread path, which reports it.
    return size >= PARALLEL_MIN_BYTES && !(await headLooksBinary(file.path)) ? { source, size, threads } : undefined;
  } catch {
    return undefined; // scanOne reports it
  }
}

async function scanParallel(
  file: LogFile,
  plan: { source: string; size: number; threads: number },
  opts: ScanOptions,
  collector: FindingCollector,
  problems: Problem[],
): Promise<SourceSummary> {
  const summary: SourceSummary = { file: file.display, kind: file.source, bytes: 0, lines: 0, matched: 0, skipped: 0 };
  if (file.format) summary.format = file.format;
  try {
    const results = await scanRanges(
      plan.source,
      opts.rules,
      collector,
      {
        file: file.path,
        display: file.display,
        literals: opts.rules.literals,
        source: file.source,
        ...(file.format ? { format: file.format } : {}),
        ...(opts.since !== undefined ? { since: opts.since } : {}),
      },
      plan.size,
      plan.threads,
    );
    summary.matched = results.reduce((n, r) => n + r.matched, 0);
    const byThread = new Map<number, number>();
    for (const r of results) byThread.set(r.thread, (byThread.get(r.thread) ?? 0) + 1);
    opts.log.debug('scanned in pieces', { file: file.display, pieces: results.length, piecesByThread: Object.fromEntries(byThread) });
    summarize(summary, results.map((r) => r.stats), 0, problems);
  } catch (err) {
    summary.error = (err as Error).message;
    problems.push({ file: file.display, reason: `scan failed part-way, findings from this file may be incomplete: ${(err as Error).message}` });
  }
  return summary;
}

/** The host checks module is loaded only when checks run. */
async function addHostChecks(report: ScanReport, host: Host, opts: ScanOptions): Promise<void> {
  try {
    const checks = await import('../checks/index.js');
    const result = await checks.runHostChecks(host, opts.checkOptions ?? { thresholds: defaultConfig().checks });
    report.checks = result;
    const fromChecks = new FindingCollector();
    for (const f of result.findings) fromChecks.add(f);
    report.findings = sortReportFindings([...report.findings, ...fromChecks.findings()]);
    checks.correlateDiskFull(report.findings, result);
  } catch (err) {
    report.problems.push({ reason: `host checks failed: ${(err as Error).message}` });
    opts.log.warn('host checks failed', { error: err });
  }
}
