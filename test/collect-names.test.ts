// The names a cause keeps (images, tasks, containers, registries): a line is redacted only when it can add one,
// which must not change which names are kept, nor let a secret through.
import { describe, expect, it } from 'vitest';
import { FindingCollector, MAX_NAMES } from '../src/report/collect.js';
import type { Finding } from '../src/types.js';

function finding(fields: Finding['fields'], line: string): Finding {
  return { ruleId: 'r', category: 'image_not_found', severity: 'error', title: 't', fields, causes: [], remediation: [], source: 'ecs-agent', line };
}

describe('a cause keeps its names', () => {
  it('up to MAX_NAMES of each kind, each once, from lines that repeat them or bring new ones', () => {
    const c = new FindingCollector();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < MAX_NAMES + 5; i++) {
        c.add(finding({ image: `repo/app-${i}:1`, container: 'web', registry: 'registry.example' }, `pull repo/app-${i}:1 failed`));
      }
    }
    const [f] = c.findings();
    expect(f!.count).toBe(3 * (MAX_NAMES + 5));
    expect(f!.images).toHaveLength(MAX_NAMES);
    expect(new Set(f!.images).size).toBe(MAX_NAMES);
    expect(f!.containers).toEqual(['web']);
    expect(f!.registries).toEqual(['registry.example']);
  });

  it('a name holding a secret of its line is masked, also when the same name came before on a harmless line', () => {
    const secret = 'hunter2hunter2hunter2';
    const c = new FindingCollector();
    c.add(finding({ container: secret }, `password=${secret} container=${secret}`));
    c.add(finding({ container: secret }, `container=${secret}`));
    c.add(finding({ container: 'api' }, 'container=api'));
    const names = c.findings()[0]!.containers.join(' ');
    expect(names).not.toContain(secret);
    expect(names).toContain('api');
  });
});
