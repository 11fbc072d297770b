// One Logs Insights query run to its end: StartQuery, then GetQueryResults until the query reaches a final
// state (polled with a doubling interval capped at 2 s), StopQuery when the caller's timeout passes.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Backoff } from '../base/backoff.js';
import { delay } from '../base/waiter.js';
import { AwsError } from '../errors.js';
import { awsError } from './clients.js';
import { formatDuration } from '../base/grammar.js';

const TERMINAL = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown']);

export type Row = Record<string, string>;

export interface InsightsQuery {
  logGroup: string;
  /** Epoch ms. */
  start: number;
  end: number;
  queryString: string;
  limit?: number;
  timeoutMs: number;
}

export interface InsightsResult {
  rows: Row[];
  statistics: { recordsMatched?: number; recordsScanned?: number; bytesScanned?: number };
}

export async function runInsightsQuery(client: CloudWatchLogsClient, q: InsightsQuery): Promise<InsightsResult> {
  const sdk = await import('@aws-sdk/client-cloudwatch-logs');
  const started = await client
    .send(
      new sdk.StartQueryCommand({
        logGroupName: q.logGroup,
        startTime: Math.floor(q.start / 1000),
        endTime: Math.floor(q.end / 1000),
        queryString: q.queryString,
        ...(q.limit ? { limit: q.limit } : {}),
      }),
    )
    .catch((err: unknown) => {
      throw awsError('StartQuery', err, 'logs:StartQuery on the log group');
    });
  const queryId = started.queryId!;
  const poll = new Backoff({ baseMs: 250, maxMs: 2000, jitter: 'none' });
  const deadline = Date.now() + q.timeoutMs;
  for (;;) {
    const res = await client.send(new sdk.GetQueryResultsCommand({ queryId })).catch((err: unknown) => {
      throw awsError('GetQueryResults', err, 'logs:GetQueryResults');
    });
    if (TERMINAL.has(res.status ?? 'Unknown')) {
      if (res.status !== 'Complete') throw new AwsError('GetQueryResults', `query ${queryId} ended ${res.status}`);
      const rows: Row[] = (res.results ?? []).map((r) => {
        const o: Row = {};
        for (const f of r) if (f.field && f.field !== '@ptr') o[f.field] = f.value ?? '';
        return o;
      });
      return { rows, statistics: res.statistics ?? {} };
    }
    if (Date.now() > deadline) {
      await client.send(new sdk.StopQueryCommand({ queryId })).catch(() => undefined);
      throw new AwsError('GetQueryResults', `query ${queryId} still ${res.status} after ${formatDuration(q.timeoutMs)}; stopped it`);
    }
    await delay(poll.next());
  }
}
