// The daemon's own log lines: logfmt anywhere, and under systemd (stderr is the journal stream named by
// JOURNAL_STREAM) each line carries its syslog priority, which journald files it under. The real journald
// reading these prefixes is checked by the system test (test/system/daemon.system.ts, `journalctl -p err`).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger, isJournalStream } from '../src/log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(journal: boolean): { lines: () => string[]; log: ReturnType<typeof createLogger> } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  return { lines: () => text.trim().split('\n'), log: createLogger(out, 'debug', { journal }) };
}

describe('log lines', () => {
  it('for the journal: the priority of each level first, no time (the journal has it)', () => {
    const c = capture(true);
    c.log.error('cannot save checkpoints', { error: 'ENOSPC: no space left' });
    c.log.warn('journalctl exited', { code: 1 });
    c.log.info('watch starting');
    c.log.debug('tick');
    expect(c.lines()).toEqual([
      '<3>level=error msg="cannot save checkpoints" error="ENOSPC: no space left"',
      '<4>level=warn msg="journalctl exited" code=1',
      '<6>level=info msg="watch starting"',
      '<7>level=debug msg="tick"',
    ]);
  });

  it('elsewhere: logfmt with the time, no prefix; a newline in a value never splits the line', () => {
    const c = capture(false);
    c.log.error('bad\nmessage', { detail: 'two\nlines' });
    const [line, ...rest] = c.lines();
    expect(rest).toEqual([]);
    expect(line).toMatch(/^time=\d{4}-\d\d-\d\dT[0-9:.]+Z level=error msg="bad\\nmessage" detail="two\\nlines"$/);
  });

  it('JOURNAL_STREAM counts only when the descriptor is that stream (device and inode agree)', () => {
    const a = openSync(path.join(dir, 'a'), 'w');
    const b = openSync(path.join(dir, 'b'), 'w');
    try {
      const st = fstatSync(a);
      const env = { JOURNAL_STREAM: `${st.dev}:${st.ino}` };
      expect(isJournalStream(a, env)).toBe(true);
      expect(isJournalStream(b, env)).toBe(false);
      expect(isJournalStream(a, {})).toBe(false);
      expect(isJournalStream(a, { JOURNAL_STREAM: 'garbage' })).toBe(false);
      expect(isJournalStream(9999, env)).toBe(false);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it('the CLI marks its fatal error <3> when stderr is the journal stream, and not when it is only inherited', () => {
    const run = (matching: boolean): string => {
      const file = path.join(dir, `stderr-${matching}`);
      const fd = openSync(file, 'w');
      const st = fstatSync(fd);
      const r = spawnSync(process.execPath, ['dist/ecs-triage.mjs', 'validate', '--config', path.join(dir, 'missing.yaml')], {
        stdio: ['ignore', 'ignore', fd],
        env: { ...process.env, JOURNAL_STREAM: matching ? `${st.dev}:${st.ino}` : `${st.dev}:${Number(st.ino) + 1}` },
      });
      closeSync(fd);
      expect(r.status).not.toBe(0);
      return readFileSync(file, 'utf8');
    };
    const journal = run(true);
    expect(journal).toMatch(/^<3>ecs-triage: .*missing\.yaml/);
    expect(journal.split('\n').filter(Boolean).every((l) => l.startsWith('<3>'))).toBe(true);
    expect(run(false)).toMatch(/^ecs-triage: .*missing\.yaml/);
  });
});
