// The daemon as it runs on an instance: installed by the SSM Install document's own script from an HTTPS
// artifact bucket, started as the real hardened unit by systemd 252 (PID 1) with a real journald, fed by a
// docker.service, the agent log and the kernel, and checked through its file sink: every event exactly once
// across a restart, a kill -9, a journald restart and a reboot; `status` exit codes; the journal priorities;
// reload; and the Install document failing, with the daemon's own error, when the daemon cannot start.
// The harness and what it does that an instance would not: test/system/harness/machine.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileDocument } from '../servers/ssm.js';
import { ARTIFACT_HOST, ARTIFACT_ROOT, Machine } from './harness/machine.js';
import { Feeder, sinkEvents, tally, type Fed } from './feed.js';

const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
const BUNDLE = readFileSync('dist/ecs-triage.mjs');
const UNIT = 'ecs-triage.service';
const STATE = '/var/lib/ecs-triage';
/** The shipped config with the file sink instead of CloudWatch (nothing reaches AWS); every other key as shipped. */
const WORKING_CONFIG = readFileSync('systemd/config.yaml', 'utf8').replace(/^sinks: \[cloudwatch\]$/m, 'sinks: [file]');
/** How long delivery may take: the agent log is followed with the default 10 s safety poll. */
const DELIVERY_MS = 60_000;

let m: Machine;
let feed: Feeder;
/** Lines written while the daemon was stopped for the reboot. */
let down: Fed[] = [];
const log = (s: string): void => void process.stderr.write(`[system] ${s}\n`);

function install(): { status: number | null; stdout: string; stderr: string } {
  const docs = { 'ecs-triage-Install': JSON.parse(readFileSync('ssm/ecs-triage-Install.json', 'utf8')) };
  const params = {
    BundleSource: [`https://${ARTIFACT_HOST}/ecs-triage/${VERSION}/ecs-triage.mjs`],
    Version: [VERSION],
    Sha256: [createHash('sha256').update(BUNDLE).digest('hex')],
  };
  const { script } = compileDocument('ecs-triage-Install', params, docs);
  const t0 = Date.now();
  const r = m.runScript(script);
  log(`Install exited ${r.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

function prop(name: string): string {
  return m.exec(['systemctl', 'show', UNIT, '-p', name, '--value']).stdout.trim();
}

function status(): { code: number | null; out: string } {
  const r = m.exec(['ecs-triage', 'status'], { check: false });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Waits until every fed line has an event, then a little longer for a repeat to show. */
async function expectExactlyOnce(fed: readonly Fed[], what: string, waitMs = DELIVERY_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  let t = tally(fed, sinkEvents(m, STATE));
  while (t.missing.length && Date.now() < deadline) {
    await sleep(500);
    t = tally(fed, sinkEvents(m, STATE));
  }
  await sleep(2000);
  t = tally(fed, sinkEvents(m, STATE));
  expect(t.missing.map((f) => `${f.origin} ${f.key}`), `${what}: lines with no event`).toEqual([]);
  expect(t.repeated, `${what}: lines with more than one event`).toEqual([]);
  expect(t.duplicateIds, `${what}: event ids sent twice`).toEqual([]);
}

async function waitActive(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (prop('ActiveState') !== 'active') {
    if (Date.now() > deadline) throw new Error(`${UNIT} not active: ${prop('ActiveState')}/${prop('SubState')}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  m = await Machine.create({ log });
  m.writeFile(`${ARTIFACT_ROOT}/ecs-triage/${VERSION}/ecs-triage.mjs`, BUNDLE);
  m.useBootIdIn(UNIT);
  await m.boot();
  log(`machine ${m.name} up in ${((Date.now() - t0) / 1000).toFixed(1)} s (systemd ${m.exec(['systemctl', '--version']).stdout.split('\n')[0]})`);
  feed = new Feeder(m);
});

afterAll(async () => {
  await m?.destroy();
});

