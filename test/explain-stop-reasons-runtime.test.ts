// The runtime/host stop reasons of the diagnosis issue, as a user pastes them into the real `explain` CLI:
// each gets its category and advice a person can act on. Then the stopped-task fixtures of these
// categories: every part describe-tasks gives (stoppedReason, stopCode, each container's reason and exit
// code) classified with the shipped rules, the strongest answer being the one the file name states.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../src/classify/load.js';
import type { RuleSet } from '../src/classify/ruleset.js';
import { parseLine } from '../src/formats/index.js';
import type { Finding } from '../src/types.js';
import { REPO, runCli } from './helpers/cli.js';

interface Case {
  reason: string;
  category: string;
  ruleId: string;
  /** Words the advice must contain: the command or setting a person would use for this cause. */
  advice: RegExp;
}

// The issue's "Done when" stop reasons of the runtime/host side (the registry-side ones are B1's test).
const CASES: Case[] = [
  { reason: 'Bind for 0.0.0.0:80 failed: port is already allocated', category: 'port_conflict', ruleId: 'docker-port-already-allocated', advice: /docker ps .*Ports|dynamic host ports/ },
  { reason: 'Essential container in task exited. Container web: Exit code: 137, OOMKilled: false', category: 'container_exit', ruleId: 'container-exit-137-killed', advice: /SIGTERM[\s\S]*stopTimeout/ },
  { reason: 'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0a1b2c3d4e5f6a7b)', category: 'health_check_failure', ruleId: 'elb-health-checks-failed', advice: /describe-target-health/ },
  { reason: 'The container name "/ecs-web-1-web-f2b7" is already in use', category: 'container_name_conflict', ruleId: 'docker-container-name-in-use', advice: /docker rm -f/ },
  {
    reason: 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/9a8b7c6d5e4f30211203f4e5d6c7b8a9 is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/payments:log-stream:ecs/payments/9a8b7c6d5e4f30211203f4e5d6c7b8a9 : exit status 1',
    category: 'logging_driver_failure', ruleId: 'logging-action-denied', advice: /put-role-policy[\s\S]*logs:CreateLogStream/,
  },
  { reason: 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes', category: 'volume_mount_failure', ruleId: 'efs-utils-command-failed', advice: /describe-mount-targets/ },
  { reason: 'DockerTimeoutError: Could not transition to created; timed out after waiting 4m0s', category: 'container_timeout', ruleId: 'docker-timeout-error', advice: /ECS_CONTAINER_CREATE_TIMEOUT/ },
  { reason: 'TaskFailedToStart: RESOURCE:ENI', category: 'placement_failure', ruleId: 'ecs-placement-resource', advice: /awsvpcTrunking/ },
  { reason: 'SpotInterruption: Your Spot Task was interrupted.', category: 'instance_interruption', ruleId: 'spot-interruption', advice: /capacity provider strategy|SPOT_INSTANCE_DRAINING/ },
];

interface ExplainJson {
  line: string;
  diagnosis: (Finding & { remediation: string[] }) | null;
}

describe('explain: runtime and host stop reasons (real CLI)', () => {
  it.each(CASES.map((c) => [c.category, c] as const))('%s', async (_category, c) => {
    const json = await runCli(['explain', '--format', 'json', c.reason]);
    expect(json.code, json.stderr).toBe(0);
    const [answer] = JSON.parse(json.stdout) as ExplainJson[];
    expect(answer!.diagnosis).toMatchObject({ category: c.category, ruleId: c.ruleId });
    expect(answer!.diagnosis!.remediation.join('\n')).toMatch(c.advice);
    expect(answer!.diagnosis!.docs?.length ?? 0).toBeGreaterThan(0);

    const text = await runCli(['explain', c.reason]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`category: ${c.category}`);
    expect(text.stdout).toContain('what to do:');
  });

  it('the wrapper is not the answer: a logger or volume inside ResourceInitializationError is that cause, not secrets', async () => {
    const out = await runCli(['explain', '--format', 'json'], {
      input: `${CASES[4]!.reason}\n${CASES[5]!.reason}\n`,
    });
    const answers = JSON.parse(out.stdout) as ExplainJson[];
    expect(answers.map((a) => a.diagnosis?.category)).toEqual(['logging_driver_failure', 'volume_mount_failure']);
  });

  it('exit code 137 is an OOM kill only when OOMKilled says so', async () => {
    const out = await runCli(['explain', '--format', 'json'], {
      input: [
        'Essential container in task exited: container="web" exitCode=137 oomKilled=true stopCode=EssentialContainerExited',
        'Essential container in task exited: container="web" exitCode=137 oomKilled=false stopCode=EssentialContainerExited',
        'Essential container in task exited',
        'Essential container in task exited. Container web: Exit code: 143',
        'Essential container in task exited. Container web: Exit code: 139',
        'Essential container in task exited. Container web: Exit code: 127',
        'Essential container in task exited. Container web: Exit code: 1',
      ].join('\n'),
    });
    // The exit code is a field of the line (a string from the rule, a number from the field layer).
    const code = (v: unknown) => (v === undefined ? undefined : String(v));
    const answers = (JSON.parse(out.stdout) as ExplainJson[]).map((a) => [
      a.diagnosis?.category, a.diagnosis?.ruleId, a.diagnosis?.category === 'container_exit' ? code(a.diagnosis.fields.exitCode) : '-',
    ]);
    expect(answers).toEqual([
      ['oom', 'container-oomkilled', '-'],
      ['container_exit', 'container-exit-137-killed', '137'],
      ['container_exit', 'essential-container-exited', undefined],
      ['container_exit', 'container-exit-143-sigterm', '143'],
      ['container_exit', 'container-exit-139-segfault', '139'],
      ['container_exit', 'container-exit-126-127-command', '127'],
      ['container_exit', 'container-exit-application-error', '1'],
    ]);
  });
});

// ---- stopped-task fixtures ----

interface DescribedContainer {
  name: string;
  reason?: string;
  exitCode?: number;
}
interface DescribedTask {
  stoppedReason?: string;
  stopCode?: string;
  containers: DescribedContainer[];
}

const FIXTURES = path.join(REPO, 'fixtures/stopped-tasks');
/** The categories whose fixtures this file checks (the runtime/host side); the rest are B1's. */
const RUNTIME = new Set([
  'oom', 'docker_daemon_failure', 'agent_registration', 'container_start_failure', 'port_conflict', 'container_name_conflict',
  'logging_driver_failure', 'volume_mount_failure', 'container_exit', 'health_check_failure', 'placement_failure',
  'network_interface_failure', 'container_timeout', 'instance_interruption', 'host_resource_limit',
]);
const fixtureFiles = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .filter((f) => RUNTIME.has(f.replace(/\.json$/, '').replace(/-.*$/, '')))
  .sort();

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet();
});

