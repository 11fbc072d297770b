// A compiled, validated set of rules, and the pure function that classifies one record with it.
import type { Category, Fields, Finding, LogRecord, LogSourceKind, RecordSource } from '../types.js';
import type { CompiledRule } from './rule.js';
import { groupsToFields } from './fields.js';
import { fillTemplates, renderSteps } from './templates.js';
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
    const { primary, inner, wrapper } = resolveWrapper(found);
    const fields = groupsToFields(primary.groups, record.text);
    const other = inner ?? wrapper;
    if (other) for (const [k, v] of Object.entries(groupsToFields(other.groups))) fields[k] ??= v;
    const rule = primary.rule;
    const finding: Finding = {
      ruleId: rule.id,
      category: rule.category,
      severity: rule.severity,
      title: rule.title,
      fields,
      causes: rule.causes,
      remediation: adviceFor(rule, inner?.rule, fields),
      source: record.source,
      line: record.raw ?? record.text,
    };
    if (rule.alternatives) finding.alternatives = rule.alternatives;
    const docs = inner ? [...new Set([...inner.rule.docs, ...rule.docs])] : rule.docs;
    if (docs.length > 0) finding.docs = docs;
    if (inner) finding.secondary = { category: inner.rule.category, ruleId: inner.rule.id, title: inner.rule.title };
    if (wrapper) finding.wrapper = { category: wrapper.rule.category, ruleId: wrapper.rule.id, title: wrapper.rule.title };
    if (record.time !== undefined) finding.time = record.time;
    if (record.level !== undefined) finding.level = record.level;
    if (record.origin) finding.origin = record.origin;
    return finding;
  }

  /**
   * A finding's remediation rebuilt from its rule ids and fields: for findings that crossed a thread
   * boundary without the rule's shared text (scan workers).
   */
  remediationOf(f: Pick<Finding, 'ruleId' | 'secondary' | 'fields'>): readonly string[] {
    const rule = this.byId.get(f.ruleId);
    if (!rule) return [];
    return adviceFor(rule, f.secondary ? this.byId.get(f.secondary.ruleId) : undefined, f.fields);
  }

  categories(): Set<Category> {
    return new Set(this.rules.map((r) => r.category));
  }
}

/**
 * Wrappers and what they wrap (README "Precedence"). A wrapper rule names what was being done, not why it
 * failed; the best non-wrapper match is the cause inside it. The wrapper stays the finding, with the cause as
 * its `secondary`, while the line stays in the wrapper's own domain: the cause has the wrapper's category, or
 * a `specific` wrapper of that category names the step (the agent's `unable to retrieve secret from asm`).
 * Otherwise - and always for the categories below - the cause is the finding and the wrapper its `wrapper`.
 */
export const INSIDE_WRAPPER_PRIMARY: readonly Category[] = ['logging_driver_failure', 'volume_mount_failure', 'registry_auth_denied', 'credential_helper_failure'];

function resolveWrapper(found: readonly RuleMatch[]): { primary: RuleMatch; inner?: RuleMatch; wrapper?: RuleMatch } {
  const best = found[0]!;
  if (!best.rule.wrapper) return { primary: best };
  const cause = found.find((m) => !m.rule.wrapper);
  if (!cause) return { primary: best };
  const ownDomain =
    cause.rule.category === best.rule.category ||
    found.some((m) => m.rule.wrapper === 'specific' && m.rule.category === best.rule.category);
  if (ownDomain && !INSIDE_WRAPPER_PRIMARY.includes(cause.rule.category)) return { primary: best, inner: cause };
  return { primary: cause, wrapper: best };
}

/** A wrapper kept as the finding leads with its inner cause's steps: those name the thing to fix. */
function adviceFor(rule: CompiledRule, inner: CompiledRule | undefined, fields: Fields): readonly string[] {
  if (!inner) return rule.templates ? renderSteps(rule.templates, fields) : rule.remediation;
  return fillTemplates([...new Set([...inner.remediation, ...rule.remediation])], fields);
}

function appliesTo(rule: CompiledRule, source: RecordSource): boolean {
  return rule.sources === undefined || source === 'unknown' || rule.sources.has(source as LogSourceKind);
}
