// `ecs-triage scan`: the incident report for one host.
import type { Command } from 'commander';
import { loadRuleSet } from '../classify/load.js';
import { parseTime } from '../base/grammar.js';
import { createLogger } from '../log.js';
import { renderText, toSummary } from '../report/text.js';
import { runScan, type ScanProgress } from '../scan/run.js';
import { showProgress } from './progress.js';
import type { ScanReport } from '../report/schema.js';
import { requireHostRoot } from '../host.js';
import { EXIT, type RegisterCommand } from './command.js';
import { addThresholdOptions, thresholdsFrom, type ThresholdFlags } from './check.js';
import { choice, failsOn, parseFailOn, parseSinceOption, type FailOn } from './options.js';
import { terminalOf, type Terminal } from './terminal.js';

interface ScanFlags extends ThresholdFlags {
  root: string;
  since?: string;
  format: 'text' | 'json' | 'summary';
  failOn: FailOn;
  checks: boolean;
  patterns?: string;
  ship?: boolean;
  config?: string;
  task?: string;
}

export const registerScan: RegisterCommand = (program: Command, io, exit) => {
  const cmd = program
    .command('scan')
    .description('Read the host\'s ECS agent, ecs-init, Docker and kernel logs, check disks and container logs, and report the causes of failures with their fixes.')
    .option('--root <dir>', 'directory standing for the host\'s / (a fixture or an unpacked log bundle)', '/')
    .option('--since <when>', 'only lines written after this: a duration (2h, 30m, 7d) or a timestamp', parseSinceOption)
    .option('--format <format>', 'text, json (full report, schema ecs-triage/scan-report v1) or summary (compact JSON for fleet runs)', choice(['text', 'json', 'summary'] as const), 'text')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: info, warn, error, critical, never', parseFailOn, 'error' as FailOn)
    .option('--no-checks', 'skip the host checks (disk, inodes, container logs)')
    .option('--patterns <dir>', 'use the rules in this directory instead of the shipped ones')
    .option('--ship', 'also send the findings to CloudWatch Logs (settings: the `cloudwatch` section of the config file)')
    .option('--config <file>', 'config file for --ship (default: $ECS_TRIAGE_CONFIG, then /etc/ecs-triage/config.yaml)')
    .option('--task <id|arn>', 'only what concerns this ECS task (agent lines naming it, its containers\' dockerd/containerd lines, its cgroup\'s OOM kills), as one timeline');
  addThresholdOptions(cmd).action(async (flags: ScanFlags) => {
      const log = createLogger(io.stderr);
      const thresholds = thresholdsFrom(flags);
      const rules = await loadRuleSet(flags.patterns);
      const since = flags.since ? parseTime(flags.since)! : undefined;
      // The task module is loaded only for --task.
      const taskMod = flags.task ? await import('../task/host-filter.js') : undefined;
      const focus = taskMod ? await taskMod.prepareTaskFocus(await requireHostRoot(flags.root), flags.task!) : undefined;
      focus?.setSince(since);
      const progress: ScanProgress = { files: 0, filesDone: 0, bytes: 0 };
      const stopProgress = showProgress(io.stderr, progress);
      const report = await runScan({
        root: flags.root,
        ...(since !== undefined ? { since, sinceText: flags.since! } : {}),
        rules,
        checks: flags.checks,
        checkOptions: { thresholds },
        log,
        ...(focus ? { focus } : {}),
        progress,
      }).finally(stopProgress);
      if (focus && taskMod) {
        taskMod.focusHostFindings(report, focus);
        report.task = focus.result(taskMod.hostStateEntries(report.checks, report.generatedAt));
      }
      io.stdout.write(await render(report, flags.format, terminalOf(io.stdout)));
      let unshipped = false;
      if (flags.ship) {
        const { shipFromCli } = await import('../sinks/cloudwatch/ship.js');
        unshipped = (await shipFromCli(report, { ...(flags.config ? { configFile: flags.config } : {}), root: flags.root, log, stderr: io.stderr })).pending > 0;
      }
      // Findings are an answer even from a partial scan; a scan that read no agent log and found nothing did not
      // run, nor did a --ship whose events CloudWatch did not take (no credentials, denied, unreachable).
      if (report.findings.some((f) => failsOn(f.severity, flags.failOn))) exit.set(EXIT.findings);
      else exit.set(report.coverage.blind || unshipped ? EXIT.couldNotRun : EXIT.ok);
    });
};

async function render(report: ScanReport, format: ScanFlags['format'], term: Terminal): Promise<string> {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  const timeline = report.task ? await import('../task/timeline.js') : undefined;
  if (format === 'summary') return JSON.stringify(timeline && report.task ? timeline.withTimeline(toSummary(report), report.task) : toSummary(report)) + '\n';
  let checksText: string | undefined;
  if (report.checks) {
    const { renderChecksText } = await import('../checks/index.js');
    // The host-check findings are causes of the report already: the checks add only the host's state.
    checksText = renderChecksText(report.checks, { width: term.width, findings: false });
  }
  const text = renderText(report, { width: term.width, colour: term.colour, ...(checksText === undefined ? {} : { checksText }) });
  return timeline && report.task ? `${text}\n${timeline.renderTimelineText(report.task, term.width)}` : text;
}