/**
 * What explain's describe-tasks reader classifies (test/corpus/README.md, "Records built from aws ecs
 * describe-tasks"): the stopped reason, each container's reason, and per exit code the record
 * `<stoppedReason>: container="NAME" exitCode=N oomKilled=BOOL stopCode=CODE`. The verdict is the stopped
 * reason's diagnosis unless that is a container exit; then the first container reason, then the first exit record.
 */
function verdict(task: DescribedTask): Finding | undefined {
  const classify = (t: string | undefined) => (t ? rules.classify(parseLine(t, { source: 'stopped-reason' })) : undefined);
  const stopped = classify(task.stoppedReason);
  if (stopped && stopped.category !== 'container_exit') return stopped;
  const reasons = task.containers.map((c) => (c.reason === task.stoppedReason ? undefined : classify(c.reason))).find(Boolean);
  if (reasons) return reasons;
  const exits = task.containers
    .filter((c) => c.exitCode !== undefined)
    .map((c) => {
      const oom = /OutOfMemoryError|OOMKilled/.test(c.reason ?? '');
      return classify(`${task.stoppedReason}: container="${c.name}" exitCode=${c.exitCode} oomKilled=${oom} stopCode=${task.stopCode}`);
    })
    .find((f) => f && f.ruleId !== 'essential-container-exited');
  return exits ?? stopped;
}

describe('stopped-task fixtures of the runtime/host categories', () => {
  it('cover every runtime/host category that a stopped task can show', () => {
    const covered = new Set(fixtureFiles.map((f) => f.replace(/\.json$/, '').replace(/-.*$/, '')));
    for (const c of RUNTIME) if (c !== 'agent_registration') expect(covered, c).toContain(c);
  });

  it.each(fixtureFiles)('%s', (file) => {
    const doc = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as { tasks: DescribedTask[]; failures: unknown[] };
    expect(doc.failures).toEqual([]);
    expect(doc.tasks).toHaveLength(1);
    const want = file.replace(/\.json$/, '').replace(/-.*$/, '');
    expect(verdict(doc.tasks[0]!)?.category).toBe(want);
  });

  it('the whole JSON pasted into explain already names the cause line by line', async () => {
    const raw = readFileSync(path.join(FIXTURES, 'container_exit-137.json'), 'utf8');
    const out = await runCli(['explain', '--format', 'json'], { input: raw });
    const doc = JSON.parse(out.stdout) as { tasks: Array<{ items: ExplainJson[] }> };
    const categories = new Set(doc.tasks.flatMap((t) => t.items).map((a) => a.diagnosis?.category).filter(Boolean));
    expect(categories).toContain('container_exit');
    expect(categories).not.toContain('oom');
  });
});
