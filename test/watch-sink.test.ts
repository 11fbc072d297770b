// The file sink under the daemon (issue 10.5, 10.6), with the default settings: kill -9 during bursts of
// ~7,500 distinct failure lines a second must not repeat events, and a state directory on a full filesystem
// (a real tmpfs) must neither lose nor corrupt events: they are written once there is room again.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { agentHost, defaultConfig, failLine, killDaemons, ready, sleep, startDaemon, tagsOf, waitFor, type EventLike } from './helpers/index.js';

afterEach(killDaemons);

/** Events in the sink's files; a line that is not complete JSON fails the test. */
function events(state: string): EventLike[] {
  const out: EventLike[] = [];
  for (const f of readdirSync(state).filter((n) => n.startsWith('events.jsonl'))) {
    const text = readFileSync(path.join(state, f), 'utf8');
    expect(text === '' || text.endsWith('\n'), `${f} ends with a partial line`).toBe(true);
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as EventLike);
  }
  return out;
}

/** The committed offset of the live agent log in the saved checkpoints. */
function committed(state: string): number {
  try {
    const cp = JSON.parse(readFileSync(path.join(state, 'checkpoints.json'), 'utf8')) as { files: Array<{ path: string; offset: number }> };
    return Math.max(-1, ...cp.files.filter((f) => f.path.endsWith('/ecs-agent.log')).map((f) => f.offset));
  } catch {
    return -1;
  }
}

describe('watch: the file sink under kill -9 and a full disk', () => {
  it('three kill -9 during bursts of ~7,500 lines/s: every event once', async () => {
    const { base, root, log } = agentHost();
    const state = path.join(base, 'state');
    const config = defaultConfig(path.join(base, 'etc'), 'fileSink:\n  maxBytes: 512MiB\n') // big enough to keep every event for counting;
    const args = ['--config', config, '--root', root, '--state-dir', state];
    let n = 0;
    /** 0.6 s of 7,500 distinct failure lines a second, 150 every 20 ms. */
    const burst = async (): Promise<void> => {
      for (let k = 0; k < 30; k++) {
        let text = '';
        for (let i = 0; i < 150; i++) text += failLine(`b${n++}`) + '\n';
        appendFileSync(log, text);
        await sleep(20);
      }
    };
    let d = startDaemon(args);
    await ready(d, state);
    for (let kill = 0; kill < 3; kill++) {
      const writing = burst();
      await sleep(300 + kill * 100);
      d.proc.kill('SIGKILL');
      await d.exited;
      await writing;
      d = startDaemon(args);
      await ready(d, state);
    }
    await burst();
    await waitFor('everything committed', () => committed(state) === statSync(log).size, 90000, d);
    expect((await d.stop()).code).toBe(0);
    const tags = tagsOf(events(state));
    expect(tags.length - new Set(tags).size, 'duplicates').toBe(0);
    expect(new Set(tags).size).toBe(n);
  }, 150_000);

  describe('on a full filesystem', () => {
    const mounts: string[] = [];
    afterAll(() => {
      for (const m of mounts) execFileSync('umount', ['-l', m]);
    });

    it('events written while the state directory is full arrive once, whole, when there is room', async () => {
      const { base, root, log } = agentHost();
      const state = path.join(base, 'state');
      mkdirSync(state);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', state]);
      mounts.push(state);
      const config = defaultConfig(path.join(base, 'etc'));
      const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
      await ready(d, state);
      const written: string[] = [];
      const burst = (tag: string, count: number): void => {
        let text = '';
        for (let i = 0; i < count; i++) {
          written.push(`${tag}-${i}`);
          text += failLine(`${tag}-${i}`) + '\n';
        }
        appendFileSync(log, text);
      };
      burst('before', 20);
      await waitFor('first events', () => events(state).length === 20, 15000, d);
      const filler = path.join(state, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096', 'count=1000'], { stdio: 'ignore' });
      } catch {
        /* ENOSPC: full, as intended */
      }
      for (let i = 0; i < 5; i++) {
        burst(`full${i}`, 40);
        await sleep(300);
      }
      await waitFor('refused writes', () => /file sink: write failed/.test(d.stderr()), 15000, d);
      expect(events(state).length).toBe(20);
      rmSync(filler);
      burst('after', 20);
      await waitFor(`${written.length} events`, () => events(state).length >= written.length, 60000, d);
      expect((await d.stop()).code).toBe(0);
      const tags = tagsOf(events(state));
      expect(tags.length - new Set(tags).size, 'duplicates').toBe(0);
      expect([...tags].sort()).toEqual([...written].sort());
    }, 120_000);
  });
});
