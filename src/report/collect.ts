// Folds the findings of a scan into one group per rule: the report's "causes".
// Memory is bounded: a group keeps counts, times, capped sets of names and one representative line. The
// causes are built here as ReportFindings, whose text is Redacted (the redaction seam: src/redacted.ts).
import { findingRedaction, redacted, redactedFields } from '../redacted.js';
import type { Finding, Redacted, ReportFinding } from '../types.js';
import { severityRank } from '../types.js';
import type { ScanReport } from './schema.js';

/** Distinct images, tasks, containers and registries kept per cause. */
export const MAX_NAMES = 20;

interface Group {
  latest: Finding;
  count: number;
  firstSeen?: number;
  lastSeen?: number;
  images: Set<Redacted>;
  tasks: Set<Redacted>;
  containers: Set<Redacted>;
  registries: Set<Redacted>;
  /** Raw names (by kind) already taken from some line: another line with only these has nothing to add. */
  seen: Set<string>;
}

/** Raw names remembered per cause; past this, lines are redacted to look for new names as before. */
const MAX_SEEN = 16 * MAX_NAMES;

/** The finding fields each kind of name comes from (as in add()). */
const NAME_FIELDS = [
  ['images', ['image']],
  ['tasks', ['taskArn']],
  ['containers', ['container', 'containerName']],
  ['registries', ['registry', 'host']],
] as const;

export interface GroupSnapshot<T> {
  latest: T;
  count: number;
  firstSeen?: number;
  lastSeen?: number;
  images: Redacted[];
  tasks: Redacted[];
  containers: Redacted[];
  registries: Redacted[];
}

export class FindingCollector {
  private readonly groups = new Map<string, Group>();

  private group(first: Finding): Group {
    let g = this.groups.get(first.ruleId);
    if (!g) {
      g = { latest: first, count: 0, images: new Set(), tasks: new Set(), containers: new Set(), registries: new Set(), seen: new Set() };
      this.groups.set(first.ruleId, g);
    }
    return g;
  }

  add(f: Finding): void {
    const g = this.group(f);
    g.count += 1;
    if (isLater(f, g.latest)) g.latest = f;
    if (f.time !== undefined) {
      if (g.firstSeen === undefined || f.time < g.firstSeen) g.firstSeen = f.time;
      if (g.lastSeen === undefined || f.time > g.lastSeen) g.lastSeen = f.time;
    }
    // Redacting the line costs more than classifying it (a scan finds the same cause on thousands of lines):
    // only done when the line brings a name of a kind its group still takes, not taken from an earlier line.
    if (bringsNewName(g, f)) {
      // As the seam masks them with their line: a name may hold a piece of a secret without its label.
      const named = redactedFields(f.fields, f.line);
      addCapped(g.images, named.image);
      addCapped(g.tasks, named.taskArn);
      addCapped(g.containers, named.container ?? named.containerName);
      addCapped(g.registries, named.registry ?? named.host);
    }
  }

  /**
   * The groups in a form that crosses a thread boundary: a scan worker folds its own range and sends this,
   * so thousands of matching lines cost one message. `strip` removes what the receiver can re-attach.
   */
  snapshot<T>(strip: (f: Finding) => T): Array<GroupSnapshot<T>> {
    return [...this.groups.values()].map((g) => ({
      latest: strip(g.latest),
      count: g.count,
      ...(g.firstSeen !== undefined ? { firstSeen: g.firstSeen } : {}),
      ...(g.lastSeen !== undefined ? { lastSeen: g.lastSeen } : {}),
      images: [...g.images],
      tasks: [...g.tasks],
      containers: [...g.containers],
      registries: [...g.registries],
    }));
  }

