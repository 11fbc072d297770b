// Folds floods. The first occurrence of a finding is sent at once; identical ones (same rule and the same
// key fields) that follow inside the window are counted, and sent as one event when the window ends. A
// window that folded something is followed straight away by the next one, so a failure repeating every few
// seconds for an hour yields about one event a minute. Folded lines keep their tickets until the summary
// event is delivered, so the checkpoint never passes a line whose event is still pending.
import { eventId, toEvent } from './events.js';
import type { Finding, TriageEvent } from './types.js';

export interface AggregatorOptions<T> {
  windowMs: number;
  keyFields: readonly string[];
  emit: (event: TriageEvent, tickets: T[]) => void;
  now?: () => number;
}

interface Fold<T> {
  finding: Finding;
  anchor: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  truncated: boolean;
  tickets: T[];
}

interface Window<T> {
  timer: NodeJS.Timeout;
  fold: Fold<T> | undefined;
}

export interface Occurrence<T> {
  finding: Finding;
  /** Where the line was read: file identity + offset, or a journal cursor. Makes the event id. */
  anchor: string;
  ticket?: T;
  truncated?: boolean;
}

export class Aggregator<T> {
  private readonly windows = new Map<string, Window<T>>();
  private readonly now: () => number;
  folded = 0;

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
      const ev = toEvent(o.finding, {
        kind: 'finding',
        id: eventId('finding', o.anchor),
        count: 1,
        firstSeen: seen,
        lastSeen: seen,
        ...(o.truncated ? { truncated: true } : {}),
      });
      this.windows.set(key, { timer: this.arm(key), fold: undefined });
      this.opts.emit(ev, o.ticket === undefined ? [] : [o.ticket]);
      return;
    }
    this.folded++;
    if (!win.fold) {
      win.fold = { finding: o.finding, anchor: o.anchor, count: 0, firstSeen: seen, lastSeen: seen, truncated: false, tickets: [] };
    }
    const f = win.fold;
    f.count++;
    f.firstSeen = Math.min(f.firstSeen, seen);
    f.lastSeen = Math.max(f.lastSeen, seen);
    if (o.truncated) f.truncated = true;
    if (o.ticket !== undefined) f.tickets.push(o.ticket);
  }

  private arm(key: string): NodeJS.Timeout {
    return setTimeout(() => this.windowEnd(key), this.opts.windowMs);
  }

  private windowEnd(key: string): void {
    const win = this.windows.get(key);
    if (!win) return;
    if (!win.fold) {
      this.windows.delete(key);
      return;
    }
    this.emitFold(win.fold);
    win.fold = undefined;
    win.timer = this.arm(key);
  }

  private emitFold(f: Fold<T>): void {
    const ev = toEvent(f.finding, {
      kind: 'finding',
      id: eventId('folded', f.anchor, String(f.count)),
      count: f.count,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      ...(f.truncated ? { truncated: true } : {}),
    });
    this.opts.emit(ev, f.tickets);
  }

  /** Sends every pending fold now (shutdown, reload) and forgets all windows. */
  flush(): void {
    for (const [key, win] of this.windows) {
      clearTimeout(win.timer);
      if (win.fold) this.emitFold(win.fold);
      this.windows.delete(key);
    }
  }

  get openWindows(): number {
    return this.windows.size;
  }
}
