// Following a sent command until every invocation reaches a final status, then reading each one's output.
// Run Command is eventually consistent: right after SendCommand, invocations may be missing from
// ListCommandInvocations and GetCommandInvocation may answer InvocationDoesNotExist; both mean "ask again".
import {
  ListCommandInvocationsCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { awsFailure } from '../aws/failure.js';
import type { SentCommand } from './send.js';
import { delay } from '../base/waiter.js';

/** CommandInvocationStatus values after which nothing changes. */
const FINAL_INVOCATION = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const FINAL_COMMAND = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

export interface PollSettings {
  /** Wait between polling rounds. */
  intervalMs: number;
  /** Epoch ms after which instances still not final are reported as such. */
  deadline: number;
  /** How many times to ask again after InvocationDoesNotExist before giving up on one instance. */
  missingRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface InvocationOutcome {
  commandId: string;
  instanceId: string;
  status: string;
  statusDetails?: string;
  responseCode?: number;
  stdout?: string;
  stderr?: string;
  /** Set when we stopped waiting (deadline, or SSM never listed the instance). */
  gaveUp?: string;
}

const realSleep = delay;

export async function followCommand(ssm: SSMClient, cmd: SentCommand, s: PollSettings): Promise<InvocationOutcome[]> {
  const sleep = s.sleep ?? realSleep;
  const now = s.now ?? Date.now;
  const done = new Map<string, InvocationOutcome>();
  const lastSeen = new Map<string, { status: string; statusDetails?: string }>();
  const expected = cmd.instanceIds ? new Set(cmd.instanceIds) : undefined;

  for (;;) {
    const listed = await listInvocations(ssm, cmd.commandId);
    for (const inv of listed) {
      lastSeen.set(inv.instanceId, inv);
      if (!done.has(inv.instanceId) && FINAL_INVOCATION.has(inv.status)) {
        done.set(inv.instanceId, await readInvocation(ssm, cmd.commandId, inv.instanceId, s, sleep));
      }
    }
    const pendingIds = expected
      ? [...expected].filter((id) => !done.has(id))
      : [...lastSeen.keys()].filter((id) => !done.has(id));
    // With Targets only the command knows whether every target has been listed yet.
    const complete = expected ? pendingIds.length === 0 : pendingIds.length === 0 && (await commandFinal(ssm, cmd.commandId));
    if (complete) break;
    if (now() >= s.deadline) {
      for (const id of pendingIds) {
        const last = lastSeen.get(id);
        done.set(id, {
          commandId: cmd.commandId,
          instanceId: id,
          status: last?.status ?? 'NotListed',
          ...(last?.statusDetails ? { statusDetails: last.statusDetails } : {}),
          gaveUp: last ? `no final status before the deadline (last seen: ${last.statusDetails ?? last.status})` : 'SSM never listed an invocation for this instance',
        });
      }
      break;
    }
    await sleep(s.intervalMs);
  }
  return [...done.values()];
}

async function listInvocations(ssm: SSMClient, commandId: string): Promise<Array<{ instanceId: string; status: string; statusDetails?: string }>> {
  const out: Array<{ instanceId: string; status: string; statusDetails?: string }> = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await ssm.send(
        new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
    } catch (err) {
      throw awsFailure('ssm:ListCommandInvocations', err, { service: 'SSM', context: `${commandId}` });
    }
    for (const inv of page.CommandInvocations ?? []) {
      if (!inv.InstanceId) continue;
      out.push({ instanceId: inv.InstanceId, status: inv.Status ?? 'Pending', ...(inv.StatusDetails ? { statusDetails: inv.StatusDetails } : {}) });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

async function commandFinal(ssm: SSMClient, commandId: string): Promise<boolean> {
  try {
    const out = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    const status = out.Commands?.[0]?.Status;
    return status !== undefined && FINAL_COMMAND.has(status);
  } catch (err) {
    throw awsFailure('ssm:ListCommands', err, { service: 'SSM', context: `${commandId}` });
  }
}

/** GetCommandInvocation gives the full output (24,000 / 8,000 characters); the list gives at most 2,500. */
async function readInvocation(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
  s: PollSettings,
  sleep: (ms: number) => Promise<void>,
): Promise<InvocationOutcome> {
  const retries = s.missingRetries ?? 10;
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      return {
        commandId,
        instanceId,
        status: out.Status ?? 'Unknown',
        ...(out.StatusDetails ? { statusDetails: out.StatusDetails } : {}),
        ...(out.ResponseCode !== undefined ? { responseCode: out.ResponseCode } : {}),
        stdout: out.StandardOutputContent ?? '',
        stderr: out.StandardErrorContent ?? '',
      };
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'InvocationDoesNotExist' && attempt < retries) {
        await sleep(s.intervalMs);
        continue;
      }
      if (name === 'InvocationDoesNotExist') {
        return { commandId, instanceId, status: 'Unknown', gaveUp: 'GetCommandInvocation kept answering InvocationDoesNotExist' };
      }
      throw awsFailure('ssm:GetCommandInvocation', err, { service: 'SSM', context: `${commandId} ${instanceId}` });
    }
  }
}