describe.sequential('ecs-triage under systemd 252 and journald (systemd-nspawn)', () => {
  it('Install fails with the daemon\'s own error when the daemon cannot start (default config, no Region, no IMDS)', () => {
    const r = install();
    expect(r.status, r.stdout + r.stderr).toBe(14);
    expect(r.stdout).not.toMatch(/service (re)?started/);
    expect(r.stderr).toContain('no AWS region: not in the config file, not in AWS_REGION, and IMDS did not answer');
    expect(r.stderr).toContain('hint: set cloudwatch.region');
    // The daemon wrote it at priority err, so journalctl -p err finds it.
    const errs = m.exec(['journalctl', '-u', UNIT, '-t', 'ecs-triage', '-p', 'err', '-o', 'json', '--no-pager']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(errs.map((e) => [e.PRIORITY, e.MESSAGE])).toContainEqual(['3', expect.stringMatching(/^ecs-triage: .*no AWS region/)]);
    log(`Install said:\n${r.stderr}`);
    expect(prop('ActiveState')).not.toBe('active');
  });

  it('with a working config, Install starts the real unit, which waits for READY=1 and keeps its hardening', async () => {
    // Local environment for the service (EnvironmentFile=-/etc/sysconfig/ecs-triage), in place before the
    // config that lets the daemon start.
    m.writeFile('/etc/sysconfig/ecs-triage', 'ECS_TRIAGE_SYSTEM_TEST_MARK=from-sysconfig\n');
    m.writeFile('/etc/ecs-triage/config.yaml', WORKING_CONFIG);
    // Lines written before the first start: read from the beginning of the last two hours (start.since 2h).
    feed.all(2);
    const r = install();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // systemd keeps restarting the failed unit every RestartSec (Restart=on-failure): one of those restarts may
    // have picked up the new config before Install ran.
    expect(r.stdout).toMatch(new RegExp(`ecs-triage ${VERSION}: service (started|already running, unchanged)`));
    expect(prop('Type')).toBe('notify');
    expect(prop('ActiveState')).toBe('active');
    const pid = prop('MainPID');
    expect(m.exec(['cat', `/proc/${pid}/environ`]).stdout.split('\0')).toContain('ECS_TRIAGE_SYSTEM_TEST_MARK=from-sysconfig');
    const st = m.exec(['cat', `/proc/${pid}/status`]).stdout;
    // Only CAP_DAC_READ_SEARCH (bit 2), no new privileges, a seccomp filter.
    expect(/^CapEff:\s+(\S+)/m.exec(st)?.[1]).toBe('0000000000000004');
    expect(/^NoNewPrivs:\s+(\d)/m.exec(st)?.[1]).toBe('1');
    expect(/^Seccomp:\s+(\d)/m.exec(st)?.[1]).toBe('2');
    // Read-only system, writable state directory, as the unit's own processes see them.
    const inside = (cmd: string): number | null => m.exec(['nsenter', '-t', pid, '-m', '--', 'sh', '-c', cmd], { check: false }).status;
    expect(inside('touch /usr/lib/ecs-triage-probe')).not.toBe(0);
    expect(inside(`touch ${STATE}/probe && rm ${STATE}/probe`)).toBe(0);
    await expectExactlyOnce(feed.fed, 'before the first start');
  });

  it('status: exit 0 while running and healthy', () => {
    const s = status();
    expect(s.out).toMatch(/^ecs-triage watch: running \(pid \d+/);
    expect(s.code, s.out).toBe(0);
  });

  it('every event exactly once while running', async () => {
    feed.all(3);
    await expectExactlyOnce(feed.fed, 'running');
  });

  it('every event exactly once across systemctl restart', async () => {
    const before = prop('MainPID');
    feed.all(2);
    m.exec(['systemctl', 'restart', UNIT]);
    expect(prop('MainPID')).not.toBe(before);
    feed.all(2);
    await expectExactlyOnce(feed.fed, 'restart');
  });

  it('every event exactly once across systemctl kill -s KILL (systemd restarts it after RestartSec)', async () => {
    feed.all(2);
    const restarts = Number(prop('NRestarts'));
    m.exec(['systemctl', 'kill', '-s', 'KILL', UNIT]);
    // Killed: status says the process is gone (exit 1) until systemd starts it again.
    await sleep(500);
    const s = status();
    expect(s.code, s.out).toBe(1);
    expect(s.out).toMatch(/not running \(no clean shutdown recorded\)/);
    feed.all(2);
    await sleep(6000);
    await waitActive();
    expect(Number(prop('NRestarts'))).toBe(restarts + 1);
    feed.all(1);
    await expectExactlyOnce(feed.fed, 'kill -9');
  });

  it('every event exactly once across a journald restart', async () => {
    feed.all(1);
    m.exec(['systemctl', 'restart', 'systemd-journald.service']);
    feed.all(2);
    await expectExactlyOnce(feed.fed, 'journald restart');
  });

  it('systemctl reload re-reads the config (SIGHUP) without a restart; its warning is filed at priority warning', async () => {
    const pid = prop('MainPID');
    const since = m.exec(['date', '+%Y-%m-%d %H:%M:%S']).stdout.trim();
    m.writeFile('/etc/ecs-triage/config.yaml', WORKING_CONFIG.replace(/^ {2}kernel: true$/m, '  kernel: false'));
    m.exec(['systemctl', 'reload', UNIT]);
    let warn: Array<{ PRIORITY: string; MESSAGE: string }> = [];
    for (let i = 0; i < 40 && !warn.length; i++) {
      await sleep(250);
      warn = m
        .exec(['journalctl', '-u', UNIT, '-t', 'ecs-triage', '--since', since, '-o', 'json', '--no-pager'])
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => String(e.MESSAGE).includes('take effect after a restart'));
    }
    // Restored first: a failed assertion below must not leave the kernel source off for the reboot tests.
    m.writeFile('/etc/ecs-triage/config.yaml', WORKING_CONFIG);
    m.exec(['systemctl', 'reload', UNIT]);
    expect(warn.map((e) => e.PRIORITY)).toEqual(['4']);
    expect(warn[0]!.MESSAGE).toMatch(/^level=warn msg="reload: these settings take effect after a restart" keys=journal\.kernel$/);
    expect(prop('MainPID')).toBe(pid);
    log(`systemd-analyze security, live: ${m.exec(['systemd-analyze', 'security', UNIT], { check: false }).stdout.trim().split('\n').pop()}`);
    feed.all(1);
    await expectExactlyOnce(feed.fed, 'reload');
  });

  it('agent-log lines written while the daemon was down are delivered exactly once after a reboot', async () => {
    const boot = m.bootId();
    m.exec(['systemctl', 'stop', UNIT]);
    const s = status();
    expect(s.code, s.out).toBe(1);
    expect(s.out).toMatch(/^ecs-triage watch: stopped/);
    down = [...feed.agent(2), ...feed.dockerd(2), ...feed.kernel(1)];
    const t0 = Date.now();
    await m.reboot();
    log(`reboot took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(m.bootId()).not.toBe(boot);
    await waitActive();
    feed.all(1);
    const agentOnly = feed.fed.filter((f) => !down.includes(f) || f.origin === 'agent');
    await expectExactlyOnce(agentOnly, 'reboot (agent log, and everything after the boot)');
  });

  it('journal lines (docker.service, kernel) written while the daemon was down are delivered exactly once after a reboot [issue 10 item 1]', async () => {
    // The test before waited for everything written after the boot: what is missing now is not coming.
    await expectExactlyOnce(down, 'reboot (journal written while down)', 5000);
  });

  it('after the reboot the service runs healthy again (enabled, Type=notify), status exit 0', () => {
    expect(prop('UnitFileState')).toBe('enabled');
    const s = status();
    expect(s.code, s.out).toBe(0);
  });

  it('Install does not call a daemon that dies seconds after READY=1 started: it waits past RestartSec and sees the restart', () => {
    // Injected fault: the daemon is killed 2 s after its start completed, at every start.
    const dropIn = `/etc/systemd/system/${UNIT}.d/95-test-dies-after-start.conf`;
    m.writeFile(dropIn, "[Service]\nExecStartPost=/bin/sh -c '(sleep 2; kill -9 $MAINPID) >/dev/null 2>&1 &'\n");
    m.exec(['systemctl', 'daemon-reload']);
    m.exec(['systemctl', 'stop', UNIT]);
    const r = install();
    expect(r.status, r.stdout + r.stderr).toBe(14);
    expect(r.stdout).not.toMatch(/service (re)?started/);
    // Which check sees it first depends on when the poll lands: in the restart delay, or after the restart.
    expect(r.stderr).toMatch(/did not stay up \(now activating\/auto-restart\)|was restarted after starting|restarted the service/);
    m.exec(['rm', '-f', dropIn]);
    m.exec(['systemctl', 'daemon-reload']);
    const again = install();
    expect(again.status, again.stdout + again.stderr).toBe(0);
    // systemd may have started it again on its own once the fault was gone.
    expect(again.stdout).toMatch(/service (started|already running, unchanged)/);
  });
});
