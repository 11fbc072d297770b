// The diagnosis corpus (test/corpus/README.md) measured with the built CLI, as `npm run accuracy` does:
// recall >= 97 % over the failure lines, false positives <= 1 % over the benign ones.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../src/types.js';
import { REPO } from './helpers/cli.js';

const CORPUS = path.join(REPO, 'test/corpus');

interface Figures {
  lines: number;
  failures: number;
  benign: number;
  benignShare: number;
  recall: number;
  falsePositiveRate: number;
  perCategory: Record<string, { lines: number; hits: number; recall: number }>;
  misses: Array<{ where: string; label: string; got: string | null; line: string }>;
}

describe('the diagnosis corpus', () => {
  it('is well formed: known labels, a source and an origin on every line', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      for (const [i, text] of readFileSync(path.join(CORPUS, f), 'utf8').split('\n').entries()) {
        if (text.trim() === '') continue;
        const row = JSON.parse(text) as { line: string; label: string; origin: string };
        expect(['benign', ...CATEGORIES], `${f}:${i + 1}`).toContain(row.label);
        expect(row.origin, `${f}:${i + 1}`).toMatch(/^(?:\S+\/\S+ |recorded: |constructed: )/);
      }
    }
  });

  it('npm run accuracy: recall >= 97 %, false positives <= 1 %', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/accuracy.mjs'), '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as Figures;
    const misses = f.misses.map((m) => `${m.where}: ${m.label} -> ${m.got}: ${m.line.slice(0, 160)}`).join('\n');
    expect(f.recall, misses).toBeGreaterThanOrEqual(0.97);
    expect(f.falsePositiveRate, misses).toBeLessThanOrEqual(0.01);
    // The registry-side share of the corpus: at least 400 lines, 30 % of them benign.
    const registrySide = ['registry.jsonl', 'network.jsonl', 'secrets.jsonl'].flatMap((n) => readFileSync(path.join(CORPUS, n), 'utf8').trim().split('\n'));
    expect(registrySide.length).toBeGreaterThanOrEqual(400);
    expect(registrySide.filter((l) => (JSON.parse(l) as { label: string }).label === 'benign').length / registrySide.length).toBeGreaterThanOrEqual(0.3);
  });
});
