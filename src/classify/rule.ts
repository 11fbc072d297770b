// A rule as written in a pattern file, and its compiled form. Validation of the raw shape lives here too,
// so the rules for what a pattern file may contain are in one place.
import type { CompiledStep } from './templates.js';
import { CATEGORIES, LOG_SOURCES, SEVERITIES, type Category, type LogSourceKind, type Severity } from '../types.js';

export const WRAPPER_KINDS = ['generic', 'specific'] as const;
export type WrapperKind = (typeof WRAPPER_KINDS)[number];

export interface RuleExample {
  line: string;
  source?: LogSourceKind;
  fields?: Record<string, string | number | boolean>;
  /** Where the wording comes from: the program's source file and version, or a recording. */
  origin?: string;
}

/** The shape of one rule in a pattern file. */
export interface RawRule {
  id: string;
  category: Category;
  severity: Severity;
  priority?: number;
  sources: Array<LogSourceKind | 'any'>;
  literals: string[];
  match: string;
  flags?: string;
  unless?: string;
  title: string;
  causes: string[];
  remediation: string[];
  alternatives?: Category[];
  /** Pages that explain this cause (AWS or Docker documentation), shown with the finding. */
  docs?: string[];
  /**
   * The rule names an error wrapper, not a cause: the cause the line names inside it is attached as
   * `secondary`, or becomes the finding (README "Precedence"). `generic`: says only that something failed
   * (ResourceInitializationError); `specific`: names a step of the rule's own category (the agent's
   * `unable to retrieve secret from asm`).
   */
  wrapper?: WrapperKind;
  examples: RuleExample[];
  counterexamples?: string[];
}

export interface CompiledRule {
  readonly id: string;
  readonly family: string;
  readonly file: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly priority: number;
  /** Undefined: applies to every source. */
  readonly sources?: ReadonlySet<LogSourceKind>;
  readonly literals: readonly string[];
  /** The rule's regex has the `i` flag: its literals are matched ignoring ASCII case too. */
  readonly caseInsensitive: boolean;
  readonly re: RegExp;
  readonly unless?: RegExp;
  readonly title: string;
  readonly causes: readonly string[];
  readonly remediation: readonly string[];
  readonly alternatives?: readonly Category[];
  readonly docs: readonly string[];
  readonly wrapper?: WrapperKind;
  /** The remediation split at its `{field|PLACEHOLDER}` templates, when some step has one. */
  readonly templates?: readonly CompiledStep[];
  readonly examples: readonly RuleExample[];
  readonly counterexamples: readonly string[];
}

export const DEFAULT_PRIORITY = 50;
const RULE_KEYS = new Set([
  'id', 'category', 'severity', 'priority', 'sources', 'literals', 'match', 'flags', 'unless', 'title',
  'causes', 'remediation', 'alternatives', 'docs', 'wrapper', 'examples', 'counterexamples',
]);
const EXAMPLE_KEYS = new Set(['line', 'source', 'fields', 'origin']);
const FILE_KEYS = new Set(['family', 'description', 'rules']);
const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
/** Literals are searched in raw bytes of every format; these characters are escaped differently in JSON. */
const LITERAL_RE = /^[\x20-\x7e]{4,}$/;
const LITERAL_FORBIDDEN = /["\\<>&]/;

type Problems = string[];

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function checkFileShape(doc: unknown, problems: Problems): doc is { family?: string; rules: unknown[] } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push('the file must be a mapping with a `rules` list');
    return false;
  }
  for (const key of Object.keys(doc)) if (!FILE_KEYS.has(key)) problems.push(`unknown top-level key \`${key}\``);
  const rules = (doc as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) {
    problems.push('`rules` must be a list');
    return false;
  }
  return true;
}

