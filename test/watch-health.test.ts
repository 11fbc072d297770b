// `watch` refuses what it cannot run with in one line (a root that does not exist, a state directory it cannot
// create or write), and `status` reports a source that stopped advancing or dropped lines as unhealthy.
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli, failLine, ready, startDaemon, tmp, until, writeConfig, type CliResult } from './helpers/index.js';

/** Runs `status --format json` (one at a time) until `ok` accepts the answer. */
const statusUntil = (state: string, ok: (r: CliResult) => boolean): Promise<CliResult> =>
  until('status', () => cli(['status', '--state-dir', state, '--format', 'json']), ok);

function host(): { base: string; root: string; state: string; log: string } {
  const base = tmp();
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(log, '');
  return { base, root, state: path.join(base, 'state'), log };
}

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
    // Output journalctl would never give: an object without a cursor cannot be placed, so it is dropped.
    writeFileSync(exportFile, JSON.stringify({ MESSAGE: 'no cursor', __REALTIME_TIMESTAMP: String(Date.now() * 1000 + 10_000_000) }) + '\n');
    const d = startDaemon(['--config', config, '--root', h.root, '--state-dir', h.state], { PATH: `${bin}:${process.env.PATH}`, FAKE_JOURNAL_EXPORT: exportFile });
    await ready(d, h.state);
    const st = await statusUntil(h.state, (r) => /dropped/.test(r.stdout));
    expect(st.code).toBe(1);
    expect((JSON.parse(st.stdout) as { problems: string[] }).problems).toContainEqual(expect.stringMatching(/^journal:docker,containerd,kernel: 1 line\(s\) read but dropped/));
    expect((await d.stop()).code).toBe(0);
  });
});
