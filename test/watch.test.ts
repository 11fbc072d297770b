// The daemon as a real process over real files: rotation (both agent schemes), copytruncate, delete and
// re-create, a file that appears later, a partial last line, kill -9 and restart. The set of delivered
// events must equal the set of failure lines written: no gaps, no duplicates.
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failLine, NOISE, readEvents, ready, sleep, startDaemon, tagsOf, tmp, waitFor, writeConfig } from './helpers/index.js';

function setup(): { root: string; state: string; log: string; config: string } {
  const base = tmp();
  const root = path.join(base, 'root');
  const state = path.join(base, 'state');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  return { root, state, log: path.join(root, 'var/log/ecs/ecs-agent.log'), config: writeConfig(path.join(base, 'etc')) };
}

function expectExactly(state: string, tags: string[]): void {
  const events = readEvents(state);
  const got = tagsOf(events);
  expect(new Set(got).size, 'no duplicates').toBe(got.length);
  expect([...got].sort()).toEqual([...tags].sort());
}

describe('watch daemon over real files', () => {
  it('follows rename rotation (.N and hourly), copytruncate, delete + re-create, late files and partial lines', async () => {
    const { root, state, log, config } = setup();
    writeFileSync(log, failLine('old-0') + '\n');
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--from-beginning']);
    await ready(d, state);
    const written: string[] = ['old-0'];
    const write = (file: string, tag: string): void => {
      appendFileSync(file, NOISE + '\n' + failLine(tag) + '\n');
      written.push(tag);
    };
    const delivered = (): Promise<void> => waitFor(`${written.length} events`, () => readEvents(state).length >= written.length, 15000, d);

    for (let i = 0; i < 5; i++) write(log, `a${i}`);
    // Size scheme: rename to .1 with lines the daemon has not read yet, then a new file.
    renameSync(log, `${log}.1`);
    write(`${log}.1`, 'written-after-rename'); // still the old file: must be read before moving on
    write(log, 'b0');
    await delivered();
    // Hourly scheme.
    write(log, 'b1');
    renameSync(log, `${log}.2026-11-23-18`);
    write(log, 'c0');
    await delivered();
    // copytruncate: the file shrinks under the same inode.
    copyFileSync(log, `${log}.3`);
    truncateSync(log, 0);
    await sleep(400);
    write(log, 'd0');
    await delivered();
    // Delete and re-create.
    rmSync(log);
    await sleep(400);
    write(log, 'e0');
    await delivered();
    // Bad input: an over-long line is cut and flagged, binary garbage is skipped and counted, bad UTF-8 replaced.
    appendFileSync(log, failLine('long-0') + ' ' + 'x'.repeat(10_000) + '\n');
    written.push('long-0');
    appendFileSync(log, Buffer.concat([Buffer.from('\u0000\u0001garbage\u0000'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    appendFileSync(log, Buffer.concat([Buffer.from(failLine('utf8-0').replace('module=', 'bad=')), Buffer.from([0xc3, 0x28]), Buffer.from(' module=docker_client.go\n')]));
    written.push('utf8-0');
    await delivered();
    const long = readEvents(state).find((e) => tagsOf([e])[0] === 'long-0')!;
    expect(long.fields.lineTruncated).toBe(true);
    await waitFor('status counts the binary line', () => {
      const st = JSON.parse(readFileSync(path.join(state, 'status.json'), 'utf8')) as { sources: Array<{ skipped?: { binary: number } }> };
      return st.sources[0]?.skipped?.binary === 1;
    }, 5000, d);
    // A file that appears only later (ecs-init.log did not exist at start).
    const init = path.join(root, 'var/log/ecs/ecs-init.log');
    appendFileSync(init, failLine('init-0') + '\n');
    written.push('init-0');
    // A partial last line: written in two pieces, then one left without newline (idle timeout emits it).
    const line = failLine('partial-0');
    appendFileSync(log, line.slice(0, 60));
    await sleep(100);
    appendFileSync(log, line.slice(60) + '\n');
    written.push('partial-0');
    appendFileSync(log, failLine('no-newline'));
    written.push('no-newline');
    await delivered();
    // An unfinished line written just before SIGTERM is read and emitted at shutdown.
    appendFileSync(log, '\n' + failLine('at-shutdown'));
    written.push('at-shutdown');

    const exit = await d.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expectExactly(state, written);
    expect(d.stderr()).not.toMatch(/level=error/);
  });

  it('loses and repeats nothing across kill -9, rotation while down, and restart', async () => {
    const { root, state, log, config } = setup();
    writeFileSync(log, '');
    const written: string[] = [];
    let n = 0;
    const burst = (count: number, file = log): void => {
      let text = '';
      for (let i = 0; i < count; i++) {
        const tag = `k${n++}`;
        written.push(tag);
        text += failLine(tag) + '\n' + NOISE + '\n';
      }
      appendFileSync(file, text);
    };
    let d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    // Kill -9 while lines are arriving and events are being written: the writer keeps going across the kill.
    let writing = true;
    const writer = (async () => {
      while (writing) {
        burst(20);
        await sleep(5);
      }
    })();
    await waitFor('some events', () => readEvents(state).length > 100, 15000, d);
    d.proc.kill('SIGKILL');
    await d.exited;
    await sleep(100);
    writing = false;
    await writer;
    // While down: more lines, a rotation, and lines in the new file.
    burst(100);
    renameSync(log, `${log}.1`);
    burst(100);
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    burst(100);
    await waitFor(`${written.length} events`, () => readEvents(state).length >= written.length, 20000, d);
    expect((await d.stop('SIGTERM')).code).toBe(0);
    expect(d.stderr()).toMatch(/resuming rotated files first/);
    // Whether the kill fell between a sink write and its checkpoint is timing; when it did, the copies were dropped.
    if (/already in the file/.test(d.stderr())) console.log('kill -9 test: re-sent events were de-duplicated');
    expectExactly(state, written);
  });

  it('folds a flood of 100,000 identical error lines into a handful of events, counting every line', async () => {
    const { root, state, log, config } = setup();
    writeFileSync(log, '');
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    const line = failLine('flood') + '\n';
    const chunk = line.repeat(10_000);
    for (let i = 0; i < 10; i++) {
      appendFileSync(log, chunk);
      await sleep(100);
    }
    await waitFor('flood read', () => readEvents(state).length >= 1, 15000, d);
    await sleep(1500);
    expect((await d.stop('SIGTERM')).code).toBe(0);
    const events = readEvents(state);
    expect(events.length).toBeLessThanOrEqual(30);
    expect(events.reduce((s, e) => s + e.count, 0)).toBe(100_000);
    expect(events[0]!.count).toBe(1); // the first occurrence went out at once
  });
});
