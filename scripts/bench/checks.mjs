// Bench: `ecs-triage check` on a host with 1,000 container directories (issue 3: under 1 s, log contents never read).
// Every 100th container has a 20 GiB sparse log: reading any of them would take far longer than the whole run,
// so the time itself shows that sizes come from stat. Reported against `node -e 0` start-up in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repo, 'dist/ecs-triage.mjs');
const CONTAINERS = 1000;
const RUNS = 5;

const id = (i) => createHash('sha256').update(`bench-${i}`).digest('hex');
const line = '{"log":"GET /health 200\\n","stream":"stdout","time":"2026-11-20T10:00:01.123456789Z"}\n';

function configV2(cid, i) {
  const ecs = i % 10 !== 0;
  const labels = ecs
    ? {
        'com.amazonaws.ecs.cluster': 'prod',
        'com.amazonaws.ecs.container-name': `c${i % 4}`,
        'com.amazonaws.ecs.task-arn': `arn:aws:ecs:us-east-1:123456789012:task/prod/${cid.slice(0, 32)}`,
        'com.amazonaws.ecs.task-definition-family': `fam${i % 17}`,
        'com.amazonaws.ecs.task-definition-version': String(i % 9),
      }
    : {};
  return {
    StreamConfig: {},
    State: { Running: i % 3 !== 0, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1000 + i, ExitCode: 0, Error: '', StartedAt: '2026-11-20T10:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', Health: null },
    ID: cid,
    Created: '2026-11-20T09:59:58Z',
    Path: '/bin/sh',
    Args: ['-c', 'serve'],
    Config: { Hostname: cid.slice(0, 12), Env: ['PATH=/usr/bin:/bin', `TASK=${i}`], Cmd: ['/bin/sh', '-c', 'serve'], Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app${i % 17}:v${i % 5}`, Labels: labels },
    Image: 'sha256:' + createHash('sha256').update(`img${i % 17}`).digest('hex'),
    NetworkSettings: { Bridge: '', SandboxID: '', Networks: { none: {} } },
    LogPath: `/var/lib/docker/containers/${cid}/${cid}-json.log`,
    Name: ecs ? `/ecs-fam${i % 17}-${i % 9}-c${i % 4}-${cid.slice(0, 20)}` : `/plain-${i}`,
    Driver: 'overlay2',
    OS: 'linux',
    RestartCount: 0,
    MountPoints: {},
  };
}

function hostconfig(i) {
  const bounded = i % 2 === 0;
  return {
    Binds: null,
    LogConfig: { Type: 'json-file', Config: bounded ? { 'max-size': '10m', 'max-file': '3', ...(i % 4 === 0 ? { compress: 'true' } : {}) } : {} },
    NetworkMode: 'none',
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    CgroupnsMode: 'host',
    Dns: [],
    IpcMode: 'private',
    ShmSize: 67108864,
    Runtime: 'runc',
  };
}

async function makeHost(root) {
  const base = path.join(root, 'var/lib/docker/containers');
  for (let i = 0; i < CONTAINERS; i++) {
    const cid = id(i);
    const dir = path.join(base, cid);
    await mkdir(path.join(dir, 'checkpoints'), { recursive: true });
    await writeFile(path.join(dir, 'config.v2.json'), JSON.stringify(configV2(cid, i)));
    await writeFile(path.join(dir, 'hostconfig.json'), JSON.stringify(hostconfig(i)));
    await writeFile(path.join(dir, 'hostname'), cid.slice(0, 12) + '\n');
    await writeFile(path.join(dir, 'resolv.conf'), 'nameserver 10.0.0.2\n');
    const log = path.join(dir, `${cid}-json.log`);
    await writeFile(log, line.repeat(1 + (i % 50)));
    if (i % 100 === 0) await truncate(log, 20 * 1024 ** 3); // sparse: 20 GiB length, no blocks
    if (i % 4 === 0) {
      await writeFile(`${log}.1`, line.repeat(200));
      await writeFile(`${log}.2.gz`, Buffer.alloc(300, 1));
    }
  }
}

function timeNode(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, r };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Called by scripts/bench.mjs with { log, bundle, work, … }; runs alone with defaults. */
export async function run({ log = console.log, bundle = CLI, work } = {}) {
  if (!existsSync(bundle)) execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (work) await mkdir(work, { recursive: true });
  const root = await mkdtemp(path.join(work ?? os.tmpdir(), 'bench-checks-'));
  try {
    const t0 = Date.now();
    await makeHost(root);
    log(`checks: generated ${CONTAINERS} container dirs in ${Date.now() - t0} ms (every 100th log is a 20 GiB sparse file)`);
    const checkMs = [];
    const nodeMs = [];
    let report;
    for (let i = 0; i < RUNS; i++) {
      nodeMs.push(timeNode(['-e', '0']).ms);
      const { ms, r } = timeNode([bundle, 'check', '--root', root, '--format', 'json', '--fail-on', 'never']);
      if (r.status !== 0) throw new Error(`check exited ${r.status}: ${r.stderr}`);
      checkMs.push(ms);
      report = JSON.parse(r.stdout);
    }
    if (report.containerCount !== CONTAINERS) throw new Error(`expected ${CONTAINERS} containers, got ${report.containerCount}`);
    const ms = median(checkMs);
    const baseline = median(nodeMs);
    const result = {
      name: 'checks-1000-containers',
      containers: CONTAINERS,
      ms: Math.round(ms),
      nodeStartMs: Math.round(baseline),
      ratio: Number((ms / baseline).toFixed(2)),
      overStartMs: Math.round(ms - baseline),
      findings: report.findings.length,
      budgetMs: 1000,
      ok: ms < 1000,
    };
    log(
      `checks: ${CONTAINERS} containers in ${result.ms} ms (median of ${RUNS}; node -e 0 ${result.nodeStartMs} ms, ratio ${result.ratio}, ` +
        `${result.overStartMs} ms beyond start-up; ${result.findings} findings) ${result.ok ? 'OK' : 'OVER the 1 s budget'}`,
    );
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
