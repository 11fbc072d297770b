// Remediation templates: a rule's step may say `{repository|REPO}`; the finding's field fills it when the
// line stated the value, else the placeholder text stays, so a command is either ready to paste or shows
// plainly what to fill in. Values are redacted: a field copied from a line may hold a credential.
import { redact } from '../redact.js';
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
    return v === undefined || v === '' ? placeholder : redact(String(v));
  });
}

/** Steps with their templates filled; the same array when none has a template (the common case). */
export function fillTemplates(steps: readonly string[], fields: Fields): readonly string[] {
  return hasTemplates(steps) ? steps.map((s) => fillTemplate(s, fields)) : steps;
}
