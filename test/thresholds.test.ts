// Host-check thresholds are configurable everywhere the checks run: `check` and `scan` flags, `watch` config keys.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config.js';
import type { ScanReport } from '../src/report/schema.js';
import { FIXTURE_HOSTS, runCli } from './helpers/cli.js';

describe('host-check thresholds', () => {
  it('scan takes the same threshold flags as check', async () => {
    // The demo host's volume is 35 % used: under the defaults, over these.
    const root = path.join(FIXTURE_HOSTS, 'ecr-auth-denied');
    const plain = JSON.parse((await runCli(['scan', '--root', root, '--format', 'json'])).stdout) as ScanReport;
    expect(plain.findings.map((f) => f.category)).not.toContain('disk_pressure');
    const low = JSON.parse((await runCli(['scan', '--root', root, '--format', 'json', '--warn-percent', '20', '--error-percent', '30'])).stdout) as ScanReport;
    expect(low.findings.find((f) => f.category === 'disk_pressure')).toMatchObject({ severity: 'error' });
    const bad = await runCli(['scan', '--root', root, '--warn-percent', '95', '--error-percent', '90']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--warn-percent/);
  });

  it('watch reads them from checks.* and names the key when they contradict each other', () => {
    const cfg = buildConfig({ checks: { diskWarnPercent: 70, maxLogBytes: '2GiB', maxLogSharePercent: 25 } });
    expect(cfg.checks).toMatchObject({ diskWarnPercent: 70, diskErrorPercent: 90, maxLogBytes: 2 * 1024 ** 3, maxLogSharePercent: 25 });
    expect(() => buildConfig({ checks: { inodeWarnPercent: 95 } }, {}, '/etc/ecs-triage/config.yaml')).toThrow(
      '/etc/ecs-triage/config.yaml: checks.inodeWarnPercent: must not be above checks.inodeErrorPercent (90)',
    );
    expect(() => buildConfig({ checks: { diskErrorPercent: 150 } })).toThrow(/checks\.diskErrorPercent/);
  });
});
