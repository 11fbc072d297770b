// Every bundled fixture host yields the findings its .expected.json names, field by field.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { silentLogger } from '../src/log.js';
import { runScan } from '../src/scan/run.js';
import { FIXTURE_HOSTS } from './helpers/cli.js';

interface Expected {
  scenario: string;
  findings: Array<{ category: string; ruleId: string; count: number; images?: string[]; tasks?: string[]; containers?: string[] }>;
  absentCategories?: string[];
}

const scenarios = readdirSync(FIXTURE_HOSTS)
  .filter((n) => n.endsWith('.expected.json'))
  .map((n) => JSON.parse(readFileSync(path.join(FIXTURE_HOSTS, n), 'utf8')) as Expected);

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

describe('fixture scenarios', () => {
  it('covers every scenario the troubleshooting documents describe', () => {
    expect(scenarios.map((s) => s.scenario).sort()).toEqual(
      expect.arrayContaining([
        'container-oom', 'context-canceled', 'disk-full-container-logs', 'dockerhub-rate-limit', 'ecr-auth-denied',
        'healthy', 'image-tag-deleted', 'private-subnet-no-endpoints', 'secrets-unreadable',
      ]),
    );
  });

  it.each(scenarios.map((s) => [s.scenario, s] as const))('%s', async (_name, want) => {
    const report = await runScan({ root: path.join(FIXTURE_HOSTS, want.scenario), rules, checks: false, log: silentLogger });
    const got = report.findings.map((f) => ({ category: f.category, ruleId: f.ruleId, count: f.count }));
    expect(got).toEqual(expect.arrayContaining(want.findings.map((f) => ({ category: f.category, ruleId: f.ruleId, count: f.count }))));
    expect(report.findings).toHaveLength(want.findings.length);
    for (const w of want.findings) {
      const f = report.findings.find((x) => x.ruleId === w.ruleId)!;
      if (w.images) expect([...f.images].sort()).toEqual([...w.images].sort());
      if (w.tasks) expect([...f.tasks].sort()).toEqual([...w.tasks].sort());
      if (w.containers) expect([...f.containers].sort()).toEqual([...w.containers].sort());
      // Every cause shows a real line from the host, with where it was found, and what to do.
      expect(f.example.file).toMatch(/^\/(var\/log|journal)\//);
      expect(f.example.line).toBeGreaterThan(0);
      expect(f.remediation.length).toBeGreaterThan(0);
      expect(f.firstSeen! <= f.lastSeen!).toBe(true);
    }
    for (const c of want.absentCategories ?? []) expect(report.findings.map((f) => f.category)).not.toContain(c);
    expect(report.status).toBe(want.findings.length === 0 ? 'ok' : report.findings[0]!.severity);
  });
});
