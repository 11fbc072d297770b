// One PutLogEvents request and the setup around it: create the group and stream (an existing one is
// fine), optional retention, and a classification of failures that tells the sink what to do next.
// No Describe* call: the hot path is PutLogEvents only.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from '../../log.js';
import type { WireEvent } from './event.js';

export interface Rejected {
  tooOld: number;
  tooNew: number;
  expired: number;
}

export interface PutResult {
  accepted: number;
  rejected: Rejected;
}

/** What to do after a failed call. */
export type FailureKind =
  | 'retry' //   throttling, 5xx, network, timeouts: back off and send the same batch again
  | 'missing' // the group or stream is gone: create them, then resend
  | 'invalid' // the request itself was refused: split it to find the bad event, never resend it as is
  | 'auth'; //   credentials or permissions: back off (events stay spooled) and tell the operator

const THROTTLING = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded', 'RequestThrottled',
  'RequestThrottledException', 'TooManyRequestsException', 'LimitExceededException', 'SlowDown',
  'ServiceUnavailableException', 'ServiceUnavailable', 'InternalFailure', 'InternalServerError',
  'OperationAbortedException', 'InvalidSequenceTokenException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);
const AUTH = new Set([
  'UnrecognizedClientException', 'AccessDeniedException', 'AccessDenied', 'ExpiredTokenException', 'ExpiredToken',
  'InvalidSignatureException', 'IncompleteSignature', 'InvalidClientTokenId', 'SignatureDoesNotMatch',
  'CredentialsProviderError', 'MissingAuthenticationToken',
]);
const INVALID = new Set(['InvalidParameterException', 'SerializationException', 'ValidationException', 'InvalidParameterValueException']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export function classifyFailure(err: unknown): FailureKind {
  const e = err as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  if (name === 'ResourceNotFoundException') return 'missing';
  if (INVALID.has(name)) return 'invalid';
  if (AUTH.has(name)) return 'auth';
  if (THROTTLING.has(name)) return 'retry';
  if (e?.code && NETWORK_CODES.has(e.code)) return 'retry';
  const status = e?.$metadata?.httpStatusCode;
  if (status === 401 || status === 403) return 'auth';
  // Anything else (5xx, unknown): the events are safe in the spool, so trying again is the safe answer.
  return 'retry';
}

export interface Destination {
  logGroup: string;
  logStream: string;
  retentionDays?: number;
}

export class LogsSender {
  private sdk: typeof import('@aws-sdk/client-cloudwatch-logs') | undefined;

  constructor(
    private readonly client: CloudWatchLogsClient,
    readonly dest: Destination,
    private readonly log: Logger,
  ) {}

  private async commands(): Promise<typeof import('@aws-sdk/client-cloudwatch-logs')> {
    this.sdk ??= await import('@aws-sdk/client-cloudwatch-logs');
    return this.sdk;
  }

  /**
   * Creates the group (with the retention, when we create it) and the stream. "Already exists" is success. A permission error on
   * CreateLogGroup is only a warning: an instance role may be allowed to write to a group it cannot create.
   * Throws on errors worth retrying.
   */
  async ensureDestination(): Promise<void> {
    const { CreateLogGroupCommand, CreateLogStreamCommand, PutRetentionPolicyCommand } = await this.commands();
    const { logGroup, logStream, retentionDays } = this.dest;
    const tolerate = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
      try {
        await fn();
        return true;
      } catch (err) {
        if ((err as Error).name === 'ResourceAlreadyExistsException') return false;
        if (classifyFailure(err) === 'auth') {
          this.log.warn(`CloudWatch ${what} not permitted; assuming it exists`, { logGroup, error: err });
          return false;
        }
        throw err;
      }
    };
    const created = await tolerate('CreateLogGroup', () => this.client.send(new CreateLogGroupCommand({ logGroupName: logGroup })));
    if (created) this.log.info('created CloudWatch log group', { logGroup, retentionDays });
    // Retention is set on a group we create; an existing group keeps what its owner chose.
    if (created && retentionDays !== undefined) {
      await tolerate('PutRetentionPolicy', () =>
        this.client.send(new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: retentionDays })),
      );
    }
    if (await tolerate('CreateLogStream', () => this.client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream })))) {
      this.log.info('created CloudWatch log stream', { logGroup, logStream });
    }
  }

  /** One PutLogEvents call for a batch already valid by construction (see batch.ts). */
  async put(batch: readonly WireEvent[]): Promise<PutResult> {
    const { PutLogEventsCommand } = await this.commands();
    let res;
    try {
      res = await this.client.send(
        new PutLogEventsCommand({ logGroupName: this.dest.logGroup, logStreamName: this.dest.logStream, logEvents: batch as WireEvent[] }),
      );
    } catch (err) {
      // Kept for old endpoints: it means this exact batch was stored already.
      if ((err as Error).name === 'DataAlreadyAcceptedException') return { accepted: batch.length, rejected: { tooOld: 0, tooNew: 0, expired: 0 } };
      throw err;
    }
    const info = res.rejectedLogEventsInfo;
    const n = batch.length;
    // Indexes: tooOld and expired end exclusive (a prefix), tooNew start inclusive (a suffix). The prefixes overlap.
    const tooOld = clampIndex(info?.tooOldLogEventEndIndex, n);
    const expired = clampIndex(info?.expiredLogEventEndIndex, n);
    const tooNew = info?.tooNewLogEventStartIndex === undefined ? 0 : n - clampIndex(info.tooNewLogEventStartIndex, n);
    const oldPrefix = Math.max(tooOld, expired);
    const rejected = { tooOld, tooNew, expired: Math.max(0, expired - tooOld) };
    return { accepted: Math.max(0, n - oldPrefix - tooNew), rejected };
  }
}

function clampIndex(v: number | undefined, n: number): number {
  if (v === undefined || !Number.isFinite(v)) return 0;
  return Math.min(Math.max(0, Math.trunc(v)), n);
}
