// scan's one-shot read of the live journal, through a stand-in journalctl that replays a recorded export.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLiveJournal } from '../src/sources/journal-once.js';
import type { LogRecord } from '../src/types.js';
import { FIXTURE_HOSTS, REPO } from './helpers/cli.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'journal-once-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('reading the live journal once', () => {
  it('asks for docker, containerd and the kernel as ORed matches, without --follow, and decodes every entry', async () => {
    const exportFile = path.join(FIXTURE_HOSTS, 'container-oom/journal/docker.json');
    const argsLog = path.join(tmp, 'args.jsonl');
    process.env.FAKE_JOURNAL_EXPORT = exportFile;
    process.env.FAKE_JOURNAL_ARGS_LOG = argsLog;
    const records: LogRecord[] = [];
    const summary = await readLiveJournal({ since: 0, command: path.join(REPO, 'test/fake-journalctl') }, (rec) => records.push(rec));
    delete process.env.FAKE_JOURNAL_EXPORT;
    delete process.env.FAKE_JOURNAL_ARGS_LOG;
    const args = JSON.parse((await readFile(argsLog, 'utf8')).trim()) as string[];
    expect(args).toEqual(['-o', 'json', '--no-pager', '--quiet', '--since=@0', '_SYSTEMD_UNIT=docker.service', '_SYSTEMD_UNIT=containerd.service', '+', '_TRANSPORT=kernel']);
    // journalctl selects with the field matches (the stand-in applies them as journalctl does).
    const selected = (await readFile(exportFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e._SYSTEMD_UNIT === 'docker.service' || e._SYSTEMD_UNIT === 'containerd.service' || e._TRANSPORT === 'kernel');
    expect(summary?.lines).toBe(selected.length);
    expect(records.some((r) => r.source === 'kernel')).toBe(true);
    expect(records.some((r) => r.source === 'dockerd')).toBe(true);
  });

  it("a user who may not read the system's entries: the source is marked permission denied", async () => {
    const { writeFile, chmod } = await import('node:fs/promises');
    const fake = path.join(tmp, 'journalctl-as-user');
    // journalctl's notice for a user outside the systemd-journal and adm groups (systemd 252 wording); exit 0.
    await writeFile(fake, "#!/bin/sh\necho 'Hint: You are currently not seeing messages from other users and the system.' >&2\necho \"      Users in groups 'adm', 'systemd-journal', 'wheel' can see all messages.\" >&2\nexit 0\n");
    await chmod(fake, 0o755);
    const summary = await readLiveJournal({ since: 0, command: fake }, () => {});
    expect(summary?.error).toMatch(/^permission denied: journalctl shows this user only their own entries/);
    const { assessCoverage } = await import('../src/report/coverage.js');
    const agent = { file: '/var/log/ecs/ecs-agent.log', kind: 'ecs-agent' as const, bytes: 1, lines: 1, matched: 0, skipped: 0 };
    const cov = assessCoverage({ sources: [agent, summary!], problems: [], root: '/', live: true, uid: 1000 });
    expect(cov).toEqual({ agentLogs: { found: 1, read: 1 }, denied: ['journal:docker,containerd,kernel'], hint: 'run it as root: sudo ecs-triage scan' });
  });

  it('reports no journal when journalctl does not exist', async () => {
    expect(await readLiveJournal({ since: 0, command: path.join(tmp, 'no-such-journalctl') }, () => {})).toBeUndefined();
  });
});
