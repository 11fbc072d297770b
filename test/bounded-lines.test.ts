// The line splitter behind `classify`: the same lines split2 gave for ordinary input, and bounded memory for
// over-long lines (the head kept, the length counted).
import { describe, expect, it } from 'vitest';
import { boundedLines, type BoundedLine } from '../src/sources/bounded-lines.js';

async function lines(chunks: Array<string | Buffer>, opts = {}): Promise<BoundedLine[]> {
  const out: BoundedLine[] = [];
  for await (const l of boundedLines((async function* () { yield* chunks; })(), opts)) out.push(l);
  return out;
}

describe('boundedLines', () => {
  it('splits at \\n, drops a \\r before it, keeps empty lines and a last line without newline', async () => {
    expect((await lines(['a\n\nb\r', '\nc'])).map((l) => l.text)).toEqual(['a', '', 'b', 'c']);
    expect((await lines(['a\n'])).map((l) => l.text)).toEqual(['a']);
    expect(await lines([])).toEqual([]);
  });

  it('joins a line across chunks, including a multi-byte character split between them', async () => {
    const e = Buffer.from('é');
    expect((await lines([Buffer.concat([Buffer.from('caf'), e.subarray(0, 1)]), Buffer.concat([e.subarray(1), Buffer.from('\n')])])).map((l) => l.text)).toEqual(['café']);
  });

  it('keeps the head of an over-long line, counts its bytes, and goes on with the next line', async () => {
    const out = await lines(['x'.repeat(30), 'y'.repeat(30), '\nnext\n'], { maxLineBytes: 40, headBytes: 8 });
    expect(out).toEqual([
      { text: 'xxxxxxxx', truncated: true, bytes: 60 },
      { text: 'next', truncated: false, bytes: 4 },
    ]);
  });

  it('keeps a line of exactly the limit whole', async () => {
    expect(await lines(['z'.repeat(40) + '\n'], { maxLineBytes: 40, headBytes: 8 })).toEqual([{ text: 'z'.repeat(40), truncated: false, bytes: 40 }]);
  });
});
