// What an invocation's status and output mean for the operator: answered (with its summary), unreachable, or failed.
import { SEVERITIES, type ScanSummary } from '../types.js';
import { redactedCut } from '../redacted.js';
import type { InvocationOutcome } from './poll.js';
import type { InstanceResult } from './types.js';
// GetCommandInvocation returns at most SSM_STDOUT_LIMIT characters of stdout (declared with the text report's budget).
import { SSM_STDOUT_LIMIT } from '../report/text.js';

export const SSM_STDERR_LIMIT = 8_000;

/** StatusDetails is free text and its spelling varies ("Delivery Timed Out" vs "DeliveryTimedOut"). */
function detailKey(details: string | undefined): string {
  return (details ?? '').replace(/\s+/g, '').toLowerCase();
}

/** The last stdout line that is an ecs-triage scan summary; scripts may print other lines before it. */
export function parseSummary(stdout: string): ScanSummary | undefined {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as Partial<ScanSummary>;
      if (v && v.schema === 'ecs-triage/scan-summary' && Array.isArray(v.findings) && typeof v.status === 'string') {
        return v as ScanSummary;
      }
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return redactedCut(line, 200, '...');
}

export function interpretOutcome(o: InvocationOutcome): InstanceResult {
  const base = {
    instanceId: o.instanceId,
    commandId: o.commandId,
    ssmStatus: o.status,
    ...(o.statusDetails ? { ssmStatusDetails: o.statusDetails } : {}),
    ...(o.responseCode !== undefined ? { responseCode: o.responseCode } : {}),
  };
  if (o.gaveUp) {
    const unreached = o.status === 'Pending' || o.status === 'Delayed' || o.status === 'NotListed' || o.status === 'Unknown';
    return { ...base, state: unreached ? 'unreachable' : 'failed', status: o.statusDetails ?? o.status, reason: o.gaveUp };
  }
  const detail = detailKey(o.statusDetails);
  if (detail === 'undeliverable') {
    return { ...base, state: 'unreachable', status: 'Undeliverable', reason: 'Undeliverable: SSM cannot reach the instance (stopped, terminated, or its agent is offline)' };
  }
  if (detail === 'deliverytimedout') {
    return { ...base, state: 'unreachable', status: 'DeliveryTimedOut', reason: 'DeliveryTimedOut: the command did not start on the instance within --timeout' };
  }
  if (detail === 'terminated') {
    return { ...base, state: 'unreachable', status: 'Terminated', reason: 'Terminated: not run because the command exceeded --max-errors' };
  }
  if (detail === 'executiontimedout' || o.status === 'TimedOut') {
    return { ...base, state: 'failed', status: 'ExecutionTimedOut', reason: 'ExecutionTimedOut: the scan did not finish within the execution timeout' };
  }
  if (o.status === 'Cancelled') {
    return { ...base, state: 'failed', status: 'Cancelled', reason: 'Cancelled' };
  }
  if (o.status === 'Success') {
    const summary = parseSummary(o.stdout ?? '');
    if (summary) return { ...base, state: 'answered', status: summary.status, summary };
    const cut = (o.stdout?.length ?? 0) >= SSM_STDOUT_LIMIT;
    return {
      ...base,
      state: 'failed',
      status: 'BadOutput',
      reason: cut
        ? `output was cut at ${SSM_STDOUT_LIMIT} characters and is not a readable summary (use --format summary)`
        : `output is not an ecs-triage summary: ${firstLine(o.stdout) || 'empty'}`,
    };
  }
  // A scan that could not look (exit 3: no ECS agent log) still prints its summary, whose status is `unknown`.
  const blind = parseSummary(o.stdout ?? '');
  if (blind?.status === 'unknown') {
    return { ...base, state: 'answered', status: 'unknown', summary: blind, reason: `not checked: ${blind.blind ?? 'no ECS agent log read'}` };
  }
  const why = firstLine(o.stderr) || firstLine(o.stdout) || o.statusDetails || o.status;
  const code = o.responseCode !== undefined && o.responseCode >= 0 ? `exit ${o.responseCode}: ` : '';
  return { ...base, state: 'failed', status: o.statusDetails ?? o.status, reason: `${code}${why}` };
}

/** True when the summary's status is at or above the given severity. */
export function atOrAbove(status: string, min: (typeof SEVERITIES)[number]): boolean {
  const rank = SEVERITIES.indexOf(status as (typeof SEVERITIES)[number]);
  return rank >= 0 && rank >= SEVERITIES.indexOf(min);
}
