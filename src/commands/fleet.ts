// `ecs-triage fleet scan`: run the scan on many container instances through SSM Run Command and show one table.
// The SDK and the fleet code are imported inside the action: other commands must not pay for them at start-up.
import { Option, type Command } from 'commander';
import { addAwsOptions, awsFlags, type AwsOptionValues } from './aws-options.js';
import { EXIT, type CommandIO, type ExitCodeSink } from './command.js';
import { UsageError } from '../errors.js';
import { SEVERITIES } from '../types.js';
import { formatChoice, parseFailOn, parseIntervalOption, parseTimeoutOption, type FailOn } from './options.js';
import { createLogger } from '../log.js';
import { remoteSince } from '../fleet/remote.js';

const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

interface FleetScanOptions extends AwsOptionValues {
  cluster?: string;
  instanceIds?: string[];
  targets?: string[];
  document: string;
  since: string;
  maxConcurrency: string;
  maxErrors: string;
  timeout: number;
  format: 'text' | 'json';
  failOn: FailOn;
  pollInterval: number;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerFleet(program: Command, io: CommandIO, exit: ExitCodeSink): void {
  const fleet = program.command('fleet').description('Run ecs-triage on many container instances through SSM Run Command.');
  const scan = fleet
    .command('scan')
    .description('Scan every instance of a cluster (or instance ids, or tagged instances) and rank the causes across the fleet.')
    .option('--cluster <name>', 'ECS cluster: its container instances are the targets')
    .option('--instance-ids <ids>', 'EC2 instance ids, comma-separated (repeatable)', collect)
    .option('--targets <key=values>', 'SSM target, e.g. tag:Env=prod (repeatable, at most 5)', collect)
    .option('--document <name>', 'SSM document to run: AWS-RunShellScript or your copy of ssm/ecs-triage-Scan.json', 'AWS-RunShellScript')
    .option('--since <when>', 'look back this far on each instance: a duration (30m, 2h, 1d, 1w) or a timestamp', '2h')
    .option('--max-concurrency <n|%>', 'instances running the scan at once', '10')
    .option('--max-errors <n|%>', 'stop sending after this many failed invocations', '100%')
    // The defaults are shown as they are written (`10m`), not as the milliseconds they parse to.
    .addOption(new Option('--timeout <duration>', 'delivery timeout and execution timeout (10m, 1h; a bare number is seconds)').argParser(parseTimeoutOption).default(600_000, '10m'))
    .option('--format <format>', 'text or json', formatChoice(['text', 'json'] as const), 'text')
    .option('--fail-on <severity>', `exit 1 when an instance has findings at or above this: ${SEVERITIES.join(', ')}, never`, parseFailOn, 'error' as FailOn)
    .addOption(new Option('--poll-interval <interval>', 'wait between status polls (500ms, 2s; at least 10ms)').argParser(parseIntervalOption).default(2000, '2s'));
  addAwsOptions(scan, 'SSM and ECS').action(async (opts: FleetScanOptions) => {
      const { parseTargetSpec } = await import('../fleet/targets.js');
      const target = parseTargetSpec({
        ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}),
        ...(opts.instanceIds ? { instanceIds: opts.instanceIds } : {}),
        ...(opts.targets ? { targets: opts.targets } : {}),
      });
      if (!MAX_CONCURRENCY.test(opts.maxConcurrency)) throw new UsageError(`--max-concurrency: expected a number or a percentage, got "${opts.maxConcurrency}"`);
      if (!MAX_ERRORS.test(opts.maxErrors)) throw new UsageError(`--max-errors: expected a number or a percentage, got "${opts.maxErrors}"`);
      const timeout = Math.round(opts.timeout / 1000);
      if (timeout < 5 || timeout > 172_800) throw new UsageError('--timeout: between 5s and 48h (SSM accepts 5 to 172800 seconds)');
      if (opts.pollInterval < 10) throw new UsageError('--poll-interval: at least 10ms');
      const since = remoteSince(opts.since);
      if (since === undefined) throw new UsageError(`--since: expected a duration (30m, 2h, 1d, 1w) or a past timestamp, got "${opts.since}"`);
      const [{ resolveAwsContext }, { createFleetClients }, { runFleetScan }, { renderFleetText }, { atOrAbove }] = await Promise.all([
        import('../aws/settings.js'),
        import('../aws/ssm-client.js'),
        import('../fleet/scan.js'),
        import('../fleet/render.js'),
        import('../fleet/outcome.js'),
      ]);
      const ctx = await resolveAwsContext(awsFlags(opts));
      const clients = await createFleetClients(ctx);
      try {
        const report = await runFleetScan(
          clients,
          {
            target,
            document: opts.document,
            since,
            maxConcurrency: opts.maxConcurrency,
            maxErrors: opts.maxErrors,
            timeoutSeconds: timeout,
            pollIntervalMs: opts.pollInterval,
          },
          createLogger(io.stderr),
        );
        io.stdout.write(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderFleetText(report));
        const bad = report.instances.some(
          (i) => i.state !== 'answered' || i.status === 'unknown' || (opts.failOn !== 'never' && atOrAbove(i.status, opts.failOn)),
        );
        exit.set(bad ? EXIT.findings : EXIT.ok);
      } finally {
        clients.destroy();
      }
    });
}
