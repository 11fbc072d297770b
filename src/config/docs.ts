// The README's configuration reference, written from the declaration (test/config.test.ts keeps the README
// equal to it; `UPDATE_DOCS=1 npx vitest run test/config.test.ts` rewrites the table).
import { KEYS } from '../config.js';

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

export const TABLE_START = '<!-- config-reference: generated from src/config/keys.ts -->';
export const TABLE_END = '<!-- /config-reference -->';

/** The README with its reference table replaced by the generated one. */
export function withReference(readme: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README has no ${TABLE_START} … ${TABLE_END} block`);
  return readme.slice(0, a + TABLE_START.length) + '\n' + configReference() + readme.slice(b);
}
