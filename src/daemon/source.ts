// What the daemon core knows about a source of events, and what it offers one. A source (followed files,
// the journal, the host checks, and next the task records) reads its own input from its own saved position
// and hands the core either raw lines or records to classify, or ready-made events; every item it hands on
// carries a ticket of the source's own Progress, acknowledged once every sink accepted the event it fed.
// The core saves each source's checkpoint under the source's key in the state file whenever the source's
// version moves, writes its status, and stops it. A new kind of source implements this interface and is
// added to the list in runtime.ts; nothing else in the core changes.
import type { Logger } from '../log.js';
import type { LineContext } from '../pipeline.js';
import type { Occurrence } from '../aggregate.js';
import type { Finding, LogRecord, RecordSource, TriageEvent } from '../types.js';
import type { DaemonPlan } from './plan.js';
import type { Ticket } from './progress.js';
import type { SourceStatus } from './status-file.js';

/** What the core offers a source while it runs. */
export interface SourceContext {
  readonly log: Logger;
  /**
   * Classifies one raw line (counted as read); undefined when no rule matches or it is older than `start.since`.
   * `undefined` text is a line that cannot be classified (binary): counted, never matched.
   */
  classifyLine(text: string | undefined, ctx: LineContext): Finding | undefined;
  /** The same for a record already decoded (journal entries); `undefined` is an entry with no message. */
  classifyRecord(rec: LogRecord | undefined): Finding | undefined;
  /**
   * A finding to fold and send. Its position (`o.place`) is held only when it starts an event or is the first of
   * its source in a fold, else passed; the hold is acknowledged when that event is delivered.
   */
  finding(o: Occurrence<Ticket>): void;
  /**
   * A ready-made event (host checks, task records): delivered as it is, with its deterministic id, through the
   * same acknowledged delivery; the ticket (if any) is acknowledged when every sink accepted it.
   */
  event(ev: TriageEvent, ticket?: Ticket): void;
  /** Resolves when delivery has room again: await it between reads so a flood cannot outrun the sinks. */
  room(): Promise<void>;
  /**
   * Classifies a text the source composed rather than read (the task records name a container's exit by the
   * rules that match Docker's state): the current rules, not counted among the lines read.
   */
  classifyComposed(rec: LogRecord): Finding | undefined;
  /** Sees every event handed to delivery, from any source: for a source that joins others' events (task records and their findings). */
  onEvent(listener: (ev: TriageEvent) => void): void;
  /**
   * Sees the raw lines of one program that contain `literal`, as they are read (before classification): for
   * facts no rule reports (the agent's image pull timings). One substring test per line of that program.
   */
  onLine(source: RecordSource, literal: string, listener: (text: string, ctx: LineContext) => void): void;
}

/** Where a source begins when it has no saved position of its own. */
export interface StartPoint {
  /** No usable state file at all (first start, or one set aside as corrupt). */
  fresh: boolean;
  /** Files that already exist: read from their `end` or their `beginning`. */
  at: 'end' | 'beginning';
  /** Epoch ms from `start.since`: read from the beginning but leave out older lines. */
  since?: number;
}

export interface DaemonSource<S = unknown> {
  /** Its key in the state file (`files`, `journal`, `checks`, …); a saved entry is handed back at start. */
  readonly stateKey: string;
  /** Whether a saved entry can be used; a state file with an unusable entry is set aside (and the start is fresh). */
  validState(saved: unknown): saved is S;
  /** Begins reading from `saved` (undefined when there is none). Resolves once reading is under way. */
  start(ctx: SourceContext, saved: S | undefined, from: StartPoint): Promise<void>;
  /** Its entry for the state file now (only committed positions: what every sink accepted). */
  checkpoint(): S | undefined;
  /** Moves whenever checkpoint() would give something new, so the core writes the state file only then. */
  version(): number;
  status(): SourceStatus[];
  /** SIGHUP: the plan of a new configuration; a source applies the keys declared `live` that it uses. */
  reconfigure?(plan: DaemonPlan): Promise<void>;
  /** Stops reading; with `flush`, first hands on what it holds back (an unfinished last line). */
  stop(flush: boolean): Promise<void>;
}
