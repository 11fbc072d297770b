// READY=1 through systemd-notify. The real exchange with systemd (a Type=notify start that waits for it) is in
// the system test; here: when it is sent, with what, and that a failure is said and never thrown.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { notifyReady } from '../src/systemd-notify.js';
import type { Logger } from '../src/log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorder(): { log: Logger; errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = [];
  const none = (): void => {};
  return { errors, log: { debug: none, info: none, warn: none, error: (msg, f) => errors.push({ msg, ...f }) } };
}

function fakeNotify(body: string): string {
  const file = path.join(dir, `notify-${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('notifyReady', () => {
  it('does nothing without NOTIFY_SOCKET (not under systemd, or Type=simple)', async () => {
    const marker = path.join(dir, 'never');
    const r = recorder();
    await notifyReady(r.log, { PATH: process.env.PATH }, fakeNotify(`touch ${marker}`));
    expect(existsSync(marker)).toBe(false);
    expect(r.errors).toEqual([]);
  });

  it('runs systemd-notify --ready with the socket systemd gave', async () => {
    const out = path.join(dir, 'args');
    const r = recorder();
    await notifyReady(r.log, { NOTIFY_SOCKET: '/run/systemd/notify', PATH: process.env.PATH }, fakeNotify(`echo "$NOTIFY_SOCKET $*" >${out}`));
    expect(readFileSync(out, 'utf8').trim()).toBe('/run/systemd/notify --ready --status=watching');
    expect(r.errors).toEqual([]);
  });

  it('says why when systemd-notify fails or is missing, and resolves', async () => {
    const r = recorder();
    await notifyReady(r.log, { NOTIFY_SOCKET: '/run/systemd/notify' }, fakeNotify('echo "No such file or directory" >&2; exit 1'));
    await notifyReady(r.log, { NOTIFY_SOCKET: '/run/systemd/notify' }, path.join(dir, 'no-such-program'));
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatchObject({ error: 'exited with code 1: No such file or directory' });
    expect(String(r.errors[1]!.error)).toMatch(/ENOENT/);
    expect(String(r.errors[0]!.msg)).toMatch(/TimeoutStartSec/);
  });
});
