// Durable positions. One versioned JSON state file in the state directory, written atomically
// (temp file, fsync, rename, fsync of the directory) and read temp-first, as Vector's checkpointer does:
// a temp file that parses completely is newer than the stable one (the crash came before the rename).
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { tempPathOf, writeFileAtomic } from './base/atomic-write.js';
import { errorMessage, TriageError } from './errors.js';
import type { Logger } from './log.js';

export const STATE_VERSION = 1;
export const STATE_FILE = 'checkpoints.json';

/** A position in one file, keyed by the file's identity (not its path: rotation renames it). */
export interface FileCheckpoint {
  /** Where the file was last seen (real path under the root). */
  path: string;
  dev: string;
  ino: string;
  /** sha256 (hex, 16 chars) of the first `fpLen` bytes: tells a reused inode from the old file. */
  fp: string;
  fpLen: number;
  /** Byte offset after the last line whose events were all accepted by the sinks. */
  offset: number;
  updatedAt: string;
}

export interface CheckRecord {
  severity: string;
  since: string;
  lastReported: string;
  title: string;
  category?: string;
}

/** The journal's entry: `since`, without a cursor, is where the journal starts; with one, the time of that entry (used if the cursor is refused). */
export interface JournalCheckpoint {
  cursor?: string;
  since?: number;
}

/**
 * The state file: an envelope with one entry per daemon source, under the source's `stateKey` (`files`,
 * `journal`, `checks` — host-check states, so a restart neither repeats a report nor forgets to say
 * "resolved" — and whatever later sources add). Each source validates its own entry.
 */
export interface DaemonState {
  version: typeof STATE_VERSION;
  createdAt: string;
  writtenAt?: string;
  files: FileCheckpoint[];
  journal?: JournalCheckpoint;
  checks?: Record<string, CheckRecord>;
  [stateKey: string]: unknown;
}

export class StateWriteError extends TriageError {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`${file}: cannot write state: ${errorMessage(cause)}`, {
      code: 'ESTATE',
      cause,
      ...(code === 'ENOSPC' ? { hint: 'the state directory is full; positions are kept in memory and written when space frees up' } : {}),
    });
  }
}

export function emptyState(now = new Date()): DaemonState {
  return { version: STATE_VERSION, createdAt: now.toISOString(), files: [] };
}

export function validFileCheckpoints(v: unknown): v is FileCheckpoint[] {
  return (
    Array.isArray(v) &&
    v.every(
      (f: Partial<FileCheckpoint> | null) =>
        f !== null &&
        typeof f === 'object' &&
        typeof f.path === 'string' &&
        typeof f.dev === 'string' &&
        typeof f.ino === 'string' &&
        typeof f.fp === 'string' &&
        Number.isInteger(f.fpLen) &&
        Number.isInteger(f.offset) &&
        f.offset! >= 0
    )
  );
}

/** Checks one entry of the state file; an entry that is present must be valid. */
export type EntryValidator = (entry: unknown) => boolean;

export interface LoadResult {
  state: DaemonState;
  /** True when no usable state existed (first start, or unrecoverable corruption). */
  fresh: boolean;
  from: 'stable' | 'temp' | 'none' | 'reset';
}

export class CheckpointStore {
  readonly file: string;
  private readonly tmp: string;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    /** Validators by state key; `files` is always checked. */
    private readonly validators: Readonly<Record<string, EntryValidator>> = {},
  ) {
    this.file = path.join(dir, STATE_FILE);
    this.tmp = tempPathOf(this.file);
  }

  async load(): Promise<LoadResult> {
    const tmp = await this.readCandidate(this.tmp);
    const stable = await this.readCandidate(this.file);
    if (tmp.state) {
      this.log.info('state: using the temp file left by an interrupted write', { file: this.tmp });
      return { state: tmp.state, fresh: false, from: 'temp' };
    }
    if (stable.state) return { state: stable.state, fresh: false, from: 'stable' };
    if (!stable.exists && !tmp.exists) return { state: emptyState(), fresh: true, from: 'none' };
    // Something was there but nothing usable: keep a copy for forensics and start over, loudly.
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      if (stable.exists) await rename(this.file, aside);
    } catch {
      /* keeping a copy is best effort */
    }
    this.log.error('state: checkpoint file is corrupt and no valid temp copy exists; STARTING FRESH (positions lost, files read from their configured start)', {
      file: this.file,
      reason: stable.problem ?? tmp.problem,
      keptAs: stable.exists ? aside : undefined,
    });
    return { state: emptyState(), fresh: true, from: 'reset' };
  }

  private async readCandidate(file: string): Promise<{ exists: boolean; state?: DaemonState; problem?: string }> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
      return { exists: true, problem: errorMessage(err) };
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (this.valid(parsed)) return { exists: true, state: parsed };
      return { exists: true, problem: `not a version ${STATE_VERSION} state file` };
    } catch (err) {
      return { exists: true, problem: `not valid JSON (${errorMessage(err)})` };
    }
  }

  private valid(v: unknown): v is DaemonState {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    const s = v as Record<string, unknown>;
    if (s.version !== STATE_VERSION || !validFileCheckpoints(s.files)) return false;
    return Object.entries(this.validators).every(([key, ok]) => s[key] === undefined || ok(s[key]));
  }

  /** Atomic write. Throws StateWriteError (e.g. ENOSPC); the caller keeps the state in memory and retries. */
  async save(state: DaemonState): Promise<void> {
    const body = JSON.stringify({ ...state, writtenAt: new Date().toISOString() }) + '\n';
    try {
      await writeFileAtomic(this.file, body, { mkdir: true });
    } catch (err) {
      throw new StateWriteError(this.file, err);
    }
  }
}
