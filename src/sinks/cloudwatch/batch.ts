// Turns a run of queued events into valid PutLogEvents requests (facts sheet §1.2): inside the time window,
// chronological, ≤ 24 h span, ≤ 10,000 events, ≤ 1,048,576 bytes counting 26 bytes per event.
import type { WireEvent } from './event.js';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_SPAN_MS,
  MAX_EVENT_AGE_MS,
  MAX_EVENT_FUTURE_MS,
  PER_EVENT_OVERHEAD_BYTES,
  TIME_WINDOW_MARGIN_MS,
} from '../../cloudwatch-limits.js';

/** What one event costs against the batch byte limit. */
export function eventCost(message: string): number {
  return Buffer.byteLength(message, 'utf8') + PER_EVENT_OVERHEAD_BYTES;
}

export interface Plan {
  batches: WireEvent[][];
  /** Dropped before sending: CloudWatch would reject them (older than 14 days, or over 2 hours ahead). */
  tooOld: number;
  tooNew: number;
}

/**
 * Plans the requests for events that arrived in queue order. Out-of-window events are dropped (the service
 * would only reject them); the rest are sorted stably by time and cut greedily, which for an ordered sequence
 * gives the fewest requests.
 */
export function planBatches(events: readonly WireEvent[], now: number): Plan {
  const oldest = now - MAX_EVENT_AGE_MS + TIME_WINDOW_MARGIN_MS;
  const newest = now + MAX_EVENT_FUTURE_MS - TIME_WINDOW_MARGIN_MS;
  let tooOld = 0;
  let tooNew = 0;
  const valid: WireEvent[] = [];
  for (const e of events) {
    if (e.timestamp < oldest) tooOld++;
    else if (e.timestamp > newest) tooNew++;
    else valid.push(e);
  }
  // Array.prototype.sort is stable: events with the same time keep their queue order.
  valid.sort((a, b) => a.timestamp - b.timestamp);

  const batches: WireEvent[][] = [];
  let cur: WireEvent[] = [];
  let bytes = 0;
  for (const e of valid) {
    const cost = eventCost(e.message);
    const first = cur[0];
    if (
      first !== undefined &&
      (cur.length >= MAX_BATCH_EVENTS || bytes + cost > MAX_BATCH_BYTES || e.timestamp - first.timestamp > MAX_BATCH_SPAN_MS)
    ) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += cost;
  }
  if (cur.length > 0) batches.push(cur);
  return { batches, tooOld, tooNew };
}
