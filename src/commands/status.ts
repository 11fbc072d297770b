// `ecs-triage status`: what the daemon last reported in its state directory: each source's position and
// lag, the last event, the sinks' health, and whether the daemon is alive and its status fresh.
// Exit 0 when running and healthy, 1 when stopped, stale or a sink is failing.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { readStatus, type DaemonStatus } from '../daemon/status-file.js';
import { liveness } from '../base/process-identity.js';

interface StatusFlags {
  stateDir?: string;
  config?: string;
  format: 'text' | 'json';
}

export interface StatusView {
  state: 'running' | 'stale' | 'stopped';
  healthy: boolean;
  problems: string[];
  status: DaemonStatus;
}


/** Judges a status file: stale when not rewritten for three intervals. Refreshes lag from the files' sizes. */
export async function judge(status: DaemonStatus, now = Date.now()): Promise<StatusView> {
  const problems: string[] = [];
  const age = now - Date.parse(status.updatedAt);
  let state: StatusView['state'];
  // The pid alone could name another program by now: the start time recorded with it says whether it is ours.
  const alive = liveness({ pid: status.pid, ...(status.processStart ? { start: status.processStart } : {}) }, /ecs-triage/) === 'alive';
  if (status.stoppedAt || !alive) state = 'stopped';
  else if (age > 3 * status.intervalMs + 5000) state = 'stale';
  else state = 'running';
  if (state === 'stopped') problems.push(status.stoppedAt ? `stopped at ${status.stoppedAt}` : `process ${status.pid} is not running (no clean shutdown recorded)`);
  if (state === 'stale') problems.push(`status not updated for ${Math.round(age / 1000)} s: the daemon may be stalled`);
  for (const s of status.sources) {
    if (s.kind === 'file' && s.path && s.committed !== undefined) {
      try {
        const st = await stat(s.path);
        if (st.size >= s.committed) s.lagBytes = st.size - s.committed;
        s.size = st.size;
      } catch {
        /* keep the recorded figures */
      }
    }
    if (s.error) problems.push(`${s.name}: ${s.error}`);
  }
  for (const k of status.sinks) if (!k.ok) problems.push(`sink ${k.name}: ${k.lastError ?? 'failing'}`);
  if (status.checkpoint.error) problems.push(`checkpoints: ${status.checkpoint.error}`);
  return { state, healthy: state === 'running' && problems.length === 0, problems, status };
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
  out += table(src) + '\n';
  const sinks = [['SINK', 'OK', 'DELIVERED', 'FAILED', 'PENDING', 'LAST SUCCESS', 'LAST ERROR']];
  for (const k of s.sinks) sinks.push([k.name, k.ok ? 'yes' : 'NO', String(k.delivered), String(k.failed), String(k.pending), ago(k.lastSuccessAt, now), k.lastError ?? '-']);
  out += table(sinks) + '\n';
  const p = s.pipeline;
  out += `pipeline: ${p.lines} lines read, ${p.matched} matched, ${p.events} events (${p.folded} folded into counts), backlog ${p.backlog}, last event ${ago(p.lastEventAt, now)}\n`;
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
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((flags: StatusFlags) => action(flags, io, exit));
};