  /** Folds in another collector's group (see snapshot), with its representative line already restored. */
  merge(s: GroupSnapshot<unknown>, latest: Finding): void {
    const g = this.group(latest);
    g.count += s.count;
    if (isLater(latest, g.latest)) g.latest = latest;
    if (s.firstSeen !== undefined && (g.firstSeen === undefined || s.firstSeen < g.firstSeen)) g.firstSeen = s.firstSeen;
    if (s.lastSeen !== undefined && (g.lastSeen === undefined || s.lastSeen > g.lastSeen)) g.lastSeen = s.lastSeen;
    for (const v of s.images) addCapped(g.images, v);
    for (const v of s.tasks) addCapped(g.tasks, v);
    for (const v of s.containers) addCapped(g.containers, v);
    for (const v of s.registries) addCapped(g.registries, v);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Causes, most severe first, then most frequent. */
  findings(): ReportFinding[] {
    return sortReportFindings([...this.groups.values()].map(toReportFinding));
  }
}

export function sortReportFindings(list: ReportFinding[]): ReportFinding[] {
  return list.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

/** Lines that state a failure show it better than an info line that echoes one (a state change, say). */
function levelRank(level: string | undefined): number {
  if (level === undefined) return 1;
  if (/^(?:err|error|crit|critical|fatal|emerg|alert|panic)$/.test(level)) return 2;
  if (/^warn/.test(level)) return 1;
  return 0;
}

/**
 * The representative line: the most severe level first, then the most recent; ties (same second) go to the
 * later position in the file.
 */
function isLater(f: Finding, than: Finding): boolean {
  const lf = levelRank(f.level);
  const lt = levelRank(than.level);
  if (lf !== lt) return lf > lt;
  const a = f.time ?? Number.NEGATIVE_INFINITY;
  const b = than.time ?? Number.NEGATIVE_INFINITY;
  if (a !== b) return a > b;
  const fo = f.origin;
  const to = than.origin;
  if (fo?.file === to?.file && fo?.offset !== undefined && to?.offset !== undefined) return fo.offset >= to.offset;
  return true;
}

function bringsNewName(g: Group, f: Finding): boolean {
  let fresh = false;
  for (const [kind, keys] of NAME_FIELDS) {
    if (g[kind].size >= MAX_NAMES) continue;
    const raw = keys.length === 1 ? f.fields[keys[0]] : (f.fields[keys[0]] ?? f.fields[keys[1]]);
    if (typeof raw !== 'string' || raw === '') continue;
    const key = `${kind}\u0000${raw}`;
    if (g.seen.has(key)) continue;
    fresh = true;
    if (g.seen.size < MAX_SEEN) g.seen.add(key);
  }
  return fresh;
}

/** `v` is redacted already: a name from redactedFields, or from a worker's snapshot of its own groups. */
function addCapped(set: Set<Redacted>, v: Redacted | number | boolean | undefined): void {
  if (typeof v === 'string' && v !== '' && set.size < MAX_NAMES) set.add(v);
}

function iso(t: number | undefined): string | undefined {
  return t === undefined ? undefined : new Date(t).toISOString();
}

function toReportFinding(g: Group): ReportFinding {
  const f = g.latest;
  const red = findingRedaction(f);
  const example: ReportFinding['example'] = { text: redacted(f.line) };
  if (f.origin?.file) example.file = redacted(f.origin.file);
  if (f.origin?.line !== undefined) example.line = f.origin.line;
  if (f.time !== undefined) example.time = new Date(f.time).toISOString();
  const r: ReportFinding = {
    category: f.category,
    ruleId: f.ruleId,
    severity: f.severity,
    title: red.text(f.title),
    count: g.count,
    // Sorted: the same host gives the same report however its files were split across threads.
    images: [...g.images].sort(),
    tasks: [...g.tasks].sort(),
    containers: [...g.containers].sort(),
    registries: [...g.registries].sort(),
    fields: red.fields,
    example,
    causes: red.list(f.causes),
    remediation: red.list(f.remediation),
  };
  const firstSeen = iso(g.firstSeen);
  const lastSeen = iso(g.lastSeen);
  if (firstSeen) r.firstSeen = firstSeen;
  if (lastSeen) r.lastSeen = lastSeen;
  if (f.alternatives) r.alternatives = [...f.alternatives];
  if (f.secondary) r.secondary = { ...f.secondary, title: red.text(f.secondary.title) };
  if (f.wrapper) r.wrapper = { ...f.wrapper, title: red.text(f.wrapper.title) };
  if (f.docs && f.docs.length > 0) r.docs = [...f.docs];
  return r;
}

/** The worst severity found; with none, `unknown` when the scan read no agent log (it did not look), else `ok`. */
export function scanStatus(report: Pick<ScanReport, 'findings' | 'coverage'>): ScanReport['status'] {
  return report.findings.reduce<ScanReport['status']>(
    (worst, f) => (worst === 'ok' || worst === 'unknown' || severityRank(f.severity) > severityRank(worst) ? f.severity : worst),
    report.coverage.blind ? 'unknown' : 'ok',
  );
}
