// Debian 12 root filesystems for the system tests, built with mmdebstrap from Debian's archive and cached
// between runs (never in git). bookworm ships systemd 252, the version Amazon Linux 2023 runs.
// The `docker` variant adds Debian's docker.io and containerd (a real dockerd 20.10, vfs storage, no iptables
// or bridge, which the container's private network has no use for) and a static busybox to build images from
// without a registry. It is built only when a test asks for it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './lock.js';

export type RootfsVariant = 'base' | 'docker';

const SUITE = 'bookworm';
// procps: /bin/kill (the unit's ExecReload); curl and ca-certificates: the Install document's download;
// libstdc++6: the host's Node.js binary.
const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'procps', 'curl', 'ca-certificates', 'libstdc++6', 'openssl'];
/**
 * Build time is most of a cold run (81 s on a quiet machine, 383 s at a load of 19 on two cores): dpkg
 * without fsync (the tree is only marked complete once built) and without documentation, manuals and
 * translations, which no test reads.
 */
const DPKG_OPTIONS = [
  'force-unsafe-io',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
];
const VARIANT_PACKAGES: Record<RootfsVariant, string[]> = {
  base: [],
  docker: ['docker.io', 'containerd', 'busybox-static'],
};
/** Raise when what the build puts in the tree changes, so old caches are not reused. */
const LAYOUT = 4;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where built trees are kept: ECS_TRIAGE_SYSTEM_CACHE, else .cache/system-test in the checkout (git-ignored). */
export function cacheDir(): string {
  return process.env.ECS_TRIAGE_SYSTEM_CACHE ?? path.join(REPO, '.cache', 'system-test');
}

export function rootfsKey(variant: RootfsVariant): string {
  const spec = { suite: SUITE, packages: [...BASE_PACKAGES, ...VARIANT_PACKAGES[variant]], dpkg: DPKG_OPTIONS, layout: LAYOUT, variant };
  return `${variant}-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12)}`;
}

export interface Rootfs {
  dir: string;
  variant: RootfsVariant;
  /** Seconds spent building it in this run (0 when it came from the cache). */
  builtSeconds: number;
}

/** The cached tree for this variant, built first when missing. Concurrent callers wait for one build. */
export async function ensureRootfs(variant: RootfsVariant = 'base', log: (s: string) => void = () => {}): Promise<Rootfs> {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const key = rootfsKey(variant);
  const dir = path.join(cache, key);
  const done = path.join(dir, '.ecs-triage-rootfs-complete');
  if (existsSync(done)) return { dir, variant, builtSeconds: 0 };
  return withLock(path.join(cache, `${key}.lock`), async () => {
    if (existsSync(done)) return { dir, variant, builtSeconds: 0 };
    const started = Date.now();
    const tmp = `${dir}.building-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const packages = [...BASE_PACKAGES, ...VARIANT_PACKAGES[variant]];
    log(`building the ${variant} rootfs (Debian ${SUITE}: ${packages.join(', ')}) in ${dir}`);
    const args = ['--variant=minbase', '--quiet', ...DPKG_OPTIONS.map((o) => `--dpkgopt=${o}`), `--include=${packages.join(',')}`, SUITE, tmp];
    const r = spawnSync('mmdebstrap', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`mmdebstrap failed (${r.status ?? r.signal ?? r.error?.message}): ${(r.stderr || '').slice(-3000)}`);
    }
    customise(tmp, variant);
    writeFileSync(path.join(tmp, '.ecs-triage-rootfs-complete'), `${key}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    // Trees of this variant built from an older spec are never used again.
    for (const old of readdirSync(cache)) {
      if (old.startsWith(`${variant}-`) && old !== key && !old.includes('.')) rmSync(path.join(cache, old), { recursive: true, force: true });
    }
    const builtSeconds = Math.round((Date.now() - started) / 1000);
    log(`built ${dir} in ${builtSeconds} s`);
    return { dir, variant, builtSeconds };
  });
}

/** Settings every machine made from the tree shares. Per-machine files are written by machine.ts. */
function customise(root: string, variant: RootfsVariant): void {
  const etc = (p: string): string => path.join(root, 'etc', p);
  // Timers that would run apt or scrub disks in the middle of a test: masked.
  for (const unit of ['apt-daily.timer', 'apt-daily-upgrade.timer', 'dpkg-db-backup.timer', 'e2scrub_all.timer', 'fstrim.timer', 'systemd-tmpfiles-clean.timer']) {
    const link = etc(`systemd/system/${unit}`);
    rmSync(link, { force: true });
    symlinkSync('/dev/null', link);
  }
  // The journal survives reboots (the reboot test reads the previous boot), as on an EC2 instance.
  mkdirSync(path.join(root, 'var/log/journal'), { recursive: true });
  mkdirSync(etc('systemd/journald.conf.d'), { recursive: true });
  writeFileSync(etc('systemd/journald.conf.d/50-system-test.conf'), '[Journal]\nStorage=persistent\n');
  if (variant === 'docker') {
    // No bridge or iptables: the container has a private network with only lo. vfs works on any backing
    // filesystem (the machine's root is an overlay), at the cost of copying layers.
    mkdirSync(etc('docker'), { recursive: true });
    writeFileSync(etc('docker/daemon.json'), JSON.stringify({ 'storage-driver': 'vfs', iptables: false, bridge: 'none', 'log-driver': 'json-file' }, null, 2) + '\n');
  }
}

/** Refuses early, naming what is missing, when this host cannot run the system tests. */
export function checkHost(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (systemd-nspawn and overlay mounts need it)');
  for (const [tool, pkg] of [['systemd-nspawn', 'systemd-container'], ['mmdebstrap', 'mmdebstrap'], ['nsenter', 'util-linux']] as const) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(`${tool} (apt-get install ${pkg})`);
  }
  if (missing.length) throw new Error(`the system tests cannot run on this host; missing: ${missing.join('; ')}`);
}

/** For diagnostics: which Debian systemd the tree has. */
export function rootfsSystemdVersion(dir: string): string {
  try {
    const status = readFileSync(path.join(dir, 'var/lib/dpkg/status'), 'utf8');
    return /Package: systemd\n(?:.+\n)*?Version: (.+)/.exec(status)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
