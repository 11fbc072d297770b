// Per-source commit tracking. Lines are registered in read order; a line either passes at once (no
// event) or holds a ticket until the event it fed was accepted by every sink. The committed position is
// the end of the longest prefix of lines that are all done, so a restart never skips an undelivered event.

export interface Ticket {
  done: boolean;
  readonly owner: Progress<unknown>;
  readonly pos: unknown;
}

export class Progress<P> {
  private q: Array<{ pos: P; done: boolean; owner: Progress<P> }> = [];
  private head = 0;
  /** Bumped whenever `committed` moves, so the checkpoint writer knows there is something to save. */
  version = 0;

  constructor(public committed: P) {}

  get pending(): number {
    return this.q.length - this.head;
  }

  /** A line that produced no event (or was skipped): done as soon as everything before it is. */
  pass(pos: P): void {
    if (this.head === this.q.length) {
      this.committed = pos;
      this.version++;
      return;
    }
    const last = this.q[this.q.length - 1]!;
    if (last.done) last.pos = pos; // coalesce runs of passed lines
    else this.q.push({ pos, done: true, owner: this });
  }

  /** A line whose event is on its way to the sinks. */
  hold(pos: P): Ticket {
    const t = { pos, done: false, owner: this };
    this.q.push(t);
    return t as Ticket;
  }

  advance(): void {
    let moved = false;
    while (this.head < this.q.length && this.q[this.head]!.done) {
      this.committed = this.q[this.head]!.pos;
      this.head++;
      moved = true;
    }
    if (moved) this.version++;
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
  }
}

export function ack(tickets: readonly Ticket[]): void {
  const owners = new Set<Progress<unknown>>();
  for (const t of tickets) {
    t.done = true;
    owners.add(t.owner);
  }
  for (const o of owners) o.advance();
}
