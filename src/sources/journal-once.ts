// Reads the live host's journal once for `scan`: dockerd, containerd and the kernel (OOM killer).
// Only used when --root is `/`; fixtures and bundles carry saved exports instead.
import { spawn } from 'node:child_process';
import { parseJournalEntry } from '../formats/index.js';
import { journalArgs } from './journal.js';
import type { LogRecord, SourceSummary } from '../types.js';

/** journalctl's notices (systemd 219 to 252) when the caller may not read the system's entries. */
const NOT_ALL_ENTRIES = /not seeing messages from other users and the system|insufficient permissions/;

export interface JournalQuery {
  /** Epoch ms. */
  since: number;
  /** For tests: another journalctl. */
  command?: string;
}

/** Streams entries to `onRecord`; resolves with a summary, or undefined when there is no journalctl. */
export async function readLiveJournal(q: JournalQuery, onRecord: (rec: LogRecord, summary: SourceSummary) => void): Promise<SourceSummary | undefined> {
  const args = journalArgs({ units: ['docker', 'containerd'], kernel: true }, { since: q.since }, false);
  const summary: SourceSummary = { file: 'journal:docker,containerd,kernel', kind: 'unknown', format: 'journal-json', bytes: 0, lines: 0, matched: 0, skipped: 0 };
  // Loaded here: split2 loads Node's stream modules, which a scan of log files alone never needs.
  const { default: split2 } = await import('split2');
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(q.command ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      return resolve(undefined);
    }
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr.length < 2000 && (stderr += d.toString())));
    child.stdout.pipe(split2()).on('data', (line: string) => {
      summary.lines += 1;
      summary.bytes += line.length + 1;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        summary.skipped += 1;
        return;
      }
      const rec = typeof entry === 'object' && entry !== null ? parseJournalEntry(entry as Record<string, unknown>) : undefined;
      if (rec) onRecord(rec, summary);
    });
    child.on('error', () => resolve(undefined)); // ENOENT: no journal on this host
    child.on('close', (code) => {
      if (code !== 0 && summary.lines === 0) summary.error = `journalctl exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`;
      // A user outside the systemd-journal and adm groups gets only their own entries, with a notice and exit 0.
      else if (NOT_ALL_ENTRIES.test(stderr)) summary.error = `permission denied: journalctl shows this user only their own entries (${stderr.trim().split('\n')[0]})`;
      resolve(summary);
    });
  });
}
