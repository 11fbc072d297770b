// Byte sizes as Docker writes them (`10m`, `1.5g`, `500k`) and as people read them (`1.2 GiB`).

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * Parses a size the way Docker's go-units RAMInBytes does for `max-size`: binary multiples, case-insensitive,
 * optional `b`/`ib` suffix. Returns undefined for anything else, so a bad value is reported, not guessed.
 */
export function parseDockerSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const one = v.toFixed(1);
  return `${Number(one) >= 100 ? v.toFixed(0) : one} ${units[i]}`;
}

export function formatPercent(p: number | undefined): string {
  if (p === undefined) return 'n/a';
  return `${p.toFixed(1)} %`;
}
