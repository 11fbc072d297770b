// Which findings belong to which task. Every finding event the daemon sends is indexed by the task ids and
// container ids it names — its `taskArn`/`taskId`/`task` fields, and the ids in its line (Docker's 64-hex
// container ids, also in cgroup paths of kernel OOM lines; the agent's 32-hex task ids) — so that when a task
// stops, its record lists the findings of its lifetime. The index is bounded (least recently used keys go
// first); keys of tasks still running are kept in the state file so a restart does not forget them.
import type { Category, Severity, TriageEvent } from '../types.js';

/** What a task record keeps of a finding: its event id, and enough to name a cause when no container ran. */
export interface FindingRef {
  id: string;
  category: Category;
  severity: Severity;
  ruleId: string;
  title: string;
}

const MAX_KEYS = 5000;
const MAX_IDS_PER_KEY = 50;
/** Container ids are matched on their first 12 characters (the short id Docker and the agent print). */
export const SHORT_ID = 12;

const HEX_TOKEN = /(?<![0-9a-f])[0-9a-f]{12,64}(?![0-9a-f])/g;
const UUID_TOKEN = /(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])/g;

/** The task id of an ARN (`…:task/CLUSTER/ID` or the old `…:task/ID`), or the id itself. */
export function taskIdOf(arnOrId: string): string {
  return arnOrId.slice(arnOrId.lastIndexOf('/') + 1);
}

/** The keys a task is known by: its id and the short ids of its containers. */
export function taskKeys(taskId: string, dockerIds: Iterable<string>): string[] {
  const keys = [taskId];
  for (const d of dockerIds) keys.push(d.slice(0, SHORT_ID));
  return keys;
}

/** The keys a finding names. */
export function findingKeys(ev: TriageEvent): string[] {
  const keys = new Set<string>();
  for (const k of ['taskArn', 'taskId', 'task'] as const) {
    const v = ev.fields[k];
    if (typeof v === 'string' && v) keys.add(taskIdOf(v));
  }
  const text = ev.line ?? '';
  for (const m of text.matchAll(HEX_TOKEN)) {
    const t = m[0];
    keys.add(t.length === 32 ? t : t.slice(0, SHORT_ID));
    if (t.length === 32) keys.add(t.slice(0, SHORT_ID));
  }
  for (const m of text.matchAll(UUID_TOKEN)) keys.add(m[0]);
  return [...keys];
}

export class FindingIndex {
  private readonly byKey = new Map<string, FindingRef[]>();
  /** Bumped on every change, for the state file. */
  version = 0;

  /** Indexes one event (findings only: host checks and task records are not about a task). */
  observe(ev: TriageEvent): void {
    if (ev.kind !== 'finding') return;
    const ref: FindingRef = { id: ev.id, category: ev.category, severity: ev.severity, ruleId: ev.ruleId, title: ev.title };
    for (const k of findingKeys(ev)) this.add(k, [ref]);
  }

  add(key: string, refs: readonly FindingRef[]): void {
    let list = this.byKey.get(key);
    if (list) this.byKey.delete(key);
    else list = [];
    for (const r of refs) if (!list.some((x) => x.id === r.id)) list.push(r);
    if (list.length > MAX_IDS_PER_KEY) list.splice(0, list.length - MAX_IDS_PER_KEY);
    this.byKey.set(key, list);
    while (this.byKey.size > MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value!);
    this.version++;
  }

  /** Findings filed under any of the keys, each once, oldest first. */
  lookup(keys: readonly string[]): FindingRef[] {
    const out = new Map<string, FindingRef>();
    for (const k of keys) for (const r of this.byKey.get(k) ?? []) if (!out.has(r.id)) out.set(r.id, r);
    return [...out.values()];
  }

  forget(keys: readonly string[]): void {
    for (const k of keys) if (this.byKey.delete(k)) this.version++;
  }
}
