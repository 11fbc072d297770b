// Turns parsed pattern files into a validated RuleSet: shapes, regexes (and their backtracking risk),
// duplicate ids, and every example and counterexample. load.ts does the reading and the parsing.
import path from 'node:path';
import { RuleError, RuleSetError } from '../errors.js';
import { parseLine } from '../formats/index.js';
import type { LogSourceKind, RecordSource } from '../types.js';
import { groupsToFields } from './fields.js';
import { findBacktrackingRisk } from './redos.js';
import { checkFileShape, checkRuleShape, DEFAULT_PRIORITY, normaliseExamples, type CompiledRule, type RawRule } from './rule.js';
import { containsLiteral } from './literal.js';
import { compileSteps, hasTemplates } from './templates.js';
import { RuleSet } from './ruleset.js';

/** A pattern file after parsing: its name (for messages) and its document. */
export interface ParsedSource {
  name: string;
  doc: unknown;
}

/** What a pattern file's name ends with; the rest of the name is the family. */
export const PATTERN_FILE = /\.(ya?ml|json)$/;

/**
 * Validates and compiles parsed pattern files; throws RuleSetError listing every problem (with any the
 * caller found while parsing). Free of the YAML parser, so scan worker threads can load it cheaply.
 * `verified`: these files passed every check already, with this code (the bundle's copy, at build time), so
 * the costly ones are not run again at start - the regexes' analysis (backtracking, optional look-aheads) and
 * the examples, most of the start-up's rule loading; shapes still are.
 */
export function compileParsed(sources: ParsedSource[], errors: RuleError[] = [], opts: { verified?: boolean } = {}): RuleSet {
  const compiled: CompiledRule[] = [];
  const ids = new Map<string, string>();
  for (const src of sources) {
    const family = path.basename(src.name).replace(PATTERN_FILE, '');
    const doc = src.doc;
    const shapeProblems: string[] = [];
    if (!checkFileShape(doc, shapeProblems)) {
      for (const p of shapeProblems) errors.push(new RuleError(src.name, undefined, p));
      continue;
    }
    for (const p of shapeProblems) errors.push(new RuleError(src.name, undefined, p));
    doc.rules.forEach((raw, index) => {
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : `#${index + 1}`;
      const problems = checkRuleShape(raw);
      if (problems.length > 0) {
        for (const p of problems) errors.push(new RuleError(src.name, id, p));
        return;
      }
      const previous = ids.get(id);
      if (previous) {
        errors.push(new RuleError(src.name, id, `duplicate id (also defined in ${previous})`));
        return;
      }
      ids.set(id, src.name);
      const rule = compileRule(raw as RawRule, family, src.name, errors, opts.verified === true);
      if (rule) compiled.push(rule);
    });
  }
  if (errors.length > 0) throw new RuleSetError(errors);
  const set = new RuleSet(compiled, sources);
  if (!opts.verified) checkExamples(set, errors);
  if (errors.length > 0) throw new RuleSetError(errors);
  return set;
}

