// The file sink (issue 10.5 and 10.6): ids it wrote are remembered across restarts by a bounded index (not by
// reading back the last 4 MiB of events, ~3,500 of them), and a short or failed write (a full disk, tested on a
// real tmpfs of a few hundred KiB) is not accepted: the partial line is cut back and the batch is retried.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { createFileSink } from '../src/sinks/file.js';
import type { TriageEvent } from '../src/types.js';
import { tmp } from './helpers/index.js';

// Plain strings stand for redacted text here: the sink writes whatever it is given.
const ev = (n: number, lineBytes = 1000): TriageEvent =>
  ({
  schema: 1,
  id: n.toString(16).padStart(32, '0'),
  kind: 'finding',
  category: 'image_not_found',
  severity: 'error',
  ruleId: 'r',
  title: 't',
  count: 1,
  firstSeen: '2026-11-23T00:00:00.000Z',
  lastSeen: '2026-11-23T00:00:00.000Z',
  source: 'ecs-agent',
  message: 'm',
  fields: {},
  line: `event ${n} ` + 'x'.repeat(lineBytes),
  }) as TriageEvent;

/** Every event line in the sink's files (current and rotated); throws on a line that is not complete JSON. */
function written(dir: string): TriageEvent[] {
  const out: TriageEvent[] = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('events.jsonl')).sort().reverse()) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    if (text && !text.endsWith('\n')) throw new Error(`${f} ends with a partial line`);
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as TriageEvent);
  }
  return out;
}

const duplicates = (events: TriageEvent[]): number => events.length - new Set(events.map((e) => e.id)).size;
const sinkAt = (dir: string, extra: Partial<Parameters<typeof createFileSink>[0]> = {}) =>
  createFileSink({ path: path.join(dir, 'events.jsonl'), maxBytes: 10 * 1024 * 1024, maxFiles: 5, fsync: false, log: silentLogger, ...extra });

async function writeAll(sink: Awaited<ReturnType<typeof createFileSink>>, events: TriageEvent[], batch = 500): Promise<void> {
  for (let i = 0; i < events.length; i += batch) await sink.write(events.slice(i, i + batch));
}

describe('file sink: ids remembered across restarts', () => {
  it('drops 20,000 re-sent events (20 MB of them) after a restart', async () => {
    const dir = tmp('ecs-triage-sink-');
    const events = Array.from({ length: 20_000 }, (_, i) => ev(i));
    let sink = await sinkAt(dir);
    await writeAll(sink, events);
    await sink.close();
    sink = await sinkAt(dir);
    await writeAll(sink, events);
    await sink.close();
    const got = written(dir);
    expect(duplicates(got)).toBe(0);
    expect(got).toHaveLength(20_000);
  });

  it('events written but not yet indexed when the process died are found in the events file', async () => {
    const dir = tmp('ecs-triage-sink-');
    let sink = await sinkAt(dir);
    await writeAll(sink, Array.from({ length: 100 }, (_, i) => ev(i, 50)));
    await sink.close();
    // As if killed between the events write and the index write: 300 events in the file, not in the index.
    appendFileSync(path.join(dir, 'events.jsonl'), Array.from({ length: 300 }, (_, i) => JSON.stringify(ev(100 + i, 50)) + '\n').join(''));
    sink = await sinkAt(dir);
    await writeAll(sink, Array.from({ length: 500 }, (_, i) => ev(i, 50)));
    await sink.close();
    const got = written(dir);
    expect(duplicates(got)).toBe(0);
    expect(got).toHaveLength(500);
  });

  it('a half-written last event (killed mid-write) is cut back before the next write', async () => {
    const dir = tmp('ecs-triage-sink-');
    let sink = await sinkAt(dir);
    await sink.write([ev(1, 50)]);
    await sink.close();
    appendFileSync(path.join(dir, 'events.jsonl'), JSON.stringify(ev(2, 50)).slice(0, 40));
    sink = await sinkAt(dir);
    await sink.write([ev(2, 50), ev(3, 50)]);
    await sink.close();
    expect(written(dir).map((e) => Number.parseInt(e.id, 16))).toEqual([1, 2, 3]);
  });

  it('the index stays bounded', async () => {
    const dir = tmp('ecs-triage-sink-');
    const sink = await sinkAt(dir, { rememberIds: 1000 });
    await writeAll(sink, Array.from({ length: 5000 }, (_, i) => ev(i, 10)), 100);
    await sink.close();
    const index = readdirSync(dir).find((n) => n.endsWith('.ids'))!;
    expect(readFileSync(path.join(dir, index), 'utf8').trim().split('\n').length).toBeLessThanOrEqual(2000);
  });
});

describe('file sink on a full disk (a real tmpfs)', () => {
  const mounts: string[] = [];
  afterAll(() => {
    // Lazy: a test that failed half-way may still hold a file open there.
    for (const m of mounts) execFileSync('umount', ['-l', m]);
  });
  function smallFs(bytes: number): string {
    const dir = tmp('ecs-triage-fullfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  it('refuses a batch that does not fit, leaves no partial line, and takes it once there is room', async () => {
    const dir = smallFs(256 * 1024);
    const sink = await sinkAt(dir, { fsync: true });
    // Fill the filesystem except for a little room: a batch of 50 events (~55 KB) cannot fit whole.
    const filler = path.join(dir, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096', 'count=1000'], { stdio: 'ignore' });
    } catch {
      /* ENOSPC: the filesystem is full, as intended */
    }
    rmSync(filler);
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096', `count=${Math.floor((256 * 1024 - 40 * 1024) / 4096)}`], { stdio: 'ignore' });
    const first = Array.from({ length: 10 }, (_, i) => ev(i));
    await sink.write(first);
    const batch = Array.from({ length: 50 }, (_, i) => ev(100 + i));
    let refused = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      await sink.write(batch).then(
        () => {},
        (err: NodeJS.ErrnoException) => {
          refused++;
          expect(err.code).toBe('ENOSPC');
        },
      );
      expect(() => written(dir)).not.toThrow();
      expect(written(dir).map((e) => e.id)).toEqual(first.map((e) => e.id));
    }
    expect(refused).toBe(3);
    expect(sink.health().ok).toBe(false);
    rmSync(filler);
    await sink.write(batch);
    await sink.close();
    const got = written(dir);
    expect(duplicates(got)).toBe(0);
    expect(got.map((e) => e.id)).toEqual([...first, ...batch].map((e) => e.id));
    expect(statSync(path.join(dir, 'events.jsonl')).size).toBe(readFileSync(path.join(dir, 'events.jsonl')).length);
    expect(existsSync(dir)).toBe(true);
  });
});

