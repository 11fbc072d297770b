// Rule safety: no rule may spend unbounded time on a line. Static checks refuse the shapes known to backtrack
// (nested repeats, and since issue 10 adjacent repeats that share characters); the timing test builds
// adversarial lines from each regex and bounds its time on a line of MAX_MATCH_CHARS; the loader applies it to
// a user's pattern directory, `patterns check` to everything.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { findAdjacentOverlap, findBacktrackingRisk } from '../src/classify/redos.js';
import type { CompiledRule } from '../src/classify/rule.js';
import { MAX_MATCH_CHARS } from '../src/classify/ruleset.js';
import { attacksFor, stressRule, STRESS_LIMIT_MS } from '../src/classify/stress.js';
import { RuleSetError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';

/** The regex from issue 10: 17 s on an 800-character line. */
const ISSUE = 'X[ a]*[ a]*[ a]*[ a]*z';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ecs-triage-rule-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rule as the loader would compile it, without the loader's static checks (to reach the timing test). */
function rule(match: string, examples: string[] = [], unless?: string): CompiledRule {
  return {
    id: 'demo',
    family: 'demo',
    file: 'demo.yaml',
    category: 'network_timeout',
    severity: 'error',
    priority: 50,
    literals: ['XXXX'],
    caseInsensitive: false,
    re: new RegExp(match),
    ...(unless ? { unless: new RegExp(unless) } : {}),
    title: 'demo',
    causes: ['c'],
    remediation: ['r'],
    docs: [],
    examples: examples.map((line) => ({ line })),
    counterexamples: [],
  } as CompiledRule;
}

/** A pattern directory with one rule, for the loader and `patterns check`. */
function patternDir(name: string, match: string, example: string): string {
  const d = path.join(dir, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(
    path.join(d, 'demo.yaml'),
    `rules:
  - id: demo-slow
    category: network_timeout
    severity: error
    sources: [any]
    literals: ["Xmark"]
    match: '${match.replace(/'/g, "''")}'
    title: Demo
    causes: [c]
    remediation: [r]
    examples:
      - line: '${example.replace(/'/g, "''")}'
`,
  );
  return d;
}

describe('static checks', () => {
  it.each([
    [ISSUE, true],
    ['.*.*x', true],
    ['\\s*\\s+=', true],
    ['error=.*:.*timeout', true],
    ['\\w+\\d+x', true],
    ['a[ ]* [ ]*b', true],
    ['key\\s*(?:=)?\\s*value', true],
    ['a.*?b.*?c', true],
    // An optional character between them does not stop the split: `\s*[:=]?\s*` on a run of spaces.
    ['x\\s*[:=]?\\s*false', true],
    // Disjoint neighbours, or something between them that the run cannot cross.
    ['[a-z]+[0-9]+', false],
    ['\\w+\\b\\w+', false],
    ['^\\s*\\S+\\s*$', false],
    ['(?<k>\\w+)\\s*=\\s*(?<v>\\S+)', false],
    ['[^"]*"[^"]*', false],
    ['pull access denied[\\s\\S]*?repository does not exist', false],
    ['\\s*[^:"\\\\]{3,120}', false],
    ['x\\s*(?:[:=]\\s*)?false', false],
  ])('adjacent overlapping repeats: %s → refused: %s', (src, refused) => {
    expect(findAdjacentOverlap(src) !== undefined).toBe(refused);
  });

  it('names the two repeats and a character they share', () => {
    expect(findAdjacentOverlap(ISSUE)).toMatch(/`\[ a\]\*` and `\[ a\]\*` can both take " "/);
  });

  it.each([
    ['(a+)+b', true],
    ['((ab)*c?)*d', true],
    ['(?:a|ab)*c', true],
    ['(?:\\w|\\d)+!', true],
    ['(?:GET|POST) (?<path>/\\S*)', false],
  ])('nested repeats and overlapping alternations: %s → refused: %s', (src, refused) => {
    expect(findBacktrackingRisk(src) !== undefined).toBe(refused);
  });
});

describe('adversarial lines built from the regex', () => {
  it('pump each repeat after the prefix that reaches it and end on a character that fails the match', () => {
    const lines = attacksFor(ISSUE, '').map((a) => a.build(40));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toHaveLength(40);
    expect(lines.some((l) => /^X[ a]{38}[^ az]$/.test(l))).toBe(true);
  });

  it('repeat the text before a repeat, so that each copy is a start (a lazy gap after a literal)', () => {
    const lines = attacksFor('pull access denied[\\s\\S]*?repository does not exist', '').map((a) => a.build(200));
    expect(lines.some((l) => /^(?:pull access denied.){5}/.test(l))).toBe(true);
  });

  it('take a nested group by its passes, and an alternation by each branch', () => {
    expect(attacksFor('head=((ab)*c?)*d', '').map((a) => a.build(30))).toEqual(expect.arrayContaining([expect.stringMatching(/^head=(?:ab|abc|c)+.$/)]));
    const alt = attacksFor('(?:a|ab)*c', '').map((a) => a.build(20));
    expect(alt.some((l) => /^(?:ab)+a?[^abc]$/.test(l))).toBe(true);
    expect(alt.some((l) => /^a+[^abc]$/.test(l))).toBe(true);
  });
});

describe('time per line', () => {
  it.each([
    [ISSUE, 'the issue\'s example'],
    ['X(?: |a)*[ a]*z', 'a group and a class that overlap (no static check sees it)'],
    ['((ab)*c?)*d', 'nested groups'],
    ['(?:a|ab)*c', 'an alternation with overlap'],
    ['.*.*x', '.*.*'],
    ['^(a|aa)+$', 'overlapping alternation, anchored'],
    ['ab[\\s\\S]*?c', 'a lazy gap after a short literal, on a line that repeats the literal'],
  ])('refuses %s (%s), on a short line, without running it for minutes', (src) => {
    const reason = stressRule(rule(src));
    expect(reason).toMatch(new RegExp(`limit ${STRESS_LIMIT_MS} ms per line`));
    expect(reason).toMatch(/took|would take/);
  });

  it('accepts linear regexes, with their examples', () => {
    expect(stressRule(rule('dial tcp (?<host>[\\w.-]+):\\d+: i/o timeout', ['dial tcp 10.0.0.1:443: i/o timeout']))).toBeUndefined();
    expect(stressRule(rule('pull access denied[\\s\\S]{0,600}?repository does not exist', ['pull access denied for x, repository does not exist']))).toBeUndefined();
  });

  it('times `unless` too', () => {
    expect(stressRule(rule('timeout', ['timeout'], ISSUE))).toMatch(/per line/);
  });

  it('measures up to MAX_MATCH_CHARS', () => {
    expect(MAX_MATCH_CHARS).toBe(64 * 1024);
  });
});

describe('the loader and `patterns check`', () => {
  it('refuse a user rule that only the timing test catches, naming the file and the rule', async () => {
    const d = patternDir('timing', 'Xmark(?: |a)*[ a]*z', 'Xmark aaz');
    const err = await loadRuleSet(d).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RuleSetError);
    expect(String((err as Error).message)).toMatch(/demo\.yaml rule demo-slow: regex (took|would take).*per line/);
    const r = await runCli(['patterns', 'check', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/demo-slow: regex (took|would take)/);
  }, 60_000);

  it('refuse the issue\'s regex at once (static check), in the loader and in `patterns check`', async () => {
    const d = patternDir('issue', `Xmark${ISSUE.slice(1)}`, 'Xmark aaz');
    await expect(loadRuleSet(d)).rejects.toThrow(/demo-slow: `match`: `\[ a\]\*` and `\[ a\]\*` can both take/);
    const r = await runCli(['patterns', 'check', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/polynomial backtracking/);
  }, 60_000);

  it('load a user directory of safe rules', async () => {
    const d = patternDir('safe', 'Xmark (?<host>[\\w.-]+): i/o timeout', 'Xmark registry.example.com: i/o timeout');
    const set = await loadRuleSet(d);
    expect(set.rules.map((r) => r.id)).toEqual(['demo-slow']);
  });
});

describe('the redaction table is held to the same checks', () => {
  it('passes the static checks and the time limit per line', async () => {
    const { redactionPatterns } = await import('../src/redact.js');
    for (const re of redactionPatterns()) {
      expect(findBacktrackingRisk(re.source, re.flags), re.source).toBeUndefined();
      // The table's regexes are global; the timing runs them from the start of each line.
      const once = new RegExp(re.source, re.flags.replace('g', ''));
      const r = { ...rule('x'), re: once };
      expect(stressRule(r), re.source).toBeUndefined();
    }
  }, 120_000);
});
