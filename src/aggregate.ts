// Folds floods. The first occurrence of a finding is sent at once; identical ones (same rule and the same
// key fields) that follow inside the window are counted, and sent as one event when the window ends. A
// window that folded something is followed straight away by the next one, so a failure repeating every few
// seconds for an hour yields about one event a minute.
//
// Memory does not grow with the lines folded: a fold is one counter, the event it will become, and per
// source one held position (the first folded line's); the later lines of the fold are passed, which is
// safe because their source cannot commit past the held one before the fold's event is delivered. The
// windows open at once are bounded: beyond MAX_OPEN_WINDOWS the oldest is closed early (its fold sent with
// the count so far), so a flood of distinct lines costs a bounded map, not one entry per line.
import { createHash, type Hash } from 'node:crypto';
import { eventId, toEvent } from './events.js';
import type { Finding, TriageEvent } from './types.js';

/** Windows open at once; more distinct findings than this inside one window close the oldest early. */
export const MAX_OPEN_WINDOWS = 5_000;

export interface AggregatorOptions<T> {
  windowMs: number;
  keyFields: readonly string[];
  emit: (event: TriageEvent, tickets: T[]) => void;
  now?: () => number;
  maxWindows?: number;
}

/** Where a line was read, for holding or passing its position (one per line; not kept). */
export interface Place<T> {
  /** The position sequence the line belongs to (a file's or the journal's). */
  readonly source: object;
  /** Holds the line's position until the event that counts it is delivered. */
  hold(): T;
  /** The line needs no hold of its own: an earlier line of the same fold holds its source. */
  pass(): void;
}

export interface Occurrence<T> {
  finding: Finding;
  /** Where the line was read: file identity + offset, or a journal cursor. Makes the event id. */
  anchor: string;
  /** The line's position. */
  place?: Place<T>;
  /** An already held position (callers without a Place; kept per line, so not for floods). */
  ticket?: T;
  truncated?: boolean;
}

interface Fold<T> {
  /** The event as it will be sent, built from the first folded line (redacted, cut, detached from it). */
  template: TriageEvent;
  /** sha256 state after "folded\0<anchor>\0": the id is finished with the count, without keeping the anchor. */
  idHash: Hash;
  count: number;
  firstSeen: number;
  lastSeen: number;
  truncated: boolean;
  /** One held position per source. */
  held: Map<object, T>;
  tickets: T[];
}

interface Window<T> {
  endsAt: number;
  fold: Fold<T> | undefined;
}

export class Aggregator<T> {
  /** In order of `endsAt` (a window that goes on is moved to the end), so the head ends first. */
  private readonly windows = new Map<string, Window<T>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Lines counted into folds. */
  folded = 0;
  /** Windows closed before their end because MAX_OPEN_WINDOWS were open. */
  closedEarly = 0;

