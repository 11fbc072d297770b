// `ecs-triage status`: what the daemon last reported in its state directory: each source's position and
// lag, the last event, the sinks' health, and whether the daemon is alive and its status fresh.
// Exit 0 when running and healthy, 1 when stopped, stale or a sink is failing.
import type { Command } from 'commander';
import { choice } from './options.js';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { readStatus } from '../daemon/status-file.js';
import { judge, type StatusView } from '../daemon/health.js';

interface StatusFlags {
  stateDir?: string;
  config?: string;
  format: 'text' | 'json';
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function renderStatus(v: StatusView, now = Date.now()): string {
  const s = v.status;
  let out = `ecs-triage watch: ${v.state} (pid ${s.pid}, version ${s.version}, started ${s.startedAt}, status updated ${ago(s.updatedAt, now)})\n`;
  out += `root ${s.root}, ${s.rules} rules\n\n`;
  const src = [['SOURCE', 'KIND', 'COMMITTED', 'SIZE', 'LAG', 'LAST LINE', 'LAST EVENT']];
  for (const x of s.sources) {
    src.push([
      x.name,
      x.source,
      x.kind === 'journal' ? (x.cursor ? 'cursor' : '-') : String(x.committed ?? '-'),
      x.size === undefined ? '-' : String(x.size),
      x.lagBytes === undefined ? '-' : String(x.lagBytes),
      ago(x.lastLineAt, now),
      ago(x.lastEventAt, now),
    ]);
  }
  out += table(src);
  for (const x of s.sources) for (const n of x.notes ?? []) out += `${x.name}: ${n}\n`;
  out += '\n';
  const sinks = [['SINK', 'OK', 'DELIVERED', 'FAILED', 'PENDING', 'LAST SUCCESS', 'LAST ERROR']];
  for (const k of s.sinks) sinks.push([k.name, k.ok ? 'yes' : 'NO', String(k.delivered), String(k.failed), String(k.pending), ago(k.lastSuccessAt, now), k.lastError ?? '-']);
  out += table(sinks) + '\n';
  const p = s.pipeline;
  out += `pipeline: ${p.lines} lines read, ${p.matched} matched, ${p.events} events (${p.folded} folded into counts${p.closedEarly ? `; ${p.closedEarly} aggregation windows closed early, too many open at once` : ''}), backlog ${p.backlog}, last event ${ago(p.lastEventAt, now)}\n`;
  if (s.checks) out += `host checks: last run ${ago(s.checks.lastRunAt, now)}, ${s.checks.active} active problem(s)${s.checks.error ? `, error: ${s.checks.error}` : ''}\n`;
  out += `checkpoints: saved ${ago(s.checkpoint.lastSavedAt, now)}${s.checkpoint.error ? `, error: ${s.checkpoint.error}` : ''}\n`;
  if (v.problems.length) out += `\nproblems:\n${v.problems.map((x) => `  - ${x}`).join('\n')}\n`;
  return out;
}

async function action(flags: StatusFlags, io: CommandIO, exit: ExitCodeSink): Promise<void> {
  const dir = flags.stateDir ?? (await loadConfig(flags.config ? { file: flags.config } : {})).config.stateDir;
  const status = await readStatus(dir);
  if (!status) throw new UsageError(`${dir}: no status file (has \`ecs-triage watch\` run with this state directory?)`);
  const view = await judge(status);
  io.stdout.write(flags.format === 'json' ? JSON.stringify({ state: view.state, healthy: view.healthy, problems: view.problems, ...status }, null, 2) + '\n' : renderStatus(view));
  exit.set(view.healthy ? EXIT.ok : EXIT.findings);
}

export const registerStatus: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  program
    .command('status')
    .description("Show the daemon's sources, positions, lag, last events and sink health from its state directory")
    .option('--state-dir <dir>', 'state directory (default: from the config, /var/lib/ecs-triage)')
    .option('--config <file>', 'config file to take the state directory from')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((flags: StatusFlags) => action(flags, io, exit));
};
