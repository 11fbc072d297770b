// The rules of ARCHITECTURE.md that a machine can check, read from the import statements of src/:
// imports point down the layers (never up), no import cycle, redaction only through the seam, and the
// environment read in one module.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../src/env.js';

const SRC = path.resolve('src');

/** Lowest first. A module may import from its own layer or a lower one. */
const LAYERS: Array<[name: string, match: RegExp]> = [
  ['foundation', /^(types|errors|version|env|redact|cloudwatch-limits|ecs-host)\.ts$|^(base|search)\//],
  ['services', /^(redacted|log|host|systemd-notify)\.ts$/],
  ['configuration', /^config\.ts$|^config\/|^formats\//],
  ['domain', /^(events|aggregate|pipeline|checkpoints)\.ts$|^(classify|checks|sources|report|aws|explain|docker|tasks)\//],
  ['delivery', /^(sinks|scan|fleet|task|verify)\//],
  ['daemon', /^daemon\//],
  ['commands', /^commands\//],
  ['entry', /^(cli|bin)\.ts$/],
];
/** Import cycles allowed: none. */
const ALLOWED_CYCLES: Array<[string, string]> = [];

function files(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [path.relative(SRC, p)] : [];
  });
}

const FILES = files();
const SOURCE = new Map(FILES.map((f) => [f, readFileSync(path.join(SRC, f), 'utf8')]));

function imports(file: string): string[] {
  const text = SOURCE.get(file)!;
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) {
    const target = path.normalize(path.join(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    if (SOURCE.has(target)) out.push(target);
  }
  return [...new Set(out)];
}

function layerOf(file: string): number {
  const i = LAYERS.findIndex(([, re]) => re.test(file));
  if (i < 0) throw new Error(`${file} is in no layer: add it to ARCHITECTURE.md and to LAYERS here`);
  return i;
}

describe('architecture', () => {
  it('imports point down the layers', () => {
    const up: string[] = [];
    for (const f of FILES) for (const t of imports(f)) if (layerOf(t) > layerOf(f)) up.push(`${f} (${LAYERS[layerOf(f)]![0]}) → ${t} (${LAYERS[layerOf(t)]![0]})`);
    expect(up).toEqual([]);
  });

  it('has no import cycle', () => {
    const allowed = (a: string, b: string): boolean => ALLOWED_CYCLES.some(([x, y]) => (a === x && b === y) || (a === y && b === x));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of imports(f)) {
        if (state.get(t) === 'open') {
          const cycle = stack.slice(stack.indexOf(t));
          if (!(cycle.length === 2 && allowed(cycle[0]!, cycle[1]!))) cycles.push([...cycle, t].join(' → '));
        } else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of FILES) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('redaction has one seam: only src/redacted.ts uses the patterns of src/redact.ts', () => {
    expect(FILES.filter((f) => imports(f).includes('redact.ts'))).toEqual(['redacted.ts']);
  });

  it('the environment is read in src/env.ts only, and every variable read is listed there', () => {
    expect(FILES.filter((f) => /\bprocess\.env\b/.test(SOURCE.get(f)!))).toEqual(['env.ts']);
    const listed = new Set(ENVIRONMENT.flatMap((e) => e.name.split(', ')));
    const read = new Set(FILES.flatMap((f) => [...SOURCE.get(f)!.matchAll(/(?:\benv|processEnv\(\))\??\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!)));
    expect([...read].filter((v) => !listed.has(v))).toEqual([]);
  });
});
