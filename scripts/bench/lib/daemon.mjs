// What the daemon benches (watch.mjs, cloudwatch.mjs) share about the `watch` process under test: it runs the
// way the systemd unit starts it, with the unit's NODE_OPTIONS (V8 heap limits) read from
// systemd/ecs-triage.service so the bench cannot drift from what is installed (BENCH_NODE_OPTIONS overrides
// them; BENCH_NODE_OPTIONS= runs with Node's defaults); it is up once its status file names it; and its CPU
// time and memory are read from /proc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The kernel's clock tick: CPU times in /proc are counted in these. */
export const CLOCK_TICK_MS = 1000 / (Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);

/** NODE_OPTIONS of the AL2023 unit (`Environment=NODE_OPTIONS=…` or `Environment="NODE_OPTIONS=…"`). */
export function unitNodeOptions() {
  const unit = readFileSync(path.join(repo, 'systemd/ecs-triage.service'), 'utf8');
  const m = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit);
  return m ? m[1].trim() : '';
}

/** The Node options the daemon benches use, and how to name them in the output. */
export function daemonNodeOptions() {
  const override = process.env.BENCH_NODE_OPTIONS;
  const options = override ?? unitNodeOptions();
  const what = options ? `NODE_OPTIONS="${options}"` : "Node's default options";
  return { options, label: override === undefined ? `as the systemd unit starts it, ${what}` : `with BENCH_NODE_OPTIONS: ${what}` };
}

/** `base` with NODE_OPTIONS set for a daemon child (the bench's own NODE_OPTIONS never leak into it). */
export function daemonEnv(base = process.env, options = daemonNodeOptions().options) {
  const env = { ...base };
  if (options) env.NODE_OPTIONS = options;
  else delete env.NODE_OPTIONS;
  return env;
}

/** True once the daemon with this pid has written its status file in `stateDir`: it is up and reading. */
export function daemonReady(stateDir, pid) {
  const file = path.join(stateDir, 'status.json');
  return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).pid === pid;
}

/** CPU time (user + system) a process has used so far, in ms (a multiple of the clock tick). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * CLOCK_TICK_MS;
}

/** One memory line of /proc/PID/status (`VmRSS`, `VmHWM`), in MB. */
export function statusMb(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A host root under `base` with an empty /var/log/ecs/ecs-agent.log, and the path of a state directory beside it. */
export function agentHostRoot(base) {
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'var/log/ecs'), { recursive: true });
  const log = path.join(root, 'var/log/ecs/ecs-agent.log');
  writeFileSync(log, '');
  return { root, state: path.join(base, 'state'), log };
}

/** An agent failure line the shipped rules classify; `tag` makes it distinct. */
export const failLine = (tag) =>
  `level=error time=2026-11-23T18:01:02Z msg="DockerGoClient: failed to pull image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${tag}: [CannotPullContainerError] Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries" module=docker_client.go`;
