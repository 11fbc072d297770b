// Measures each rule's regex on adversarial input: near-miss lines as long as the matcher will ever see.
// The static nesting check in redos.ts rejects exponential shapes; this catches slow polynomial ones.
import type { CompiledRule } from './rule.js';
import { MAX_MATCH_CHARS } from './ruleset.js';

export const STRESS_LIMIT_MS = 100;

export interface SlowRule {
  id: string;
  file: string;
  reason: string;
}

function inputsFor(rule: CompiledRule): string[] {
  const out: string[] = [];
  for (const ex of rule.examples.slice(0, 3)) {
    const line = ex.line;
    // The example repeated without its last character (the classic near-miss), and padded with spaces.
    const body = line.slice(0, -1);
    out.push(body.repeat(Math.ceil(MAX_MATCH_CHARS / Math.max(1, body.length))).slice(0, MAX_MATCH_CHARS));
    out.push((line.slice(0, Math.floor(line.length / 2)) + ' '.repeat(MAX_MATCH_CHARS)).slice(0, MAX_MATCH_CHARS));
  }
  for (const ch of ['a', ' ', '0', ':', '/', '"']) out.push(ch.repeat(MAX_MATCH_CHARS));
  return out;
}

export function stressRules(rules: readonly CompiledRule[], limitMs = STRESS_LIMIT_MS): SlowRule[] {
  const slow: SlowRule[] = [];
  for (const rule of rules) {
    for (const input of inputsFor(rule)) {
      const t0 = performance.now();
      rule.re.test(input);
      rule.unless?.test(input);
      const ms = performance.now() - t0;
      if (ms > limitMs) {
        slow.push({ id: rule.id, file: rule.file, reason: `regex took ${ms.toFixed(0)} ms on a ${input.length}-character near-miss line (limit ${limitMs} ms): simplify it` });
        break;
      }
    }
  }
  return slow;
}
