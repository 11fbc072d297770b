// What the system test writes and how it reads the result back: log lines in the formats the real programs
// write, each carrying a unique key that the event for it must show exactly once, and the file sink's events.
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Machine } from './harness/machine.js';

export type Origin = 'agent' | 'dockerd' | 'kernel';

export interface Fed {
  key: string;
  origin: Origin;
  line: string;
}

const ACCOUNT_REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const AGENT_LOG = '/var/log/ecs/ecs-agent.log';

/** Lines whose classification is distinct per key (the image or the cgroup path is an aggregation key field). */
export class Feeder {
  private n = 0;
  readonly fed: Fed[] = [];
  private readonly run = randomBytes(3).toString('hex');

  constructor(private readonly m: Machine) {}

  private next(origin: Origin): { key: string; n: number } {
    this.n++;
    return { key: origin === 'kernel' ? `${this.run}${String(this.n).padStart(26, '0')}` : `sysmark-${this.run}-${this.n}`, n: this.n };
  }

  /** The ECS agent's logfmt (agent/dockerclient "failed to pull image"), appended to ecs-agent.log. */
  agent(count: number): Fed[] {
    const out: Fed[] = [];
    for (let i = 0; i < count; i++) {
      const { key } = this.next('agent');
      const image = `${ACCOUNT_REGISTRY}/${key}:1.0`;
      const line =
        `level=error time=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} msg="DockerGoClient: failed to pull image ${image}: ` +
        `[CannotPullContainerError] Error response from daemon: manifest for ${image} not found: manifest unknown: Requested image not found" module=docker_client.go`;
      out.push({ key, origin: 'agent', line });
    }
    this.m.sh(`mkdir -p /var/log/ecs && cat >>${AGENT_LOG}`, { input: out.map((f) => f.line + '\n').join('') });
    this.fed.push(...out);
    return out;
  }

  /** dockerd's logrus line for a failed pull, printed by the stand-in docker.service into the journal. */
  dockerd(count: number): Fed[] {
    const out: Fed[] = [];
    for (let i = 0; i < count; i++) {
      const { key } = this.next('dockerd');
      const image = `${ACCOUNT_REGISTRY}/${key}:1.0`;
      const line =
        `time="${new Date().toISOString().replace('Z', '000000Z')}" level=error msg="Handler for POST /v1.43/images/create returned error: ` +
        `manifest for ${image} not found: manifest unknown: Requested image not found"`;
      out.push({ key, origin: 'dockerd', line });
    }
    // Written through the FIFO the stand-in reads, then waited for in the journal.
    this.m.exec(
      [
        'sh', '-c',
        'cat >/run/stand-in-dockerd/in && i=0 && until journalctl -q -o cat -u docker.service -n 500 | grep -qF -- "$1"; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.05; done',
        'feed', out[out.length - 1]!.key,
      ],
      { input: out.map((f) => f.line + '\n').join('') },
    );
    this.fed.push(...out);
    return out;
  }

  /** The kernel's OOM summary line (mm/oom_kill.c), through the /dev/kmsg FIFO. */
  kernel(count: number): Fed[] {
    const out: Fed[] = [];
    for (let i = 0; i < count; i++) {
      const { key, n } = this.next('kernel');
      const container = key.slice(0, 12);
      const line =
        `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${container},mems_allowed=0,oom_memcg=/ecs/${key}/${container},` +
        `task_memcg=/ecs/${key}/${container},task=java,pid=${20000 + n},uid=0`;
      out.push({ key, origin: 'kernel', line });
    }
    this.m.kernel(out.map((f) => f.line));
    this.fed.push(...out);
    return out;
  }

  /** One of each origin. */
  all(count = 1): Fed[] {
    return [...this.agent(count), ...this.dockerd(count), ...this.kernel(count)];
  }
}

export interface SinkEvent {
  id: string;
  kind: string;
  count: number;
  source: string;
  line?: string;
  fields?: Record<string, unknown>;
}

/** Every event in the file sink (events.jsonl and its rotations), oldest file first. */
export function sinkEvents(m: Machine, stateDir = '/var/lib/ecs-triage'): SinkEvent[] {
  const out: SinkEvent[] = [];
  for (const name of ['events.jsonl.3', 'events.jsonl.2', 'events.jsonl.1', 'events.jsonl']) {
    const file = m.path(`${stateDir}/${name}`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      out.push(JSON.parse(line) as SinkEvent);
    }
  }
  return out;
}

export interface Tally {
  missing: Fed[];
  repeated: Array<{ key: string; times: number }>;
  /** Events with the same id more than once (a re-sent event). */
  duplicateIds: string[];
}

/** How often each fed key shows up as a finding event, and re-sent ids. */
export function tally(fed: readonly Fed[], events: readonly SinkEvent[]): Tally {
  const seen = new Map<string, number>();
  for (const ev of events) {
    if (ev.kind !== 'finding' || !ev.line) continue;
    const key = /sysmark-[0-9a-f]{6}-\d+/.exec(ev.line)?.[0] ?? /\/ecs\/([0-9a-f]{32})\//.exec(ev.line)?.[1];
    if (key) seen.set(key, (seen.get(key) ?? 0) + ev.count);
  }
  const ids = new Map<string, number>();
  for (const ev of events) ids.set(ev.id, (ids.get(ev.id) ?? 0) + 1);
  return {
    missing: fed.filter((f) => !seen.has(f.key)),
    repeated: [...seen].filter(([, times]) => times > 1).map(([key, times]) => ({ key, times })),
    duplicateIds: [...ids].filter(([, n]) => n > 1).map(([id]) => id),
  };
}
