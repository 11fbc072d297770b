// The shipped units: systemd-analyze verify accepts them with no warning, the hardening the service depends on
// is there, the Amazon Linux 2 variant uses only what systemd 219 understands, and the example config loads.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { runCliSync } from './helpers/index.js';

const MAIN = 'systemd/ecs-triage.service';
const AL2 = 'systemd/al2/ecs-triage.service';
const BIN = '/usr/local/bin/ecs-triage';

function directives(file: string): Array<{ section: string; key: string; value: string }> {
  let section = '';
  const out: Array<{ section: string; key: string; value: string }> = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    out.push({ section, key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return out;
}

const value = (file: string, key: string): string[] => directives(file).filter((d) => d.key === key).map((d) => d.value);

/**
 * verify needs ExecStart's binary to exist: the unit is copied with the binary path pointing at a stand-in,
 * everything else unchanged.
 */
function verify(unit: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-unit-'));
  const stand = path.join(dir, 'ecs-triage');
  writeFileSync(stand, '#!/bin/sh\nexit 0\n');
  chmodSync(stand, 0o755);
  const copy = path.join(dir, 'ecs-triage.service');
  writeFileSync(copy, readFileSync(unit, 'utf8').replaceAll(BIN, stand));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const haveAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const analyzeVersion = haveAnalyze
  ? Number(/^systemd (\d+)/.exec(spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? 0)
  : 0;

describe('systemd unit', () => {
  it.runIf(haveAnalyze)('passes systemd-analyze verify with no warning (AL2023 unit)', () => {
    const r = verify(MAIN);
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(haveAnalyze)('passes systemd-analyze verify (AL2 unit: only the MemoryLimit deprecation note of newer systemd)', () => {
    const r = verify(AL2);
    const lines = r.stderr.trim().split('\n').filter(Boolean);
    expect(lines.filter((l) => !/MemoryLimit=/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it.runIf(analyzeVersion >= 250)('scores "OK" (exposure below 3) in systemd-analyze security --offline', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-unit-'));
    const copy = path.join(dir, 'ecs-triage.service');
    writeFileSync(copy, readFileSync(MAIN, 'utf8').replaceAll(BIN, '/bin/true'));
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
    const m = /Overall exposure level for ecs-triage\.service: ([0-9.]+) (\w+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(3);
    expect(m![2]).toBe('OK');
  });

  it.runIf(haveAnalyze)('the check is real: verify reports an unknown key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-unit-'));
    const bad = path.join(dir, 'bad.service');
    writeFileSync(bad, '[Service]\nExecStart=/bin/true\nStateDirectoryy=x\n');
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', bad], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/Unknown key/);
  });

  it('runs watch as a restartable service, validating first, logging to the journal', () => {
    for (const unit of [MAIN, AL2]) {
      expect(value(unit, 'ExecStartPre')).toEqual([`${BIN} validate --config /etc/ecs-triage/config.yaml`]);
      expect(value(unit, 'ExecStart')).toEqual([`${BIN} watch --config /etc/ecs-triage/config.yaml`]);
      expect(value(unit, 'Restart')).toEqual(['on-failure']);
      expect(value(unit, 'StandardOutput')).toEqual(['journal']);
      expect(value(unit, 'StandardError')).toEqual(['journal']);
      expect(value(unit, 'WantedBy')).toEqual(['multi-user.target']);
      expect(value(unit, 'CapabilityBoundingSet')).toEqual(['CAP_DAC_READ_SEARCH']);
      expect(value(unit, 'NoNewPrivileges')).toEqual(['yes']);
      expect(value(unit, 'CPUQuota')).toEqual(['25%']);
      // Node's JIT needs W+X memory.
      expect(value(unit, 'MemoryDenyWriteExecute')).toEqual([]);
    }
  });

  it('AL2023 unit: strict read-only system, a state directory, a hard memory cap', () => {
    expect(value(MAIN, 'ProtectSystem')).toEqual(['strict']);
    expect(value(MAIN, 'StateDirectory')).toEqual(['ecs-triage']);
    expect(value(MAIN, 'ReadWritePaths')).toEqual(['/var/lib/ecs-triage']);
    expect(value(MAIN, 'MemoryMax')).toEqual(['256M']);
    // What it must still read stays readable: nothing makes these inaccessible.
    const text = readFileSync(MAIN, 'utf8');
    expect(text).not.toMatch(/InaccessiblePaths=.*(\/var\/log|\/var\/lib\/docker)/);
    expect(value(MAIN, 'ReadOnlyPaths')[0]).toContain('-/var/lib/docker/containers');
    expect(value(MAIN, 'ReadOnlyPaths')[0]).toContain('-/var/log/ecs');
  });

  it('AL2 unit uses only directives systemd 219 knows', () => {
    // From systemd.exec/service/unit(5) "added in version" notes (facts sheet section 9): everything here predates 219.
    const known219 = new Set([
      'Description', 'After', 'Wants', 'Type', 'Environment', 'ExecStartPre', 'ExecStart', 'Restart', 'RestartSec',
      'StartLimitInterval', 'StartLimitBurst', 'KillMode', 'TimeoutStopSec', 'StandardOutput', 'StandardError',
      'SyslogIdentifier', 'WorkingDirectory', 'UMask', 'ProtectSystem', 'ReadWriteDirectories', 'ReadOnlyDirectories',
      'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'NoNewPrivileges', 'CapabilityBoundingSet', 'RestrictAddressFamilies',
      'SystemCallArchitectures', 'MemoryLimit', 'CPUQuota', 'Nice', 'IOSchedulingClass', 'IOSchedulingPriority',
      'LimitNOFILE', 'WantedBy',
    ]);
    const used = directives(AL2).map((d) => d.key);
    expect(used.filter((k) => !known219.has(k))).toEqual([]);
    expect(value(AL2, 'ProtectSystem')).toEqual(['full']);
    // 219 rejects StartLimitIntervalSec in [Unit]; it reads StartLimitInterval in [Service].
    expect(directives(AL2).find((d) => d.key === 'StartLimitInterval')?.section).toBe('Service');
  });

  it("both units give Node the same heap limits, and Node accepts them from NODE_OPTIONS", () => {
    // systemd strips the quotes of Environment="NODE_OPTIONS=a b"; a V8 option Node refuses in NODE_OPTIONS
    // would stop every start of the daemon.
    const options = (file: string): string =>
      value(file, 'Environment').map((v) => v.replace(/^"(.*)"$/, '$1')).find((v) => v.startsWith('NODE_OPTIONS='))!.slice('NODE_OPTIONS='.length);
    expect(options(AL2)).toBe(options(MAIN));
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: options(MAIN) },
    });
    expect(r.stderr).toBe('');
    // heap_size_limit = old space + young generation (three semi-spaces in V8 11): 160 MB + 3 × 2 MB.
    expect(Number(r.stdout) / 1048576).toBe(160 + 3 * 2);
  });

  it('the example config loads with the real config reader', async () => {
    const loaded = await loadConfig({ file: 'systemd/config.yaml', env: {} });
    expect(loaded.config.sinks).toEqual(['cloudwatch']);
    expect(loaded.config.stateDir).toBe('/var/lib/ecs-triage');
    expect(readFileSync('systemd/config.yaml', 'utf8')).not.toMatch(/\{\{/);
  });

  it("the unit's ExecStartPre accepts the example config (the real bundle's validate)", () => {
    const pre = value(MAIN, 'ExecStartPre')[0]!.split(' ');
    expect(pre.slice(1)).toEqual(['validate', '--config', '/etc/ecs-triage/config.yaml']);
    const r = runCliSync(['validate', '--config', 'systemd/config.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.runIf(haveAnalyze)('systemd-analyze is the real one', () => {
    expect(execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' })).toMatch(/^systemd \d+/);
  });
});
