// Writes container directories the way Docker 20.10 does (facts sheet section 7): `<id>/config.v2.json`,
// `<id>/hostconfig.json`, `<id>/<id>-json.log` and its rotations. Used by the host-check tests.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ContainerSpec {
  name: string;
  /** 64-hex id; default derived from the name. */
  id?: string;
  image?: string;
  running?: boolean;
  labels?: Record<string, string>;
  /** hostconfig.json LogConfig; default json-file with no options. */
  logConfig?: { Type: string; Config: Record<string, string> };
  /** Suffix ('' for the live file, '.1', '.2.gz' …) → size in bytes (sparse when large; for .gz, the size before compression). */
  logs?: Record<string, number>;
  /** false: leave the file out; a string: write it verbatim (e.g. truncated JSON). */
  configV2?: false | string;
  hostconfig?: false | string;
  /** Data root as the container sees it (for LogPath); default /var/lib/docker. */
  dataRoot?: string;
}

export function containerId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export function ecsLabels(family: string, revision: number, container: string, cluster = 'prod', taskId = containerId(family).slice(0, 32)): Record<string, string> {
  return {
    'com.amazonaws.ecs.cluster': cluster,
    'com.amazonaws.ecs.container-name': container,
    'com.amazonaws.ecs.task-arn': `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/${taskId}`,
    'com.amazonaws.ecs.task-definition-family': family,
    'com.amazonaws.ecs.task-definition-version': String(revision),
  };
}

export function configV2(id: string, spec: ContainerSpec): object {
  const dataRoot = spec.dataRoot ?? '/var/lib/docker';
  const running = spec.running ?? true;
  return {
    StreamConfig: {},
    State: {
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      RemovalInProgress: false,
      Dead: false,
      Pid: running ? 4242 : 0,
      ExitCode: running ? 0 : 137,
      Error: '',
      StartedAt: '2026-11-20T10:00:00.123456789Z',
      FinishedAt: running ? '0001-01-01T00:00:00Z' : '2026-11-21T10:00:00.987654321Z',
      Health: null,
    },
    ID: id,
    Created: '2026-11-20T09:59:58.5Z',
    Managed: false,
    Path: '/bin/sh',
    Args: ['-c', 'while true; do date; sleep 1; done'],
    Config: {
      Hostname: id.slice(0, 12),
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh', '-c', 'while true; do date; sleep 1; done'],
      Image: spec.image ?? 'busybox:latest',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: spec.labels ?? {},
    },
    Image: 'sha256:' + containerId('image:' + (spec.image ?? 'busybox')),
    NetworkSettings: { Bridge: '', SandboxID: '', HairpinMode: false, Networks: { none: {} }, Service: null, Ports: null },
    LogPath: `${dataRoot}/containers/${id}/${id}-json.log`,
    Name: '/' + spec.name,
    Driver: 'overlay2',
    OS: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    RestartCount: 0,
    HasBeenStartedBefore: true,
    HasBeenManuallyStopped: false,
    MountPoints: {},
    SecretReferences: null,
    ConfigReferences: null,
    AppArmorProfile: '',
    HostnamePath: `${dataRoot}/containers/${id}/hostname`,
    HostsPath: `${dataRoot}/containers/${id}/hosts`,
    ShmPath: '',
    ResolvConfPath: `${dataRoot}/containers/${id}/resolv.conf`,
    SeccompProfile: '',
    NoNewPrivileges: false,
  };
}

export function hostconfig(spec: ContainerSpec): object {
  return {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: spec.logConfig ?? { Type: 'json-file', Config: {} },
    NetworkMode: 'none',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: 'host',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'runc',
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: '',
    Devices: [],
    MemoryReservation: 0,
    MemorySwap: 0,
    OomKillDisable: false,
    PidsLimit: null,
    Ulimits: null,
  };
}

function logLines(bytes: number): string {
  // Real json-file lines, repeated to about the wanted size (only for small files; large ones are sparse).
  const line = '{"log":"2026-11-20T10:00:01Z GET /health 200\\n","stream":"stdout","time":"2026-11-20T10:00:01.123456789Z"}\n';
  return line.repeat(Math.max(1, Math.ceil(bytes / line.length))).slice(0, bytes);
}

/** Creates `<containersDir>/<id>/…` and returns the id. Sizes above 64 KiB become sparse files of exactly that length. */
export async function writeContainer(containersDir: string, spec: ContainerSpec): Promise<string> {
  const id = spec.id ?? containerId(spec.name);
  const dir = path.join(containersDir, id);
  await mkdir(path.join(dir, 'checkpoints'), { recursive: true });
  await mkdir(path.join(dir, 'mounts'), { recursive: true });
  if (spec.configV2 !== false) await writeFile(path.join(dir, 'config.v2.json'), spec.configV2 ?? JSON.stringify(configV2(id, spec)));
  if (spec.hostconfig !== false) await writeFile(path.join(dir, 'hostconfig.json'), spec.hostconfig ?? JSON.stringify(hostconfig(spec)));
  await writeFile(path.join(dir, 'hostname'), id.slice(0, 12) + '\n');
  await writeFile(path.join(dir, 'hosts'), '127.0.0.1\tlocalhost\n');
  await writeFile(path.join(dir, 'resolv.conf'), 'nameserver 10.0.0.2\n');
  await writeFile(path.join(dir, 'resolv.conf.hash'), '');
  for (const [suffix, bytes] of Object.entries(spec.logs ?? { '': 300 })) {
    const file = path.join(dir, `${id}-json.log${suffix}`);
    if (bytes > 64 * 1024) {
      await writeFile(file, '');
      await truncate(file, bytes);
    } else {
      await writeFile(file, suffix.endsWith('.gz') ? gzipSync(logLines(bytes)) : logLines(bytes));
    }
  }
  return id;
}

export function statfsMount(sizeGiB: number, usedPercent: number, inodes = 2_000_000, inodeUsedPercent = 10): object {
  const bsize = 4096;
  const blocks = Math.round((sizeGiB * 1024 ** 3) / bsize);
  const bfree = Math.round(blocks * (1 - usedPercent / 100));
  const ffree = Math.round(inodes * (1 - inodeUsedPercent / 100));
  return { bsize, blocks, bfree, bavail: bfree, files: inodes, ffree };
}
