// The lines of a recording under fixtures/recorded: what the program wrote, without the `$ command` line and
// the exit-status line the recording scripts add (`[exit code N]` from tools/case.sh, `exit=N` in runtime/).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function recordedLines(dir: string, file: string): string[] {
  return readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('$ ') && !/^(?:\[exit code \d+\]|exit=\d+)$/.test(l));
}
