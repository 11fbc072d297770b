// Issue 10.3 and 10.4 through the daemon as a real process, with the default poll interval: back-to-back
// renames, copytruncate with a writer that has just written, and copytruncate while the daemon is down.
// Every failure line written must become exactly one event.
import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentHost, failLine, NOISE, readEvents, ready, sleep, startDaemon, tagsOf, waitFor, writeConfig, killDaemons } from './helpers/index.js';

function setup(): { root: string; state: string; log: string; config: string } {
  const host = agentHost();
  return { ...host, config: writeConfig(path.join(host.base, 'etc')) };
}

function lines(prefix: string, n: number, written: string[]): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    written.push(`${prefix}-${i}`);
    text += failLine(`${prefix}-${i}`) + '\n' + NOISE + '\n';
  }
  return text;
}

function expectExactly(state: string, tags: string[]): void {
  const got = tagsOf(readEvents(state));
  expect(got.length - new Set(got).size, 'duplicates').toBe(0);
  expect([...got].sort()).toEqual([...tags].sort());
}

afterEach(killDaemons);

describe('watch: rotation chains and copytruncate', () => {
  it('five renames in a row, ten lines each, three times: nothing lost', async () => {
    const { root, state, log, config } = setup();
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    const written: string[] = [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        appendFileSync(log, lines(`r${round}-${i}`, 10, written));
        renameSync(log, `${log}.${++n}`); // the agent's size scheme: N = highest + 1
      }
      writeFileSync(log, lines(`r${round}-live`, 10, written));
      await waitFor(`round ${round}`, () => readEvents(state).length >= written.length, 10000, d);
    }
    await sleep(300);
    expect((await d.stop()).code).toBe(0);
    expectExactly(state, written);
  });

  it('copytruncate right after a write, and copytruncate while the daemon is down: nothing lost', async () => {
    const { root, state, log, config } = setup();
    let d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    const written: string[] = [];
    for (let round = 0; round < 3; round++) {
      // logrotate's copytruncate: copy, then truncate, while the lines just written may not be read yet.
      appendFileSync(log, lines(`ct${round}`, 20, written));
      for (let k = round; k >= 1; k--) renameSync(`${log}.${k}`, `${log}.${k + 1}`);
      copyFileSync(log, `${log}.1`);
      truncateSync(log, 0);
      appendFileSync(log, lines(`after${round}`, 5, written));
      await waitFor(`round ${round}`, () => readEvents(state).length >= written.length, 10000, d);
    }
    expect((await d.stop()).code).toBe(0);
    // Down: more lines, then copytruncate; the restart finds the unread rest in the copy.
    appendFileSync(log, lines('down', 20, written));
    for (let k = 3; k >= 1; k--) renameSync(`${log}.${k}`, `${log}.${k + 1}`);
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines('restarted', 5, written));
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    await waitFor('after restart', () => readEvents(state).length >= written.length, 10000, d);
    await sleep(300);
    expect((await d.stop()).code).toBe(0);
    expectExactly(state, written);
    expect(d.stderr()).not.toMatch(/lost|not read/);
  });
});
