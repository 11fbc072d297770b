// Byte sizes and percentages as people read them (`1.2 GiB`, `85.0 %`). Parsing sizes is src/base/grammar.ts.

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
