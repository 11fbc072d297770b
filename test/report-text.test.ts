import { describe, expect, it } from 'vitest';
import { renderText, TEXT_BUDGET, toSummary } from '../src/report/text.js';
import type { ReportFinding } from '../src/types.js';
import type { ScanReport } from '../src/report/schema.js';
import { redacted as r, redactedList } from '../src/redacted.js';

function finding(i: number): ReportFinding {
  return {
    category: 'image_not_found', ruleId: `rule-${i}`, severity: i % 3 === 0 ? 'error' : 'warn', title: r(`Cause number ${i} `.padEnd(120, 'x')), count: 100 - i,
    firstSeen: '2026-11-23T09:00:00.000Z', lastSeen: '2026-11-23T10:00:00.000Z',
    images: Array.from({ length: 8 }, (_, k) => r(`123456789012.dkr.ecr.us-east-1.amazonaws.com/app-${k}:v${i}`)),
    tasks: [r(`arn:aws:ecs:us-east-1:123456789012:task/prod/${String(i).padStart(32, '0')}`)], containers: [r('web')], registries: [],
    fields: {}, example: { file: r('/var/log/ecs/ecs-agent.log'), line: i, text: r('level=error '.padEnd(2000, 'y')) },
    causes: redactedList(['one', 'two', 'three']), remediation: Array.from({ length: 6 }, (_, k) => r(`step ${k} `.padEnd(200, 'z'))),
  };
}

const report = (n: number): ScanReport => ({
  schema: 'ecs-triage/scan-report', schemaVersion: 1, tool: { name: 'ecs-triage', version: 't' }, generatedAt: '2026-11-23T10:00:00.000Z',
  root: '/', status: 'error', findings: Array.from({ length: n }, (_, i) => finding(i)),
  sources: [{ file: '/var/log/ecs/ecs-agent.log', kind: 'ecs-agent', bytes: 1, lines: 1, matched: 1, skipped: 0 }],
  problems: Array.from({ length: 30 }, (_, i) => ({ file: `/f${i}`, reason: 'x' })),
});

describe('text report', () => {
  it('stays under the SSM console limit and summarises what did not fit', () => {
    const text = renderText(report(200));
    expect(text.length).toBeLessThanOrEqual(TEXT_BUDGET);
    expect(text).toMatch(/more cause\(s\) not shown in full/);
    expect(text).toMatch(/^1\. \[ERROR\]/m);
  });

  it('shows everything when it fits', () => {
    const text = renderText(report(2));
    expect(text).not.toMatch(/not shown in full/);
    expect(text).toMatch(/fix:\n\s+1\. step 0/);
  });

  it('the summary form fits in 24,000 characters and says when it was cut', () => {
    const s = toSummary(report(2000));
    expect(JSON.stringify(s).length).toBeLessThan(24_000);
    expect(s.truncated).toBe(true);
  });
});
