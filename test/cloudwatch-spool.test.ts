// The on-disk spool on its own: torn writes after a crash, undecodable lines, cursor persistence, segment
// clean-up and the lock.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Spool, SpoolLockedError } from '../src/sinks/cloudwatch/spool.js';
import { silentLogger } from '../src/log.js';
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, PER_EVENT_OVERHEAD_BYTES } from '../src/cloudwatch-limits.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'cw-spool-'));
  dirs.push(d);
  return path.join(d, 'spool');
}
const rec = (i: number) => ({ timestamp: 1_700_000_000_000 + i, message: JSON.stringify({ id: `e${i}`, pad: 'x'.repeat(1000) }) });
const open = (d: string, segmentBytes = 64 * 1024) => Spool.open(d, { maxBytes: 10 * 1024 * 1024, segmentBytes, log: silentLogger });

async function drain(s: Spool): Promise<string[]> {
  const out: string[] = [];
  for (let c = await s.readChunk(); c; c = await s.readChunk()) {
    out.push(...c.records.map((r) => (JSON.parse(r.message) as { id: string }).id));
    await s.ack(c.end, c.records.length + c.corrupt);
  }
  return out;
}

describe('spool', () => {
  it('resumes at the acknowledged cursor after a restart, and deletes consumed segments', async () => {
    const d = await dir();
    let s = await open(d);
    await s.append(Array.from({ length: 2000 }, (_, i) => rec(i)));
    const first = (await s.readChunk())!;
    await s.ack(first.end, first.records.length);
    const acked = first.records.length;
    expect(acked).toBeLessThan(2000); // one batch's worth: about 1 MiB
    await s.close();

    s = await open(d);
    expect(s.pending).toBe(2000 - acked);
    const rest = await drain(s);
    expect(rest[0]).toBe(`e${acked}`);
    expect(rest).toHaveLength(2000 - acked);
    expect((await readdir(d)).filter((n) => n.endsWith('.seg')).length).toBeLessThanOrEqual(1);
    await s.close();
  });

  it('reads events up to the size limit whole, in order and in full batches, also after a restart mid-segment', async () => {
    // The read buffer holds two of the largest lines, not a batch: chunks are assembled over several reads,
    // and lines straddle the reads.
    const d = await dir();
    const sizes = [MAX_MESSAGE_BYTES, 40, 200_000, MAX_MESSAGE_BYTES, 5_000, 180_000, MAX_MESSAGE_BYTES - 1, 30, 250_000, 33_333];
    const big = (i: number) => {
      const head = JSON.stringify({ id: `e${i}`, pad: '' });
      return { timestamp: 1_700_000_000_000 + i, message: head.slice(0, -2) + 'y'.repeat(sizes[i % sizes.length]! - head.length) + '"}' };
    };
    const all = Array.from({ length: 40 }, (_, i) => big(i));
    let s = await open(d, 8 * 1024 * 1024);
    await s.append(all);
    const got: string[] = [];
    for (let c = await s.readChunk(); c; c = await s.readChunk()) {
      const cost = c.records.reduce((n, r) => n + Buffer.byteLength(r.message) + PER_EVENT_OVERHEAD_BYTES, 0);
      expect(cost).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      const next = all[got.length + c.records.length];
      // Full: the next event would not have fitted.
      if (next) expect(cost + Buffer.byteLength(next.message) + PER_EVENT_OVERHEAD_BYTES).toBeGreaterThan(MAX_BATCH_BYTES);
      for (const r of c.records) {
        expect(r).toEqual(all[got.length]);
        got.push(r.message);
      }
      await s.ack(c.end, c.records.length);
      if (got.length < all.length / 2) {
        // A restart in the middle of a 5 MB segment: its lines are counted again from the cursor.
        await s.close();
        s = await open(d, 8 * 1024 * 1024);
        expect(s.pending).toBe(all.length - got.length);
      }
    }
    expect(got).toHaveLength(all.length);
    await s.close();
  });

  it('cuts a torn last line (a crash mid-append) and skips undecodable lines, counting them', async () => {
    const d = await dir();
    const s = await open(d);
    await s.append([rec(1), rec(2)]);
    await s.close();
    const seg = (await readdir(d)).find((n) => n.endsWith('.seg'))!;
    await appendFile(path.join(d, seg), 'garbage without a tab\n1700000000003\t{"id":"e3"}\n1700000000004\t{"id":"e4", "torn');
    const again = await open(d);
    const c = (await again.readChunk())!;
    expect(c.records.map((r) => (JSON.parse(r.message) as { id: string }).id)).toEqual(['e1', 'e2', 'e3']);
    expect(c.corrupt).toBe(1);
    await again.close();
  });

  it('is locked against a second live process and taken over from a dead one', async () => {
    const d = await dir();
    const s = await open(d);
    await expect(open(d)).rejects.toBeInstanceOf(SpoolLockedError); // same process
    await s.close();
    // An old-style lock (a bare pid) of a live ecs-triage process holds; see test/lock.test.ts for the rest.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'ecs-triage']);
    await writeFile(path.join(d, 'lock'), String(child.pid));
    await expect(open(d)).rejects.toThrow(/in use by process/);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const taken = await open(d); // the holder is dead: a stale lock
    await taken.close();
  });
});
