// `watch` refuses what it cannot run with in one line (a root that does not exist, a state directory it cannot
// create or write), and `status` reports a source that stopped advancing or dropped lines as unhealthy.
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentHost, runCli as cli, failLine, killDaemons, ready, startDaemon, until, waitFor, writeConfig, type CliResult } from './helpers/index.js';
import { renderStatus } from '../src/commands/status.js';
import { FileSources } from '../src/daemon/file-sources.js';
import { HealthTracker, judge } from '../src/daemon/health.js';
import type { SourceContext } from '../src/daemon/source.js';
import { composeStatus } from '../src/daemon/status-file.js';

/** Runs `status --format json` (one at a time) until `ok` accepts the answer. */
const statusUntil = (state: string, ok: (r: CliResult) => boolean): Promise<CliResult> =>
  until('status', () => cli(['status', '--state-dir', state, '--format', 'json']), ok);

const host = agentHost;

// A test that fails half-way must not leave its daemon running.
afterEach(killDaemons);

describe('watch refuses to start, in one line', () => {
  it.each([
    ['a root that does not exist', (h: ReturnType<typeof host>) => ['--root', path.join(h.base, 'nonexistent'), '--state-dir', h.state], /^ecs-triage: --root \S+\/nonexistent: no such directory\nhint: /, 2],
    ['a state directory that cannot be created', (h: ReturnType<typeof host>) => {
      writeFileSync(path.join(h.base, 'plain-file'), '');
      return ['--root', h.root, '--state-dir', path.join(h.base, 'plain-file', 'state')];
    }, /^ecs-triage: \S+\/plain-file\/state: cannot create the state directory \(ENOTDIR: not a directory\)\nhint: /, 3],
    ['a state directory that cannot be written', (h: ReturnType<typeof host>) => ['--root', h.root, '--state-dir', '/sys/kernel'], /^ecs-triage: \/sys\/kernel: cannot write in the state directory \(EACCES: permission denied\)\n$/, 3],
  ])('%s (exit %i: usage, or could not run)', async (_what, args, message, code) => {
    const h = host();
    const config = writeConfig(path.join(h.base, 'etc'));
    const r = await cli(['watch', '--config', config, ...args(h)]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('takes --since as scan does (1w)', async () => {
    const h = host();
    const config = writeConfig(path.join(h.base, 'etc'));
    const d = startDaemon(['--config', config, '--root', h.root, '--state-dir', h.state, '--since', '1w']);
    await ready(d, h.state);
    expect((await d.stop()).code).toBe(0);
  });
});

describe('status health', () => {
  it('a source whose position stops moving while data waits behind it is stalled', async () => {
    const h = host();
    // A line folded into a long aggregation window holds the file's position until the window ends: with a
    // stall limit shorter than the window (the README says not to), that is a position that stopped moving.
    const config = writeConfig(path.join(h.base, 'etc'), 'aggregate:\n  windowMs: 10m\n');
    writeFileSync(config, readFileSync(config, 'utf8').replace('status:\n  intervalMs: 200', 'status:\n  intervalMs: 200\n  stallAfterMs: 1s'));
    const d = startDaemon(['--config', config, '--root', h.root, '--state-dir', h.state]);
    await ready(d, h.state);
    appendFileSync(h.log, failLine('stuck') + '\n' + failLine('stuck') + '\n');
    const st = await statusUntil(h.state, (r) => /not advancing/.test(r.stdout));
    expect(st.code).toBe(1);
    const j = JSON.parse(st.stdout) as { problems: string[]; sources: Array<{ name: string; stalledSince?: string }> };
    expect(j.problems.find((p) => p.startsWith('/var/log/ecs/ecs-agent.log: not advancing for'))).toMatch(/with \d+ bytes behind its position/);
    expect(j.sources[0]!.stalledSince).toBeDefined();
    expect((await d.stop()).code).toBe(0);
  });

  it('a source that dropped lines makes the daemon unhealthy', async () => {
    const h = host();
    const config = writeConfig(path.join(h.base, 'etc'));
    writeFileSync(config, readFileSync(config, 'utf8').replace('enabled: "off"', 'enabled: "on"\n  restartMinMs: 100'));
    const bin = path.join(h.base, 'bin');
    mkdirSync(bin);
    symlinkSync(path.resolve('test/fake-journalctl'), path.join(bin, 'journalctl'));
    const exportFile = path.join(h.base, 'journal.json');
    // Output journalctl would never give: an object without a cursor cannot be placed, so it is dropped. (It
    // names a followed unit: the fake journalctl applies the unit matches as journalctl does. With no cursor the
    // position cannot move, so the follow step after the one-shot read may read it, and drop it, again.)
    writeFileSync(exportFile, JSON.stringify({ MESSAGE: 'no cursor', _SYSTEMD_UNIT: 'docker.service', __REALTIME_TIMESTAMP: String(Date.now() * 1000 + 10_000_000) }) + '\n');
    const d = startDaemon(['--config', config, '--root', h.root, '--state-dir', h.state], { PATH: `${bin}:${process.env.PATH}`, FAKE_JOURNAL_EXPORT: exportFile });
    await ready(d, h.state);
    const st = await statusUntil(h.state, (r) => /dropped/.test(r.stdout));
    expect(st.code).toBe(1);
    expect((JSON.parse(st.stdout) as { problems: string[] }).problems).toContainEqual(expect.stringMatching(/^journal:docker,containerd,kernel: [12] line\(s\) read but dropped/));
    expect((await d.stop()).code).toBe(0);
  });

  it('a followed file whose line could not be handled reports it dropped, and status names it', async () => {
    const h = host();
    writeFileSync(h.log, 'one\nboom\ntwo\n');
    const seen: string[] = [];
    const errors: string[] = [];
    // The core, except that handling one line throws (the defect the tailer must survive).
    const ctx: SourceContext = {
      log: { debug() {}, info() {}, warn() {}, error: (m, f) => errors.push(`${m} ${JSON.stringify(f)}`) },
      classifyLine: (text) => {
        if (text === 'boom') throw new RangeError('a defect');
        if (text !== undefined) seen.push(text);
        return undefined;
      },
      classifyRecord: () => undefined,
      classifyComposed: () => undefined,
      onEvent: () => {},
      onLine: () => {},
      finding: () => {},
      event: () => {},
      room: () => Promise.resolve(),
    };
    const tail = { maxLineBytes: 4096, partialLineTimeoutMs: 400, pollIntervalMs: 10_000, readChunkBytes: 65_536, retryUnreadableMs: 200 };
    const files = new FileSources([{ path: h.log, display: '/var/log/ecs/ecs-agent.log', source: 'ecs-agent' }], tail);
    await files.start(ctx, undefined, { fresh: true, at: 'beginning' });
    await waitFor('the line after the failed one', () => seen.includes('two'));
    const sources = files.status();
    await files.stop(false);
    expect(seen).toEqual(['one', 'two']);
    expect(errors.join('\n')).toMatch(/a line could not be handled and was skipped.*a defect/);
    expect(sources[0]!.dropped).toBe(1);

    new HealthTracker().observe(sources);
    const status = composeStatus({
      process: { pid: process.pid, version: 'test', startedAt: new Date().toISOString() },
      root: h.root,
      intervalMs: 10_000,
      stallAfterMs: 300_000,
      rules: 1,
      sources,
      sinks: [],
      pipeline: { lines: 3, matched: 0, events: 0, folded: 0, closedEarly: 7, backlog: 0 },
      checkpoint: {},
    });
    const view = await judge(status);
    expect(view.healthy).toBe(false);
    expect(view.problems).toContainEqual(expect.stringMatching(/^\/var\/log\/ecs\/ecs-agent\.log: 1 line\(s\) read but dropped \(could not be decoded or handled\), the last at /));
    const text = renderStatus(view);
    expect(text).toMatch(/ecs-agent\.log: 1 line\(s\) read but dropped/);
    expect(text).toMatch(/7 aggregation windows closed early/);
  });
});
