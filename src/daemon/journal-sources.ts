// The journal as one daemon source: `journalctl` through src/sources/journal.ts, and the bookkeeping around
// it — the committed cursor (with the time of its entry, where to go on if journalctl refuses the cursor),
// where a first start begins, and the `journal` entry of the state file.
import type { JournalCheckpoint } from '../checkpoints.js';
import { JournalSource } from '../sources/journal.js';
import type { LogRecord } from '../types.js';
import type { JournalPlan } from './plan.js';
import { Progress } from './progress.js';
import type { DaemonSource, SourceContext, StartPoint } from './source.js';
import type { SourceStatus } from './status-file.js';

interface JournalPosition {
  cursor: string;
  time?: number;
}

const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

export class JournalSources implements DaemonSource<JournalCheckpoint> {
  readonly stateKey = 'journal';
  private journal: JournalSource | undefined;
  private progress: Progress<JournalPosition | undefined> = new Progress<JournalPosition | undefined>(undefined);
  /** Without a cursor yet: where reading starts, so a restart before the first entry misses nothing. */
  private since: number | undefined;
  private ctx!: SourceContext;
  private lastLineAt: number | undefined;
  private lastEventAt: number | undefined;

  constructor(private readonly plan: JournalPlan) {}

  validState(saved: unknown): saved is JournalCheckpoint {
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) return false;
    const j = saved as JournalCheckpoint;
    return (j.cursor === undefined || typeof j.cursor === 'string') && (j.since === undefined || typeof j.since === 'number');
  }

  async start(ctx: SourceContext, saved: JournalCheckpoint | undefined, from: StartPoint): Promise<void> {
    this.ctx = ctx;
    const s = saved ?? {};
    this.progress = new Progress<JournalPosition | undefined>(s.cursor ? { cursor: s.cursor, ...(s.since !== undefined ? { time: s.since } : {}) } : undefined);
    this.since = s.since ?? from.since ?? (from.fresh && from.at === 'end' ? Date.now() : 0);
    this.journal = new JournalSource({ ...this.plan, log: ctx.log }, { entry: (rec, cursor) => this.onEntry(rec, cursor), room: () => ctx.room() });
    // With a cursor, `since` is the time of that entry: where to go on if journalctl refuses the cursor.
    this.journal.start(s.cursor ? { cursor: s.cursor, ...(s.since !== undefined ? { since: s.since } : {}) } : { since: this.since });
  }

  private onEntry(rec: LogRecord | undefined, cursor: string): void {
    this.lastLineAt = Date.now();
    const finding = this.ctx.classifyRecord(rec);
    const position: JournalPosition = rec?.time !== undefined ? { cursor, time: rec.time } : { cursor };
    if (!finding) {
      this.progress.pass(position);
      return;
    }
    this.lastEventAt = Date.now();
    this.ctx.finding({ finding, anchor: `journal:${cursor}`, ticket: this.progress.hold(position) });
  }

  checkpoint(): JournalCheckpoint {
    const pos = this.progress.committed;
    return pos ? { cursor: pos.cursor, ...(pos.time !== undefined ? { since: pos.time } : {}) } : this.since !== undefined ? { since: this.since } : {};
  }

  version(): number {
    return this.progress.version;
  }

  status(): SourceStatus[] {
    if (!this.journal) return [];
    const j = this.journal.status();
    const out: SourceStatus = { kind: 'journal', name: `journal:${this.plan.units.join(',')}${this.plan.kernel ? ',kernel' : ''}`, source: 'journal' };
    const c = this.progress.committed;
    if (c) out.cursor = c.cursor;
    const ll = iso(this.lastLineAt);
    const le = iso(this.lastEventAt);
    if (ll) out.lastLineAt = ll;
    if (le) out.lastEventAt = le;
    if (!j.running && j.error) out.error = j.error;
    // journalctl output that is not an entry: a line lost.
    if (j.badLines > 0) out.dropped = j.badLines;
    return [out];
  }

  async stop(): Promise<void> {
    await this.journal?.stop();
  }
}
