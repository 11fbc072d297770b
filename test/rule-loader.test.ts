import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileRuleSet, loadRuleSet, type PatternSource } from '../src/classify/load.js';
import { findNestedQuantifier } from '../src/classify/redos.js';
import { RuleSetError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';

const GOOD_RULE = `
  - id: demo-timeout
    category: network_timeout
    severity: error
    sources: [ecs-agent]
    literals: ["i/o timeout"]
    match: 'dial tcp (?<host>[\\w.-]+):443: i/o timeout'
    title: Timed out
    causes: [No route]
    remediation: [Add endpoints]
    examples:
      - line: 'level=error time=2026-11-23T09:00:00Z msg="x" error="dial tcp a.example.com:443: i/o timeout"'
        fields: { host: a.example.com }
    counterexamples:
      - 'level=info msg="pulled"'
`;

function file(name: string, body: string): PatternSource {
  return { name, text: body };
}

function problems(sources: PatternSource[]): string[] {
  try {
    compileRuleSet(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleSetError);
    return (err as RuleSetError).errors.map((e) => e.message);
  }
  return [];
}

describe('rule loading', () => {
  it('runs the examples unless every source was verified at build time (the bundle\'s embedded copy); shapes always', () => {
    const badExample = `rules:${GOOD_RULE.replace('fields: { host: a.example.com }', 'fields: { host: b.example.com }')}`;
    expect(problems([file('net.yaml', badExample)]).join('\n')).toMatch(/extracts host="a.example.com"/);
    expect(problems([{ ...file('net.yaml', badExample), verified: true }])).toEqual([]);
    expect(problems([{ ...file('net.yaml', badExample), verified: true }, file('other.yaml', 'rules: []')]).join('\n')).toMatch(/extracts host/);
    expect(problems([{ ...file('net.yaml', `rules:${GOOD_RULE.replace('severity: error', 'severity: dire')}`), verified: true }]).join('\n')).toMatch(/`severity` must be/);
  });

  it('accepts a valid rule and classifies with it', () => {
    const set = compileRuleSet([file('net.yaml', `rules:${GOOD_RULE}`)]);
    const f = set.classify({ source: 'ecs-agent', text: 'error="dial tcp b.example.com:443: i/o timeout"' });
    expect(f).toMatchObject({ ruleId: 'demo-timeout', category: 'network_timeout', fields: { host: 'b.example.com' } });
  });

  it.each([
    ['invalid YAML', 'rules: [\n  - id: x\n  bad', /net\.yaml: not valid YAML/],
    ['an unknown key', `rules:${GOOD_RULE.replace('severity: error', 'severity: error\n    colour: red')}`, /net\.yaml rule demo-timeout: unknown key `colour`/],
    ['a regex that does not compile', `rules:${GOOD_RULE.replace("match: 'dial tcp", "match: '(dial tcp")}`, /rule demo-timeout: `match` does not compile/],
    ['a nested quantifier', `rules:${GOOD_RULE.replace("match: 'dial tcp (?<host>[\\w.-]+)", "match: '(?:dial tcp (?:\\w+\\s?)*)(?<host>[\\w.-]+)")}`, /rule demo-timeout: `match`: quantifier .*catastrophic backtracking/],
    ['an unknown category', `rules:${GOOD_RULE.replace('network_timeout', 'network_slow')}`, /`category` must be one of/],
    ['an example that does not match', `rules:${GOOD_RULE.replace('a.example.com:443', 'a.example.com:80')}`, /rule demo-timeout: example 1 does not match/],
    ['an example with wrong fields', `rules:${GOOD_RULE.replace('fields: { host: a.example.com }', 'fields: { host: b.example.com }')}`, /example 1 extracts host="a.example.com", expected "b.example.com"/],
    ['a counterexample that matches', `rules:${GOOD_RULE.replace("'level=info msg=\"pulled\"'", "'dial tcp c.example.com:443: i/o timeout'")}`, /rule demo-timeout: counterexample 1 matches/],
    ['an example without the literal', `rules:${GOOD_RULE.replace('literals: ["i/o timeout"]', 'literals: ["I/O TIMEOUT"]')}`, /example 1 contains none of the rule's literals/],
    ['a literal with a quote', `rules:${GOOD_RULE.replace('literals: ["i/o timeout"]', 'literals: [\'i/o "timeout\']')}`, /literal .* must be printable ASCII/],
    ['an optional look-ahead', `rules:${GOOD_RULE.replace("match: 'dial tcp", "match: '(?:(?=.*(?<x>a)))?dial tcp")}`, /optional look-ahead/],
  ])('names the file, the rule and the reason for %s', (_what, body, re) => {
    const msgs = problems([file('/p/net.yaml', body)]);
    expect(msgs.join('\n')).toMatch(re);
  });

  it('rejects duplicate ids across files, naming both', () => {
    const msgs = problems([file('/p/a.yaml', `rules:${GOOD_RULE}`), file('/p/b.yaml', `rules:${GOOD_RULE}`)]);
    expect(msgs).toContain('/p/b.yaml rule demo-timeout: duplicate id (also defined in /p/a.yaml)');
  });

  it('requires examples to land in the rule\'s category when the whole set classifies them', () => {
    const wrapper = GOOD_RULE.replace('demo-timeout', 'demo-wrapper').replace('network_timeout', 'context_canceled').replace('priority', 'x');
    const msgs = problems([file('/p/a.yaml', `rules:${GOOD_RULE}${wrapper.replace('severity: error', 'severity: error\n    priority: 90')}`)]);
    expect(msgs.join('\n')).toMatch(/rule demo-timeout: example 1 is classified as context_canceled by rule demo-wrapper/);
  });

  describe('directories', () => {
    let dir: string;
    afterEach(async () => rm(dir, { recursive: true, force: true }));

    it('reports a missing or empty directory', async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'rules-'));
      await expect(loadRuleSet(dir)).rejects.toThrow(/no pattern files/);
      await expect(loadRuleSet(path.join(dir, 'nope'))).rejects.toThrow(/cannot read the pattern directory/);
    });

    it('`patterns check` exits 2 and prints every problem', async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'rules-'));
      await writeFile(path.join(dir, 'bad.yaml'), `rules:${GOOD_RULE.replace('a.example.com:443', 'a.example.com:80')}`);
      const r = await runCli(['patterns', 'check', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${path.join(dir, 'bad.yaml')} rule demo-timeout: example 1 does not match`);
    });
  });
});

describe('case-insensitive rules (`flags: i`)', () => {
  const CI_RULE = `
  - id: demo-logger
    category: docker_daemon_failure
    severity: error
    flags: i
    sources: [any]
    literals: ["Failed to initialize logging driver"]
    match: 'failed to initialize logging driver: (?<reason>.+)'
    title: Logger
    causes: [x]
    remediation: [y]
    docs: ["https://docs.docker.com/engine/logging/configure/"]
    examples:
      - line: 'failed to initialize logging driver: no such host'
        origin: 'moby/moby v20.10.24 daemon/logger/factory.go'
      - line: 'Failed to initialize logging driver: no such host'
`;

  it('matches its literals ignoring ASCII case in classify, the watch path and the byte prefilter', async () => {
    const set = compileRuleSet([file('ci.yaml', `rules:${CI_RULE}`)]);
    const { LineClassifier } = await import('../src/pipeline.js');
    const { ByteSearch } = await import('../src/search/byte-search.js');
    const lc = new LineClassifier(set);
    for (const line of ['FAILED TO INITIALIZE LOGGING DRIVER: x', 'Failed to initialize logging driver: x', 'failed to Initialize Logging driver: x']) {
      expect(lc.line(line, { source: 'dockerd' })?.ruleId).toBe('demo-logger');
      const text = Buffer.from(`noise line\n${line}\nmore noise\n`);
      const bytes = new ByteSearch(set.search, text.length);
      text.copy(bytes.text);
      expect(bytes.lineStarts(0, text.length)).toEqual([11]);
    }
    expect(set.ruleById('demo-logger')?.docs).toEqual(['https://docs.docker.com/engine/logging/configure/']);
    expect(set.classify({ text: 'Failed to initialize logging driver: x', source: 'unknown' } as never)?.docs).toHaveLength(1);
  });

  it('rejects other flags and docs that are not URLs', () => {
    expect(problems([file('a.yaml', `rules:${CI_RULE.replace('flags: i', 'flags: g')}`)]).join('\n')).toMatch(/`flags` may contain only/);
    expect(problems([file('a.yaml', `rules:${CI_RULE.replace('https://docs.docker.com/engine/logging/configure/', 'see the docs')}`)]).join('\n')).toMatch(/must be an https URL/);
  });
});

describe('backtracking guard', () => {
  it.each([
    ['(\\w+\\s?)*$', true],
    ['(a+)+b', true],
    ['(?:x|x)*y', true],
    ['(?<n>[a-z]+)-(?:\\d{1,3}\\.){3}\\d{1,3}', false],
    ['(?:GET|POST) (?<path>/\\S*)', false],
    ['a{1,1000}(b+)*', true],
    ['[(+*)]+ literal', false],
  ])('%s → dangerous: %s', (src, dangerous) => {
    expect(findNestedQuantifier(src) !== undefined).toBe(dangerous);
  });
});
