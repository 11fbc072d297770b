// `ecs-triage task`: one stopped task explained end to end — what ECS recorded, checks in AWS that confirm or rule
// out the cause, and what its host logged (through SSM). The AWS SDK clients are imported inside the action only.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { loadRuleSet } from '../classify/load.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Severity } from '../types.js';
import { addAwsOptions, awsFlags, type AwsOptionValues } from './aws-options.js';
import { EXIT, type RegisterCommand } from './command.js';
import { remoteSince } from '../fleet/remote.js';
import { choice, failsOn, parseFailOn, parseTimeoutOption, type FailOn } from './options.js';

interface TaskFlags extends AwsOptionValues {
  cluster?: string;
  service?: string;
  last: number;
  format: 'text' | 'json';
  verify: boolean;
  host: boolean;
  since?: string;
  failOn: FailOn;
  patterns?: string;
  hostTimeout: number;
  pollInterval: string;
}

const TASK_ARN_REGION = /^arn:aws[\w-]*:ecs:([\w-]+):\d{12}:task\//;

function positiveInt(max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

function interval(text: string): number {
  const m = /^([0-9]{1,6})(ms|s)?$/.exec(text.trim());
  const n = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!(n >= 10)) throw new UsageError(`--poll-interval: expected e.g. 2s or 500ms (at least 10ms), got "${text}"`);
  return n;
}

/** `--host-timeout`: a duration like every `--timeout` (a bare number is seconds), in seconds for SSM (5 s to 48 h). */
function hostTimeout(text: string): number {
  const seconds = Math.round(parseTimeoutOption(text) / 1000);
  if (seconds < 5 || seconds > 172_800) throw new InvalidArgumentError('expected a duration between 5s and 48h (SSM accepts 5 to 172800 seconds)');
  return seconds;
}

export const registerTask: RegisterCommand = (program: Command, io, exit) => {
  const cmd = program
    .command('task')
    .description('Explain one stopped ECS task end to end: what ECS recorded, AWS checks that confirm or rule out the cause (IAM, ECR, VPC, secrets), and what its host logged.')
    .argument('[task]', 'task ARN or id (with --cluster); or use --service')
    .option('--cluster <name>', 'cluster of the task or service (default: the one in the task ARN, else "default")')
    .option('--service <name>', 'explain the last stopped tasks of this service instead (ListTasks, desired status STOPPED)')
    .option('--last <n>', 'with --service: how many of its stopped tasks, newest first', positiveInt(100), 1)
    .option('--format <format>', 'text or json (schema ecs-triage/task-report v1)', choice(['text', 'json'] as const), 'text')
    .option('--no-verify', 'skip the AWS checks (IAM simulation, ECR, VPC path, secrets)')
    .option('--no-host', 'do not run the scan on the task\'s container instance through SSM')
    .option('--since <when>', 'host scan window: a duration (90m, 2h, 1w) or a timestamp (default: from 10 minutes before the task was created)')
    .option('--fail-on <severity>', 'exit 1 when a cause is at or above: info, warn, error, critical, never (a failed check counts as error)', parseFailOn, 'error' as FailOn)
    .option('--patterns <dir>', 'use the rules in this directory instead of the shipped ones')
    .addOption(new Option('--host-timeout <duration>', 'execution timeout of the host scan (90s, 5m; a bare number is seconds)').argParser(hostTimeout).default(120, '2m'));
  cmd.addOption(new Option('--poll-interval <interval>', 'wait between SSM status polls').default('2s').hideHelp());
  addAwsOptions(cmd, 'AWS').action(async (task: string | undefined, flags: TaskFlags) => {
    if ((task === undefined) === (flags.service === undefined)) throw new UsageError('give a task ARN or id, or --service NAME (not both)', { hint: 'ecs-triage task arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID, or ecs-triage task --service NAME --cluster CLUSTER' });
    const since = flags.since === undefined ? undefined : remoteSince(flags.since);
    if (flags.since !== undefined && since === undefined) throw new UsageError(`--since: expected a duration (90m, 2h, 1w) or a past timestamp, got "${flags.since}"`);
    const pollIntervalMs = interval(flags.pollInterval);
    const arnRegion = task ? TASK_ARN_REGION.exec(task)?.[1] : undefined;
    if (arnRegion && flags.region && flags.region !== arnRegion) throw new UsageError(`--region ${flags.region} does not match the task ARN's Region (${arnRegion})`);

    const log = createLogger(io.stderr);
    const rules = await loadRuleSet(flags.patterns);
    const [{ resolveAwsContext }, { runTask }, { renderTaskText }] = await Promise.all([import('../aws/settings.js'), import('../task/run.js'), import('../task/render.js')]);
    const aws = awsFlags(flags);
    const ctx = await resolveAwsContext(arnRegion ? { ...aws, region: arnRegion } : aws, { imds: true });
    const { reports, empty } = await runTask({
      ctx,
      rules,
      log,
      ...(task ? { task } : {}),
      ...(flags.service ? { service: flags.service } : {}),
      ...(flags.cluster ? { cluster: flags.cluster } : {}),
      last: flags.last,
      verify: flags.verify,
      host: flags.host,
      ...(since ? { since } : {}),
      hostTimeoutSeconds: flags.hostTimeout,
      pollIntervalMs,
    });

    if (flags.format === 'json') {
      const doc = flags.service
        ? { schema: 'ecs-triage/service-task-reports', schemaVersion: 1, service: flags.service, cluster: flags.cluster ?? 'default', reports, ...(empty ? { note: empty.message, serviceEvents: empty.events, serviceFindings: empty.findings } : {}) }
        : reports[0];
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else {
      if (empty) {
        io.stdout.write(`${empty.message}.\n`);
        for (const e of empty.events) io.stdout.write(`  ${e.createdAt ?? ''} ${e.message}\n`);
        for (const f of empty.findings) io.stdout.write(`Cause (${f.category}): ${f.title}\n${f.remediation.map((r, i) => `  ${i + 1}. ${r}`).join('\n')}\n`);
      }
      io.stdout.write(reports.map(renderTaskText).join('\n' + '─'.repeat(60) + '\n\n'));
    }

    const severities: Severity[] = [
      ...reports.flatMap((r) => [...r.findings.map((f) => f.severity), ...(r.host.summary?.findings ?? []).map((f) => f.severity)]),
      ...(empty?.findings ?? []).map((f) => f.severity),
      ...(reports.some((r) => r.checks.some((c) => c.status === 'fail')) ? ['error' as const] : []),
    ];
    exit.set(severities.some((s) => failsOn(s, flags.failOn)) ? EXIT.findings : EXIT.ok);
  });
};
