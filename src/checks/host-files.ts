// Optional configuration files of the host (daemon.json, ecs.config, a fixture's statfs override): a missing
// file is normal, an unreadable or malformed one (or a FIFO, which would block the read) becomes a skipped item
// with its reason, never a crash or a hang.
import { errorMessage } from '../errors.js';
import { hostPath, type Host } from '../host.js';
import { readRegularFile } from '../base/regular-file.js';
import type { Skipped } from './types.js';

/** The file's text, or undefined when it is absent or unreadable. `consequence` says what happens instead. */
export async function readOptional(host: Host, file: string, skipped: Skipped[], consequence = ''): Promise<string | undefined> {
  try {
    return await readRegularFile(hostPath(host, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') skipped.push({ path: file, reason: `cannot read: ${errorMessage(err)}${consequence}` });
    return undefined;
  }
}

/** The file parsed as JSON, or undefined when it is absent, unreadable or not JSON. */
export async function readOptionalJson(host: Host, file: string, skipped: Skipped[], consequence = ''): Promise<unknown> {
  const text = await readOptional(host, file, skipped, consequence);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    skipped.push({ path: file, reason: `not valid JSON (${errorMessage(err)})${consequence}` });
    return undefined;
  }
}
