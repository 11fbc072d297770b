// Helpers for machines of the `docker` variant (a real dockerd 20.10 from Debian as docker.service).
// The machine has no network, so images are made locally: a static busybox imported as an image gives
// containers a shell, `sh -c 'exit 3'`, and memory hogs, with no registry.
import { spawnSync } from 'node:child_process';
import type { Machine } from './machine.js';

/** Waits until dockerd answers; returns `docker version` of the server. */
export async function waitForDockerd(m: Machine, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = m.exec(['docker', 'version', '--format', '{{.Server.Version}}'], { check: false });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    if (Date.now() > deadline) {
      const why = m.exec(['journalctl', '-u', 'docker.service', '-n', '30', '--no-pager'], { check: false }).stdout;
      throw new Error(`dockerd did not answer in ${timeoutMs / 1000} s:\n${r.stderr}\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Imports the machine's static busybox as image `tag` (a root with /bin/busybox and its applet links). */
export function importBusybox(m: Machine, tag = 'local/busybox:1'): string {
  m.sh(
    [
      'set -e',
      'dir=$(mktemp -d)',
      'mkdir -p "$dir/bin" "$dir/tmp"',
      'cp /bin/busybox "$dir/bin/busybox"',
      'for a in sh true false sleep cat echo head tail dd yes; do ln -s busybox "$dir/bin/$a"; done',
      `tar -C "$dir" -c . | docker import - ${tag} >/dev/null`,
      'rm -rf "$dir"',
    ].join('\n'),
  );
  return tag;
}

/**
 * The host kernel's OOM-kill lines for a container (the `oom-kill:` summary naming its cgroup, and the
 * `Killed process PID` line), passed on to the machine's journal as kernel records. Test harness only: the
 * one kernel writes them to the host's /dev/kmsg, which systemd-nspawn does not show the machine; on an
 * instance journald reads them itself.
 */
export function forwardOomKill(m: Machine, containerId: string): string[] {
  const dmesg = (spawnSync('dmesg', ['--kernel', '--notime'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.trim());
  const summary = dmesg.filter((l) => l.startsWith('oom-kill:') && l.includes(containerId));
  const pids = summary.map((l) => /,pid=(\d+),/.exec(l)?.[1]).filter(Boolean);
  const killed = dmesg.filter((l) => pids.some((p) => new RegExp(`^(Memory cgroup out of memory|Out of memory): Killed process ${p} `).test(l)));
  const lines = [...summary, ...killed];
  m.kernel(lines);
  return lines;
}
