// Remediation templates: a rule's step may say `{repository|REPO}`; the finding's field fills it when the
// line stated the value, else the placeholder text stays, so a command is either ready to paste or shows
// plainly what to fill in. A value copied from a line may hold a credential: the remediation, like every
// text of a finding, is redacted at the output seam (src/redacted.ts), not here.
import type { Fields } from '../types.js';

/** `{field|PLACEHOLDER}`: the field name, then the text shown when the field is unknown. */
const TEMPLATE = /\{([A-Za-z][A-Za-z0-9]*)\|([^{}|\n]+)\}/g;
const ANY_TEMPLATE = new RegExp(TEMPLATE.source);

export function hasTemplates(steps: readonly string[]): boolean {
  return steps.some((s) => ANY_TEMPLATE.test(s));
}

/** The field names a step refers to (for `patterns check` and the README's list). */
export function templateFields(step: string): string[] {
  return [...step.matchAll(TEMPLATE)].map((m) => m[1]!);
}

export function fillTemplate(step: string, fields: Fields): string {
  if (!step.includes('|')) return step;
  return step.replace(TEMPLATE, (_all, name: string, placeholder: string) => {
    const v = fields[name];
    return v === undefined || v === '' ? placeholder : String(v);
  });
}

/** Steps with their templates filled; the same array when none has a template (the common case). */
export function fillTemplates(steps: readonly string[], fields: Fields): readonly string[] {
  return hasTemplates(steps) ? steps.map((s) => fillTemplate(s, fields)) : steps;
}

/** A step split once at load time: text, then alternately a field name and its placeholder. */
export type CompiledStep = string | ReadonlyArray<string>;

export function compileSteps(steps: readonly string[]): CompiledStep[] {
  return steps.map((step) => {
    const parts: string[] = [];
    let last = 0;
    for (const m of step.matchAll(TEMPLATE)) {
      parts.push(step.slice(last, m.index), m[1]!, m[2]!);
      last = m.index! + m[0].length;
    }
    if (parts.length === 0) return step;
    parts.push(step.slice(last));
    return parts;
  });
}

/** The same as fillTemplates on the source steps, without a regex per step: this runs for every finding. */
export function renderSteps(steps: readonly CompiledStep[], fields: Fields): string[] {
  return steps.map((step) => {
    if (typeof step === 'string') return step;
    let out = step[0]!;
    for (let i = 1; i < step.length; i += 3) {
      const v = fields[step[i]!];
      out += (v === undefined || v === '' ? step[i + 1]! : String(v)) + step[i + 2]!;
    }
    return out;
  });
}
