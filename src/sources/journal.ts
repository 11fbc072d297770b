// journald through `journalctl -o json --follow` as a child process (there is no stable C-free API from
// Node). The cursor of each entry is the position; journalctl's own --cursor-file is not updated while it
// follows (systemd#26746), so we track cursors ourselves and restart with --after-cursor. If journalctl
// exits it is started again with exponential backoff.
import { spawn, type ChildProcess } from 'node:child_process';
import { Backoff } from '../base/backoff.js';
import { errorMessage } from '../errors.js';
import { parseJournalEntry } from '../formats/index.js';
import type { Logger } from '../log.js';
import type { LogRecord } from '../types.js';
import { processEnv } from '../env.js';

export interface JournalOptions {
  command: string;
  units: readonly string[];
  kernel: boolean;
  restartMinMs: number;
  restartMaxMs: number;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface JournalStart {
  cursor?: string;
  /** Epoch ms: used when there is no cursor yet, or when journalctl refuses the cursor. */
  since?: number;
}

export interface JournalListener {
  /** One entry, in order. `record` is undefined for an entry without a message (still a position). */
  entry(record: LogRecord | undefined, cursor: string): void;
  room(): Promise<void>;
}

export interface JournalStatus {
  running: boolean;
  restarts: number;
  entries: number;
  badLines: number;
  cursor?: string;
  error?: string;
}

/**
 * journalctl arguments for a start position. The units and the kernel are selected with field matches
 * joined by `+` (OR) rather than `-u … -k`: journalctl ANDs the `-k` group with the `-u` group, which would
 * select nothing, and `-k` would also limit reading to the current boot (a cursor from before a reboot
 * must still resume). Works the same on systemd 219 (AL2) and 252 (AL2023). Shared with `scan`'s one-shot read.
 */
export function journalArgs(opts: Pick<JournalOptions, 'units' | 'kernel'>, from: JournalStart, follow = true): string[] {
  // `scan` reads once (follow = false): everything that matches, then journalctl exits.
  const args = ['-o', 'json', '--no-pager', ...(follow ? ['--follow', '--no-tail'] : [])];
  if (from.cursor) args.push(`--after-cursor=${from.cursor}`);
  else if (from.since !== undefined) args.push(`--since=@${Math.floor(from.since / 1000)}`);
  else args.push('--since=now');
  const matches = opts.units.map((u) => `_SYSTEMD_UNIT=${u.includes('.') ? u : `${u}.service`}`);
  if (opts.kernel) {
    if (matches.length) matches.push('+');
    matches.push('_TRANSPORT=kernel');
  }
  return [...args, ...matches];
}

export class JournalSource {
  private child: ChildProcess | undefined;
  private stopped = false;
  private backoff: Backoff | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private from: JournalStart = {};
  private readonly st: JournalStatus = { running: false, restarts: 0, entries: 0, badLines: 0 };

  constructor(
    private readonly opts: JournalOptions,
    private readonly listener: JournalListener,
  ) {}

  /** Epoch ms of the newest entry read (or of the start position): where to go on if a cursor is refused. */
  private lastTime: number | undefined;

  start(from: JournalStart): void {
    this.from = { ...from };
    this.lastTime = from.since;
    this.spawn();
  }

  status(): JournalStatus {
    return { ...this.st, ...(this.from.cursor ? { cursor: this.from.cursor } : {}) };
  }

  private spawn(): void {
    if (this.stopped) return;
    const args = journalArgs(this.opts, this.from);
    this.opts.log.debug('journal: starting journalctl', { command: this.opts.command, args: args.join(' ') });
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(this.opts.command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env ?? processEnv() });
    } catch (err) {
      this.exited(startedAt, errorMessage(err));
      return;
    }
    this.child = child;
    this.st.running = true;
    let stderrTail = '';
    let partial = '';
    let reading = Promise.resolve();
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (stderrTail = (stderrTail + s).slice(-2000)));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      const text = partial + s;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
      // Backpressure: stop reading the pipe while the sinks catch up (journalctl then blocks, losing nothing).
      child.stdout!.pause();
      reading = this.listener.room().then(() => void child.stdout!.resume());
    });
    let ended = false;
    const finish = (why: string): void => {
      if (ended) return;
      ended = true;
      void reading.then(() => {
        if (partial) this.line(partial);
        partial = '';
        this.child = undefined;
        this.st.running = false;
        this.exited(startedAt, why + (stderrTail.trim() ? `: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''));
      });
    };
    child.on('error', (err) => finish(errorMessage(err)));
    child.on('close', (code, signal) => finish(signal ? `killed by ${signal}` : `exited with code ${code}`));
  }

  private line(line: string): void {
    if (this.stopped || line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      this.st.badLines++;
      return;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      this.st.badLines++;
      return;
    }
    const obj = entry as Record<string, unknown>;
    const cursor = typeof obj.__CURSOR === 'string' ? obj.__CURSOR : undefined;
    if (!cursor) {
      this.st.badLines++;
      return;
    }
    this.st.entries++;
    this.from = { cursor };
    const us = typeof obj.__REALTIME_TIMESTAMP === 'string' ? Number(obj.__REALTIME_TIMESTAMP) : NaN;
    if (Number.isFinite(us)) this.lastTime = Math.floor(us / 1000);
    this.listener.entry(parseJournalEntry(obj), cursor);
  }

  private exited(startedAt: number, why: string): void {
    if (this.stopped) return;
    this.backoff ??= new Backoff({ baseMs: this.opts.restartMinMs, maxMs: this.opts.restartMaxMs, jitter: 'equal' });
    // A run that lasted a while was healthy: start the backoff over.
    if (Date.now() - startedAt > 60_000) this.backoff.reset();
    const delay = this.backoff.next();
    this.st.restarts++;
    this.st.error = why;
    // A cursor journalctl cannot seek to (journal files vacuumed or replaced) would fail every restart:
    // go on from the time of the last entry read instead, which at worst repeats a few entries.
    if (this.from.cursor && /cursor/i.test(why) && Date.now() - startedAt < 10_000) {
      this.opts.log.warn('journal: journalctl refused the saved cursor; continuing from the time of the last entry read', {
        cursor: this.from.cursor,
        since: new Date(this.lastTime ?? Date.now()).toISOString(),
      });
      this.from = { since: this.lastTime ?? Date.now() };
    }
    this.opts.log.warn('journal: journalctl stopped; restarting', { reason: why, retryInMs: delay, cursor: this.from.cursor });
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('close', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
