// `fleet scan` end to end: targets → SendCommand → follow every invocation → one report.
// Clients are passed in (real SDK clients; tests point them at local servers).
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { clusterInstances, type ClusterInstance } from './targets.js';
import { checkManaged, sendToInstances, sendToTargets, type SentCommand, type Unsendable } from './send.js';
import { followCommand } from './poll.js';
import { interpretOutcome } from './outcome.js';
import { buildFleetReport } from './aggregate.js';
import { remoteParameters } from './remote.js';
import type { FleetReport, InstanceResult, TargetSpec } from './types.js';

export interface FleetScanRequest {
  target: TargetSpec;
  document: string;
  since: string;
  maxConcurrency: string;
  maxErrors: string;
  /** Delivery timeout (SendCommand TimeoutSeconds) and execution timeout on the instance, seconds. */
  timeoutSeconds: number;
  pollIntervalMs: number;
  /** Stop waiting this long after sending (default: delivery + execution timeout + 30 s). */
  waitMs?: number;
}

export async function runFleetScan(
  clients: { ssm: SSMClient; ecs: ECSClient },
  req: FleetScanRequest,
  log: Logger,
): Promise<FleetReport> {
  const parameters = remoteParameters({ document: req.document, since: req.since, executionTimeout: req.timeoutSeconds });
  const settings = {
    document: req.document,
    parameters,
    maxConcurrency: req.maxConcurrency,
    maxErrors: req.maxErrors,
    timeoutSeconds: Math.max(30, req.timeoutSeconds),
    comment: `ecs-triage fleet scan --since ${req.since}`,
  };

  const results: InstanceResult[] = [];
  const ecsInfo = new Map<string, ClusterInstance>();
  let ids: string[] | undefined;
  if (req.target.kind === 'cluster') {
    const { instances, failures } = await clusterInstances(clients.ecs, req.target.cluster);
    log.info('cluster resolved', { cluster: req.target.cluster, instances: instances.length });
    for (const ci of instances) ecsInfo.set(ci.ec2InstanceId, ci);
    for (const f of failures) results.push({ instanceId: f.arn, containerInstanceArn: f.arn, state: 'unreachable', status: 'NoInstanceId', reason: f.reason });
    ids = instances.map((i) => i.ec2InstanceId);
  } else if (req.target.kind === 'instances') {
    ids = req.target.instanceIds;
  }

  const sent: SentCommand[] = [];
  const unsendable: Unsendable[] = [];
  if (ids) {
    const managed = await checkManaged(clients.ssm, ids);
    unsendable.push(...managed.unsendable);
    if (managed.online.length) {
      const out = await sendToInstances(clients.ssm, managed.online, settings, log);
      sent.push(...out.sent);
      unsendable.push(...out.unsendable);
    }
  } else if (req.target.kind === 'tags') {
    sent.push(await sendToTargets(clients.ssm, req.target.targets, settings));
  }
  for (const u of unsendable) {
    results.push({ instanceId: u.instanceId, state: 'unreachable', status: u.pingStatus ?? 'NotManaged', reason: u.reason });
  }
  log.info('command sent', { commands: sent.map((s) => s.commandId).join(','), unsendable: unsendable.length });

  const deadline = Date.now() + (req.waitMs ?? (settings.timeoutSeconds + req.timeoutSeconds + 30) * 1000);
  const outcomes = await Promise.all(
    sent.map((cmd) =>
      followCommand(clients.ssm, cmd, { intervalMs: req.pollIntervalMs, deadline }).catch((err: unknown) => {
        // One batch we cannot follow (throttled past the SDK's retries, access denied …) must not hide the others.
        log.error('cannot follow command', { command: cmd.commandId, error: errorMessage(err) });
        return (cmd.instanceIds ?? [`(targets of ${cmd.commandId})`]).map((instanceId) => ({
          commandId: cmd.commandId,
          instanceId,
          status: 'Unknown',
          gaveUp: `could not follow the command: ${errorMessage(err)}`,
        }));
      }),
    ),
  );
  for (const o of outcomes.flat()) results.push(interpretOutcome(o));

  for (const r of results) {
    const ci = ecsInfo.get(r.instanceId);
    if (ci) {
      r.containerInstanceArn = ci.containerInstanceArn;
      if (ci.agentConnected !== undefined) r.agentConnected = ci.agentConnected;
    }
  }
  return buildFleetReport({ target: req.target, document: req.document, commandIds: sent.map((s) => s.commandId), instances: results });
}
