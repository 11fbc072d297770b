// Issue 10.2: a line written right after another must not wait for the safety-net poll. chokidar drops a
// second `change` event for a path within 50 ms and sends no trailing one, so this runs with the default
// poll interval (10 s): only a prompt re-check delivers the second line in time.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentHost, defaultConfig, failLine, killDaemons, readEvents, ready, sleep, startDaemon, tagsOf, waitFor } from './helpers/index.js';

afterEach(killDaemons);

describe('watch with the default poll interval', () => {
  it('delivers a line appended 20 ms after another within a second, not at the next poll', async () => {
    const { base, root, state, log } = agentHost();
    const d = startDaemon(['--config', defaultConfig(path.join(base, 'etc')), '--root', root, '--state-dir', state]);
    await ready(d, state);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      appendFileSync(log, failLine(`first-${i}`) + '\n');
      await sleep(20);
      appendFileSync(log, failLine(`second-${i}`) + '\n');
      await waitFor(`second-${i}`, () => tagsOf(readEvents(state)).includes(`second-${i}`), 3000, d);
      delays.push(Date.now() - t0);
      await sleep(200);
    }
    expect((await d.stop()).code).toBe(0);
    expect(Math.max(...delays), `delays ${delays.join(',')} ms`).toBeLessThan(1000);
    expect(tagsOf(readEvents(state)).sort()).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`first-${i}`, `second-${i}`]).sort());
  });
});
