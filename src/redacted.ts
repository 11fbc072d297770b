// The redaction seam. Text leaves the host (a report, an event, a classification, a diagnosis) only as
// `Redacted`: a string type that only the constructors below produce, each of which runs src/redact.ts on
// it. The output models — TriageEvent, ReportFinding, RedactedFinding — hold Redacted text, and sinks and
// renderers accept only those models, so a new output path that forgets to redact does not compile: it has
// a plain string where the model wants a Redacted one. Build the model where the finding or event is made
// (events.ts, report/collect.ts, redactFinding below); never cast a string to Redacted.
import { lineRedaction, redact, redactAndCut } from './redact.js';
import type { Fields, Finding, Redacted, RedactedFields } from './types.js';

export type { Redacted, RedactedFields } from './types.js';

export function redacted(text: string): Redacted {
  return redact(text) as Redacted;
}

/** Redacted first, then cut to `max` characters: a secret cut in half would no longer match its pattern. */
export function redactedCut(text: string, max: number, ellipsis = '…'): Redacted {
  return redactAndCut(text, max, ellipsis) as Redacted;
}

/**
 * Fields redacted. Pass the line they were read from: a field holding only part of a secret of that line (a
 * value captured after its label, or cut in the middle) carries no label of its own, and is masked by it.
 */
export function redactedFields(fields: Fields, line?: string): RedactedFields {
  return lineRedaction(line, fields).fields as RedactedFields;
}

export function redactedList(items: readonly string[]): Redacted[] {
  return items.map(redacted);
}

/**
 * Everything made from one finding: its fields, and texts that may copy their values (remediation steps filled
 * from templates, an event's message, a hint). The finding's line is searched for secrets once, here, so every
 * output that builds from a finding (events.ts, report/collect.ts, redactFinding) masks the same pieces.
 */
export interface FindingRedaction {
  fields: RedactedFields;
  text(t: string): Redacted;
  list(items: readonly string[]): Redacted[];
}

export function findingRedaction(f: Pick<Finding, 'line' | 'fields'>): FindingRedaction {
  const r = lineRedaction(f.line, f.fields);
  const text = (t: string): Redacted => r.text(t) as Redacted;
  return { fields: r.fields as RedactedFields, text, list: (items) => items.map(text) };
}

type Named = { category: Finding['category']; ruleId: string; title: Redacted };

/** A finding as it may be shown or shipped: every text it carries redacted. */
export interface RedactedFinding extends Omit<Finding, 'title' | 'fields' | 'causes' | 'remediation' | 'line' | 'secondary' | 'wrapper'> {
  title: Redacted;
  fields: RedactedFields;
  causes: readonly Redacted[];
  remediation: readonly Redacted[];
  line: Redacted;
  secondary?: Named;
  wrapper?: Named;
}

export function redactFinding(f: Finding): RedactedFinding {
  const r = findingRedaction(f);
  const { secondary, wrapper, ...rest } = f;
  const out: RedactedFinding = { ...rest, title: r.text(f.title), fields: r.fields, causes: r.list(f.causes), remediation: r.list(f.remediation), line: redacted(f.line) };
  if (secondary) out.secondary = { ...secondary, title: r.text(secondary.title) };
  if (wrapper) out.wrapper = { ...wrapper, title: r.text(wrapper.title) };
  return out;
}
