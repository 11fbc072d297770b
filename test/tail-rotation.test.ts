// Issue 10.3 and 10.4 on the tailer itself, over real files: every file that was ever at the path is read to
// its end however many rotations happen between two looks, and a copytruncate's copy gives back the lines
// that were not read before the truncation. The tailer only reads when poked here, so "between two looks"
// is exact.
import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTailer, type TailListener } from '../src/sources/tail/file-tail.js';
import { sleep, tmp, waitFor } from './helpers/index.js';

function collector(): { listener: TailListener<number>; lines: string[]; events: string[] } {
  const lines: string[] = [];
  const events: string[] = [];
  let n = 0;
  const listener: TailListener<number> = {
    opened: (info) => {
      events.push(`open ${path.basename(info.path)}@${info.offset}${info.rotated ? ' rotated' : ''}`);
      return n++;
    },
    line: (_r, l) => lines.push(l.text),
    identityChanged: () => {},
    reset: (_r, why) => events.push(`reset: ${why}`),
    finished: () => events.push('finished'),
    problem: (p, msg, recovered) => events.push(recovered ? 'recovered' : `problem ${path.basename(p)}: ${msg}`),
    room: () => Promise.resolve(),
  };
  return { listener, lines, events };
}

const opts = (p: string) => ({ path: p, maxLineBytes: 4096, readChunkBytes: 64 * 1024, partialLineTimeoutMs: 5000, retryUnreadableMs: 100 });
const block = (tag: string, n = 10): string => Array.from({ length: n }, (_, i) => `${tag} line ${i} ${'x'.repeat(40)}`).join('\n') + '\n';
const expected = (tags: string[], n = 10): string[] => tags.flatMap((t) => block(t, n).trimEnd().split('\n'));

/** A tailer following `ecs-agent.log` (with `content`) in a new directory, from its beginning, already read once. */
async function follow(content: string, rotated: Record<string, string> = {}): Promise<{ file: string; t: FileTailer<number> } & ReturnType<typeof collector>> {
  const file = path.join(tmp(), 'ecs-agent.log');
  for (const [suffix, text] of Object.entries(rotated)) writeFileSync(file + suffix, text);
  writeFileSync(file, content);
  const c = collector();
  const t = new FileTailer(opts(file), c.listener);
  await t.start({ backlog: [], live: { otherwise: 'beginning' } });
  return { file, t, ...c };
}

/** The three rename schemes met on ECS hosts: the agent's size scheme (.N, larger is newer), its hourly one, Docker's (.1 newest). */
const schemes: Record<string, (file: string, i: number) => void> = {
  'agent size (.N, N = highest + 1)': (file, i) => renameSync(file, `${file}.${i + 1}`),
  'agent hourly (.YYYY-MM-DD-HH)': (file, i) => renameSync(file, `${file}.2026-11-23-${String(10 + i).padStart(2, '0')}`),
  'docker json-file (.1 -> .2, file -> .1)': (file, i) => {
    for (let k = i; k >= 1; k--) renameSync(`${file}.${k}`, `${file}.${k + 1}`);
    renameSync(file, `${file}.1`);
  },
};

