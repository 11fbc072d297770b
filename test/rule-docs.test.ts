// Every rule says where to read more (`docs`), shown by explain and scan; the registry-side families (and
// every family, once all shipped rules have them: `patterns check --require-docs`) must have them.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { runCli } from './helpers/cli.js';

const REGISTRY_SIDE = ['registry-auth', 'image-not-found', 'network', 'tls-dns', 'rate-limit', 'registry-server', 'context', 'arch', 'secrets', 'image-ref', 'credential-helper'];

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

describe('docs links', () => {
  it('every shipped rule links the AWS or Docker page for its cause', () => {
    expect(rules.rules.filter((r) => REGISTRY_SIDE.includes(r.family)).length).toBeGreaterThan(40);
    for (const r of rules.rules) {
      expect(r.docs.length, r.id).toBeGreaterThan(0);
      for (const d of r.docs) expect(d, r.id).toMatch(/^https:\/\/(?:docs\.aws\.amazon\.com|docs\.docker\.com|repost\.aws|distribution\.github\.io|health\.aws\.amazon\.com|github\.com\/awslabs|docs\.kernel\.org|www\.freedesktop\.org|www\.docker\.com)\//);
    }
  });

  it('the families written for the diagnosis issue name the origin of every example', () => {
    for (const r of rules.rules.filter((x) => x.family === 'image-ref' || x.family === 'credential-helper')) {
      for (const ex of r.examples) expect(ex.origin, `${r.id}: ${ex.line}`).toMatch(/^(?:\S+\/\S+ v?\d|recorded: |constructed: )/);
    }
  });

  it('patterns check --require-docs names each rule without docs; without the flag it only notes them', async () => {
    const plain = await runCli(['patterns', 'check']);
    expect(plain.code).toBe(0);
    const strict = await runCli(['patterns', 'check', '--require-docs']);
    const undocumented = rules.rules.filter((r) => r.docs.length === 0);
    if (undocumented.length === 0) {
      expect(strict.code).toBe(0);
      return;
    }
    expect(strict.code).toBe(2);
    for (const r of undocumented) expect(strict.stderr).toContain(`rule ${r.id}: \`docs\` is missing`);
    expect(plain.stdout).toMatch(new RegExp(`note: ${undocumented.length} rules have no docs links`));
  });
});

describe('docs in the scan report', () => {
  it('scan --format json carries findings[].docs and text shows them', async () => {
    const json = await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--no-checks', '--format', 'json', '--fail-on', 'never']);
    const report = JSON.parse(json.stdout) as { findings: Array<{ ruleId: string; docs?: string[]; remediation: string[] }> };
    const f = report.findings.find((x) => x.ruleId === 'ecr-get-authorization-token-denied')!;
    expect(f.docs).toContain('https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html');
    // The scan path fills the templates too (worker threads rebuild the advice from the rule and the fields).
    expect(f.remediation.join('\n')).not.toMatch(/\{\w+\|/);
    const text = await runCli(['scan', '--root', 'fixtures/hosts/ecr-auth-denied', '--no-checks', '--fail-on', 'never']);
    expect(text.stdout).toMatch(/docs:\n\s+https:\/\/docs\.aws\.amazon\.com\/AmazonECS\/latest\/developerguide\/task_execution_IAM_role\.html/);
  });
});
