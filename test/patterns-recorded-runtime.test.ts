// The runtime recordings (fixtures/recorded/runtime: real dockerd 20.10, systemd 252 and Linux 6.18 output, see
// its README) as a regression suite for the runtime/host rule families: each file yields exactly the rules
// listed here from those families, and the routine lines around them (container lifecycle, grpc chatter,
// systemd's normal starts and stops, health-check exec events) yield none.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import { recordedLines } from './helpers/recorded.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { parseLine } from '../src/formats/index.js';
import type { Finding } from '../src/types.js';

const DIR = path.resolve('fixtures/recorded/runtime');
/** The pattern files of the runtime/host side; other families (registry, network ...) are checked elsewhere. */
const FAMILIES = new Set([
  'oom', 'docker-daemon', 'agent', 'container-start', 'disk', 'port', 'name-conflict', 'logging-driver', 'volume',
  'container-exit', 'health', 'placement', 'eni', 'timeout', 'interruption', 'host-limits',
]);

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

const lines = (file: string): string[] => recordedLines(DIR, file);

function ours(file: string): Finding[] {
  return lines(file)
    .map((l) => rules.classify(parseLine(l, { source: file.startsWith('kernel-') ? 'kernel' : 'unknown' })))
    .filter((f): f is Finding => f !== undefined && FAMILIES.has(rules.ruleById(f.ruleId)!.family));
}

const EXPECTED: Record<string, string[]> = {
  'cli-after-kill9-2.txt': [],
  'cli-bind-missing.txt': ['docker-bind-source-missing'],
  'cli-exit1.txt': [],
  'cli-exit126.txt': ['oci-executable-not-found'],
  'cli-exit127-entry.txt': ['oci-executable-not-found'],
  'cli-exit127.txt': [],
  'cli-exit139-inspect.txt': ['container-exit-139-segfault'],
  'cli-exit139.txt': [],
  'cli-exit255.txt': [],
  'cli-health-inspect.txt': ['docker-health-unhealthy'],
  'cli-inspect-exit.txt': ['container-exit-126-127-command', 'container-exit-application-error', 'oci-executable-not-found'],
  'cli-inspect-stop.txt': ['container-exit-137-killed', 'container-exit-143-sigterm'],
  'cli-kill9-2.txt': [],
  'cli-log-awslogs-badopt.txt': ['logging-log-opt-invalid'],
  'cli-log-awslogs-creategroupdenied.txt': ['logging-action-denied'],
  'cli-log-awslogs-denied.txt': ['logging-action-denied'],
  'cli-log-awslogs-nogroup-opt.txt': ['logging-log-opt-invalid'],
  'cli-log-awslogs-nogroup.txt': ['logging-log-group-missing'],
  'cli-log-fluentd-async.txt': ['logging-driver-init-failed'],
  'cli-log-fluentd.txt': ['logging-driver-init-failed'],
  'cli-log-gelf.txt': ['logging-driver-init-failed'],
  'cli-log-plugin.txt': ['logging-plugin-not-found'],
  'cli-log-splunk.txt': ['logging-driver-init-failed'],
  'cli-log-syslog.txt': ['logging-driver-init-failed'],
  'cli-name-conflict-create.txt': ['docker-container-name-in-use'],
  'cli-name-conflict.txt': ['docker-container-name-in-use'],
  'cli-oom-inspect.txt': ['container-oomkilled'],
  'cli-oom.txt': [],
  'cli-port-allocated.txt': ['docker-port-already-allocated'],
  'cli-port-in-use.txt': ['docker-port-address-in-use'],
  'cli-restart-bad-2.txt': ['systemd-docker-failed'],
  'cli-status-bad-2.txt': ['systemd-docker-failed', 'systemd-docker-restart-scheduled', 'systemd-docker-start-limit'],
  'cli-status-good-2.txt': [],
  'cli-stop-term.txt': [],
  'cli-stop-timeout.txt': [],
  'cli-vol-create-plugin.txt': ['docker-volume-plugin-not-found'],
  'cli-vol-nfs.txt': ['docker-volume-mount-error'],
  'cli-vol-plugin-api-2.txt': ['docker-volume-plugin-not-found'],
  'cli-vol-plugin.txt': [],
  'kernel-oom-memcg-v1.txt': ['kernel-oom-invoked', 'kernel-oom-kill-cgroup', 'kernel-oom-killed-process'],
  'kernel-pids.txt': ['pids-fork-rejected'],
};

describe('runtime recordings (fixtures/recorded/runtime)', () => {
  it.each(Object.entries(EXPECTED))('%s → %j', (file, ruleIds) => {
    expect([...new Set(ours(file).map((f) => f.ruleId))].sort()).toEqual([...ruleIds].sort());
  });

  it('extracts what the remediation needs from the recorded lines', () => {
    const [port] = ours('cli-port-allocated.txt');
    expect(port!.fields).toMatchObject({ hostIp: '0.0.0.0', port: '80' });
    const [name] = ours('cli-name-conflict.txt');
    expect(name!.fields).toMatchObject({ containerName: '/ecs-web-3-web-a8c4e0f2b1d9e6c7b801', containerId: 'ed7424c4c2a59c2e72a3edf8c1e0a0a22bcc1112cdc70cf26b16a2611fdf3ad2' });
    const [denied] = ours('cli-log-awslogs-denied.txt');
    expect(denied!.fields).toMatchObject({ roleName: 'web-task-execution', action: 'logs:CreateLogStream', logGroup: '/ecs/web', region: 'us-east-1', account: '123456789012' });
    const kill = ours('kernel-oom-memcg-v1.txt').find((f) => f.ruleId === 'kernel-oom-kill-cgroup')!;
    expect(kill.fields).toMatchObject({ taskId: '3f2a9c1e7b4d4e0a9c6b5d8e1f2a3b4c', reason: 'CONSTRAINT_MEMCG', process: 'tail' });
    const [pids] = ours('kernel-pids.txt');
    expect(pids!.fields).toMatchObject({ taskId: '3f2a9c1e7b4d4e0a9c6b5d8e1f2a3b4c' });
  });

  it('counts each failure in the journals and leaves the routine lines alone', () => {
    const count = (file: string) => {
      const c: Record<string, number> = {};
      for (const f of ours(file)) c[f.ruleId] = (c[f.ruleId] ?? 0) + 1;
      return c;
    };
    // Session 1: a CLI error is logged by dockerd once as a warning and once as the handler's error.
    expect(count('journal-session1.txt')).toEqual({
      'docker-port-already-allocated': 2, 'docker-port-address-in-use': 2, 'logging-driver-init-failed': 5,
      'logging-action-denied': 2, 'logging-log-group-missing': 2, 'docker-volume-mount-error': 1,
    });
    // Session 2: SIGKILL of dockerd, then three failed starts and the start limit (the service's and its socket's), as systemd 252 reports them.
    expect(count('journal-session2.txt')).toEqual({
      'logging-log-group-missing': 1, 'logging-action-denied': 2, 'systemd-docker-main-process-exited': 3, 'systemd-docker-failed': 7,
      'systemd-docker-restart-scheduled': 3, 'dockerd-failed-to-start': 2, 'systemd-docker-start-limit': 2,
    });
    // A health check command's own exit (exec_die exitCode=1) is not a container exit.
    expect(count('events.jsonl')).toEqual({
      'docker-event-oom': 1, 'container-exit-137-killed': 2, 'container-exit-application-error': 2,
      'container-exit-126-127-command': 1, 'container-exit-143-sigterm': 1, 'docker-health-unhealthy': 1,
    });
  });
});
