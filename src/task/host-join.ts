// The host's side of a task on EC2: `ecs-triage scan --task <arn>` run on its container instance through SSM Run
// Command (AWS-RunShellScript, with the fleet code), over a window from a little before the task was created.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { followCommand } from '../fleet/poll.js';
import { interpretOutcome } from '../fleet/outcome.js';
import { RUN_SHELL_SCRIPT, SINCE_PATTERN, remoteSince, runShellScriptCommands } from '../fleet/remote.js';
import { checkManaged, sendToInstances } from '../fleet/send.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ScanSummary } from '../types.js';
import type { TaskRecord } from './record.js';

export interface HostJoin {
  /** True when the host's scan summary was read. */
  joined: boolean;
  instanceId?: string;
  /** Why not joined, in words (Fargate, --no-host, not a managed instance, the scan failed …). */
  reason?: string;
  commandId?: string;
  /** The `--since` the host scan ran with. */
  since?: string;
  summary?: ScanSummary;
}

/** The scan looks back to this long before the task was created. */
const LEAD_MS = 10 * 60_000;

export interface JoinOptions {
  /** `--since` override (a duration). */
  since?: string;
  executionTimeoutSeconds: number;
  pollIntervalMs: number;
  now?: number;
}

/** Minutes from a little before the task was created until now: a duration every ecs-triage release accepts. */
export function windowFor(rec: TaskRecord, now = Date.now()): string {
  const created = Date.parse(rec.times.createdAt ?? '');
  if (Number.isNaN(created)) return '24h';
  return `${Math.max(1, Math.ceil((now - (created - LEAD_MS)) / 60_000))}m`;
}

export function noHost(rec: TaskRecord, skipped: boolean): HostJoin | undefined {
  if (rec.launchType === 'FARGATE') return { joined: false, reason: 'Fargate task: AWS runs its host, there is no instance to scan' };
  if (rec.launchType !== 'EC2') return { joined: false, reason: `launch type ${rec.launchType ?? 'unknown'}: no EC2 instance to reach through SSM` };
  if (skipped) return { joined: false, ...(rec.ec2InstanceId ? { instanceId: rec.ec2InstanceId } : {}), reason: 'not asked (--no-host)' };
  if (!rec.ec2InstanceId) return { joined: false, reason: rec.problems.find((p) => p.startsWith('container instance')) ?? 'the container instance\'s EC2 instance is not known' };
  return undefined;
}

export async function joinHost(ssm: SSMClient, rec: TaskRecord, opts: JoinOptions, log: Logger): Promise<HostJoin> {
  const instanceId = rec.ec2InstanceId!;
  // A task that ran for years has a window over 999999m: said in days instead.
  const since = remoteSince(opts.since ?? windowFor(rec, opts.now), opts.now) ?? opts.since ?? '';
  if (!SINCE_PATTERN.test(since)) return { joined: false, instanceId, reason: `the window ${since} is not a duration SSM scripts accept` };
  const base = { instanceId, since };
  try {
    const managed = await checkManaged(ssm, [instanceId]);
    const unsendable = managed.unsendable[0];
    if (unsendable) return { ...base, joined: false, reason: unsendable.reason };
    const timeout = opts.executionTimeoutSeconds;
    const { sent, unsendable: refused } = await sendToInstances(
      ssm,
      [instanceId],
      {
        document: RUN_SHELL_SCRIPT,
        parameters: { commands: runShellScriptCommands(since, ['--task', rec.arn]), executionTimeout: [String(timeout)], workingDirectory: ['/'] },
        maxConcurrency: '1',
        maxErrors: '0',
        timeoutSeconds: Math.max(30, timeout),
        comment: `ecs-triage task ${rec.id}`,
      },
      log,
    );
    if (refused[0]) return { ...base, joined: false, reason: refused[0].reason };
    const cmd = sent[0]!;
    const deadline = (opts.now ?? Date.now()) + (Math.max(30, timeout) + timeout + 30) * 1000;
    const [outcome] = await followCommand(ssm, cmd, { intervalMs: opts.pollIntervalMs, deadline });
    const r = interpretOutcome(outcome!);
    if (r.state === 'answered' && r.summary) return { ...base, joined: true, commandId: cmd.commandId, summary: r.summary };
    return { ...base, joined: false, commandId: cmd.commandId, reason: `${r.state}: ${r.reason ?? r.status}` };
  } catch (err) {
    // The host's view is one of three inputs: failing to get it never hides the other two.
    return { ...base, joined: false, reason: `SSM: ${errorMessage(err)}` };
  }
}
