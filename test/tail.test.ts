// Line assembly and the file tailer in-process, over real files.
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineAssembler, type AssembledLine } from '../src/sources/tail/line-assembler.js';
import { FileTailer, type TailListener } from '../src/sources/tail/file-tail.js';
import { sleep, tmp, waitFor } from './helpers/index.js';

function assemble(max: number, chunks: Array<string | Buffer>): { lines: AssembledLine[]; asm: LineAssembler } {
  const asm = new LineAssembler(max);
  const lines: AssembledLine[] = [];
  let off = 0;
  for (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    asm.push(b, off, (l) => lines.push(l));
    off += b.length;
  }
  return { lines, asm };
}

describe('LineAssembler', () => {
  it('joins lines split across chunks and reports byte offsets', () => {
    const { lines, asm } = assemble(1024, ['ab', 'c\nde', 'f\r\n', 'gh']);
    expect(lines.map((l) => [l.text, l.start, l.end])).toEqual([
      ['abc', 0, 4],
      ['def', 4, 9],
    ]);
    expect(asm.pendingBytes).toBe(2);
    const rest: AssembledLine[] = [];
    asm.flushPartial((l) => rest.push(l));
    expect(rest.map((l) => [l.text, l.start, l.end])).toEqual([['gh', 9, 11]]);
  });

  it('cuts over-long lines, flags them, and resumes after their newline', () => {
    const long = 'x'.repeat(5000);
    const { lines, asm } = assemble(1024, [long.slice(0, 3000), long.slice(3000) + '\nok\n']);
    expect(lines[0]).toMatchObject({ truncated: true, start: 0, end: 5001 });
    expect(lines[0]!.text.length).toBe(1024);
    expect(lines[1]).toMatchObject({ text: 'ok', start: 5001, end: 5004, truncated: false });
    expect(asm.stats.truncated).toBe(1);
  });

  it('marks lines with NUL bytes as binary and replaces invalid UTF-8', () => {
    const { lines, asm } = assemble(1024, [Buffer.from([0x61, 0x00, 0x62, 0x0a, 0x63, 0xff, 0xfe, 0x64, 0x0a]), 'é ok\n']);
    expect(lines[0]).toMatchObject({ binary: true, start: 0, end: 4 });
    expect(lines[1]!.text).toBe('c\uFFFD\uFFFDd');
    expect(lines[2]!.text).toBe('é ok');
    expect(asm.stats).toMatchObject({ binary: 1, invalidUtf8: 1, lines: 3 });
  });
});

type H = { n: number };

function collector(): { listener: TailListener<H>; lines: string[]; events: string[] } {
  const lines: string[] = [];
  const events: string[] = [];
  let n = 0;
  const listener: TailListener<H> = {
    opened: (info) => {
      events.push(`open@${info.offset}`);
      return { n: n++ };
    },
    line: (_r, l) => lines.push(l.binary ? '<binary>' : l.text),
    identityChanged: () => {},
    reset: (_r, why) => events.push(`reset:${why}`),
    finished: () => events.push('finished'),
    problem: (_p, msg, recovered) => events.push(recovered ? 'recovered' : `problem:${msg}`),
    room: () => Promise.resolve(),
  };
  return { listener, lines, events };
}

const opts = (p: string) => ({ path: p, source: 'ecs-agent' as const, maxLineBytes: 4096, readChunkBytes: 64, partialLineTimeoutMs: 200, retryUnreadableMs: 100 });

describe('FileTailer', () => {
  it('starts at the end of an existing file, then follows a rename rotation to the end of the old file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ecs-agent.log');
    writeFileSync(file, 'old-1\nold-2\nhalf');
    const { listener, lines, events } = collector();
    const t = new FileTailer(opts(file), listener);
    await t.start({ backlog: [], live: { otherwise: 'end' } });
    expect(events).toEqual(['open@12']); // after the last complete line
    appendFileSync(file, '-done\nnew-1\n');
    t.poke();
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'tail-of-old\n');
    writeFileSync(file, 'second-file\n');
    t.poke();
    await waitFor('lines', () => lines.length === 4);
    expect(lines).toEqual(['half-done', 'new-1', 'tail-of-old', 'second-file']);
    expect(events).toEqual(['open@12', 'finished', 'open@0']);
    await t.stop(true);
  });

  it('does not resume in a different file that reuses the inode (fingerprint differs): reads it from 0', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ecs-agent.log');
    writeFileSync(file, 'new content of a new file\nline 2\n');
    const { statSync } = await import('node:fs');
    const st = statSync(file, { bigint: true });
    const { listener, lines, events } = collector();
    const t = new FileTailer(opts(file), listener);
    const expect_ = { dev: String(st.dev), ino: String(st.ino), fp: '0123456789abcdef', fpLen: 20 };
    await t.start({ backlog: [], live: { expect: expect_, offset: 12, otherwise: 'beginning' } });
    expect(events[0]).toBe('open@0');
    expect(lines).toEqual(['new content of a new file', 'line 2']);
    await t.stop(true);
  });

  it('reports an unreadable path, retries it, and reads it once it is a file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ecs-agent.log');
    mkdirSync(file); // reading a directory fails with EISDIR
    const { listener, lines, events } = collector();
    const t = new FileTailer(opts(file), listener);
    await t.start({ backlog: [], live: { otherwise: 'beginning' } });
    await waitFor('problem', () => events.some((e) => e.startsWith('problem:')));
    expect(t.status().error).toMatch(/EISDIR/);
    rmSync(file, { recursive: true });
    writeFileSync(file, 'readable\n');
    await waitFor('recovered', () => lines.length === 1);
    expect(events).toContain('recovered');
    await t.stop(true);
  });

  it('emits an unfinished last line after the idle timeout, and restarts at 0 after copytruncate', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ecs-agent.log');
    writeFileSync(file, '');
    const { listener, lines, events } = collector();
    const t = new FileTailer(opts(file), listener);
    await t.start({ backlog: [], live: { otherwise: 'end' } });
    appendFileSync(file, 'first\nno newline yet');
    t.poke();
    await waitFor('first', () => lines.length === 1);
    await sleep(50);
    expect(lines).toEqual(['first']);
    await waitFor('partial after idle', () => lines.length === 2, 2000);
    expect(lines[1]).toBe('no newline yet');
    writeFileSync(file, 'short\n'); // truncate + write: smaller than our offset
    t.poke();
    await waitFor('after truncate', () => lines.length === 3);
    expect(lines[2]).toBe('short');
    expect(events.some((e) => e.startsWith('reset:file shrank'))).toBe(true);
    await t.stop(true);
  });
});