function compileRule(raw: RawRule, family: string, file: string, errors: RuleError[], verified: boolean): CompiledRule | undefined {
  const regex = (source: string, what: string): RegExp | undefined => {
    try {
      const re = new RegExp(source, raw.flags ?? '');
      // `(?:(?=…))?`: an optional look-ahead matches empty, and JavaScript then discards its captures.
      if (!verified && /\(\?:\(\?[=!]/.test(source)) {
        errors.push(new RuleError(file, raw.id, `${what}: an optional look-ahead \`(?:(?=…))?\` never keeps its captures in JavaScript; the engine already extracts image, taskArn, task, container, cluster and host from every matched line (README "Rule files"), so capture only the rule's own fields`));
        return undefined;
      }
      const danger = verified ? undefined : findBacktrackingRisk(source, raw.flags ?? '');
      if (danger) {
        errors.push(new RuleError(file, raw.id, `${what}: ${danger}`));
        return undefined;
      }
      return re;
    } catch (err) {
      errors.push(new RuleError(file, raw.id, `${what} does not compile: ${(err as Error).message}`));
      return undefined;
    }
  };
  const re = regex(raw.match, '`match`');
  const unless = raw.unless === undefined ? undefined : regex(raw.unless, '`unless`');
  if (!re || (raw.unless !== undefined && !unless)) return undefined;
  const sources = raw.sources.includes('any') ? undefined : new Set(raw.sources as LogSourceKind[]);
  const rule: CompiledRule = {
    id: raw.id,
    family,
    file,
    category: raw.category,
    severity: raw.severity,
    priority: raw.priority ?? DEFAULT_PRIORITY,
    ...(sources ? { sources } : {}),
    literals: raw.literals,
    caseInsensitive: (raw.flags ?? '').includes('i'),
    re,
    ...(unless ? { unless } : {}),
    title: raw.title.trim(),
    causes: raw.causes,
    remediation: raw.remediation,
    ...(raw.alternatives ? { alternatives: raw.alternatives } : {}),
    docs: raw.docs ?? [],
    ...(raw.wrapper ? { wrapper: raw.wrapper } : {}),
    ...(hasTemplates(raw.remediation) ? { templates: compileSteps(raw.remediation) } : {}),
    examples: normaliseExamples(raw.examples),
    counterexamples: raw.counterexamples ?? [],
  };
  return rule;
}

/**
 * Each example must match its rule, extract the fields it lists, contain one of the rule's literals (or the
 * fast scanner would never look at it), and be classified into the rule's category by the whole set (so
 * priorities agree with the examples). No counterexample may match its rule.
 */
function checkExamples(set: RuleSet, errors: RuleError[]): void {
  for (const rule of set.rules) {
    rule.examples.forEach((ex, i) => {
      const where = `example ${i + 1}`;
      const source: RecordSource = ex.source ?? (rule.sources ? [...rule.sources][0]! : 'unknown');
      const record = parseLine(ex.line, { source });
      const rawHasLiteral = rule.literals.some((l) => containsLiteral(ex.line, l, rule.caseInsensitive));
      const textHasLiteral = rule.literals.some((l) => containsLiteral(record.text, l, rule.caseInsensitive));
      if (!rawHasLiteral || !textHasLiteral) {
        errors.push(new RuleError(rule.file, rule.id, `${where} contains none of the rule's literals (${rule.literals.map((l) => JSON.stringify(l)).join(', ')}), so scanning would skip it`));
        return;
      }
      const m = rule.re.exec(record.text);
      if (!m || rule.unless?.test(record.text)) {
        errors.push(new RuleError(rule.file, rule.id, `${where} does not match: ${truncate(ex.line)}`));
        return;
      }
      const fields = groupsToFields(m.groups, record.text);
      for (const [k, want] of Object.entries(ex.fields ?? {})) {
        if (String(fields[k]) !== String(want)) {
          errors.push(new RuleError(rule.file, rule.id, `${where} extracts ${k}=${JSON.stringify(fields[k] ?? null)}, expected ${JSON.stringify(want)}`));
        }
      }
      const winner = set.classify(record);
      if (winner && winner.category !== rule.category) {
        errors.push(new RuleError(rule.file, rule.id, `${where} is classified as ${winner.category} by rule ${winner.ruleId} (priority ${set.ruleById(winner.ruleId)?.priority}); raise this rule's priority or narrow the other rule`));
      }
    });
    rule.counterexamples.forEach((line, i) => {
      const source: RecordSource = rule.sources ? [...rule.sources][0]! : 'unknown';
      const record = parseLine(line, { source });
      if (rule.re.test(record.text) && !rule.unless?.test(record.text)) {
        errors.push(new RuleError(rule.file, rule.id, `counterexample ${i + 1} matches: ${truncate(line)}`));
      }
    });
  }
}

function truncate(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
