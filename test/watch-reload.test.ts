// SIGHUP applies every key declared `live` (src/config/keys.ts) to the running daemon — host-check thresholds,
// logLevel, status and checkpoint timings, checks.enabled — and names the others, as a real process.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { failLine, readEvents, ready, startDaemon, tmp, waitFor } from './helpers/index.js';

function statusOf(state: string): { intervalMs: number; checks?: { lastRunAt?: string } } {
  return JSON.parse(readFileSync(path.join(state, 'status.json'), 'utf8')) as { intervalMs: number; checks?: { lastRunAt?: string } };
}

/** Fast timings, the file sink, no journal; `extra` is merged section by section. */
function config(extra: Record<string, unknown> = {}): string {
  const base: Record<string, Record<string, unknown> | unknown> = {
    sinks: ['file'],
    tail: { pollIntervalMs: 300 },
    checkpoints: { intervalMs: 100 },
    status: { intervalMs: 200 },
    journal: { enabled: 'off' },
    checks: { intervalMs: '1s' },
  };
  for (const [k, v] of Object.entries(extra)) {
    const b = base[k];
    base[k] = b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  return stringify(base);
}

describe('watch reload (SIGHUP)', () => {
  it('applies new host-check thresholds, logLevel, timings and checks.enabled, and names what needs a restart', async () => {
    const base = tmp();
    const root = path.join(base, 'root');
    const state = path.join(base, 'state');
    mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
    mkdirSync(path.join(root, '.ecs-triage'), { recursive: true });
    const log = path.join(root, 'var/log/ecs/ecs-agent.log');
    writeFileSync(log, '');
    // The one filesystem is 35 % used: under the default thresholds, over 20/30.
    const mount = { bsize: 4096, blocks: 100_000, bfree: 65_000, bavail: 65_000, files: 100_000, ffree: 90_000 };
    writeFileSync(path.join(root, '.ecs-triage/statfs.json'), JSON.stringify({ mounts: { '/': mount } }));
    const cfg = path.join(base, 'config.yaml');
    writeFileSync(cfg, config());

    const d = startDaemon(['--config', cfg, '--root', root, '--state-dir', state]);
    await ready(d, state);
    await waitFor('a host-check run', () => statusOf(state).checks?.lastRunAt !== undefined, 10_000, d);
    appendFileSync(log, failLine('one') + '\n');
    await waitFor('event', () => readEvents(state).length === 1, 10_000, d);
    expect(readEvents(state).filter((e) => e.kind === 'check')).toEqual([]);
    expect(d.stderr()).not.toMatch(/level=debug/);

    writeFileSync(
      cfg,
      config({ checks: { diskWarnPercent: 20, diskErrorPercent: 30 }, logLevel: 'debug', sinks: ['file', 'stdout'], start: { at: 'beginning' }, status: { intervalMs: 300 } }),
    );
    d.proc.kill('SIGHUP');
    await waitFor('reload', () => /reload: applied/.test(d.stderr()), 10_000, d);
    expect(d.stderr()).toMatch(/msg="reload: applied" keys="logLevel,checks\.diskWarnPercent,checks\.diskErrorPercent,status\.intervalMs"/);
    expect(d.stderr()).toMatch(/level=warn msg="reload: these settings take effect after a restart" keys=sinks/);
    expect(d.stderr()).toMatch(/msg="reload: these settings apply only to a first start.*" keys=start\.at/);
    // The thresholds the daemon now judges by: the disk is an error at 35 %.
    await waitFor('a disk_pressure event', () => readEvents(state).some((e) => e.kind === 'check' && e.ruleId === 'host-disk-pressure'), 10_000, d);
    expect(readEvents(state).find((e) => e.kind === 'check')).toMatchObject({ fields: { path: '/' } });
    await waitFor('status interval', () => statusOf(state).intervalMs === 300, 5000, d);
    // Debug lines now: a rotation opens a new file.
    renameSync(log, `${log}.1`);
    writeFileSync(log, failLine('two') + '\n');
    await waitFor('debug line', () => /level=debug msg="file opened"/.test(d.stderr()), 10_000, d);
    await waitFor('event two', () => readEvents(state).some((e) => /app:two/.test(e.line ?? '')), 10_000, d);

    // checks.enabled: false stops the schedule (no checks section in the status any more).
    writeFileSync(cfg, config({ checks: { enabled: false } }));
    d.proc.kill('SIGHUP');
    await waitFor('checks stopped', () => statusOf(state).intervalMs === 200 && statusOf(state).checks === undefined, 10_000, d);
    expect((await d.stop()).code).toBe(0);
  });

  it('keeps the running configuration when the new file is invalid', async () => {
    const base = tmp();
    const root = path.join(base, 'root');
    const state = path.join(base, 'state');
    mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
    writeFileSync(path.join(root, 'var/log/ecs/ecs-agent.log'), '');
    const cfg = path.join(base, 'config.yaml');
    writeFileSync(cfg, config({ checks: { enabled: false } }));
    const d = startDaemon(['--config', cfg, '--root', root, '--state-dir', state]);
    await ready(d, state);
    writeFileSync(cfg, config({ checks: { enabled: false }, aggregate: { windowMs: 'soon' } }));
    d.proc.kill('SIGHUP');
    await waitFor('refused', () => /reload: config is invalid; keeping the running config.*aggregate\.windowMs: expected a duration/.test(d.stderr()), 10_000, d);
    expect(d.proc.exitCode).toBeNull();
    expect((await d.stop()).code).toBe(0);
  });
});
