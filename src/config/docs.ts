// The README's configuration reference and list of environment variables, written from their declarations
// (test/config.test.ts keeps the README equal to them; `UPDATE_DOCS=1 npx vitest run test/config.test.ts`
// rewrites both).
import { KEYS } from '../config.js';
import { ENVIRONMENT } from '../env.js';

const RELOAD_TEXT = { live: 'SIGHUP', restart: 'restart', 'first-start': 'first start' } as const;

const cell = (s: string): string => s.replaceAll('|', '\\|');

export function configReference(): string {
  const rows = ['| key | type | default | applied | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const { key, spec } of KEYS) {
    const help = spec.flag ? `${spec.help} Flag: \`${spec.flag}\`.` : spec.help;
    rows.push(`| \`${key}\` | ${cell(spec.type)} | ${cell(spec.defaultText)} | ${RELOAD_TEXT[spec.reload]} | ${cell(help)} |`);
  }
  return rows.join('\n') + '\n';
}

export function environmentReference(): string {
  return ['| variable | meaning |', '| --- | --- |', ...ENVIRONMENT.map((e) => `| ${e.name.split(', ').map((n) => `\`${n}\``).join(', ')} | ${cell(e.meaning)} |`)].join('\n') + '\n';
}

const BLOCKS: Array<[start: string, end: string, render: () => string]> = [
  ['<!-- config-reference: generated from src/config/keys.ts -->', '<!-- /config-reference -->', configReference],
  ['<!-- environment: generated from src/env.ts -->', '<!-- /environment -->', environmentReference],
];

/** The README with its generated blocks replaced by what the declarations give now. */
export function withReference(readme: string): string {
  let out = readme;
  for (const [start, end, render] of BLOCKS) {
    const a = out.indexOf(start);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README has no ${start} … ${end} block`);
    out = out.slice(0, a + start.length) + '\n' + render() + out.slice(b);
  }
  return out;
}
