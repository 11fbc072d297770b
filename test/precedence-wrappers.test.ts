// The classifier's wrapper precedence (README "Precedence"), on rules written for the test: it decides by
// rule kind and category, so it holds for rule files written on other branches too.
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../src/classify/load.js';
import { INSIDE_WRAPPER_PRIMARY } from '../src/classify/ruleset.js';

const rule = (id: string, category: string, priority: number, literal: string, extra = '') => `
  - id: ${id}
    category: ${category}
    severity: error
    priority: ${priority}
    sources: [any]
    literals: ["${literal}"]
    match: '${literal}'
    title: ${id}
    causes: [${id} cause]
    remediation: ["${id} step for {roleName|ROLE_NAME}"]
    docs: [https://example.com/${id}]
${extra}    examples: ['x ${literal} y']
`;

const set = compileRuleSet([
  {
    name: 'rules.yaml',
    text:
      'rules:' +
      rule('wrap', 'secrets_init_failure', 95, 'Wrapped:', '    wrapper: generic\n') +
      rule('secret-step', 'secrets_init_failure', 90, 'from asm', '    wrapper: specific\n') +
      rule('secret-denied', 'secrets_init_failure', 85, 'not authorized secretsmanager') +
      rule('logger', 'logging_driver_failure', 60, 'logger args') +
      rule('net', 'network_timeout', 60, 'i/o timeout') +
      rule('auth', 'registry_auth_denied', 70, 'ecr token denied'),
  },
]);
const classify = (text: string) => set.classify({ source: 'unknown', text });

describe('wrapper precedence', () => {
  it('a wrapper alone is the finding', () => {
    expect(classify('Wrapped: something else')).toMatchObject({ ruleId: 'wrap' });
    expect(classify('Wrapped: something else')?.secondary).toBeUndefined();
  });

  it('a cause of the wrapper own category stays inside it, shown as secondary even in the same category', () => {
    const f = classify('Wrapped: not authorized secretsmanager by User: arn:aws:sts::123456789012:assumed-role/exec/1 is');
    expect(f).toMatchObject({ ruleId: 'wrap', category: 'secrets_init_failure', secondary: { ruleId: 'secret-denied', category: 'secrets_init_failure' } });
    // The inner cause's steps come first, with the line's values filled in; both rules' docs are shown.
    expect(f?.remediation).toEqual(['secret-denied step for exec', 'wrap step for exec']);
    expect(f?.docs).toEqual(['https://example.com/secret-denied', 'https://example.com/wrap']);
  });

  it('a specific wrapper of the same category keeps a foreign cause inside the wrapper (a secret fetch that timed out)', () => {
    expect(classify('Wrapped: from asm: i/o timeout')).toMatchObject({ ruleId: 'wrap', secondary: { category: 'network_timeout' } });
    expect(classify('from asm: i/o timeout')).toMatchObject({ ruleId: 'secret-step', secondary: { category: 'network_timeout' } });
  });

  it('outside its own domain, the inner cause is the finding and the wrapper is kept as wrapper', () => {
    expect(classify('Wrapped: i/o timeout')).toMatchObject({ ruleId: 'net', category: 'network_timeout', wrapper: { ruleId: 'wrap' } });
    expect(classify('Wrapped: i/o timeout')?.secondary).toBeUndefined();
  });

  it.each([
    ['logger args', 'logging_driver_failure'],
    ['ecr token denied', 'registry_auth_denied'],
  ])('%s inside the wrapper is primary, even next to a secrets step', (text, category) => {
    expect(INSIDE_WRAPPER_PRIMARY).toContain(category);
    expect(classify(`Wrapped: from asm: ${text}`)).toMatchObject({ category, wrapper: { ruleId: 'wrap' } });
  });

  it('the scan path rebuilds the same advice from rule ids and fields', () => {
    const f = classify('Wrapped: not authorized secretsmanager by User: arn:aws:sts::123456789012:assumed-role/exec/1 is')!;
    expect(set.remediationOf(f)).toEqual(f.remediation);
  });
});
