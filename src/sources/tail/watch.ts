// Change notification for the followed paths: chokidar watches their directories (inotify does not follow
// a path across rename, so the file itself is never the thing watched), and a slow poll re-stats every
// path in case an event is lost or a directory appears later.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../../log.js';

export class PathWatcher {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly dirs = new Set<string>();
  private readonly watched = new Set<string>();
  private readonly byName = new Map<string, Array<() => void>>();

  constructor(
    private readonly targets: ReadonlyArray<{ path: string; poke: () => void }>,
    private readonly opts: { pollIntervalMs: number; log: Logger },
  ) {
    for (const t of targets) {
      this.dirs.add(path.dirname(t.path));
      const list = this.byName.get(t.path) ?? [];
      list.push(t.poke);
      this.byName.set(t.path, list);
    }
  }

  start(): void {
    const dirs = new Set(this.dirs);
    this.watcher = watch([], {
      depth: 0,
      ignoreInitial: true,
      persistent: true,
      // Only the followed names matter; without this every file in /var/log would get its own watch.
      ignored: (p: string) => !dirs.has(p) && !this.byName.has(p),
    });
    this.watcher.on('all', (event, p) => {
      if (event === 'unlinkDir' && this.watched.has(p)) {
        // Re-added by the poll when it comes back, with a fresh watch.
        this.watched.delete(p);
        this.watcher?.unwatch(p);
      }
      this.fire(p);
    });
    this.watcher.on('error', (err) => this.opts.log.warn('file watcher error; the poll keeps files followed', { error: String(err) }));
    this.addExistingDirs();
    this.poll = setInterval(() => {
      this.addExistingDirs();
      for (const t of this.targets) t.poke();
    }, this.opts.pollIntervalMs);
  }

  private addExistingDirs(): void {
    for (const dir of this.dirs) {
      if (this.watched.has(dir) || !existsSync(dir)) continue;
      this.watched.add(dir);
      this.watcher?.add(dir);
      // The directory may have appeared with the file already in it.
      for (const t of this.targets) if (path.dirname(t.path) === dir) t.poke();
    }
  }

  private fire(p: string): void {
    const pokes = this.byName.get(p);
    if (pokes) for (const poke of pokes) poke();
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    await this.watcher?.close();
  }
}
