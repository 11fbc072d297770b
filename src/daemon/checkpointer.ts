// Writes the state file: each source's entry under its key, whenever some source's version moved. Never
// throws: a state directory that cannot be written (full disk) is logged, at once and then at most once a
// minute, and the positions stay in memory until a later write succeeds.
import { CheckpointStore, type DaemonState } from '../checkpoints.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { DaemonSource } from './source.js';

const REPEAT_ERROR_MS = 60_000;

export class Checkpointer {
  private savedVersion = -1;
  private saving: Promise<void> | undefined;
  private lastWarn = 0;
  lastSavedAt: string | undefined;
  error: string | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly sources: readonly DaemonSource[],
    private readonly createdAt: string,
    private readonly log: Logger,
  ) {}

  private version(): number {
    let v = 0;
    for (const s of this.sources) v += s.version();
    return v;
  }

  private build(): DaemonState {
    const state: DaemonState = { version: 1, createdAt: this.createdAt, files: [] };
    for (const s of this.sources) {
      const entry = s.checkpoint();
      if (entry !== undefined) state[s.stateKey] = entry;
    }
    return state;
  }

  /** Writes the state file if a position moved (or `force`). Concurrent calls share one write. */
  save(force = false): Promise<void> {
    if (this.saving) return this.saving;
    // Idle cost matters: compare versions first, build and serialise the state only when something moved.
    const version = this.version();
    if (!force && version === this.savedVersion) return Promise.resolve();
    this.saving = this.store
      .save(this.build())
      .then(
        () => {
          this.savedVersion = version;
          this.lastSavedAt = new Date().toISOString();
          if (this.error) this.log.info('state file written again', { file: this.store.file });
          this.error = undefined;
        },
        (err: unknown) => {
          const msg = errorMessage(err);
          if (msg !== this.error || Date.now() - this.lastWarn > REPEAT_ERROR_MS) {
            this.log.error('cannot save checkpoints; positions are kept in memory and saved when possible', { error: msg });
            this.lastWarn = Date.now();
          }
          this.error = msg;
        },
      )
      .finally(() => (this.saving = undefined));
    return this.saving;
  }

  /** Waits for a write in progress, then writes once more whatever the versions say (shutdown). */
  async final(): Promise<void> {
    await this.saving;
    await this.save(true);
  }
}
