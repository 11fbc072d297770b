// Readiness for systemd's Type=notify: READY=1 once the daemon is running, so `systemctl start` (and the
// Install document) wait for it and see a daemon that cannot start fail instead of "active" for a second.
// Node cannot send to the notification socket (an AF_UNIX datagram socket), so this runs systemd-notify.
// A message from a child that has already exited can be dropped (the manager cannot tell which unit sent
// it); systemd-notify of systemd >= 246 waits until the manager has read it (a barrier), which removes that
// race. The unit needs NotifyAccess=all. Without NOTIFY_SOCKET (not under systemd, or Type=simple as in the
// Amazon Linux 2 unit) this does nothing.
import { spawn } from 'node:child_process';
import { processEnv } from './env.js';
import type { Logger } from './log.js';

const NOTIFY_TIMEOUT_MS = 10_000;

/** Tells systemd the service is ready. Never throws: a failure is logged (systemd then times the start out). */
export function notifyReady(log: Logger, env: NodeJS.ProcessEnv = processEnv(), command = 'systemd-notify'): Promise<void> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve();
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(command, ['--ready', '--status=watching'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: NOTIFY_TIMEOUT_MS });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-500)));
    let done = false;
    const finish = (why?: string): void => {
      if (done) return;
      done = true;
      if (why) log.error('could not tell systemd that the service is ready; systemd will stop it when TimeoutStartSec runs out', { command, error: why });
      resolve();
    };
    child.on('error', (err) => finish(err.message));
    child.on('close', (code, signal) => {
      if (code === 0) finish();
      else finish(signal ? `killed by ${signal}` : `exited with code ${code}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    });
  });
}
