// A booted Debian 12 container with systemd 252 as PID 1 and a real journald, run by systemd-nspawn on top of
// a cached rootfs (rootfs.ts) through an overlay mount, so every machine starts clean and the cache is never
// written. It keeps its disk across reboots (like an instance) and is removed by destroy(); a machine left
// behind by a test process that died is removed by the next create().
//
// What is not AL2023 behaviour but an effect of nspawn (../shared/docs/system-test-recipe.md), and how it is handled:
// - /dev/kmsg is hidden: harness-kmsg.service puts a FIFO there before journald starts and holds it open, and
//   kernel() writes records in the kernel's own /dev/kmsg format, which journald stores with _TRANSPORT=kernel.
// - the boot ID is an overmount that a fresh /proc (ProtectKernelTunables=, ProtectControlGroups=) does not
//   have: harness-boot-id.service copies it to /run/harness/boot_id at each boot, and useBootIdIn(unit) binds
//   that copy over /proc/sys/kernel/random/boot_id inside the unit, so the unit sees the boot ID journald
//   writes, as on a VM, with all its hardening left on and a new boot ID at every reboot.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkHost, ensureRootfs, type RootfsVariant } from './rootfs.js';
import { artifactServerFiles } from './artifacts.js';

const RUN_PREFIX = 'ecs-triage-system-';
/** What a command run inside sees: a clean environment, like a root login or the SSM agent. */
const INSIDE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb' };

export interface MachineOptions {
  variant?: RootfsVariant;
  /** A stand-in docker.service that logs what standInDockerd() is given (default for the base variant). */
  standInDocker?: boolean;
  /** An HTTPS "artifact bucket" at https://ARTIFACT_HOST/ serving /srv/artifacts (default true). */
  artifacts?: boolean;
  log?: (s: string) => void;
}

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** Throw unless the command exits 0 (default true). */
  check?: boolean;
  env?: Record<string, string>;
}

/** runc joins a session keyring for each container: nspawn's default seccomp filter refuses keyctl. */
const DOCKER_NSPAWN_ARGS = ['--system-call-filter=add_key keyctl request_key'];

export const ARTIFACT_HOST = 'artifacts.system-test.internal';
export const ARTIFACT_ROOT = '/srv/artifacts';

const live = new Set<Machine>();
process.on('exit', () => {
  for (const m of live) m.destroySync();
});

export class Machine {
  readonly name: string;
  /** The container's `/`, as seen from the host (an overlay mount). */
  readonly root: string;
  readonly consoleLog: string;
  private nspawn: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private pid1 = 0;
  private boots = 0;
  private kmsgSeq = 1000;
  /** /proc/PID/cgroup of nspawn: where the machine's cgroups are on the host. */
  private hostCgroups = '';

