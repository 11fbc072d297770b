// Finds planted secrets in output bytes: each secret whole, in every encoding an output could give it (JSON
// and Go escaping, once and twice, URL-encoding, base64, base64url), and any 10 characters in a row of its
// random part (a secret cut in half, or with its head masked and its tail left, is still a leak).
import type { Secret } from './corpus.js';

export const WINDOW = 10;

export interface Leak {
  secret: Secret;
  /** What was found: `value`, `json`, `url`, `base64` … or `fragment`. */
  form: string;
  /** Where in the output. */
  at: number;
  excerpt: string;
}

function forms(value: string): Array<[string, string]> {
  const once = JSON.stringify(value).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  const out: Array<[string, string]> = [
    ['value', value],
    ['escaped', once],
    ['escaped twice', twice],
    ['html-escaped', once.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')],
    ['url', encodeURIComponent(value)],
    ['base64', Buffer.from(value).toString('base64')],
    ['base64url', Buffer.from(value).toString('base64url')],
  ];
  return out.filter(([, f], i, all) => all.findIndex(([, g]) => g === f) === i);
}

export class LeakDetector {
  private readonly windows = new Map<string, Secret>();
  private readonly whole: Array<[Secret, string, string]> = [];

  constructor(readonly secrets: readonly Secret[]) {
    for (const s of secrets) {
      for (const [name, f] of forms(s.value)) this.whole.push([s, name, f]);
      for (const core of s.cores) {
        if (core.length < WINDOW) throw new Error(`secret ${s.kind} has a random run shorter than ${WINDOW}: ${core}`);
        for (let i = 0; i + WINDOW <= core.length; i++) this.windows.set(core.slice(i, i + WINDOW), s);
      }
    }
  }

  /** Every leak in `output` (at most one per secret and form, and the first fragment per secret). */
  find(output: string): Leak[] {
    const leaks: Leak[] = [];
    const excerpt = (at: number): string => output.slice(Math.max(0, at - 40), at + 60);
    for (const [secret, form, f] of this.whole) {
      const at = output.indexOf(f);
      if (at >= 0) leaks.push({ secret, form, at, excerpt: excerpt(at) });
    }
    const seen = new Set<Secret>();
    for (let i = 0; i + WINDOW <= output.length; i++) {
      const s = this.windows.get(output.slice(i, i + WINDOW));
      if (s && !seen.has(s)) {
        seen.add(s);
        leaks.push({ secret: s, form: 'fragment', at: i, excerpt: excerpt(i) });
      }
    }
    return leaks;
  }
}

export function describeLeaks(where: string, leaks: readonly Leak[]): string {
  return leaks.map((l) => `${where}: ${l.secret.kind} (${l.form}) at ${l.at}: …${l.excerpt}…`).join('\n');
}
