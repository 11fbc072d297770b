// `scan` of a big file in pieces taken by the main thread and worker threads in turn (src/scan/parallel.ts),
// through the bundle (workers run only from it): the report is the same as from one thread, line numbers and
// representative lines included, whichever thread took which piece.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { ScanReport } from '../src/report/schema.js';
import { runCli } from './helpers/cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'scan-par-'));
  await mkdir(path.join(root, 'var/log/ecs'), { recursive: true });
  // Every shipped example line, many times over, between lines of noise: about 2 MB, half of it worth
  // classifying, so that the main thread is still busy when the workers are up and take pieces too.
  const rules = await loadRuleSet();
  const examples = rules.rules.flatMap((r) => r.examples.map((e) => e.line)).filter((l) => !l.includes('\n'));
  const lines: string[] = [];
  for (let i = 0; lines.length < 12_000; i++) {
    lines.push(`level=info time=2026-11-23T10:00:${String(i % 60).padStart(2, '0')}Z msg="Task status changed" seq=${i}`);
    lines.push(examples[i % examples.length]!);
  }
  await writeFile(path.join(root, 'var/log/ecs/ecs-agent.log'), lines.join('\n') + '\n');
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('scan in pieces across threads', () => {
  it('gives the report of one thread, whichever thread took which piece', async () => {
    const args = ['scan', '--root', root, '--format', 'json', '--no-checks', '--fail-on', 'never'];
    const one = JSON.parse((await runCli(args, { env: { ECS_TRIAGE_SCAN_WORKERS: '1' } })).stdout) as ScanReport;
    expect(one.findings.length).toBeGreaterThan(20);
    const strip = (r: ScanReport) => ({ findings: r.findings, sources: r.sources });
    const env = { ECS_TRIAGE_PARALLEL_MIN_BYTES: '1', ECS_TRIAGE_SCAN_PIECE_BYTES: String(16 << 10), ECS_TRIAGE_LOG_LEVEL: 'debug' };
    for (const threads of ['2', '4']) {
      const r = await runCli(args, { env: { ...env, ECS_TRIAGE_SCAN_WORKERS: threads } });
      expect(strip(JSON.parse(r.stdout) as ScanReport), `${threads} threads`).toEqual(strip(one));
      // The debug line says who scanned what: the workers did take pieces.
      const m = /scanned in pieces.*piecesByThread=(\S+)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const byThread = JSON.parse(m![1]!.replace(/^"|"$/g, '').replace(/\\"/g, '"')) as Record<string, number>;
      expect(Object.keys(byThread).length, m![1]).toBeGreaterThan(1);
      expect(Object.values(byThread).reduce((a, b) => a + b, 0)).toBe(Math.ceil(one.sources[0]!.bytes / (16 << 10)));
    }
  }, 120_000);

  it('a flood of candidate lines: workers send them in batches, wait while the main thread is behind, and lose none', async () => {
    // Every line a candidate, 6 MB in 1 MB pieces: each worker piece is several batches, more than the main
    // thread takes in while it scans a piece of its own, so the workers wait on it (MAX_QUEUED_BATCHES).
    const flood = path.join(root, 'flood');
    await mkdir(path.join(flood, 'var/log/ecs'), { recursive: true });
    const rules = await loadRuleSet();
    const examples = rules.rules.flatMap((r) => r.examples.map((e) => e.line)).filter((l) => !l.includes('\n'));
    const lines: string[] = [];
    for (let i = 0, bytes = 0; bytes < 6 << 20; i++) {
      const line = `${examples[i % examples.length]!} seq=${i}`;
      lines.push(line);
      bytes += line.length + 1;
    }
    await writeFile(path.join(flood, 'var/log/ecs/ecs-agent.log'), lines.join('\n') + '\n');
    const args = ['scan', '--root', flood, '--format', 'json', '--no-checks', '--fail-on', 'never'];
    const one = JSON.parse((await runCli(args, { env: { ECS_TRIAGE_SCAN_WORKERS: '1' } })).stdout) as ScanReport;
    const env = { ECS_TRIAGE_PARALLEL_MIN_BYTES: '1', ECS_TRIAGE_SCAN_PIECE_BYTES: String(1 << 20), ECS_TRIAGE_SCAN_WORKERS: '3' };
    const many = JSON.parse((await runCli(args, { env })).stdout) as ScanReport;
    expect(many.sources).toEqual(one.sources);
    expect(many.findings).toEqual(one.findings);
    expect(many.findings.reduce((n, f) => n + f.count, 0)).toBeGreaterThan(lines.length * 0.9);
  }, 120_000);
});
