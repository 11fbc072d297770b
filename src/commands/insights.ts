// `ecs-triage insights NAME`: runs one query of the pack with Logs Insights (StartQuery, then
// GetQueryResults until the query is finished) and prints a table or JSON.
// The SDK is imported inside the action: start-up time matters for every other command.
import { Option, type Command } from 'commander';
import { addAwsOptions, awsFlags, type AwsOptionValues } from './aws-options.js';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadQueryPack, renderQuery } from '../aws/query-pack.js';
import { UsageError } from '../errors.js';
import { parseTime } from '../base/grammar.js';
import type { Row } from '../aws/insights.js';
import { formatChoice, parseTimeoutOption } from './options.js';
import { keySpec } from '../config.js';

interface InsightsFlags extends AwsOptionValues {
  since?: string;
  cluster?: string;
  instance?: string;
  task?: string;
  logGroup?: string;
  config?: string;
  format: 'text' | 'json';
  limit?: string;
  timeout: number;
  dir?: string;
}


/** A plain text table; long cells are cut so a row fits a terminal line or two. */
export function renderTable(rows: Row[], maxCell = 80): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  if (cols.length === 0) return '(no rows)\n';
  const cell = (v: string | undefined): string => {
    const s = (v ?? '').replace(/\s+/g, ' ');
    return s.length > maxCell ? s.slice(0, maxCell - 1) + '…' : s;
  };
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(cols) + line(widths.map((w) => '-'.repeat(w))) + rows.map((r) => line(cols.map((c) => cell(r[c])))).join('');
}

export const registerInsights: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  const cmd = program
    .command('insights')
    .description('Run a query of the pack with CloudWatch Logs Insights and print the result (see `queries list`)')
    .argument('<name>', 'query name, e.g. top-causes-by-cluster')
    .option('--since <duration>', 'time range back from now (30m, 1h, 7d; default: the query\'s own)')
    .option('--cluster <name>', 'only events of this ECS cluster')
    .option('--instance <id>', 'instance id, for queries that need one (instance-timeline)')
    .option('--task <arn>', 'task ARN or id, for queries that need one (task-history)')
    .option('--log-group <name>', `log group to query (default: cloudwatch.logGroup of the config file, else ${keySpec('cloudwatch.logGroup').defaultText})`)
    .option('--config <file>', 'config file to read the cloudwatch settings from (default: $ECS_TRIAGE_CONFIG, then /etc/ecs-triage/config.yaml if present)')
    .option('--format <format>', 'text (a table) or json; `table` is accepted for text', formatChoice(['text', 'json'] as const), 'text')
    .option('--limit <n>', 'most rows to return (1–10000)')
    .addOption(new Option('--timeout <duration>', 'give up (and stop the query) after this long (a bare number is seconds)').argParser(parseTimeoutOption).default(600_000, '10m'))
    .option('--dir <dir>', 'read the pack from this directory instead of the built-in one');
  addAwsOptions(cmd, 'CloudWatch Logs').action(async (name: string, flags: InsightsFlags) => {
      const pack = await loadQueryPack(flags.dir);
      const q = pack.find((p) => p.name === name);
      if (!q) throw new UsageError(`no query named ${JSON.stringify(name)}; the pack has: ${pack.map((p) => p.name).join(', ')}`);
      const now = Date.now();
      const since = flags.since ?? q.since;
      const start = parseTime(since, now);
      if (start === undefined || start > now) throw new UsageError(`--since ${JSON.stringify(since)}: expected a duration (30m, 1h, 7d) or a past timestamp`);
      let limit: number | undefined;
      if (flags.limit !== undefined) {
        limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be 1–10000');
      }
      const queryString = renderQuery(q, { ...(flags.cluster ? { cluster: flags.cluster } : {}), ...(flags.instance ? { instance: flags.instance } : {}), ...(flags.task ? { task: flags.task } : {}) });

      const [{ commandLogsClient, logsCommandSettings }, { runInsightsQuery }] = await Promise.all([import('../aws/clients.js'), import('../aws/insights.js')]);
      const target = await logsCommandSettings({ ...flags, ...awsFlags(flags) });
      const client = await commandLogsClient(target);
      try {
        const res = await runInsightsQuery(client, { logGroup: target.logGroup, start, end: now, queryString, ...(limit ? { limit } : {}), timeoutMs: flags.timeout });
        if (flags.format === 'json') {
          io.stdout.write(JSON.stringify({ query: q.name, logGroup: target.logGroup, since: new Date(start).toISOString(), statistics: res.statistics, rows: res.rows }, null, 2) + '\n');
        } else {
          io.stdout.write(renderTable(res.rows));
          const st = res.statistics;
          io.stdout.write(`\n${res.rows.length} row${res.rows.length === 1 ? '' : 's'} · ${q.title} · since ${new Date(start).toISOString()}${st.recordsScanned !== undefined ? ` · ${st.recordsScanned} records scanned` : ''}\n`);
        }
      } finally {
        client.destroy();
      }
      exit.set(EXIT.ok);
    });
};
