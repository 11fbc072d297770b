// The followed files as one daemon source: a FileTailer per path, the change watcher, and the per-file commit
// positions (one Cursor per opened file identity) that become the `files` entry of the state file.
import { validFileCheckpoints, type FileCheckpoint } from '../checkpoints.js';
import type { RecordSource } from '../types.js';
import { FileTailer, type Reader, type ResumePlan } from '../sources/tail/file-tail.js';
import type { FileIdentity } from '../sources/tail/file-identity.js';
import type { AssembledLine } from '../sources/tail/line-assembler.js';
import { planResume } from '../sources/tail/resume.js';
import { PathWatcher } from '../sources/tail/watch.js';
import { withTimeout } from '../base/waiter.js';
import type { DaemonPlan, FileTarget } from './plan.js';
import { Progress } from './progress.js';
import type { DaemonSource, SourceContext, StartPoint } from './source.js';
import type { SourceStatus } from './status-file.js';

/** A first start from the beginning may have a lot to read: start-up waits for each file's first look, not longer. */
const FIRST_LOOK_MS = 5000;

interface Cursor {
  /** The configured (live) path; rotated files keep it, so a restart knows where to look for them. */
  path: string;
  display: string;
  source: RecordSource;
  id: FileIdentity;
  progress: Progress<number>;
  /** Read to the end after rotation/deletion: dropped from the state once everything in it is committed. */
  finished: boolean;
  lastLineAt?: number;
  lastEventAt?: number;
}

const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

export class FileSources implements DaemonSource<FileCheckpoint[]> {
  readonly stateKey = 'files';
  private readonly cursors = new Set<Cursor>();
  private readonly tailers: Array<{ target: FileTarget; tailer: FileTailer<Cursor> }> = [];
  private watcher: PathWatcher | undefined;
  private ctx!: SourceContext;
  /** Bumped when cursors come and go, so the checkpoint writer notices. */
  private generation = 0;

  constructor(
    private readonly targets: readonly FileTarget[],
    private readonly cfg: DaemonPlan['tail'],
  ) {}

  validState(saved: unknown): saved is FileCheckpoint[] {
    return validFileCheckpoints(saved);
  }

  /** Plans where each file resumes and starts reading (the reads go on in the background), then watches. */
  async start(ctx: SourceContext, saved: FileCheckpoint[] | undefined, from: StartPoint): Promise<void> {
    this.ctx = ctx;
    const log = ctx.log;
    const plans: ResumePlan[] = [];
    for (const target of this.targets) {
      const { plan, notes } = await planResume(target.path, saved ?? [], { fresh: from.fresh, startAt: from.at });
      plans.push(plan);
      for (const n of notes) log.warn(n);
      if (plan.backlog.length) log.info('resuming rotated files first', { path: target.display, files: plan.backlog.map((b) => b.path).join(',') });
      const tailer = new FileTailer<Cursor>(
        {
          path: target.path,
          maxLineBytes: this.cfg.maxLineBytes,
          readChunkBytes: this.cfg.readChunkBytes,
          partialLineTimeoutMs: this.cfg.partialLineTimeoutMs,
          retryUnreadableMs: this.cfg.retryUnreadableMs,
        },
        {
          opened: (info) => {
            const c: Cursor = { path: info.path, display: target.display, source: target.source, id: info.id, progress: new Progress(info.offset), finished: false };
            this.cursors.add(c);
            this.generation++;
            log.debug('file opened', { path: target.display, inode: info.id.ino, offset: info.offset, rotated: info.rotated });
            return c;
          },
          line: (r: Reader<Cursor>, l) => this.onLine(r.handle, l),
          identityChanged: () => this.generation++,
          reset: (r, why) => {
            log.warn('file was truncated or replaced in place; reading it again from the start', { path: target.display, reason: why });
            this.cursors.delete(r.handle);
            this.generation++;
          },
          finished: (r) => {
            r.handle.finished = true;
            this.generation++;
            log.info('rotated file read to its end', { path: target.display, inode: r.id.ino });
          },
          problem: (p, message, recovered) => {
            if (recovered) log.info('file readable again', { path: p });
            else log.warn('cannot read file; will retry (other sources go on)', { path: p, error: message, retryInMs: this.cfg.retryUnreadableMs });
          },
          room: () => ctx.room(),
        },
      );
      this.tailers.push({ target, tailer });
    }
    await withTimeout(Promise.all(this.tailers.map((t, i) => t.tailer.start(plans[i]!))), FIRST_LOOK_MS, undefined);
    // Change notification once the initial reads are queued.
    this.watcher = new PathWatcher(
      this.tailers.map((t) => ({ path: t.target.path, poke: () => t.tailer.poke() })),
      { pollIntervalMs: this.cfg.pollIntervalMs, log },
    );
    this.watcher.start();
  }

  private onLine(c: Cursor, l: AssembledLine): void {
    c.lastLineAt = Date.now();
    const finding = this.ctx.classifyLine(l.binary ? undefined : l.text, { source: c.source, origin: { file: c.display, offset: l.start } });
    if (!finding) {
      c.progress.pass(l.end);
      return;
    }
    c.lastEventAt = Date.now();
    // The line's place (identity + offset) and its text make the event id: the same line read again after a
    // crash gets the same id.
    this.ctx.finding({ finding, anchor: `${c.id.dev}:${c.id.ino}@${l.start}\u0000${finding.line}`, ticket: c.progress.hold(l.end), truncated: l.truncated });
  }

  /** Checkpoints of every file that still matters; drops finished files whose lines are all committed. */
  checkpoint(): FileCheckpoint[] {
    const now = new Date().toISOString();
    const out: FileCheckpoint[] = [];
    for (const c of this.cursors) {
      if (c.finished && c.progress.pending === 0) {
        this.cursors.delete(c);
        this.generation++;
        continue;
      }
      out.push({ path: c.path, dev: c.id.dev, ino: c.id.ino, fp: c.id.fp, fpLen: c.id.fpLen, offset: c.progress.committed, updatedAt: now });
    }
    return out;
  }

  /** Sum of position versions: changes whenever any committed position moves. */
  version(): number {
    let v = this.generation;
    for (const c of this.cursors) v += c.progress.version;
    return v;
  }

  status(): SourceStatus[] {
    return this.tailers.map(({ target, tailer }) => {
      const st = tailer.status();
      const live = [...this.cursors].find((c) => !c.finished && `${c.id.dev}:${c.id.ino}` === st.key && c.path === target.path);
      const out: SourceStatus = { kind: 'file', name: target.display, source: target.source, path: target.path };
      if (live) out.committed = live.progress.committed;
      if (st.offset !== undefined) out.read = st.offset;
      if (st.size !== undefined) out.size = st.size;
      if (st.size !== undefined && live) out.lagBytes = Math.max(0, st.size - live.progress.committed);
      const ll = iso(live?.lastLineAt);
      const le = iso(live?.lastEventAt);
      if (ll) out.lastLineAt = ll;
      if (le) out.lastEventAt = le;
      if (st.error) out.error = st.error;
      out.skipped = { binary: st.stats.binary, truncated: st.stats.truncated, invalidUtf8: st.stats.invalidUtf8 };
      return out;
    });
  }

  async stop(flush: boolean): Promise<void> {
    await this.watcher?.close();
    await Promise.all(this.tailers.map((t) => t.tailer.stop(flush)));
  }
}
