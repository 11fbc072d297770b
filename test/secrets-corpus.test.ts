// The secrets corpus (test/secrets/corpus.ts) through redaction and the in-process renderers: every line
// redacted, its findings' fields, the event the daemon builds from it and the CloudWatch message that event
// becomes. test/secrets-outputs.test.ts runs the same corpus through the real commands and the daemon.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { toEvent } from '../src/events.js';
import { parseLine } from '../src/formats/index.js';
import { redact, redactFields } from '../src/redact.js';
import { encodeEvent } from '../src/sinks/cloudwatch/event.js';
import { TEST_IDENTITY } from './servers/cloudwatch-fixtures.js';
import { CORPUS, PLANTED, type Escaping } from './secrets/corpus.js';
import { describeLeaks, LeakDetector } from './secrets/leaks.js';

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

const ESCAPINGS: Escaping[] = ['plain', 'logfmt-quoted', 'json-in-logfmt', 'agent-json', 'journal-json', 'url-encoded', 'base64'];

describe('the secrets corpus', () => {
  it('has 100+ secret-bearing lines in every escaping, each with lines rules match and lines they do not', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    for (const e of ESCAPINGS) {
      const lines = CORPUS.filter((l) => l.escaping === e);
      expect(lines.some((l) => l.matches), e).toBe(true);
      expect(lines.some((l) => !l.matches), e).toBe(true);
    }
    expect(new Set(CORPUS.map((l) => l.marker)).size).toBe(CORPUS.length);
  });

  it('holds each planted secret in its line (so a clean output proves redaction, not absence)', () => {
    for (const l of CORPUS) {
      for (const s of l.secrets) expect(new LeakDetector([s]).find(l.line).length, `${l.id} ${s.kind}`).toBeGreaterThan(0);
    }
  });

  it('is classified as planned: the failure lines by a shipped rule, the others by none', () => {
    const wrong = CORPUS.filter((l) => Boolean(rules.classify(parseLine(l.line, { source: l.source }))) !== l.matches);
    expect(wrong.map((l) => `${l.id} ${l.kind} ${l.escaping}: ${l.line.slice(0, 200)}`)).toEqual([]);
  });
});

describe('every corpus secret is redacted', () => {
  it('in the line, N of N per escaping', () => {
    const figures: Record<string, { planted: number; redacted: number }> = {};
    const leaks: string[] = [];
    for (const l of CORPUS) {
      const out = redact(l.line);
      const f = (figures[l.escaping] ??= { planted: 0, redacted: 0 });
      for (const s of l.secrets) {
        const found = new LeakDetector([s]).find(out);
        f.planted += 1;
        if (found.length === 0) f.redacted += 1;
        else leaks.push(describeLeaks(`${l.id} ${l.kind} ${l.escaping}`, found));
      }
    }
    const total = Object.values(figures).reduce((a, f) => ({ planted: a.planted + f.planted, redacted: a.redacted + f.redacted }), { planted: 0, redacted: 0 });
    console.log(
      `secrets corpus: ${CORPUS.length} lines, ${PLANTED.length} distinct secrets; redacted ${total.redacted} of ${total.planted} occurrences (` +
        Object.entries(figures).map(([e, f]) => `${e} ${f.redacted}/${f.planted}`).join(', ') + ')',
    );
    expect(leaks).toEqual([]);
    expect(total.redacted).toBe(total.planted);
  });

  it('in the fields of each finding, with and without the line', () => {
    for (const l of CORPUS.filter((c) => c.matches)) {
      const f = rules.classify(parseLine(l.line, { source: l.source }))!;
      const d = new LeakDetector(l.secrets);
      expect(describeLeaks(l.id, d.find(JSON.stringify(redactFields(f.fields))))).toBe('');
      expect(describeLeaks(l.id, d.find(JSON.stringify(redactFields(f.fields, f.line))))).toBe('');
    }
  });

  it('in the event the daemon builds and the CloudWatch message it ships', () => {
    for (const l of CORPUS.filter((c) => c.matches)) {
      const f = rules.classify(parseLine(l.line, { source: l.source, origin: { file: '/var/log/ecs/ecs-agent.log', offset: 0 } }))!;
      const ev = toEvent(f, { kind: 'finding', id: l.marker, count: 1, firstSeen: Date.now(), lastSeen: Date.now() });
      const wire = encodeEvent(ev, TEST_IDENTITY, { namespace: 'ECSTriage', emf: true });
      const d = new LeakDetector(l.secrets);
      expect(describeLeaks(`${l.id} event`, d.find(JSON.stringify(ev)))).toBe('');
      expect(describeLeaks(`${l.id} cloudwatch`, d.find(wire.message))).toBe('');
    }
  });
});
