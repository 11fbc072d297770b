// How a configuration key is declared. A key is one object: its type (a parser that validates and
// normalises one value), its default, its unit and bounds as text for the documentation, the flag that
// sets it, and whether a running daemon applies a new value on SIGHUP. The TypeScript type of the whole
// configuration is derived from the tree of keys (Resolved<…>), so a key cannot exist in one place only.
import path from 'node:path';
import { formatDuration, formatSize, parseDuration, parseSize, parseTime } from '../base/grammar.js';

/** When a changed value takes effect: at once on SIGHUP, after a restart, or only at a first start (no saved state). */
export type Reload = 'live' | 'restart' | 'first-start';

/** A value the parser refused, with the reason. */
export class Invalid {
  constructor(readonly reason: string) {}
}

export interface Key<T, Optional extends boolean = boolean> {
  readonly __key: true;
  readonly parse: (raw: unknown) => T | Invalid;
  readonly default: T | undefined;
  readonly optional: Optional;
  /** For the README: what the value is (`duration ≥ 100ms`, `one of auto, on, off`). */
  readonly type: string;
  /** For the README: the default as written in a config file, or a sentence when it is computed. */
  readonly defaultText: string;
  readonly reload: Reload;
  readonly help: string;
  /** The command-line flag that sets it, if any. */
  readonly flag?: string;
}

export type AnyKey = Key<unknown, boolean>;
export interface Tree {
  readonly [name: string]: AnyKey | Tree;
}

type ValueOf<K> = K extends Key<infer T, boolean> ? T : never;
/** One object type instead of an intersection, so editors and error messages show plain properties. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The resolved configuration for a tree of keys: keys with a default are required, the others optional. */
export type Resolved<S> = Simplify<
  {
    -readonly [N in keyof S as S[N] extends Key<unknown, true> ? never : N]: S[N] extends Key<infer T, false> ? T : Resolved<S[N]>;
  } & {
    -readonly [N in keyof S as S[N] extends Key<unknown, true> ? N : never]?: ValueOf<S[N]>;
  }
>;

interface Common<T> {
  reload: Reload;
  help: string;
  flag?: string;
  /** A further rule on a parsed value; returns the reason it is refused. */
  check?: (v: T) => string | undefined;
}
type WithDefault<T> = Common<T> & { default: T; defaultText?: string };
type WithoutDefault<T> = Common<T> & { default?: undefined; defaultText: string };
type Opts<T> = WithDefault<T> | WithoutDefault<T>;
type KeyOf<T, O> = O extends { default: T } ? Key<T, false> : Key<T, true>;

function key<T, O extends Opts<T>>(type: string, parse: (raw: unknown) => T | Invalid, o: O, show: (v: T) => string): KeyOf<T, O> {
  const checked = (raw: unknown): T | Invalid => {
    const v = parse(raw);
    if (v instanceof Invalid || !o.check) return v;
    const why = o.check(v);
    return why === undefined ? v : new Invalid(why);
  };
  return {
    __key: true,
    parse: checked,
    default: o.default,
    optional: o.default === undefined,
    type,
    defaultText: o.defaultText ?? (o.default === undefined ? '' : show(o.default)),
    reload: o.reload,
    help: o.help,
    ...(o.flag ? { flag: o.flag } : {}),
  } as unknown as KeyOf<T, O>;
}

export function isKey(v: AnyKey | Tree): v is AnyKey {
  return (v as AnyKey).__key === true;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}
const json = (v: unknown): string => JSON.stringify(v) ?? String(v);
const quoted = (v: string): string => `\`${json(v)}\``;

export function text<O extends Opts<string> & { pattern?: RegExp; describe?: string }>(o: O): KeyOf<string, O> {
  return key<string, O>(
    o.describe ?? 'text',
    (v) => {
      if (typeof v !== 'string' || v === '') return new Invalid(`expected a non-empty string, got ${typeName(v)}`);
      if (o.pattern && !o.pattern.test(v)) return new Invalid(`${json(v)} is not ${o.describe ?? `of the form ${o.pattern}`}`);
      return v;
    },
    o,
    quoted,
  );
}

export function filePath<O extends Opts<string>>(o: O): KeyOf<string, O> {
  return key<string, O>('path', (v) => (typeof v === 'string' && v !== '' ? path.resolve(v) : new Invalid(`expected a path, got ${typeName(v)}`)), o, quoted);
}

export function oneOf<const V extends readonly string[], O extends Opts<V[number]>>(values: V, o: O): KeyOf<V[number], O> {
  return key<V[number], O>(
    `one of ${values.join(', ')}`,
    (v) => {
      // YAML 1.1 habits: unquoted `on`/`off` may arrive as booleans.
      if (typeof v === 'boolean' && values.includes('on')) v = v ? 'on' : 'off';
      return typeof v === 'string' && values.includes(v) ? (v as V[number]) : new Invalid(`expected one of ${values.join(', ')}, got ${json(v)}`);
    },
    o,
    quoted,
  );
}

