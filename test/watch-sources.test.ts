// The daemon's other inputs as a real process: host checks on a schedule (state changes and resolution),
// /var/log/docker followed where there is no journal, and --since on a first start.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvents, ready, startDaemon, tmp, waitFor, writeConfig } from './helpers/index.js';

const dockerLine = (time: string, host: string): string =>
  `time="${time}" level=error msg="Handler for GET /v1.41/distribution/${host}/app:1/json returned error: Get \\"https://${host}/v2/app/manifests/1\\": context deadline exceeded"`;

function statfs(root: string, usedPercent: number): void {
  const blocks = 1_000_000;
  const free = Math.round(blocks * (1 - usedPercent / 100));
  mkdirSync(path.join(root, '.ecs-triage'), { recursive: true });
  writeFileSync(
    path.join(root, '.ecs-triage/statfs.json'),
    JSON.stringify({ mounts: { '/': { bsize: 4096, blocks, bfree: free, bavail: free, files: 1_000_000, ffree: 900_000 } } }),
  );
}

describe('watch sources', () => {
  it('reports host checks on change and when resolved, follows /var/log/docker, and honours --since', async () => {
    const base = tmp();
    const root = path.join(base, 'root');
    const state = path.join(base, 'state');
    mkdirSync(path.join(root, 'var/log'), { recursive: true });
    statfs(root, 95);
    writeFileSync(
      path.join(root, 'var/log/docker'),
      dockerLine('2026-11-20T10:00:00.000000000Z', 'old.example.com') + '\n' + dockerLine('2026-11-23T10:00:00.000000000Z', 'new.example.com') + '\n',
    );
    const config = writeConfig(path.join(base, 'etc'));
    const fast = config.replace(/config\.yaml$/, 'fast.yaml');
    writeFileSync(fast, readFileSync(config, 'utf8').replace('checks:\n  enabled: false', 'checks:\n  enabled: true\n  intervalMs: 1s'));
    const d = startDaemon(['--config', fast, '--root', root, '--state-dir', state, '--since', '2026-11-22T00:00:00Z']);
    await ready(d, state);
    const kinds = (): string[] => readEvents(state).map((e) => `${e.kind}:${e.ruleId}`);
    await waitFor('disk check + docker line', () => readEvents(state).length >= 2, 15000, d);
    statfs(root, 40);
    await waitFor('resolved', () => kinds().some((k) => k.startsWith('resolved:')), 15000, d);
    expect((await d.stop()).code).toBe(0);

    const events = readEvents(state);
    const docker = events.filter((e) => e.kind === 'finding');
    expect(docker).toHaveLength(1);
    expect(docker[0]!.fields.host).toBe('new.example.com');
    const checks = events.filter((e) => e.kind !== 'finding').map((e) => `${e.kind}:${e.ruleId}`);
    expect(checks).toEqual(['check:host-disk-pressure', 'resolved:host-disk-pressure']);
  });
});
