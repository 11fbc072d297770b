// Who a process id names, as precisely as Linux tells: the pid plus its start time (clock ticks since boot,
// /proc/PID/stat field 22), so a pid reused by another program is not taken for the one that wrote a lock
// or a status file. A zombie has exited: it counts as gone. Off Linux (no /proc), signal 0 is all there is.
import { readFileSync } from 'node:fs';

export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot, as text (it can exceed 2^53 on very long uptimes). */
  start?: string;
}

export type Liveness = 'alive' | 'gone' | 'other';

function procStat(pid: number | 'self'): { state: string; start: string } | 'none' | 'unsupported' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return procAvailable() ? 'none' : 'unsupported';
    return 'unsupported';
  }
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '';
  const start = rest[19] ?? '';
  return { state, start };
}

let procChecked: boolean | undefined;
function procAvailable(): boolean {
  if (procChecked === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

/** This process, for writing into a lock or status file. */
export function selfRef(): ProcessRef {
  const st = procStat('self');
  return typeof st === 'object' && st.start ? { pid: process.pid, start: st.start } : { pid: process.pid };
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `alive`: the same process still runs. `gone`: no such process, or a zombie. `other`: the pid now belongs
 * to a different process (its start time differs, or, for a reference without one, `expectCommand` is not
 * in its command line).
 */
export function liveness(ref: ProcessRef, expectCommand?: RegExp): Liveness {
  if (!Number.isInteger(ref.pid) || ref.pid <= 0) return 'gone';
  const st = procStat(ref.pid);
  // Not in /proc may still mean "hidden from us" (hidepid, systemd's ProtectProc=): ask the kernel.
  if (st === 'none') return signalZero(ref.pid) ? 'alive' : 'gone';
  if (st === 'unsupported') return signalZero(ref.pid) ? 'alive' : 'gone';
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return 'gone';
  if (ref.start !== undefined) return ref.start === st.start ? 'alive' : 'other';
  if (expectCommand) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${ref.pid}/cmdline`, 'latin1').replaceAll('\u0000', ' ');
    } catch {
      return 'gone';
    }
    return expectCommand.test(cmd) ? 'alive' : 'other';
  }
  return 'alive';
}
