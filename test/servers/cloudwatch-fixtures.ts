// Shared by the CloudWatch tests, the child-process harness and the benchmark: realistic events, dummy
// credentials, and a silent environment that never reaches a real AWS address.
import type { TriageEvent } from '../../src/types.js';
import type { Identity } from '../../src/aws/identity.js';
import { defaultConfig } from '../../src/config.js';
import { redacted, redactedFields } from '../../src/redacted.js';
import type { CloudWatchSettings } from '../../src/sinks/cloudwatch/options.js';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTTESTTESTTEST', secretAccessKey: 'test-secret-not-real' };

export const TEST_IDENTITY: Identity = {
  instanceId: 'i-0abc123def4567890',
  region: 'eu-west-1',
  az: 'eu-west-1b',
  instanceType: 'm6i.large',
  cluster: 'prod-web',
  containerInstanceArn: 'arn:aws:ecs:eu-west-1:111122223333:container-instance/prod-web/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  hostname: 'ip-10-0-1-23',
};

/** The `cloudwatch` section with its defaults, and test values (e.g. a 50 ms flush, below the configurable minimum). */
export function cwSettings(partial: Partial<CloudWatchSettings> = {}): CloudWatchSettings {
  return { ...defaultConfig().cloudwatch, ...partial };
}

/** Environment for SDK clients in tests: dummy keys, IMDS off (never 169.254.169.254), no Node 20 warning. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

const IMAGES = [
  '111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments/api:2026.11.3',
  'public.ecr.aws/nginx/nginx:1.27-alpine',
  'docker.io/library/redis:7.4',
  'ghcr.io/acme/worker@sha256:4f5d1c2b3a4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd',
];

/** A finding event as the daemon would produce it; `i` makes the id and line unique. */
export function makeEvent(i: number, time: number = Date.now(), extraLine = ''): TriageEvent {
  const image = IMAGES[i % IMAGES.length]!;
  const iso = new Date(time).toISOString();
  return {
    schema: 1,
    id: `evt-${String(i).padStart(8, '0')}`,
    kind: 'finding',
    category: i % 3 === 0 ? 'registry_auth_denied' : i % 3 === 1 ? 'image_not_found' : 'network_timeout',
    severity: 'error',
    ruleId: i % 3 === 0 ? 'ecr-get-authorization-token-denied' : i % 3 === 1 ? 'manifest-unknown' : 'registry-dial-timeout',
    title: redacted('Image pull failed'),
    count: 1 + (i % 5),
    firstSeen: iso,
    lastSeen: iso,
    source: 'ecs-agent',
    file: redacted('/var/log/ecs/ecs-agent.log'),
    message: redacted(`CannotPullContainerError for ${image}`),
    line: redacted(
      `level=error time=${iso} msg="Error while pulling image; will try to run anyway" image="${image}" ` +
      `taskARN="arn:aws:ecs:eu-west-1:111122223333:task/prod-web/${(i * 7919).toString(16).padStart(32, '0')}" ` +
      `error="CannotPullContainerError: failed to resolve reference \\"${image}\\": not found" seq=${i}${extraLine}`,
    ),
    hint: redacted('Check that the tag exists in the repository and that the task execution role can pull it.'),
    fields: redactedFields({ image, registry: image.split('/')[0]!, tag: image.split(':').at(-1)!, container: 'app', httpStatus: 404 }),
  };
}

const EXITS = [
  { exitCode: 137, exitClass: 'oom', oomKilled: true, category: 'oom', ruleId: 'container-oomkilled', meaning: 'Docker reports the container as OOM-killed' },
  { exitCode: 1, exitClass: 'error', oomKilled: false, category: 'container_exit', ruleId: 'container-exit-application-error', meaning: 'The application exited with an error (exit code 1 or 255)' },
  { exitCode: 137, exitClass: 'killed', oomKilled: false, category: 'container_exit', ruleId: 'container-exit-137-killed', meaning: 'The container was killed with SIGKILL (exit code 137) - without an OOM kill, after not stopping in time' },
  { exitCode: 143, exitClass: 'normal', oomKilled: false, category: 'container_exit', ruleId: 'container-exit-143-sigterm', meaning: 'The container exited on SIGTERM (exit code 143) - a normal stop' },
] as const;

/** The task id makeEvent(i) names in its line. */
export const taskIdOfEvent = (i: number): string => (i * 7919).toString(16).padStart(32, '0');

/** A task record as the daemon's task source makes it; `i` picks the task (the one makeEvent(i) names) and how it ended. */
export function makeTaskEvent(i: number, time: number = Date.now()): TriageEvent {
  const x = EXITS[i % EXITS.length]!;
  const id = taskIdOfEvent(i);
  const arn = `arn:aws:ecs:eu-west-1:111122223333:task/prod-web/${id}`;
  const family = i % 2 === 0 ? 'web' : 'worker';
  const iso = new Date(time).toISOString();
  return {
    schema: 1,
    id: `task-${String(i).padStart(8, '0')}`,
    kind: 'task_stopped',
    category: x.category,
    severity: x.exitClass === 'normal' ? 'info' : 'error',
    ruleId: x.ruleId,
    title: redacted(`Task ${family}:7 stopped: ${x.meaning}`),
    count: 1,
    firstSeen: new Date(time - 3_600_000).toISOString(),
    lastSeen: iso,
    source: 'task',
    message: redacted(`Task ${id} (${family}:7) stopped: container app exited ${x.exitCode}; ${x.meaning}`),
    fields: redactedFields({ taskArn: arn, taskId: id, family, revision: '7', taskDefinition: `${family}:7`, cluster: 'prod-web', exitClass: x.exitClass, exitCode: x.exitCode, exitMeaning: x.meaning, stoppedContainer: 'app', oomKilled: x.oomKilled, stoppedAt: iso, containerCount: 1, findingCount: 1 }),
    containers: [{ name: redacted('app'), dockerId: redacted('0'.repeat(63) + String(i % 10)), exitCode: x.exitCode, exitMeaning: redacted(x.meaning), exitClass: x.exitClass, exitRuleId: x.ruleId, oomKilled: x.oomKilled, finishedAt: iso }],
    findingIds: [`evt-${String(i).padStart(8, '0')}`],
  };
}
