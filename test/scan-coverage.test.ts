// A scan that could not look is never an all-clear: no ECS agent log (a wrong --root, not an ECS instance,
// no permission) gives status `unknown` at the top of every format and exit 3; files a non-root run may not
// read are named at the top with the sudo that fixes it.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanReport } from '../src/report/schema.js';
import type { ScanSummary } from '../src/types.js';
import { runCli, tmp } from './helpers/index.js';

const AGENT_ERROR = 'level=error time=2026-11-23T09:00:00Z msg="Error pulling image" error="dial tcp 52.1.2.3:443: i/o timeout"';
const AGENT_INFO = 'level=info time=2026-11-23T09:00:00Z msg="Task status changed" knownStatus=RUNNING';
const nobody = { uid: 65534, gid: 65534 };
const asRoot = process.getuid?.() === 0;

/** A host root nobody may enter, with the given files (mode 0644 unless given). */
function host(files: Record<string, { text: string; mode?: number }>, dirModes: Record<string, number> = {}): string {
  const root = tmp('ecs-triage-coverage-');
  chmodSync(root, 0o755);
  for (const [p, f] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), f.text + '\n');
    chmodSync(path.join(root, p), f.mode ?? 0o644);
  }
  for (const d of ['var', 'var/log', 'var/log/ecs']) {
    mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, d), dirModes[d] ?? 0o755);
  }
  return root;
}

/** The report's first lines, each with its wrapped continuation lines joined back. */
function top(text: string, n = 6): string[] {
  return text.replace(/\n {2}(?=[^\s-])/g, ' ').split('\n').slice(0, n);
}

async function scan(root: string, opts: { uid?: number; gid?: number } = {}) {
  const args = ['scan', '--root', root, '--no-checks'];
  const [text, json, summary] = await Promise.all([
    runCli(args, { ...opts, env: { COLUMNS: '' } }),
    runCli([...args, '--format', 'json'], opts),
    runCli([...args, '--format', 'summary'], opts),
  ]);
  return { text, report: JSON.parse(json.stdout) as ScanReport, summary: JSON.parse(summary.stdout) as ScanSummary, codes: [text.code, json.code, summary.code] };
}

describe('a scan that read no ECS agent log', () => {
  it('a root without /var/log/ecs (wrong --root, not an ECS instance): UNKNOWN at the top, every format, exit 3', async () => {
    const root = host({});
    const r = await scan(root);
    expect(r.codes).toEqual([3, 3, 3]);
    const lines = top(r.text.stdout);
    expect(lines[2]).toBe('Status: UNKNOWN — nothing found, but the host was not checked.');
    expect(lines[3]).toMatch(/^NOT CHECKED: no ECS agent log found in \S+\/var\/log\/ecs\.$/);
    expect(lines[4]).toMatch(/^Hint: --root is the directory that stands for the host's/);
    expect(r.text.stdout).not.toMatch(/Status: OK/);
    expect(r.report.status).toBe('unknown');
    expect(r.report.coverage).toMatchObject({ agentLogs: { found: 0, read: 0 }, blind: expect.stringMatching(/^no ECS agent log found/) });
    expect(r.summary).toMatchObject({ status: 'unknown', blind: expect.stringMatching(/^no ECS agent log found/) });
  });

  it('findings without an agent log are still an answer: their status, the warning at the top, exit 1', async () => {
    const root = host({ 'var/log/docker': { text: 'time="2026-11-23T09:00:00Z" level=error msg="write /var/lib/docker/tmp/x: no space left on device"' } });
    const r = await scan(root);
    expect(r.codes).toEqual([1, 1, 1]);
    expect(r.report.status).toBe('critical');
    expect(top(r.text.stdout)[3]).toMatch(/^NOT CHECKED: no ECS agent log found/);
    expect(r.summary.blind).toMatch(/^no ECS agent log found/);
  });

  it.runIf(asRoot)('/var/log/ecs that a non-root user may not list: the sudo hint at the top, exit 3', async () => {
    const root = host({ 'var/log/ecs/ecs-agent.log': { text: AGENT_ERROR } }, { 'var/log/ecs': 0o700 });
    const r = await scan(root, nobody);
    expect(r.codes).toEqual([3, 3, 3]);
    const head = top(r.text.stdout);
    expect(head[2]).toMatch(/Status: UNKNOWN/);
    expect(head[3]).toBe('NOT CHECKED: no ECS agent log could be read: /var/log/ecs cannot be listed (permission denied).');
    expect(head[4]).toBe(`Hint: run it as root: sudo ecs-triage scan --root ${root}`);
    expect(r.report.coverage.denied).toEqual(['/var/log/ecs']);
  });

  it.runIf(asRoot)('an agent log a non-root user may not read: the same', async () => {
    const root = host({ 'var/log/ecs/ecs-agent.log': { text: AGENT_ERROR, mode: 0o600 } });
    const r = await scan(root, nobody);
    expect(r.codes).toEqual([3, 3, 3]);
    expect(r.report.status).toBe('unknown');
    expect(r.report.coverage).toMatchObject({ agentLogs: { found: 1, read: 0 }, denied: ['/var/log/ecs/ecs-agent.log'] });
    expect(top(r.text.stdout).slice(3, 5)).toEqual([
      'NOT CHECKED: no ECS agent log could be read (/var/log/ecs/ecs-agent.log: EACCES: permission denied).',
      `Hint: run it as root: sudo ecs-triage scan --root ${root}`,
    ]);
  });
});

describe('a scan that read the agent log but not everything', () => {
  it.runIf(asRoot)('names the refused files and the sudo hint in the header, keeps its status and exit code', async () => {
    const root = host({
      'var/log/ecs/ecs-agent.log': { text: AGENT_INFO },
      'var/log/messages': { text: 'Nov 23 09:00:00 ip-10-0-0-1 kernel: Out of memory: Killed process 4242 (java)', mode: 0o600 },
    });
    const r = await scan(root, nobody);
    expect(r.codes).toEqual([0, 0, 0]);
    expect(r.report.status).toBe('ok');
    expect(top(r.text.stdout).slice(2, 5)).toEqual([
      'Status: OK — no known failure cause.',
      'Permission denied: /var/log/messages; what they hold is not in this report.',
      `Hint: run it as root: sudo ecs-triage scan --root ${root}`,
    ]);
    expect(r.report.coverage).toMatchObject({ agentLogs: { found: 1, read: 1 }, denied: ['/var/log/messages'] });
    expect(r.report.coverage.blind).toBeUndefined();
  });

  it('a complete scan says nothing of the kind', async () => {
    const root = host({ 'var/log/ecs/ecs-agent.log': { text: AGENT_INFO } });
    const r = await scan(root);
    expect(r.codes).toEqual([0, 0, 0]);
    expect(r.text.stdout).not.toMatch(/NOT CHECKED|Permission denied|Hint:/);
    expect(r.report.coverage).toEqual({ agentLogs: { found: 1, read: 1 }, denied: [] });
    expect(r.summary.blind).toBeUndefined();
  });
});
