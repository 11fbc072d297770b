// Timestamps as the programs on an ECS host write them.

/** RFC 3339 with optional fraction (agent, dockerd, containerd, Docker json-file). */
export function parseRfc3339(s: string): number | undefined {
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/**
 * Syslog and `journalctl -o short` stamps (`Nov 23 10:00:01`) carry no year or zone. Hosts log in UTC on
 * ECS-optimized AMIs; the year is the reference year, or the previous one when that would lie in the future.
 */
export function parseSyslogStamp(month: string, day: string, time: string, reference = Date.now()): number | undefined {
  const m = MONTHS[month];
  const [hh, mm, ss] = time.split(':').map(Number);
  if (m === undefined || hh === undefined || mm === undefined || ss === undefined) return undefined;
  const year = new Date(reference).getUTCFullYear();
  let t = Date.UTC(year, m, Number(day), hh, mm, ss);
  if (t > reference + 86_400_000) t = Date.UTC(year - 1, m, Number(day), hh, mm, ss);
  return t;
}
