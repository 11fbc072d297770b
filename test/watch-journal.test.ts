// Issue 10.1: journal entries written while the daemon was down must survive a reboot. On systemd >= 250
// `journalctl --follow` reads only the current boot, so resuming from a cursor taken in the previous boot
// skipped the rest of that boot (the unit stops before docker.service, so the last dockerd lines and the
// kernel's OOM kill are exactly there). The stand-in journalctl emulates the boot filter of each release
// (test/fake-journalctl); the system test (test/system) checks the same across a real reboot of systemd 252.
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readEvents, ready, sleep, startDaemon, tmp, waitFor, writeConfig, killDaemons } from './helpers/index.js';

const dockerLine = (host: string): string =>
  `time="2026-11-23T10:00:00.000000000Z" level=error msg="Handler for GET /v1.41/distribution/${host}/app:1/json returned error: Get \\"https://${host}/v2/app/manifests/1\\": context deadline exceeded"`;
const oomLine = (pid: number): string =>
  `Memory cgroup out of memory: Killed process ${pid} (java) total-vm:5423180kB, anon-rss:1046984kB, file-rss:20412kB, shmem-rss:0kB, UID:0 pgtables:2508kB oom_score_adj:0`;

function journal(base: string): { exportFile: string; argsLog: string; bin: string; add: (boot: string, kind: 'docker' | 'kernel' | 'other', message: string) => void } {
  const bin = path.join(base, 'bin');
  mkdirSync(bin);
  symlinkSync(path.resolve('test/fake-journalctl'), path.join(bin, 'journalctl'));
  const exportFile = path.join(base, 'journal.json');
  writeFileSync(exportFile, '');
  let seq = 0;
  const add = (boot: string, kind: 'docker' | 'kernel' | 'other', message: string): void => {
    seq++;
    const who =
      kind === 'docker'
        ? { _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'dockerd', _SYSTEMD_UNIT: 'docker.service', PRIORITY: '6' }
        : kind === 'kernel'
          ? { _TRANSPORT: 'kernel', SYSLOG_IDENTIFIER: 'kernel', PRIORITY: '3' }
          : { _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'sshd', _SYSTEMD_UNIT: 'sshd.service', PRIORITY: '6' };
    appendFileSync(
      exportFile,
      JSON.stringify({ __CURSOR: `s=f00d;i=${seq.toString(16)};b=${boot}`, __REALTIME_TIMESTAMP: String(Date.now() * 1000 + seq), _BOOT_ID: boot, ...who, MESSAGE: message }) + '\n',
    );
  };
  return { exportFile, argsLog: path.join(base, 'journal-args.log'), bin, add };
}

const hostsOf = (state: string): string[] => readEvents(state).map((e) => String(e.fields.host ?? `pid ${String(e.fields.pid)}`)).sort();

afterEach(killDaemons);

describe('watch: the journal across a reboot', () => {
  for (const version of ['219', '252.5', '252.39']) {
    it(`delivers what was logged between the daemon's stop and the reboot (journalctl of systemd ${version})`, async () => {
      const base = tmp();
      const root = path.join(base, 'root');
      const state = path.join(base, 'state');
      mkdirSync(root);
      const config = writeConfig(path.join(base, 'etc'), 'aggregate:\n  keyFields: [host, pid]\n');
      writeFileSync(config, readFileSync(config, 'utf8').replace('enabled: "off"', 'enabled: "on"\n  restartMinMs: 100'));
      const j = journal(base);
      const env = (boot: string) => ({ PATH: `${j.bin}:${process.env.PATH}`, FAKE_JOURNAL_EXPORT: j.exportFile, FAKE_JOURNAL_ARGS_LOG: j.argsLog, FAKE_JOURNAL_BOOT_ID: boot, FAKE_JOURNALCTL_VERSION: version });
      const bootA = 'a'.repeat(32);
      const bootB = 'b'.repeat(32);

      j.add(bootA, 'docker', dockerLine('before.example.com'));
      j.add(bootA, 'other', 'Accepted publickey for ec2-user');
      let d = startDaemon(['--config', config, '--root', root, '--state-dir', state, '--from-beginning'], env(bootA));
      await ready(d, state);
      await waitFor('first event', () => readEvents(state).length === 1, 10000, d);
      expect((await d.stop()).code).toBe(0);

      // The daemon is stopped first at shutdown; dockerd and the kernel go on logging in the same boot.
      for (let i = 0; i < 4; i++) j.add(bootA, 'docker', dockerLine(`down-${i}.example.com`));
      j.add(bootA, 'kernel', oomLine(4242));
      // Reboot: the new boot logs before the daemon starts again.
      j.add(bootB, 'docker', dockerLine('next-boot.example.com'));
      d = startDaemon(['--config', config, '--root', root, '--state-dir', state], env(bootB));
      await ready(d, state);
      await waitFor('backlog of the previous boot', () => readEvents(state).length >= 7, 10000, d).catch(() => {});
      j.add(bootB, 'kernel', oomLine(777)); // followed while running
      await waitFor('followed entry', () => readEvents(state).length >= 8, 10000, d).catch(() => {});
      await sleep(300);
      expect((await d.stop()).code).toBe(0);
      expect(hostsOf(state)).toEqual(
        ['before.example.com', 'down-0.example.com', 'down-1.example.com', 'down-2.example.com', 'down-3.example.com', 'next-boot.example.com', 'pid 4242', 'pid 777'].sort(),
      );
      expect(d.stderr()).not.toMatch(/journalctl stopped/);
    });
  }
});
