// The one grammar for durations, points in time and sizes, used by every flag and every config key.
//
// Durations: a number and a unit, `ms`, `s`, `m`, `h`, `d`, `w`, possibly chained (`1h30m`); fractions
// allowed (`1.5h`). A bare number is taken in the caller's unit (config keys named …Ms: milliseconds).
// Points in time (`--since`, `start.since`): a duration before now, or an ISO-8601 timestamp. A timestamp
// without a zone is UTC, as every log on an ECS host is written; a date alone is its midnight UTC.
// Sizes: Docker's syntax (go-units RAMInBytes, what `--log-opt max-size` takes): binary multiples whatever
// the spelling, `1k` = `1kb` = `1KiB` = 1024, `1g` = 2^30; `b`, `t`, `p` too; a bare number is bytes.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

export interface DurationOptions {
  /** What a bare number means. Default `reject`. */
  bare?: 'ms' | 's' | 'reject';
}

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(value: unknown, opts: DurationOptions = {}): number | undefined {
  const bare = opts.bare ?? 'reject';
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || bare === 'reject') return undefined;
    return Math.round(value * (bare === 's' ? 1000 : 1));
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return bare === 'reject' ? undefined : parseDuration(Number(text), opts);
  let total = 0;
  let at = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(text); m; m = DURATION_PART.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = DURATION_PART.lastIndex;
  }
  return at === text.length && at > 0 ? Math.round(total) : undefined;
}

/** `2h` ago, or an ISO-8601 timestamp (UTC unless it says otherwise). Epoch milliseconds. */
export function parseTime(value: unknown, now = Date.now()): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*([zZ]|[+-]\d\d:?\d\d)?)?$/.exec(text);
  if (!m) return undefined;
  const zone = m[3] === undefined || m[3] === 'z' ? 'Z' : m[3];
  const t = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes, or undefined when the text is not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

/** The shortest exact spelling of a duration in this grammar: 60000 → `1m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const n = ms / DURATION_UNITS[unit]!;
    if (Number.isInteger(n)) return `${n}${unit}`;
  }
  return `${ms}ms`;
}

/** The shortest exact spelling of a size: 262144 → `256KiB`, 1000 → `1000`. */
export function formatSize(bytes: number): string {
  for (const [unit, name] of [['p', 'PiB'], ['t', 'TiB'], ['g', 'GiB'], ['m', 'MiB'], ['k', 'KiB']] as const) {
    const n = bytes / SIZE_UNITS[unit]!;
    if (bytes > 0 && Number.isInteger(n)) return `${n}${name}`;
  }
  return String(bytes);
}
