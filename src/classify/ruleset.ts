// A compiled, validated set of rules, and the pure function that classifies one record with it.
import type { Category, Finding, LogRecord, LogSourceKind, RecordSource } from '../types.js';
import type { CompiledRule } from './rule.js';
import { groupsToFields } from './fields.js';
import { literalKey, makeLiteral, type Literal } from './literal.js';
import { LiteralSearch } from '../search/literals.js';

/** Rules run on at most this much of a line; real error lines are far shorter, and it bounds regex time. */
export const MAX_MATCH_CHARS = 64 * 1024;

export interface RuleMatch {
  rule: CompiledRule;
  groups: Record<string, string | undefined> | undefined;
}

export class RuleSet {
  readonly rules: readonly CompiledRule[];
  /** Every distinct literal (folded ones lower-cased). */
  readonly literals: readonly Literal[];
  /** The literals compiled for one-pass search (strings here and in `watch`, raw bytes in `scan`). */
  readonly search: LiteralSearch;
  /** The rules each literal admits, by the literal's index. */
  private readonly byLiteral: ReadonlyArray<readonly CompiledRule[]>;
  private readonly byId: ReadonlyMap<string, CompiledRule>;
  private readonly order: ReadonlyMap<CompiledRule, number>;
  /** The parsed pattern files this set was compiled from (worker threads compile their own copy). */
  readonly sources: ReadonlyArray<{ name: string; doc: unknown }>;

  constructor(rules: readonly CompiledRule[], sources: ReadonlyArray<{ name: string; doc: unknown }> = []) {
    this.rules = rules;
    this.sources = sources;
    const byLiteral = new Map<string, CompiledRule[]>();
    const literals = new Map<string, Literal>();
    for (const rule of rules) {
      for (const text of rule.literals) {
        const lit = makeLiteral(text, rule.caseInsensitive);
        const key = literalKey(lit);
        literals.set(key, lit);
        const list = byLiteral.get(key) ?? [];
        list.push(rule);
        byLiteral.set(key, list);
      }
    }
    this.literals = [...literals.values()];
    this.byLiteral = this.literals.map((l) => byLiteral.get(literalKey(l))!);
    this.search = new LiteralSearch(this.literals);
    this.byId = new Map(rules.map((r) => [r.id, r]));
    this.order = new Map(rules.map((r, i) => [r, i]));
  }

  ruleById(id: string): CompiledRule | undefined {
    return this.byId.get(id);
  }

  /** Every rule whose regex matches the record, best first (highest priority, then file order). */
  matches(record: LogRecord): RuleMatch[] {
    const text = record.text.length > MAX_MATCH_CHARS ? record.text.slice(0, MAX_MATCH_CHARS) : record.text;
    const seen = new Set<CompiledRule>();
    const out: RuleMatch[] = [];
    for (const lit of this.search.findIn(text)) {
      for (const rule of this.byLiteral[lit]!) {
        if (seen.has(rule)) continue;
        seen.add(rule);
        if (!appliesTo(rule, record.source)) continue;
        const m = rule.re.exec(text);
        if (!m) continue;
        if (rule.unless?.test(text)) continue;
        out.push({ rule, groups: m.groups });
      }
    }
    if (out.length > 1) {
      out.sort((a, b) => b.rule.priority - a.rule.priority || this.order.get(a.rule)! - this.order.get(b.rule)!);
    }
    return out;
  }

  /** The diagnosis of one record, or undefined when no rule matches. Pure: same record, same answer. */
  classify(record: LogRecord): Finding | undefined {
    const found = this.matches(record);
    const best = found[0];
    if (!best) return undefined;
    const { rule } = best;
    const finding: Finding = {
      ruleId: rule.id,
      category: rule.category,
      severity: rule.severity,
      title: rule.title,
      fields: groupsToFields(best.groups, record.text),
      causes: rule.causes,
      remediation: rule.remediation,
      source: record.source,
      line: record.raw ?? record.text,
    };
    if (rule.alternatives) finding.alternatives = rule.alternatives;
    if (rule.docs.length > 0) finding.docs = rule.docs;
    if (record.time !== undefined) finding.time = record.time;
    if (record.level !== undefined) finding.level = record.level;
    if (record.origin) finding.origin = record.origin;
    // A wrapper such as ResourceInitializationError keeps what it wrapped: that is the part to fix.
    if (rule.category === 'secrets_init_failure') {
      const inner = found.find((m) => m.rule.category !== rule.category);
      if (inner) {
        finding.secondary = { category: inner.rule.category, ruleId: inner.rule.id, title: inner.rule.title };
        for (const [k, v] of Object.entries(groupsToFields(inner.groups))) finding.fields[k] ??= v;
      }
    }
    return finding;
  }

  categories(): Set<Category> {
    return new Set(this.rules.map((r) => r.category));
  }
}

function appliesTo(rule: CompiledRule, source: RecordSource): boolean {
  return rule.sources === undefined || source === 'unknown' || rule.sources.has(source as LogSourceKind);
}
