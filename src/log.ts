// The tool's own diagnostics: logfmt lines on stderr. Events never go here; they go to sinks.
// Under systemd, stderr is a journal stream: each line then starts with its syslog priority (`<3>` error,
// `<4>` warning, `<6>` info, `<7>` debug), which journald turns into the entry's PRIORITY (SyslogLevelPrefix=,
// on by default), so `journalctl -p err -u ecs-triage` finds the errors; the journal keeps the time, so the
// line leaves out `time=`. Anywhere else (a terminal, a pipe, a file) the lines are plain logfmt.
import { fstatSync } from 'node:fs';
import { processEnv } from './env.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** syslog(3) priorities. */
const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function quote(v: unknown): string {
  const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
  return /^[A-Za-z0-9_.:/@+-]+$/.test(s ?? '') ? String(s) : JSON.stringify(s ?? '');
}

/**
 * Whether file descriptor `fd` is the journal stream systemd connected this process to: systemd sets
 * JOURNAL_STREAM=<device>:<inode> of that stream, and a descriptor is still it only if fstat() agrees
 * (systemd.exec(5), "Environment variables in spawned processes"). A child whose stderr was redirected
 * inherits the variable but not the stream, and is told no.
 */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv = processEnv()): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/** True when `stream` is this process's stderr and that is the journal. */
function toJournal(stream: NodeJS.WritableStream): boolean {
  return stream === process.stderr && isJournalStream(2);
}

/**
 * Text written to `stream` outside a Logger (the CLI's fatal errors), each line given the priority of
 * `level` when the stream is the journal (a multi-line message is one entry per line), unchanged elsewhere.
 */
export function withPriority(stream: NodeJS.WritableStream, level: LogLevel, text: string): string {
  if (!toJournal(stream)) return text;
  return text.replace(/^(?=.)/gm, `<${PRIORITY[level]}>`);
}

export interface LoggerOptions {
  /** Write for the journal (priority prefixes, no time). Default: detected from JOURNAL_STREAM. */
  journal?: boolean;
}

export function createLogger(
  stream: NodeJS.WritableStream = process.stderr,
  level: LogLevel = (processEnv().ECS_TRIAGE_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  opts: LoggerOptions = {},
): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const journal = opts.journal ?? toJournal(stream);
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return;
    let line = journal ? `<${PRIORITY[lvl]}>level=${lvl}` : `time=${new Date().toISOString()} level=${lvl}`;
    line += ` msg=${JSON.stringify(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${quote(v)}`;
    // One write per line: a line is one journal entry only if no newline is inside it (JSON.stringify and
    // quote() escape them).
    stream.write(line + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