  constructor(private opts: AggregatorOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  /** Applies a reloaded configuration to windows opened from now on. */
  reconfigure(windowMs: number, keyFields: readonly string[]): void {
    this.opts = { ...this.opts, windowMs, keyFields };
  }

  key(f: Finding): string {
    let k = f.ruleId;
    for (const name of this.opts.keyFields) {
      const v = f.fields[name];
      k += '\u0000' + (v === undefined ? '' : String(v));
    }
    return k;
  }

  add(o: Occurrence<T>): void {
    const key = this.key(o.finding);
    const seen = o.finding.time ?? this.now();
    const win = this.windows.get(key);
    if (!win) {
      const limit = this.opts.maxWindows ?? MAX_OPEN_WINDOWS;
      while (this.windows.size >= limit) this.closeOldest();
      const ev = detach(
        toEvent(o.finding, {
          kind: 'finding',
          id: eventId('finding', o.anchor),
          count: 1,
          firstSeen: seen,
          lastSeen: seen,
          ...(o.truncated ? { truncated: true } : {}),
        }),
      );
      this.windows.set(key, { endsAt: this.now() + this.opts.windowMs, fold: undefined });
      this.schedule();
      const ticket = o.place ? o.place.hold() : o.ticket;
      this.opts.emit(ev, ticket === undefined ? [] : [ticket]);
      return;
    }
    this.folded++;
    let f = win.fold;
    if (!f) {
      const template = detach(toEvent(o.finding, { kind: 'finding', id: '', count: 0, firstSeen: seen, lastSeen: seen }));
      f = { template, idHash: foldIdHash(o.anchor), count: 0, firstSeen: seen, lastSeen: seen, truncated: false, held: new Map(), tickets: [] };
      win.fold = f;
    }
    f.count++;
    if (seen < f.firstSeen) f.firstSeen = seen;
    if (seen > f.lastSeen) f.lastSeen = seen;
    if (o.truncated) f.truncated = true;
    if (o.place) {
      if (f.held.has(o.place.source)) o.place.pass();
      else f.held.set(o.place.source, o.place.hold());
    } else if (o.ticket !== undefined) {
      f.tickets.push(o.ticket);
    }
  }

  /** Sends every pending fold now (shutdown, reload) and forgets all windows. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const win of this.windows.values()) if (win.fold) this.emitFold(win.fold);
    this.windows.clear();
  }

  get openWindows(): number {
    return this.windows.size;
  }

  /** One timer, for the window that ends first. */
  private schedule(): void {
    const head = this.windows.values().next().value as Window<T> | undefined;
    if (!head) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= head.endsAt) return;
    clearTimeout(this.timer);
    this.timerAt = head.endsAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.windowsEnd();
    }, Math.max(0, head.endsAt - this.now()));
  }

  private windowsEnd(): void {
    const now = this.now();
    for (const [key, win] of this.windows) {
      if (win.endsAt > now) break;
      this.windows.delete(key);
      if (!win.fold) continue;
      // It folded something: send it, and the next window starts now (at the end of the order).
      this.emitFold(win.fold);
      this.windows.set(key, { endsAt: now + this.opts.windowMs, fold: undefined });
    }
    this.schedule();
  }

  private closeOldest(): void {
    const [key, win] = this.windows.entries().next().value as [string, Window<T>];
    this.windows.delete(key);
    this.closedEarly++;
    if (win.fold) this.emitFold(win.fold);
  }

  private emitFold(f: Fold<T>): void {
    const fields = f.truncated && !f.template.fields.lineTruncated ? { ...f.template.fields, lineTruncated: true } : f.template.fields;
    const ev: TriageEvent = {
      ...f.template,
      id: f.idHash.update(String(f.count)).digest('hex').slice(0, 32),
      count: f.count,
      firstSeen: new Date(f.firstSeen).toISOString(),
      lastSeen: new Date(f.lastSeen).toISOString(),
      fields,
    };
    this.opts.emit(ev, [...f.held.values(), ...f.tickets]);
  }
}

/** eventId('folded', anchor, count) up to the count (events.ts joins the parts with NUL). */
function foldIdHash(anchor: string): Hash {
  return createHash('sha256').update(`folded\u0000${anchor}\u0000`);
}

/**
 * A copy of the event's long strings. Substrings (a cut line, a captured field) keep the whole line they were
 * taken from alive in V8, and a line may be 256 KiB: an event waiting in a fold or a queue must not pin it.
 */
function detach(ev: TriageEvent): TriageEvent {
  // Same text, same (branded) type: only the storage is new.
  const copy = <S extends string>(s: S): S => (s.length >= 13 ? (Buffer.from(s, 'utf8').toString('utf8') as S) : s);
  const fields: TriageEvent['fields'] = {};
  for (const [k, v] of Object.entries(ev.fields)) fields[k] = typeof v === 'string' ? copy(v) : v;
  const out: TriageEvent = { ...ev, message: copy(ev.message), fields };
  if (ev.line !== undefined) out.line = copy(ev.line);
  if (ev.hint !== undefined) out.hint = copy(ev.hint);
  return out;
}
