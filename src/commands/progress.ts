// The progress line of a long scan, on a terminal's standard error: files and bytes read so far, redrawn in
// place, cleared at the end. Only for scans that take more than a second, and never when standard error is
// not a terminal (a log file or the journal would fill with carriage returns).
import { formatBytes } from '../checks/sizes.js';
import { fit } from '../report/layout.js';
import type { ScanProgress } from '../scan/run.js';
import { terminalOf } from './terminal.js';

const DELAY_MS = 1000;
const EVERY_MS = 200;

/** Starts watching `progress`; the returned function stops and clears the line. */
export function showProgress(stderr: NodeJS.WritableStream, progress: ScanProgress): () => void {
  const term = terminalOf(stderr);
  if (!term.tty) return () => {};
  let drawn = false;
  const draw = (): void => {
    const file = progress.current ? ` — ${progress.current}` : '';
    const line = `scanning: ${progress.filesDone} of ${progress.files} files, ${formatBytes(progress.bytes)} read${file}`;
    stderr.write(`\r${fit(line, term.width - 1)}\x1b[K`);
    drawn = true;
  };
  let every: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    draw();
    every = setInterval(draw, EVERY_MS);
    every.unref();
  }, DELAY_MS);
  start.unref();
  return () => {
    clearTimeout(start);
    if (every) clearInterval(every);
    if (drawn) stderr.write('\r\x1b[K');
  };
}
