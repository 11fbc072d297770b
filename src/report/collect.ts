// Folds the findings of a scan into one group per rule: the report's "causes".
// Memory is bounded: a group keeps counts, times, capped sets of names and one representative line.
import { redact } from '../redact.js';
import type { Finding, ReportFinding } from '../types.js';
import { severityRank } from '../types.js';

/** Distinct images, tasks, containers and registries kept per cause. */
const MAX_NAMES = 20;

interface Group {
  first: Finding;
  latest: Finding;
  count: number;
  firstSeen?: number;
  lastSeen?: number;
  images: Set<string>;
  tasks: Set<string>;
  containers: Set<string>;
  registries: Set<string>;
}

export class FindingCollector {
  private readonly groups = new Map<string, Group>();

  add(f: Finding): void {
    let g = this.groups.get(f.ruleId);
    if (!g) {
      g = { first: f, latest: f, count: 0, images: new Set(), tasks: new Set(), containers: new Set(), registries: new Set() };
      this.groups.set(f.ruleId, g);
    }
    g.count += 1;
    g.latest = f;
    if (f.time !== undefined) {
      if (g.firstSeen === undefined || f.time < g.firstSeen) g.firstSeen = f.time;
      if (g.lastSeen === undefined || f.time > g.lastSeen) g.lastSeen = f.time;
    }
    addCapped(g.images, f.fields.image);
    addCapped(g.tasks, f.fields.taskArn);
    addCapped(g.containers, f.fields.container ?? f.fields.containerName);
    addCapped(g.registries, f.fields.registry ?? f.fields.host);
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

function addCapped(set: Set<string>, v: unknown): void {
  if (typeof v === 'string' && v !== '' && set.size < MAX_NAMES) set.add(v);
}

function iso(t: number | undefined): string | undefined {
  return t === undefined ? undefined : new Date(t).toISOString();
}

function toReportFinding(g: Group): ReportFinding {
  const f = g.latest;
  const example: ReportFinding['example'] = { text: redact(f.line) };
  if (f.origin?.file) example.file = f.origin.file;
  if (f.origin?.line !== undefined) example.line = f.origin.line;
  if (f.time !== undefined) example.time = new Date(f.time).toISOString();
  const r: ReportFinding = {
    category: f.category,
    ruleId: f.ruleId,
    severity: f.severity,
    title: f.title,
    count: g.count,
    images: [...g.images],
    tasks: [...g.tasks],
    containers: [...g.containers],
    registries: [...g.registries],
    fields: Object.fromEntries(Object.entries(f.fields).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v])),
    example,
    causes: [...f.causes],
    remediation: [...f.remediation],
  };
  const firstSeen = iso(g.firstSeen);
  const lastSeen = iso(g.lastSeen);
  if (firstSeen) r.firstSeen = firstSeen;
  if (lastSeen) r.lastSeen = lastSeen;
  if (f.alternatives) r.alternatives = [...f.alternatives];
  if (f.secondary) r.secondary = f.secondary;
  return r;
}