/** Checks one rule's shape; returns the problems found (empty: the rule may be compiled). */
export function checkRuleShape(r: unknown): Problems {
  const p: Problems = [];
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return ['a rule must be a mapping'];
  const o = r as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!RULE_KEYS.has(key)) p.push(`unknown key \`${key}\``);
  if (typeof o.id !== 'string' || !ID_RE.test(o.id)) p.push('`id` must be lower-case letters, digits and dashes');
  if (!CATEGORIES.includes(o.category as Category)) p.push(`\`category\` must be one of: ${CATEGORIES.join(', ')}`);
  if (!SEVERITIES.includes(o.severity as Severity)) p.push(`\`severity\` must be one of: ${SEVERITIES.join(', ')}`);
  if (o.priority !== undefined && (typeof o.priority !== 'number' || !Number.isInteger(o.priority) || o.priority < 0 || o.priority > 1000)) {
    p.push('`priority` must be an integer from 0 to 1000');
  }
  if (!isStringArray(o.sources) || o.sources.length === 0) p.push('`sources` must be a non-empty list');
  else for (const s of o.sources) if (s !== 'any' && !LOG_SOURCES.includes(s as LogSourceKind)) p.push(`unknown source \`${s}\` (known: any, ${LOG_SOURCES.join(', ')})`);
  if (!isStringArray(o.literals) || o.literals.length === 0) p.push('`literals` must be a non-empty list of strings');
  else for (const l of o.literals) {
    if (!LITERAL_RE.test(l) || LITERAL_FORBIDDEN.test(l)) p.push(`literal ${JSON.stringify(l)} must be printable ASCII, at least 4 characters, without " \\ < > &`);
  }
  if (typeof o.match !== 'string' || o.match.length === 0) p.push('`match` must be a regular expression string');
  // `i` makes the rule's literals case-insensitive too (ASCII), so the prefilter never hides a line whose
  // case differs from the literal's. No other flag changes what a literal can find.
  if (o.flags !== undefined && (typeof o.flags !== 'string' || !/^(?:s?i?|is)$/.test(o.flags))) p.push('`flags` may contain only `s` and `i`');
  if (o.unless !== undefined && typeof o.unless !== 'string') p.push('`unless` must be a regular expression string');
  if (typeof o.title !== 'string' || o.title.trim() === '') p.push('`title` must be a non-empty string');
  if (!isStringArray(o.causes) || o.causes.length === 0) p.push('`causes` must be a non-empty list of strings');
  if (!isStringArray(o.remediation) || o.remediation.length === 0) p.push('`remediation` must be a non-empty list of strings');
  if (o.alternatives !== undefined) {
    if (!isStringArray(o.alternatives)) p.push('`alternatives` must be a list of category ids');
    else for (const a of o.alternatives) if (!CATEGORIES.includes(a as Category)) p.push(`unknown alternative category \`${a}\``);
  }
  if (o.docs !== undefined) {
    if (!isStringArray(o.docs)) p.push('`docs` must be a list of URLs');
    else for (const d of o.docs) if (!/^https:\/\/\S+$/.test(d)) p.push(`docs entry ${JSON.stringify(d)} must be an https URL`);
  }
  if (o.wrapper !== undefined && !WRAPPER_KINDS.includes(o.wrapper as WrapperKind)) p.push(`\`wrapper\` must be one of: ${WRAPPER_KINDS.join(', ')}`);
  if (!Array.isArray(o.examples) || o.examples.length === 0) p.push('`examples` must be a non-empty list');
  else o.examples.forEach((ex, i) => {
    if (typeof ex === 'string') return;
    if (typeof ex !== 'object' || ex === null) return void p.push(`example ${i + 1} must be a string or a mapping with \`line\``);
    const e = ex as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!EXAMPLE_KEYS.has(key)) p.push(`example ${i + 1}: unknown key \`${key}\``);
    if (typeof e.line !== 'string') p.push(`example ${i + 1}: \`line\` must be a string`);
    if (e.origin !== undefined && typeof e.origin !== 'string') p.push(`example ${i + 1}: \`origin\` must be a string`);
    if (e.source !== undefined && !LOG_SOURCES.includes(e.source as LogSourceKind)) p.push(`example ${i + 1}: unknown source \`${String(e.source)}\``);
    if (e.fields !== undefined && (typeof e.fields !== 'object' || e.fields === null || Array.isArray(e.fields))) {
      p.push(`example ${i + 1}: \`fields\` must be a mapping`);
    }
  });
  if (o.counterexamples !== undefined && !isStringArray(o.counterexamples)) p.push('`counterexamples` must be a list of strings');
  return p;
}

/** Examples may be written as plain strings; normalise them. */
export function normaliseExamples(examples: unknown[]): RuleExample[] {
  return examples.map((ex) => (typeof ex === 'string' ? { line: ex } : (ex as RuleExample)));
}
