// Finding → TriageEvent (schema v1, see README "Event schema"). Ids are deterministic: derived from where
// the occurrence was read (file identity + offset, or journal cursor), so an event re-sent after a crash
// carries the same id as the first copy and duplicates can be recognised downstream. This is where an event's
// text is redacted (the redaction seam: src/redacted.ts); sinks take it as it is.
import { createHash } from 'node:crypto';
import { findingRedaction, redacted, redactedCut } from './redacted.js';
import type { Fields, Finding, TriageEvent } from './types.js';

/** Lines longer than this are shortened in events (the whole line stays in the host's log). */
export const EVENT_LINE_MAX = 4096;

export function eventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

function describe(fields: Fields): string {
  const bits: string[] = [];
  if (fields.image !== undefined) bits.push(`image ${fields.image}`);
  if (fields.container !== undefined) bits.push(`container ${fields.container}`);
  if (fields.mount !== undefined) bits.push(`on ${fields.mount}`);
  return bits.length ? ` (${bits.join(', ')})` : '';
}

export interface EventMeta {
  kind: TriageEvent['kind'];
  id: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The line was longer than the tail limit and was cut. */
  truncated?: boolean;
}

export function toEvent(f: Finding, meta: EventMeta): TriageEvent {
  const line = redactedCut(f.line, EVENT_LINE_MAX + 1);
  const r = findingRedaction(f);
  const fields = { ...r.fields };
  if (meta.truncated) fields.lineTruncated = true;
  const ev: TriageEvent = {
    schema: 1,
    id: meta.id,
    kind: meta.kind,
    category: f.category,
    severity: meta.kind === 'resolved' ? 'info' : f.severity,
    ruleId: f.ruleId,
    title: r.text(f.title),
    count: meta.count,
    firstSeen: new Date(meta.firstSeen).toISOString(),
    lastSeen: new Date(meta.lastSeen).toISOString(),
    source: f.source,
    message: r.text((meta.kind === 'resolved' ? 'Resolved: ' : '') + f.title + describe(f.fields)),
    fields,
  };
  if (f.origin?.file) ev.file = redacted(f.origin.file);
  if (line) ev.line = line;
  const hint = f.remediation[0];
  if (hint && meta.kind !== 'resolved') ev.hint = r.text(hint);
  return ev;
}
