// The host filesystem being read. `--root` lets the same code read a live host ("/"), a fixture, or an
// unpacked log bundle: every host path goes through hostPath().
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';

export interface Host {
  /** Absolute path of the host's `/`. */
  root: string;
  /** True when reading the machine we run on (root is `/`): only then are journald and IMDS consulted. */
  live: boolean;
}

export function makeHost(root = '/'): Host {
  const abs = path.resolve(root);
  return { root: abs, live: abs === '/' };
}

/** Maps an absolute host path (`/var/log/ecs`) to where it is under the root. */
export function hostPath(host: Host, p: string): string {
  if (host.live) return p;
  return path.join(host.root, p);
}

/** The reverse of hostPath, for showing paths as they are on the host. */
export function displayPath(host: Host, p: string): string {
  if (host.live) return p;
  const rel = path.relative(host.root, p);
  return rel.startsWith('..') ? p : '/' + rel.split(path.sep).join('/');
}

/** The host root named by `--root`, refused unless it is a directory: a mistyped root must not look like an empty host. */
export async function requireHostRoot(root: string): Promise<Host> {
  const isDir = await stat(root).then((st) => st.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`--root ${root}: no such directory`, { hint: "pass the directory that stands for the host's / (default /)" });
  return makeHost(root);
}
