// A first start records where it began at once, so a crash before the first periodic save neither skips
// the lines written meanwhile nor re-reads the history.
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failLine, readEvents, ready, startDaemon, tagsOf, tmp, waitFor } from './helpers/index.js';

describe('watch first start', () => {
  it('saves its starting positions before the first periodic save', async () => {
    const base = tmp();
    const root = path.join(base, 'root');
    const state = path.join(base, 'state');
    const log = path.join(root, 'var/log/ecs/ecs-agent.log');
    mkdirSync(path.dirname(log), { recursive: true });
    writeFileSync(log, ['old-1', 'old-2'].map((t) => failLine(t)).join('\n') + '\n');
    const config = path.join(base, 'config.yaml');
    // The periodic save is a minute away: only the first-start save can have written the state file.
    writeFileSync(config, 'sinks: [file]\ncheckpoints:\n  intervalMs: 60000\nchecks:\n  enabled: false\njournal:\n  enabled: "off"\n');
    let d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    const saved = JSON.parse(readFileSync(path.join(state, 'checkpoints.json'), 'utf8')) as { files: Array<{ path: string; offset: number }> };
    expect(saved.files.find((f) => f.path.endsWith('ecs-agent.log'))?.offset).toBe(statSync(log).size);
    d.proc.kill('SIGKILL');
    await d.exited;
    appendFileSync(log, ['new-1', 'new-2', 'new-3'].map((t) => failLine(t)).join('\n') + '\n');
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    await waitFor('the three new lines', () => readEvents(state).length >= 3, 15000, d);
    expect((await d.stop('SIGTERM')).code).toBe(0);
    expect(tagsOf(readEvents(state)).sort()).toEqual(['new-1', 'new-2', 'new-3']);
  });
});
