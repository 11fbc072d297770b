// Temporary directories for tests: fresh under the OS temp dir, never a fixed path.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tmp(prefix = 'ecs-triage-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
