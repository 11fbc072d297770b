// The followed files of one daemon: a FileTailer per path, the change watcher, and the per-file commit
// positions (one Cursor per opened file identity) that become checkpoints.
import type { FileCheckpoint } from '../checkpoints.js';
import type { TriageConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { RecordSource } from '../types.js';
import { FileTailer, type Reader, type ResumePlan, type TailStatus } from '../sources/tail/file-tail.js';
import type { FileIdentity } from '../sources/tail/file-identity.js';
import type { AssembledLine } from '../sources/tail/line-assembler.js';
import { planResume } from '../sources/tail/resume.js';
import { PathWatcher } from '../sources/tail/watch.js';
import { Progress } from './progress.js';

export interface Cursor {
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

export interface FileSourceTarget {
  path: string;
  display: string;
  source: RecordSource;
}

export interface LineHandler {
  line(cursor: Cursor, line: AssembledLine): void;
  room(): Promise<void>;
}

export class FileSources {
  readonly cursors = new Set<Cursor>();
  private readonly tailers: Array<{ target: FileSourceTarget; tailer: FileTailer<Cursor> }> = [];
  private watcher: PathWatcher | undefined;
  /** Bumped when cursors come and go, so the checkpoint writer notices. */
  generation = 0;

  constructor(
    private readonly targets: readonly FileSourceTarget[],
    private readonly cfg: TriageConfig['tail'],
    private readonly handler: LineHandler,
    private readonly log: Logger,
  ) {}

  /** Plans where each file resumes and starts reading (the reads continue in the background). */
  async start(checkpoints: readonly FileCheckpoint[], fresh: boolean, startAt: 'end' | 'beginning'): Promise<void> {
    const plans: ResumePlan[] = [];
    for (const target of this.targets) {
      const { plan, notes } = await planResume(target.path, checkpoints, { fresh, startAt });
      plans.push(plan);
      for (const n of notes) this.log.warn(n);
      if (plan.backlog.length) this.log.info('resuming rotated files first', { path: target.display, files: plan.backlog.map((b) => b.path).join(',') });
      const tailer = new FileTailer<Cursor>(
        {
          path: target.path,
          source: target.source,
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
            this.log.debug('file opened', { path: target.display, inode: info.id.ino, offset: info.offset, rotated: info.rotated });
            return c;
          },
          line: (r: Reader<Cursor>, l) => this.handler.line(r.handle, l),
          identityChanged: () => this.generation++,
          reset: (r, why) => {
            this.log.warn('file was truncated or replaced in place; reading it again from the start', { path: target.display, reason: why });
            this.cursors.delete(r.handle);
            this.generation++;
          },
          finished: (r) => {
            r.handle.finished = true;
            this.generation++;
            this.log.info('rotated file read to its end', { path: target.display, inode: r.id.ino });
          },
          problem: (p, message, recovered) => {
            if (recovered) this.log.info('file readable again', { path: p });
            else this.log.warn('cannot read file; will retry (other sources go on)', { path: p, error: message, retryInMs: this.cfg.retryUnreadableMs });
          },
          lineFailed: (_p, message) => this.log.error('a line could not be handled and was skipped; the lines after it go on', { path: target.display, error: message }),
          room: () => this.handler.room(),
        },
      );
      this.tailers.push({ target, tailer });
    }
    const opened = Promise.all(this.tailers.map((t, i) => t.tailer.start(plans[i]!)));
    // Wait for each file's first look (so a first start can record where it began), but never hold start-up
    // long: a first start from the beginning may have a lot to read.
    await Promise.race([opened, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  }

  /** Starts change notification once the initial reads are queued. */
  watch(): void {
    this.watcher = new PathWatcher(
      this.tailers.map((t) => ({ path: t.target.path, poke: () => t.tailer.poke() })),
      { pollIntervalMs: this.cfg.pollIntervalMs, log: this.log },
    );
    this.watcher.start();
  }

  /** Checkpoints of every file that still matters; drops finished files whose lines are all committed. */
  checkpoints(now: string): FileCheckpoint[] {
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

  status(): Array<TailStatus & { display: string; source: RecordSource; committed?: number; lastLineAt?: number; lastEventAt?: number }> {
    return this.tailers.map(({ target, tailer }) => {
      const st = tailer.status();
      const live = [...this.cursors].find((c) => !c.finished && `${c.id.dev}:${c.id.ino}` === st.key && c.path === target.path);
      return {
        ...st,
        display: target.display,
        source: target.source,
        ...(live ? { committed: live.progress.committed } : {}),
        ...(live?.lastLineAt ? { lastLineAt: live.lastLineAt } : {}),
        ...(live?.lastEventAt ? { lastEventAt: live.lastEventAt } : {}),
      };
    });
  }

  async stop(flushPartial: boolean): Promise<void> {
    await this.watcher?.close();
    await Promise.all(this.tailers.map((t) => t.tailer.stop(flushPartial)));
  }
}
