// Daemon lifecycle as a real process: SIGHUP with a broken rule file, a corrupt state file, a state
// directory that cannot be written, the journal through a fake journalctl (cursor resume), and the
// status and validate commands.
import { appendFileSync, cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli, failLine, readEvents, ready, sleep, startDaemon, tagsOf, tmp, waitFor, writeConfig } from './helpers/index.js';

function setup(extra = ''): { base: string; root: string; state: string; log: string; config: string } {
  const base = tmp();
  const root = path.join(base, 'root');
  const state = path.join(base, 'state');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(log, '');
  return { base, root, state, log, config: writeConfig(path.join(base, 'etc'), extra) };
}

describe('watch lifecycle', () => {
  it('SIGHUP with a broken rule file keeps the running rules; a fixed one is loaded', async () => {
    const { base, root, state, log, config } = setup();
    const patterns = path.join(base, 'patterns');
    cpSync(path.resolve('patterns'), patterns, { recursive: true });
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--patterns', patterns]);
    await ready(d, state);
    appendFileSync(log, failLine('before') + '\n');
    await waitFor('first event', () => readEvents(state).length === 1, 10000, d);

    writeFileSync(path.join(patterns, 'zz-broken.yaml'), 'family: broken\nrules:\n  - id: Not_Valid\n    match: "("\n');
    d.proc.kill('SIGHUP');
    await waitFor('reload error', () => /rules are invalid; keeping the running rules/.test(d.stderr()), 10000, d);
    expect(d.stderr()).toMatch(/zz-broken\.yaml/);
    appendFileSync(log, failLine('after-broken') + '\n');
    await waitFor('event with old rules', () => readEvents(state).length === 2, 10000, d);

    rmSync(path.join(patterns, 'zz-broken.yaml'));
    d.proc.kill('SIGHUP');
    await waitFor('reload ok', () => /reload: rules loaded/.test(d.stderr()), 10000, d);
    expect((await d.stop('SIGTERM')).code).toBe(0);
    expect(tagsOf(readEvents(state)).sort()).toEqual(['after-broken', 'before']);
  });

  it('recovers from a corrupt state file: temp copy first, else a fresh start with a loud error', async () => {
    const { root, state, log, config } = setup();
    appendFileSync(log, failLine('one') + '\n');
    let d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--from-beginning']);
    await ready(d, state);
    await waitFor('event', () => readEvents(state).length === 1, 10000, d);
    expect((await d.stop()).code).toBe(0);
    const stable = path.join(state, 'checkpoints.json');
    const good = readFileSync(stable, 'utf8');

    // Half-written stable file, complete temp file (crash between write and rename): the temp wins.
    writeFileSync(stable, good.slice(0, 40));
    writeFileSync(stable + '.tmp', good);
    appendFileSync(log, failLine('two') + '\n');
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    await waitFor('event two', () => readEvents(state).length === 2, 10000, d);
    expect(d.stderr()).toMatch(/using the temp file/);
    expect((await d.stop()).code).toBe(0);

    // Both unusable: start fresh (at the end of the files, as configured), say so loudly, keep the bad copy.
    writeFileSync(stable, '{"version":1,"files":[{"path":');
    writeFileSync(stable + '.tmp', 'garbage');
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    await sleep(300);
    appendFileSync(log, failLine('three') + '\n');
    await waitFor('event three', () => readEvents(state).length === 3, 10000, d);
    expect(d.stderr()).toMatch(/level=error msg="state: checkpoint file is corrupt.*STARTING FRESH/);
    expect((await d.stop()).code).toBe(0);
    expect(tagsOf(readEvents(state)).sort()).toEqual(['one', 'three', 'two']);
  });

  it('keeps running when the state file cannot be written, and saves once it can', async () => {
    const { root, state, log, config } = setup();
    mkdirSync(path.join(state, 'checkpoints.json.tmp'), { recursive: true }); // open(tmp, 'w') fails: EISDIR
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    appendFileSync(log, failLine('x') + '\n');
    await waitFor('save error reported', () => /cannot save checkpoints/.test(d.stderr()), 10000, d);
    await waitFor('event', () => readEvents(state).length === 1, 10000, d);
    const st = await cli(['status', '--state-dir', state, '--format', 'json']);
    expect(JSON.parse(st.stdout).problems.join('\n')).toMatch(/checkpoints:/);
    rmSync(path.join(state, 'checkpoints.json.tmp'), { recursive: true });
    await waitFor('saved', () => existsSync(path.join(state, 'checkpoints.json')), 10000, d);
    expect(d.proc.exitCode).toBeNull();
    expect((await d.stop()).code).toBe(0);
  });

  it('reads the journal through journalctl and resumes after the saved cursor', async () => {
    const { base, root, state, config } = setup('aggregate:\n  keyFields: [pid]\n');
    writeFileSync(config, readFileSync(config, 'utf8').replace('enabled: "off"', 'enabled: "on"\n  restartMinMs: 100'));
    const bin = path.join(base, 'bin');
    mkdirSync(bin);
    symlinkSync(path.resolve('test/fake-journalctl'), path.join(bin, 'journalctl'));
    const exportFile = path.join(base, 'journal.json');
    const argsLog = path.join(base, 'journal-args.log');
    let seq = 0;
    const entry = (message: unknown, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({
        __CURSOR: `s=0123abcd;i=${++seq};b=boot`,
        __REALTIME_TIMESTAMP: String(Date.parse('2026-11-23T17:14:55Z') * 1000 + seq),
        _TRANSPORT: 'kernel',
        SYSLOG_IDENTIFIER: 'kernel',
        PRIORITY: '3',
        MESSAGE: message,
        ...extra,
      }) + '\n';
    const oom = (pid: number): string =>
      `Memory cgroup out of memory: Killed process ${pid} (java) total-vm:5423180kB, anon-rss:1046984kB, file-rss:20412kB, shmem-rss:0kB, UID:0 pgtables:2508kB oom_score_adj:0`;
    let text = entry(oom(101)) + entry('usb 1-1: new device', {}) + entry([...Buffer.from(oom(102))]);
    text += entry('time="2026-11-23T10:00:00Z" level=info msg="API listen on /run/docker.sock"', { _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'dockerd', _SYSTEMD_UNIT: 'docker.service' });
    writeFileSync(exportFile, text);
    const env = { PATH: `${bin}:${process.env.PATH}`, FAKE_JOURNAL_EXPORT: exportFile, FAKE_JOURNAL_ARGS_LOG: argsLog };

    let d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--from-beginning'], env);
    await ready(d, state);
    await waitFor('journal events', () => readEvents(state).length === 2, 10000, d);
    appendFileSync(exportFile, entry(oom(103))); // --follow: appended entries arrive while running
    await waitFor('followed entry', () => readEvents(state).length === 3, 10000, d);
    expect((await d.stop()).code).toBe(0);
    const cursor = `s=0123abcd;i=${seq}`;
    expect(readFileSync(path.join(state, 'checkpoints.json'), 'utf8')).toContain(cursor);

    appendFileSync(exportFile, entry(oom(104)) + entry(oom(105)));
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state], env);
    await ready(d, state);
    await waitFor('resumed events', () => readEvents(state).length === 5, 10000, d);
    await sleep(300);
    expect((await d.stop()).code).toBe(0);
    const pids = readEvents(state).map((e) => e.fields.pid);
    expect(pids).toEqual(['101', '102', '103', '104', '105']);
    const resumeCalls = readFileSync(argsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    // A cursor journalctl refuses (journal vacuumed): the daemon goes on from the last entry's time, not in a loop.
    const cp = path.join(state, 'checkpoints.json');
    // The saved position carries the time of its entry: that is where a refused cursor goes on from.
    const lastEntryAt = (JSON.parse(readFileSync(cp, 'utf8')) as { journal: { since?: number } }).journal.since;
    expect(lastEntryAt).toBeTypeOf('number');
    writeFileSync(cp, readFileSync(cp, 'utf8').replace(/"cursor":"[^"]*"/, '"cursor":"s=gone;i=1"'));
    d = startDaemon(['--config', config, '--root', root, '--state-dir', state], env);
    await ready(d, state);
    await waitFor('cursor refused', () => /refused the saved cursor/.test(d.stderr()), 10000, d);
    await sleep(500);
    appendFileSync(exportFile, entry(oom(106), { __REALTIME_TIMESTAMP: String(Date.now() * 1000 + 5_000_000) }));
    await waitFor('entry after fallback', () => readEvents(state).length === 6, 10000, d);
    expect((await d.stop()).code).toBe(0);
    const calls = readFileSync(argsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    // Each start reads to the end of the journal once (every boot), then follows from the last entry read.
    expect(calls[0]).toEqual(expect.arrayContaining(['-o', 'json', '--quiet']));
    expect(calls[0]).not.toContain('--follow');
    expect(calls[1]).toEqual(expect.arrayContaining(['-o', 'json', '--quiet', '--follow', '--no-tail']));
    expect(calls[0]!.slice(-4)).toEqual(['_SYSTEMD_UNIT=docker.service', '_SYSTEMD_UNIT=containerd.service', '+', '_TRANSPORT=kernel']);
    const resumed = resumeCalls.filter((c) => c.includes(`--after-cursor=${cursor};b=boot`));
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).not.toContain('--follow');
    const refused = calls.findIndex((c) => c.includes('--after-cursor=s=gone;i=1'));
    expect(calls[refused + 1]).toContain(`--since=@${Math.floor(lastEntryAt! / 1000)}`);
  });

  it('status shows positions, lag and sink health; validate checks config and rules', async () => {
    const { base, root, state, log, config } = setup();
    const d = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    await ready(d, state);
    appendFileSync(log, failLine('s1') + '\n');
    await waitFor('event', () => readEvents(state).length === 1, 10000, d);
    await sleep(500);
    // One daemon per state directory.
    const second = startDaemon(['--config', config, '--root', root, '--state-dir', state]);
    expect((await second.exited).code).toBe(3); // locked: could not run
    expect(second.stderr()).toMatch(/another ecs-triage watch \(pid \d+\) uses this state directory/);
    const running = await cli(['status', '--state-dir', state]);
    expect(running.code).toBe(0);
    expect(running.stdout).toMatch(/ecs-triage watch: running/);
    expect(running.stdout).toMatch(/\/var\/log\/ecs\/ecs-agent\.log\s+ecs-agent\s+\d+\s+\d+\s+0\s/);
    expect(running.stdout).toMatch(/file\s+yes\s+1\s/);
    expect((await d.stop()).code).toBe(0);
    const stopped = await cli(['status', '--state-dir', state, '--format', 'json']);
    expect(stopped.code).toBe(1);
    const j = JSON.parse(stopped.stdout);
    expect(j.state).toBe('stopped');
    expect(j.sources[0]).toMatchObject({ name: '/var/log/ecs/ecs-agent.log', lagBytes: 0 });

    expect((await cli(['validate', '--config', config])).code).toBe(0);
    const bad = path.join(base, 'bad.yaml');
    writeFileSync(bad, 'aggregate:\n  windowMs: soon\n');
    const v = await cli(['validate', '--config', bad]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/bad\.yaml: aggregate\.windowMs: expected a duration/);
    const brokenRules = path.join(base, 'rules');
    mkdirSync(brokenRules);
    writeFileSync(path.join(brokenRules, 'x.yaml'), 'family: x\nrules: [{id: x}]\n');
    const r = await cli(['validate', '--config', config, '--patterns', brokenRules]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.yaml/);
  });
});
