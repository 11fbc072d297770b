// SendCommand, within its limits: ≤ 50 instance ids per call, ≤ 5 target entries, and instances SSM cannot
// reach are found before sending (or isolated afterwards) so they are reported, not silently dropped.
import {
  SendCommandCommand,
  DescribeInstanceInformationCommand,
  type SSMClient,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { AwsError, errorMessage } from '../errors.js';
import { awsFailure } from '../aws/failure.js';
import type { Logger } from '../log.js';

/** SendCommand's limit on InstanceIds per call. */
export const MAX_INSTANCE_IDS_PER_SEND = 50;
/** DescribeInstanceInformation's page size limit (MaxResults 5–50). */
const MAX_INFO_PAGE = 50;

export interface SendSettings {
  document: string;
  parameters: Record<string, string[]>;
  maxConcurrency: string;
  maxErrors: string;
  /** Delivery timeout: a command not started on an instance by then never runs there. */
  timeoutSeconds: number;
  comment?: string;
}

export interface SentCommand {
  commandId: string;
  /** The instances this command was sent to; absent when SSM resolved Targets itself. */
  instanceIds?: string[];
}

export interface Unsendable {
  instanceId: string;
  reason: string;
  pingStatus?: string;
}

function baseInput(s: SendSettings): SendCommandCommandInput {
  return {
    DocumentName: s.document,
    Parameters: s.parameters,
    MaxConcurrency: s.maxConcurrency,
    MaxErrors: s.maxErrors,
    TimeoutSeconds: s.timeoutSeconds,
    Comment: (s.comment ?? 'ecs-triage fleet scan').slice(0, 100),
  };
}

/**
 * Which of these instances SSM knows and can talk to now. Instances absent from DescribeInstanceInformation have
 * no registered agent (not installed, not running, or no instance profile); ConnectionLost/Inactive ones would
 * only end in DeliveryTimedOut after the whole timeout, so they are reported at once instead.
 */
export async function checkManaged(ssm: SSMClient, ids: string[]): Promise<{ online: string[]; unsendable: Unsendable[] }> {
  const seen = new Map<string, string>();
  for (let i = 0; i < ids.length; i += MAX_INFO_PAGE) {
    const chunk = ids.slice(i, i + MAX_INFO_PAGE);
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: chunk }],
            MaxResults: MAX_INFO_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (err) {
        throw awsFailure('ssm:DescribeInstanceInformation', err, { service: 'SSM' });
      }
      for (const info of page.InstanceInformationList ?? []) {
        if (info.InstanceId) seen.set(info.InstanceId, info.PingStatus ?? 'Unknown');
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  const online: string[] = [];
  const unsendable: Unsendable[] = [];
  for (const id of ids) {
    const ping = seen.get(id);
    if (ping === undefined) {
      unsendable.push({ instanceId: id, reason: 'not a managed instance: no SSM agent registered (agent missing or stopped, or no instance profile allowing SSM)' });
    } else if (ping !== 'Online') {
      unsendable.push({ instanceId: id, pingStatus: ping, reason: `SSM agent not connected (PingStatus ${ping})` });
    } else {
      online.push(id);
    }
  }
  return { online, unsendable };
}

/** Sends to explicit instance ids in chunks of 50. An InvalidInstanceId chunk is retried one id at a time. */
export async function sendToInstances(
  ssm: SSMClient,
  ids: string[],
  settings: SendSettings,
  log: Logger,
): Promise<{ sent: SentCommand[]; unsendable: Unsendable[] }> {
  const sent: SentCommand[] = [];
  const unsendable: Unsendable[] = [];
  for (let i = 0; i < ids.length; i += MAX_INSTANCE_IDS_PER_SEND) {
    const chunk = ids.slice(i, i + MAX_INSTANCE_IDS_PER_SEND);
    try {
      sent.push(await sendOnce(ssm, { ...baseInput(settings), InstanceIds: chunk }, chunk));
    } catch (err) {
      if (!isInvalidInstance(err) || chunk.length === 1) {
        if (isInvalidInstance(err)) {
          unsendable.push({ instanceId: chunk[0]!, reason: `SSM rejected the instance: ${errorMessage(err)}` });
          continue;
        }
        throw awsFailure('ssm:SendCommand', err, { service: 'SSM' });
      }
      log.warn('SendCommand rejected an instance in a batch; sending one by one', { batch: chunk.length });
      for (const id of chunk) {
        try {
          sent.push(await sendOnce(ssm, { ...baseInput(settings), InstanceIds: [id] }, [id]));
        } catch (inner) {
          if (!isInvalidInstance(inner)) throw awsFailure('ssm:SendCommand', inner, { service: 'SSM' });
          unsendable.push({ instanceId: id, reason: `SSM rejected the instance: ${errorMessage(inner)}` });
        }
      }
    }
  }
  return { sent, unsendable };
}

/** Sends with Targets (tags, resource groups): SSM decides which instances are in. */
export async function sendToTargets(
  ssm: SSMClient,
  targets: Array<{ Key: string; Values: string[] }>,
  settings: SendSettings,
): Promise<SentCommand> {
  try {
    return await sendOnce(ssm, { ...baseInput(settings), Targets: targets }, undefined);
  } catch (err) {
    throw awsFailure('ssm:SendCommand', err, { service: 'SSM' });
  }
}

async function sendOnce(ssm: SSMClient, input: SendCommandCommandInput, ids: string[] | undefined): Promise<SentCommand> {
  const out = await ssm.send(new SendCommandCommand(input));
  const commandId = out.Command?.CommandId;
  if (!commandId) throw new AwsError('ssm:SendCommand', 'response had no CommandId');
  return ids ? { commandId, instanceIds: ids } : { commandId };
}

function isInvalidInstance(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'InvalidInstanceId';
}