export function bool<O extends Opts<boolean>>(o: O): KeyOf<boolean, O> {
  return key<boolean, O>('true or false', (v) => (typeof v === 'boolean' ? v : new Invalid(`expected true or false, got ${json(v)}`)), o, (b) => `\`${b}\``);
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

export function integer<O extends Opts<number> & { min: number; max: number; allowed?: readonly number[] }>(o: O): KeyOf<number, O> {
  const type = o.allowed ? `one of ${o.allowed.join(', ')}` : `integer ${o.min}–${o.max}`;
  return key<number, O>(
    type,
    (v) => {
      const n = numeric(v);
      if (n === undefined || !Number.isInteger(n) || n < o.min || n > o.max) return new Invalid(`expected an integer from ${o.min} to ${o.max}, got ${json(v)}`);
      if (o.allowed && !o.allowed.includes(n)) return new Invalid(`${n} is not allowed (one of ${o.allowed.join(', ')})`);
      return n;
    },
    o,
    (n) => `\`${n}\``,
  );
}

export function percent<O extends Opts<number>>(o: O): KeyOf<number, O> {
  return key<number, O>(
    'percent, above 0 up to 100',
    (v) => {
      const n = numeric(v);
      return n !== undefined && Number.isFinite(n) && n > 0 && n <= 100 ? n : new Invalid(`expected a percentage above 0 and up to 100, got ${json(v)}`);
    },
    o,
    (n) => `\`${n}\``,
  );
}

export function duration<O extends Opts<number> & { min: number }>(o: O): KeyOf<number, O> {
  return key<number, O>(
    `duration ≥ ${formatDuration(o.min)}`,
    (v) => {
      const ms = parseDuration(v, { bare: 'ms' });
      if (ms === undefined) return new Invalid(`expected a duration such as 500ms, 60s, 5m, 1h (or milliseconds), got ${json(v)}`);
      return ms < o.min ? new Invalid(`must be at least ${formatDuration(o.min)}, got ${formatDuration(ms)}`) : ms;
    },
    o,
    (ms) => `\`${formatDuration(ms)}\``,
  );
}

export function size<O extends Opts<number> & { min: number }>(o: O): KeyOf<number, O> {
  return key<number, O>(
    `size ≥ ${formatSize(o.min)}`,
    (v) => {
      const n = parseSize(v);
      if (n === undefined) return new Invalid(`expected a size such as 256k, 100m, 1g (binary: 1k = 1024 bytes) or a number of bytes, got ${json(v)}`);
      return n < o.min ? new Invalid(`must be at least ${formatSize(o.min)}, got ${formatSize(n)}`) : n;
    },
    o,
    (n) => `\`${formatSize(n)}\``,
  );
}

/** A point in time, kept as epoch ms: resolved when the configuration is loaded. */
export function time<O extends Opts<number>>(o: O): KeyOf<number, O> {
  return key<number, O>(
    'time: a duration ago or an ISO-8601 timestamp (UTC unless a zone is given)',
    (v) => {
      const t = parseTime(v);
      if (t === undefined) return new Invalid(`expected a duration ago such as 2h or 1w, or an ISO-8601 time (UTC unless it has a zone), got ${json(v)}`);
      // Lines older than a time to come are every line until then: a typo (or a local time read as UTC) that drops all.
      return t > Date.now() ? new Invalid(`${json(v)} is in the future (a time without a zone is UTC)`) : t;
    },
    o,
    (t) => new Date(t).toISOString(),
  );
}

function parseList(v: unknown, allowed?: readonly string[]): string[] | Invalid {
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items) || items.some((x) => typeof x !== 'string' || x === '')) return new Invalid(`expected a list of strings, got ${typeName(v)}`);
  const bad = allowed ? items.find((x) => !allowed.includes(x as string)) : undefined;
  if (bad !== undefined) return new Invalid(`unknown value ${json(bad)} (allowed: ${allowed!.join(', ')})`);
  return [...new Set(items as string[])];
}

export function list<O extends Opts<string[]>>(o: O): KeyOf<string[], O> {
  return key<string[], O>('list of text', (v) => parseList(v), o, (v) => `\`${json(v)}\``);
}

export function listOf<const V extends readonly string[], O extends Opts<V[number][]>>(values: V, o: O): KeyOf<V[number][], O> {
  return key<V[number][], O>(`list of ${values.join(', ')}`, (v) => parseList(v, values) as V[number][] | Invalid, o, (v) => `\`${json(v)}\``);
}

/** A list of objects, each parsed by `item` (which names the bad field by returning `[field, reason]`). */
export function records<T>(type: string, item: (v: unknown) => T | [field: string | undefined, reason: string], o: WithDefault<T[]>): Key<T[], false> {
  return key<T[], WithDefault<T[]>>(
    type,
    (v) => {
      if (!Array.isArray(v)) return new Invalid(`expected a list, got ${typeName(v)}`);
      const out: T[] = [];
      for (const [i, x] of v.entries()) {
        const r = item(x);
        if (Array.isArray(r)) return new Invalid(`[${i}]${r[0] ? `.${r[0]}` : ''}: ${r[1]}`);
        out.push(r);
      }
      return out;
    },
    o,
    (v) => `\`${json(v)}\``,
  );
}

/** Every key of a tree with its dotted name, in declaration order. */
export function flatten(tree: Tree, prefix = ''): Array<{ key: string; spec: AnyKey }> {
  const out: Array<{ key: string; spec: AnyKey }> = [];
  for (const [name, v] of Object.entries(tree)) {
    if (isKey(v)) out.push({ key: prefix + name, spec: v });
    else out.push(...flatten(v, `${prefix}${name}.`));
  }
  return out;
}