  private constructor(
    readonly runDir: string,
    readonly variant: RootfsVariant,
  ) {
    this.name = `et-${path.basename(runDir).slice(RUN_PREFIX.length).toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 20);
    this.root = path.join(runDir, 'merged');
    this.consoleLog = path.join(runDir, 'console.log');
  }

  static async create(opts: MachineOptions = {}): Promise<Machine> {
    checkHost();
    reapAbandoned();
    const log = opts.log ?? (() => {});
    const variant = opts.variant ?? 'base';
    const rootfs = await ensureRootfs(variant, log);
    const runDir = mkdtempSync(path.join(tmpdir(), RUN_PREFIX));
    writeFileSync(path.join(runDir, 'owner.pid'), `${process.pid}\n`);
    const m = new Machine(runDir, variant);
    live.add(m);
    try {
      for (const d of ['upper', 'work', 'merged']) mkdirSync(path.join(runDir, d));
      const mount = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs.dir},upperdir=${runDir}/upper,workdir=${runDir}/work`, m.root], { encoding: 'utf8' });
      if (mount.status !== 0) throw new Error(`overlay mount failed: ${mount.stderr}`);
      m.prepare(opts.standInDocker ?? variant === 'base', opts.artifacts ?? true);
    } catch (err) {
      m.destroySync();
      throw err;
    }
    return m;
  }

  /** Host path of a path inside the machine (on its disk; not /run, /tmp or /dev, which are its own tmpfs). */
  path(p: string): string {
    return path.join(this.root, p);
  }

  writeFile(p: string, content: string | Buffer, mode = 0o644): void {
    mkdirSync(path.dirname(this.path(p)), { recursive: true });
    writeFileSync(this.path(p), content);
    chmodSync(this.path(p), mode);
  }

  readFile(p: string): string {
    return readFileSync(this.path(p), 'utf8');
  }

  /** Enables a unit the way `systemctl enable` would for WantedBy=TARGET, before or after boot. */
  private enable(unit: string, target: string): void {
    const dir = this.path(`/etc/systemd/system/${target}.wants`);
    mkdirSync(dir, { recursive: true });
    rmSync(path.join(dir, unit), { force: true });
    symlinkSync(`/etc/systemd/system/${unit}`, path.join(dir, unit));
  }

  /** Per-machine files: identity, Node.js, and the harness units. */
  private prepare(standInDocker: boolean, artifacts: boolean): void {
    this.writeFile('/etc/machine-id', randomBytes(16).toString('hex') + '\n', 0o444);
    this.writeFile('/etc/hostname', this.name + '\n');
    // Debian 12's nodejs is 18; the host's Node.js 20 needs only libc, libstdc++ and libgcc.
    mkdirSync(this.path('/usr/bin'), { recursive: true });
    copyFileSync(process.execPath, this.path('/usr/bin/node'));
    chmodSync(this.path('/usr/bin/node'), 0o755);

    this.writeFile(
      '/etc/systemd/system/harness-kmsg.service',
      [
        '# Test harness only: systemd-nspawn hides /dev/kmsg, so journald would read no kernel messages. A FIFO',
        '# there, held open (journald opens /dev/kmsg for writing too and would block without a reader), lets the',
        '# test write records in the kernel format, which journald stores with _TRANSPORT=kernel.',
        '[Unit]',
        'Description=Harness: /dev/kmsg FIFO for kernel-style records',
        'DefaultDependencies=no',
        'Before=systemd-journald.service',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        "ExecStart=/bin/sh -c 'rm -f /dev/kmsg && mkfifo -m 0600 /dev/kmsg && { sleep infinity <>/dev/kmsg & }'",
        '',
      ].join('\n'),
    );
    this.enable('harness-kmsg.service', 'systemd-journald.service');
    this.writeFile(
      '/etc/systemd/system/harness-boot-id.service',
      [
        '# Test harness only: a copy of this boot\'s ID (an nspawn overmount on /proc/sys/kernel/random/boot_id),',
        '# bound into units whose fresh /proc would otherwise show the host kernel\'s (see useBootIdIn).',
        '[Unit]',
        'Description=Harness: copy of the boot ID',
        'DefaultDependencies=no',
        'Before=sysinit.target',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        "ExecStart=/bin/sh -c 'mkdir -p /run/harness && cp /proc/sys/kernel/random/boot_id /run/harness/boot_id'",
        '[Install]',
        'WantedBy=sysinit.target',
        '',
      ].join('\n'),
    );
    this.enable('harness-boot-id.service', 'sysinit.target');

    if (this.variant === 'docker') {
      this.writeFile(
        '/etc/systemd/system/harness-cgroup-rw.service',
        [
          '# Test harness only: on a host with cgroup v1 controllers, systemd-nspawn mounts them read-only in the',
          '# container, and dockerd (cgroupfs driver) could not create container cgroups. Remounted writable',
          '# before containerd and dockerd start. (AL2023 instances run cgroup v2, delegated to dockerd by systemd.)',
          '[Unit]',
          'Description=Harness: writable cgroup v1 controllers for dockerd',
          'Before=containerd.service docker.service',
          '[Service]',
          'Type=oneshot',
          'RemainAfterExit=yes',
          'ExecStart=/usr/local/sbin/harness-cgroup-rw',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      );
      this.writeFile(
        '/usr/local/sbin/harness-cgroup-rw',
        [
          '#!/bin/sh',
          'mount -o remount,rw /sys/fs/cgroup',
          'for c in /sys/fs/cgroup/*; do',
          '  [ "$(findmnt -no FSTYPE "$c")" = cgroup ] && mount -o remount,bind,rw "$c"',
          'done',
          'exit 0',
          '',
        ].join('\n'),
        0o755,
      );
      this.enable('harness-cgroup-rw.service', 'multi-user.target');
    }

    if (standInDocker) {
      this.writeFile(
        '/usr/local/sbin/stand-in-dockerd',
        [
          '#!/bin/sh',
          '# Test harness only: stands in for dockerd. Prints every line written to /run/stand-in-dockerd/in, so',
          '# journald records them as docker.service output (SyslogIdentifier=dockerd), as it does dockerd\'s.',
          'set -e',
          'mkdir -p /run/stand-in-dockerd',
          'rm -f /run/stand-in-dockerd/in',
          'mkfifo -m 0600 /run/stand-in-dockerd/in',
          '# Opened read-write, so cat never sees an end of file between writers.',
          'exec cat 0<>/run/stand-in-dockerd/in',
          '',
        ].join('\n'),
        0o755,
      );
      this.writeFile(
        '/etc/systemd/system/docker.service',
        [
          '[Unit]',
          'Description=Harness: stand-in for the Docker daemon (prints what the test feeds it)',
          '[Service]',
          'ExecStart=/usr/local/sbin/stand-in-dockerd',
          'SyslogIdentifier=dockerd',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      );
      this.enable('docker.service', 'multi-user.target');
    }

    if (artifacts) {
      const files = artifactServerFiles(ARTIFACT_HOST, ARTIFACT_ROOT);
      for (const f of files.files) this.writeFile(f.path, f.content, f.mode);
      this.enable(files.unit, 'multi-user.target');
      const hosts = existsSync(this.path('/etc/hosts')) ? this.readFile('/etc/hosts') : '';
      this.writeFile('/etc/hosts', `${hosts}127.0.0.1\t${ARTIFACT_HOST}\n`);
      mkdirSync(this.path(ARTIFACT_ROOT), { recursive: true });
      // What update-ca-certificates would do for this one certificate (it rehashes all of them: 7 s).
      const bundle = '/etc/ssl/certs/ca-certificates.crt';
      this.writeFile(bundle, this.readFile(bundle) + files.caCert);
    }
  }

  /** Boots the machine and waits until systemd reports the boot finished. */
  async boot(timeoutMs = 90_000): Promise<void> {
    if (this.nspawn) throw new Error('already booted');
    const out = openSync(this.consoleLog, 'a');
    const child = spawn(
      'systemd-nspawn',
      [
        '--quiet',
        '-D', this.root,
        '--boot',
        '--register=no',
        '--keep-unit',
        '--private-network',
        '--link-journal=no',
        `--machine=${this.name}`,
        '--console=read-only',
        ...(this.variant === 'docker' ? DOCKER_NSPAWN_ARGS : []),
      ],
      { stdio: ['ignore', out, out], env: { PATH: INSIDE_ENV.PATH, LANG: 'C.UTF-8' } },
    );
    closeSync(out);
    this.nspawn = child;
    writeFileSync(path.join(this.runDir, 'nspawn.pid'), `${child.pid}\n`);
    this.hostCgroups = readFileSafe(`/proc/${child.pid}/cgroup`);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    this.boots++;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`systemd-nspawn exited with ${child.exitCode} during boot:\n${this.consoleTail()}`);
      const p = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      if (p && readFileSafe(`/proc/${p}/comm`).trim() === 'systemd') {
        this.pid1 = Number(p);
        const r = this.exec(['systemctl', 'is-system-running', '--wait'], { check: false, timeoutMs: Math.max(1000, deadline - Date.now()) });
        if (r.stdout.trim() === 'running') break;
        if (r.stdout.trim() === 'degraded') {
          const failed = this.exec(['systemctl', '--failed', '--no-legend', '--plain'], { check: false }).stdout;
          throw new Error(`the machine booted degraded; failed units:\n${failed}`);
        }
      }
      if (Date.now() > deadline) throw new Error(`the machine did not finish booting in ${timeoutMs / 1000} s:\n${this.consoleTail()}`);
      await sleep(200);
    }
  }

  /** Runs a command inside (all of PID 1's namespaces), as root, with a clean environment. */
  exec(argv: string[], opts: ExecOptions = {}): ExecResult {
    if (!this.pid1) throw new Error('the machine is not booted');
    const r = spawnSync('nsenter', ['-t', String(this.pid1), '-a', '--', ...argv], {
      encoding: 'utf8',
      input: opts.input ?? '',
      timeout: opts.timeoutMs ?? 120_000,
      env: { ...INSIDE_ENV, ...opts.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    const res = { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    if ((opts.check ?? true) && res.status !== 0) {
      throw new Error(`inside ${this.name}: ${argv.join(' ')} exited ${res.status ?? r.signal ?? r.error?.message}\n${res.stdout}\n${res.stderr}`);
    }
    return res;
  }

  sh(script: string, opts: ExecOptions = {}): ExecResult {
    return this.exec(['sh', '-c', script], opts);
  }

  /**
   * Runs a shell script the way the SSM agent's aws:runShellScript does: as root, cwd `/`, in its own
   * transient unit (so it is not killed with a unit it restarts), exit code passed through.
   */
  runScript(script: string, opts: { timeoutMs?: number } = {}): ExecResult {
    const file = `/var/lib/harness/scripts/${Date.now()}-${randomBytes(4).toString('hex')}.sh`;
    this.writeFile(file, script, 0o700);
    return this.exec(['systemd-run', '--quiet', '--wait', '--pipe', '--collect', '-p', 'WorkingDirectory=/', 'sh', file], { check: false, timeoutMs: opts.timeoutMs ?? 600_000 });
  }

  /** Kernel records, as the kernel writes them to /dev/kmsg; each is waited for in the journal. */
  kernel(messages: string[], priority = 3): void {
    for (const message of messages) {
      if (message.includes('\n')) throw new Error('a kernel record is one line');
      const record = `${priority},${this.kmsgSeq++},${Date.now() * 1000},-;${message}\n`;
      // One record per write, each waited for: journald takes one record per read of /dev/kmsg, as the
      // kernel hands them out, and would drop a second record that arrived in the same read.
      this.exec(
        [
          'sh', '-c',
          'printf "%s" "$1" >/dev/kmsg && i=0 && until journalctl -q -o cat _TRANSPORT=kernel -n 200 | grep -qF -- "$2"; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.05; done',
          'kernel', record, message,
        ],
        { timeoutMs: 30_000 },
      );
    }
  }

  bootId(): string {
    return this.exec(['cat', '/proc/sys/kernel/random/boot_id']).stdout.trim();
  }

  /** Makes UNIT see this boot's ID despite its fresh /proc (see the top of this file). */
  useBootIdIn(unit: string): void {
    this.writeFile(
      `/etc/systemd/system/${unit}.d/90-harness-boot-id.conf`,
      [
        '# Test harness only: systemd-nspawn gives the container its own boot ID by an overmount that the',
        "# unit's fresh /proc lacks; on a VM there is one boot ID and this is not needed.",
        '[Service]',
        'BindReadOnlyPaths=/run/harness/boot_id:/proc/sys/kernel/random/boot_id',
        '',
      ].join('\n'),
    );
  }

  /** `systemctl reboot` inside; nspawn exits (133) and the machine is started again: a new boot, same disk. */
  async reboot(timeoutMs = 120_000): Promise<void> {
    const exited = this.exited!;
    this.exec(['systemctl', 'reboot'], { check: false });
    const code = await withTimeout(exited, timeoutMs, 'the machine did not shut down for the reboot');
    if (code !== 133) throw new Error(`systemd-nspawn exited ${code} on reboot (expected 133):\n${this.consoleTail()}`);
    this.nspawn = undefined;
    this.pid1 = 0;
    await this.boot();
  }

  async poweroff(timeoutMs = 60_000): Promise<void> {
    if (!this.nspawn) return;
    const exited = this.exited!;
    this.exec(['systemctl', 'poweroff'], { check: false });
    await withTimeout(exited, timeoutMs, 'the machine did not power off').catch(() => this.nspawn?.kill('SIGKILL'));
    this.nspawn = undefined;
    this.pid1 = 0;
  }

  /** Powers off (or kills) the machine, unmounts and removes everything it wrote. */
  async destroy(): Promise<void> {
    await this.poweroff().catch(() => {});
    this.destroySync();
  }

  /** Synchronous teardown for exit handlers: kill nspawn (its PID namespace dies with it), unmount, remove. */
  destroySync(): void {
    if (this.nspawn && this.nspawn.exitCode === null && this.nspawn.pid) {
      try {
        process.kill(this.nspawn.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      waitGone(this.nspawn.pid);
    }
    this.nspawn = undefined;
    this.pid1 = 0;
    if (this.variant === 'docker') removeDockerCgroups(this.hostCgroups);
    unmountAndRemove(this.runDir);
    live.delete(this);
  }

  get bootCount(): number {
    return this.boots;
  }

  consoleTail(lines = 40): string {
    return readFileSafe(this.consoleLog).split('\n').slice(-lines).join('\n');
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} in ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(t));
}

function waitGone(pid: number): void {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.05']);
  }
}

/**
 * The docker variant's dockerd makes a `docker` cgroup under the machine's place in each host v1 hierarchy
 * (the container's cgroup namespace root): removed when empty, once the machine is gone.
 */
function removeDockerCgroups(procCgroup: string): void {
  for (const line of procCgroup.split('\n')) {
    const [, controllers, where] = line.split(':');
    if (!controllers || where === undefined || controllers.startsWith('name=')) continue;
    const dir = path.join('/sys/fs/cgroup', controllers.split(',')[0]!, where, 'docker');
    try {
      rmdirSync(dir);
    } catch {
      /* absent or still in use */
    }
  }
}

function unmountAndRemove(runDir: string): void {
  const merged = path.join(runDir, 'merged');
  if (readFileSafe('/proc/self/mountinfo').split('\n').some((l) => l.split(' ')[4] === merged)) {
    if (spawnSync('umount', [merged]).status !== 0) spawnSync('umount', ['-l', merged]);
  }
  rmSync(runDir, { recursive: true, force: true });
}

/**
 * Machines whose test process died without cleaning up (killed, or the host rebooted): their nspawn is
 * stopped (by the pid this harness recorded, after checking it is that nspawn) and their files removed.
 */
function reapAbandoned(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(RUN_PREFIX)) continue;
    const dir = path.join(tmpdir(), entry);
    const owner = Number(readFileSafe(path.join(dir, 'owner.pid')).trim());
    if (!owner || isAlive(owner)) continue;
    const nspawn = Number(readFileSafe(path.join(dir, 'nspawn.pid')).trim());
    if (nspawn && isAlive(nspawn) && readFileSafe(`/proc/${nspawn}/cmdline`).split('\0').includes(path.join(dir, 'merged'))) {
      process.kill(nspawn, 'SIGKILL');
      waitGone(nspawn);
    }
    unmountAndRemove(dir);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
