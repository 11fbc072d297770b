// How the report looks on a terminal: severity colours (only when the caller says the output is a terminal
// and NO_COLOR is not set) and times as ISO-8601 UTC with how long ago they were.
import type { ScanStatus } from '../types.js';

/** SGR codes per status: the worst in bold red, unknown (not checked) in bold yellow like a warning. */
const COLOURS: Record<ScanStatus, string> = {
  critical: '1;31',
  error: '31',
  warn: '33',
  info: '36',
  ok: '32',
  unknown: '1;33',
};

export type Paint = (status: ScanStatus, text: string) => string;

export function painter(colour: boolean): Paint {
  return colour ? (status, text) => `\x1b[${COLOURS[status]}m${text}\x1b[0m` : (_status, text) => text;
}

/** The length a terminal shows: colour codes take no room. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** ISO-8601 UTC without the `.000` of whole seconds. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** How long before `now` a time was: `just now`, `42m ago`, `5h ago`, `11d ago` (a clock ahead: `ahead of now`). */
export function ago(ms: number, now: number): string {
  const s = Math.round((now - ms) / 1000);
  if (s < -60) return 'ahead of now';
  if (s < 60) return 'just now';
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** `2026-11-23T10:58:19Z (11d ago)`, or the text as given when it is not a time. */
export function when(iso: string, now: number): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${isoUtc(ms)} (${ago(ms, now)})`;
}
