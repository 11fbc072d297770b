// Which files on a host hold which logs, in the order they were written.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FormatName } from '../formats/index.js';
import { parseRfc3339 } from '../formats/time.js';
import { displayPath, hostPath, type Host } from '../host.js';
import { openRegular } from '../base/regular-file.js';
import type { LogSourceKind, Problem } from '../types.js';

export interface LogFile {
  /** Where to read it (under the root). */
  path: string;
  /** The path as it is on the host. */
  display: string;
  source: LogSourceKind | 'unknown';
  format?: FormatName;
  /** A saved `journalctl -o json` export: each line is one journal entry. */
  journal?: boolean;
}

const ECS_LOG_DIR = '/var/log/ecs';
/** `ecs-agent.log.3` (size rotation, larger is newer) or `ecs-agent.log.2026-11-23-09` (hourly). */
const ROTATION = /^(ecs-agent|ecs-init)\.log(?:\.(\d+)|\.(\d{4}-\d\d-\d\d-\d\d))?$/;

export async function discoverLogFiles(host: Host): Promise<{ files: LogFile[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const files: LogFile[] = [];
  files.push(...(await agentLogs(host, problems)));
  files.push(...(await matching(host, '/var/log', /^docker(?:\.log)?(?:[.-]\d[\d.-]*)?$/, 'dockerd', problems)));
  files.push(...(await matching(host, '/var/log', /^messages(?:[.-]\d[\d.-]*)?$/, 'unknown', problems)));
  if (!host.live) {
    // Saved journal exports in a fixture or an unpacked bundle; on a live host the journal is read directly.
    for (const f of await matching(host, '/journal', /\.json$/, 'unknown', problems)) files.push({ ...f, journal: true, format: 'journal-json' });
  }
  return { files, problems };
}

async function listDir(host: Host, dir: string, problems: Problem[]): Promise<string[]> {
  try {
    return await readdir(hostPath(host, dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push({ file: dir, reason: `cannot list directory: ${(err as Error).message}` });
    return [];
  }
}

async function agentLogs(host: Host, problems: Problem[]): Promise<LogFile[]> {
  const names = await listDir(host, ECS_LOG_DIR, problems);
  const groups = new Map<string, Array<{ name: string; key: number; live: boolean }>>();
  for (const name of names) {
    const m = ROTATION.exec(name);
    if (!m) continue;
    const full = hostPath(host, path.posix.join(ECS_LOG_DIR, name));
    if (!(await isFile(full))) continue;
    const live = m[2] === undefined && m[3] === undefined;
    let key = Number.POSITIVE_INFINITY;
    if (!live) {
      // Order rotations by the first timestamp inside them: both naming schemes can coexist after an
      // agent upgrade, and a file's name alone does not say which scheme's files are older.
      key = (await firstTimestamp(full)) ?? (m[3] ? Date.parse(`${m[3].slice(0, 10)}T${m[3].slice(11)}:00:00Z`) : Number(m[2]));
    }
    const list = groups.get(m[1]!) ?? [];
    list.push({ name, key, live });
    groups.set(m[1]!, list);
  }
  const out: LogFile[] = [];
  for (const family of ['ecs-agent', 'ecs-init'] as const) {
    const list = (groups.get(family) ?? []).sort((a, b) => a.key - b.key || rotationIndex(a.name) - rotationIndex(b.name));
    for (const f of list) {
      const p = path.posix.join(ECS_LOG_DIR, f.name);
      out.push({ path: hostPath(host, p), display: displayPath(host, hostPath(host, p)), source: family });
    }
  }
  return out;
}

function rotationIndex(name: string): number {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

async function matching(host: Host, dir: string, re: RegExp, source: LogSourceKind | 'unknown', problems: Problem[]): Promise<LogFile[]> {
  const names = (await listDir(host, dir, problems)).filter((n) => re.test(n));
  names.sort((a, b) => logrotateOrder(a) - logrotateOrder(b) || a.localeCompare(b));
  const out: LogFile[] = [];
  for (const name of names) {
    const full = hostPath(host, path.posix.join(dir, name));
    if (await isFile(full)) out.push({ path: full, display: displayPath(host, full), source });
  }
  return out;
}

/**
 * logrotate order, oldest first: dated copies (`messages-20261122`) by date, numbered copies
 * (`docker.log.2`, larger is older) by descending number, the live file last.
 */
function logrotateOrder(name: string): number {
  const m = /[.-](\d+)(?:\.gz)?$/.exec(name);
  if (!m) return Number.MAX_SAFE_INTEGER;
  const n = Number(m[1]);
  return m[1]!.length >= 8 ? n : 1e12 - n;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The first RFC 3339 timestamp in the first 4 KiB of a file. */
async function firstTimestamp(file: string): Promise<number | undefined> {
  let fh;
  try {
    fh = await openRegular(file);
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/.exec(buf.toString('latin1', 0, bytesRead));
    return m ? parseRfc3339(m[1]!) : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
