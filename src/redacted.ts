// The redaction seam. Text leaves the host (a report, an event, a classification, a diagnosis) only as
// `Redacted`: a string type that only the constructors below produce, each of which runs src/redact.ts on
// it. The output models — TriageEvent, ReportFinding, RedactedFinding — hold Redacted text, and sinks and
// renderers accept only those models, so a new output path that forgets to redact does not compile: it has
// a plain string where the model wants a Redacted one. Build the model where the finding or event is made
// (events.ts, report/collect.ts, redactFinding below); never cast a string to Redacted.
import { redact, redactAndCut, redactFields } from './redact.js';
import type { Fields, Finding, Redacted, RedactedFields } from './types.js';

export type { Redacted, RedactedFields } from './types.js';

export function redacted(text: string): Redacted {
  return redact(text) as Redacted;
}

/** Redacted first, then cut to `max` characters: a secret cut in half would no longer match its pattern. */
export function redactedCut(text: string, max: number, ellipsis = '…'): Redacted {
  return redactAndCut(text, max, ellipsis) as Redacted;
}

export function redactedFields(fields: Fields): RedactedFields {
  return redactFields(fields) as RedactedFields;
}

export function redactedList(items: readonly string[]): Redacted[] {
  return items.map(redacted);
}

/** A finding as it may be shown or shipped: every text it carries redacted. */
export interface RedactedFinding extends Omit<Finding, 'title' | 'fields' | 'causes' | 'remediation' | 'line'> {
  title: Redacted;
  fields: RedactedFields;
  causes: readonly Redacted[];
  remediation: readonly Redacted[];
  line: Redacted;
}

export function redactFinding(f: Finding): RedactedFinding {
  return { ...f, title: redacted(f.title), fields: redactedFields(f.fields), causes: redactedList(f.causes), remediation: redactedList(f.remediation), line: redacted(f.line) };
}