describe('FileTailer follows the rotation chain', () => {
  for (const [name, rotate] of Object.entries(schemes)) {
    it(`reads every file of five back-to-back renames: ${name}`, async () => {
      const { file, t, lines, events } = await follow(block('r0'));
      expect(lines).toEqual(expected(['r0']));
      // Five rotations between two looks: the first file gets more lines after the last read, then each new
      // file is written and renamed away before the tailer looks again.
      appendFileSync(file, block('r0-more'));
      const tags = ['r0-more'];
      for (let i = 0; i < 5; i++) {
        rotate(file, i);
        writeFileSync(file, block(`r${i + 1}`));
        tags.push(`r${i + 1}`);
      }
      t.poke();
      await waitFor('all lines', () => lines.length >= 10 * (tags.length + 1), 3000).catch(() => {});
      await sleep(100);
      expect(lines, events.join('\n')).toEqual(expected(['r0', ...tags]));
      await t.stop(true);
    });
  }

  it('does not read again the rotated files that were there before it started', async () => {
    const { file, t, lines } = await follow(block('live'), { '.1': block('old-1'), '.2': block('old-2') });
    renameSync(file, `${file}.3`);
    writeFileSync(file, block('next'));
    t.poke();
    await waitFor('next', () => lines.length === 20, 3000);
    await sleep(200);
    expect(lines).toEqual(expected(['live', 'next']));
    await t.stop(true);
  });

  it('copytruncate: reads the unread tail from the copy (found by its first bytes), then the file again from 0', async () => {
    const { file, t, lines, events } = await follow(block('a'), { '.1': block('an-older-rotation') });
    expect(lines).toEqual(expected(['a']));
    // Written but not read yet, with a half line at the end; then logrotate's copytruncate (copy, truncate).
    appendFileSync(file, block('b') + 'half of a li');
    t.poke();
    await waitFor('b', () => lines.length === 20, 3000);
    appendFileSync(file, 'ne\n' + block('c'));
    renameSync(`${file}.1`, `${file}.2`);
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, block('d'));
    t.poke();
    await waitFor('d', () => lines.length >= 41, 3000).catch(() => {});
    await sleep(100);
    expect(lines, events.join('\n')).toEqual([...expected(['a', 'b']), 'half of a line', ...expected(['c', 'd'])]);
    expect(events.some((e) => e.startsWith('reset: file shrank'))).toBe(true);
    await t.stop(true);
  });

  it('copytruncate whose file grew past the old size before the tailer looked: seen by the first bytes', async () => {
    const { file, t, lines, events } = await follow(block('a'));
    appendFileSync(file, block('b'));
    copyFileSync(file, `${file}-20261123`); // logrotate's dateext name
    truncateSync(file, 0);
    appendFileSync(file, block('c', 40));
    t.poke();
    await waitFor('c', () => lines.length >= 60, 3000).catch(() => {});
    await sleep(100);
    expect(lines, events.join('\n')).toEqual([...expected(['a', 'b']), ...expected(['c'], 40)]);
    expect(events.some((e) => e.startsWith('reset: first bytes changed'))).toBe(true);
    await t.stop(true);
  });

  it('a truncation with no copy says that lines may be lost', async () => {
    const { file, t, lines, events } = await follow(block('a'));
    appendFileSync(file, block('lost'));
    truncateSync(file, 0);
    appendFileSync(file, block('b', 2));
    t.poke();
    await waitFor('b', () => lines.length >= 12, 3000);
    expect(lines).toEqual(expected(['a', 'b'], 10).slice(0, 12));
    expect(events.find((e) => e.startsWith('reset:'))).toMatch(/no copy .*lost/);
    await t.stop(true);
  });
});

describe('FileTailer: copytruncate of a file it opened empty', () => {
  it('reads the copy whole when the file was written, copied and truncated before the first read', async () => {
    const { file, t, lines, events } = await follow('', { '.1': block('older') });
    appendFileSync(file, block('a'));
    renameSync(`${file}.1`, `${file}.2`);
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, block('b', 3));
    t.poke();
    await waitFor('b', () => lines.length >= 13, 3000).catch(() => {});
    await sleep(100);
    expect(lines, events.join('\n')).toEqual([...expected(['a']), ...expected(['b'], 3)]);
    // A plain copy of a file that was not truncated is not read twice.
    copyFileSync(file, `${file}.bak-20261124`.replace('.bak', ''));
    appendFileSync(file, block('c', 2));
    t.poke();
    await waitFor('c', () => lines.length >= 15, 3000);
    await sleep(100);
    expect(lines.slice(13)).toEqual(expected(['c'], 2));
    await t.stop(true);
  });
});
