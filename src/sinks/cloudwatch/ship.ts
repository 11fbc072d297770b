// `scan --ship`: a one-shot report's findings go to CloudWatch through the same sink as `watch`, from a
// spool of their own (so a scan run by SSM next to a running daemon never fights it for the lock).
// Events that cannot be delivered now stay in that spool and go out with the next `scan --ship`.
import { createHash } from 'node:crypto';
import type { ReportFinding, TriageEvent } from '../../types.js';
import type { ScanReport } from '../../report/schema.js';
import { redacted } from '../../redacted.js';
import type { Identity } from '../../aws/identity.js';
import type { Logger } from '../../log.js';
import { createCloudWatchSink, type CloudWatchSinkOptions } from './index.js';

/** The sink's own options, less the spool name: a one-shot run always uses its own spool. */
export type ShipOptions = Omit<CloudWatchSinkOptions, 'spoolName'>;

export interface ShipResult {
  /** Events written for this report. */
  events: number;
  /** Accepted by CloudWatch during this run (includes leftovers of earlier runs). */
  delivered: number;
  /** Still spooled on disk, sent by the next `scan --ship`. */
  pending: number;
  logGroup: string;
  logStream: string;
}

const HOST_CHECK_CATEGORIES = new Set(['disk_pressure', 'inode_pressure', 'container_log_unbounded', 'container_log_oversize']);

/** The same occurrence on the same host always gets the same id: re-shipping a report creates recognisable duplicates. */
export function findingEventId(host: string, f: ReportFinding): string {
  const key = [host, f.ruleId, f.firstSeen ?? '', f.lastSeen ?? '', f.count, f.example.file ?? '', f.example.line ?? '', f.example.text].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export function reportToEvents(report: ScanReport, identity: Identity): TriageEvent[] {
  const host = identity.instanceId ?? identity.hostname;
  return report.findings.map((f) => {
    const ev: TriageEvent = {
      schema: 1,
      id: findingEventId(host, f),
      kind: HOST_CHECK_CATEGORIES.has(f.category) ? 'check' : 'finding',
      category: f.category,
      severity: f.severity,
      ruleId: f.ruleId,
      title: f.title,
      count: f.count,
      firstSeen: f.firstSeen ?? report.generatedAt,
      lastSeen: f.lastSeen ?? report.generatedAt,
      source: 'scan',
      message: f.title,
      line: f.example.text,
      fields: { ...f.fields },
    };
    if (f.example.file) ev.file = f.example.file;
    if (f.remediation[0]) ev.hint = f.remediation[0];
    if (f.images.length > 1) ev.fields.images = redacted(f.images.join(' '));
    if (f.tasks.length > 0) ev.fields.tasks = f.tasks.length;
    return ev;
  });
}

/**
 * Ships a scan report's findings. Each event's CloudWatch timestamp is the report's `generatedAt` (the
 * observation time), so findings older than CloudWatch's 14-day window still arrive; firstSeen/lastSeen
 * keep the log times.
 */
export async function shipReport(report: ScanReport, opts: ShipOptions): Promise<ShipResult> {
  const sink = await createCloudWatchSink({
    config: opts.config,
    stateDir: opts.stateDir,
    log: opts.log,
    spoolName: 'cloudwatch-spool-ship',
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  try {
    const events = reportToEvents(report, sink.identity);
    const ts = Date.parse(report.generatedAt);
    await sink.write(events, Number.isFinite(ts) ? { timestamp: ts } : {});
    await sink.flush();
    return {
      events: events.length,
      delivered: sink.stats.delivered,
      pending: sink.spool.pending,
      logGroup: sink.settings.logGroup,
      logStream: sink.logStream,
    };
  } finally {
    await sink.close();
  }
}

/**
 * What `scan --ship` calls: the CloudWatch settings and state directory come from the config file (the same
 * `cloudwatch` section `watch` uses), then one line on stderr says what happened.
 */
export async function shipFromCli(
  report: ScanReport,
  opts: { configFile?: string; stateDir?: string; root: string; log: Logger; stderr: NodeJS.WritableStream },
): Promise<ShipResult> {
  const { loadConfig } = await import('../../config.js');
  const { config } = await loadConfig({
    ...(opts.configFile ? { file: opts.configFile } : {}),
    overrides: opts.stateDir ? { stateDir: opts.stateDir } : {},
  });
  const res = await shipReport(report, { config: config.cloudwatch, stateDir: config.stateDir, log: opts.log, root: opts.root });
  opts.stderr.write(
    `shipped ${res.events} finding${res.events === 1 ? '' : 's'} to CloudWatch Logs ${res.logGroup} (stream ${res.logStream}): ` +
      `${res.delivered} delivered` +
      (res.pending > 0 ? `, ${res.pending} still spooled in ${config.stateDir} (sent by the next scan --ship)` : '') +
      '\n',
  );
  return res;
}
