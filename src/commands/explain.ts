// `ecs-triage explain`: paste a stopped reason, an error line, several lines, or the whole JSON of
// `aws ecs describe-tasks`, and get a diagnosis for each - or, for a line no rule knows, an answer that says
// so, names the wrapper or stop code it does recognise and what to run next. Nothing pasted is dropped.
// Standard input is read with scan's line limit (sources/bounded-lines.ts): a line over it is explained on its
// head and flagged. Every text printed is built from the Redacted seam (src/redacted.ts).
import type { Command } from 'commander';
import { groupsToFields } from '../classify/fields.js';
import { loadRuleSet } from '../classify/load.js';
import type { RuleSet } from '../classify/ruleset.js';
import { parseDescribeTasks, type DescribeTasks, type TaskItem } from '../explain/describe-tasks.js';
import { knownStopCode, knownWrapper, type KnownName } from '../explain/known.js';
import { parseLine } from '../formats/index.js';
import { redacted, redactedCut, redactFinding, type RedactedFinding } from '../redacted.js';
import { boundedLines, LONG_LINE_HEAD_BYTES, type BoundedLine } from '../sources/bounded-lines.js';
import { MAX_LINE_BYTES } from '../sources/file-scan.js';
import type { Fields, Finding, RecordSource } from '../types.js';
import { EXIT, type RegisterCommand } from './command.js';
import { choice } from './options.js';

interface Recognised extends KnownName {
  kind: 'wrapper' | 'stopCode';
  name: string;
}

interface Explained {
  line: string;
  diagnosis: Finding | null;
  /** For a line no rule knows: the wrapper it starts with, when `explain` knows that. */
  recognised?: Recognised;
  /** The line was over the line limit: `line` is its head. */
  truncated?: boolean;
}

const NEXT_UNKNOWN = [
  'On the container instance: ecs-triage scan (the agent, Docker, containerd and kernel logs usually hold the detailed error).',
  'If the text came from the console or the API, paste the whole task: aws ecs describe-tasks --cluster CLUSTER --tasks TASK | ecs-triage explain',
];

export const registerExplain: RegisterCommand = (program: Command, io, exit) => {
  program
    .command('explain')
    .description('Explain ECS stopped reasons, error lines, or the JSON of `aws ecs describe-tasks` (reads standard input when no TEXT is given).')
    .argument('[text...]', 'the text to explain, e.g. "CannotPullContainerError: ... 403 Forbidden"')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .option('--patterns <dir>', 'use the rules in this directory instead of the shipped ones')
    .action(async (words: string[], flags: { format: 'text' | 'json'; patterns?: string }) => {
      const rules = await loadRuleSet(flags.patterns);
      if (words.length === 0 && (io.stdin as { isTTY?: boolean }).isTTY) {
        // Someone typed `ecs-triage explain` alone: say what it waits for instead of waiting in silence.
        io.stderr.write(
          'ecs-triage explain: paste a stopped reason, error lines or the JSON of `aws ecs describe-tasks`, then press Ctrl-D on a new line\n' +
            '(or give the text as arguments: ecs-triage explain "CannotPullContainerError: ...")\n',
        );
      }
      const input = words.length > 0 ? argumentInput(words.join(' ')) : await readInput(io.stdin);
      if (input === undefined) {
        io.stderr.write(`ecs-triage explain: the input is larger than ${MAX_INPUT / 1024 / 1024} MiB; explain reads pasted text and describe-tasks output, use \`ecs-triage scan\` for log files\n`);
        exit.set(EXIT.usage);
        return;
      }
      const lines = input.lines.filter((l) => l.text.trim() !== '');
      if (lines.length === 0) {
        io.stderr.write('ecs-triage explain: nothing to explain; give the text as arguments or on standard input\n');
        exit.set(EXIT.usage);
        return;
      }
      const described = input.whole !== undefined ? parseDescribeTasks(input.whole) : undefined;
      if (described) {
        const tasks = explainTasks(rules, described);
        if (flags.format === 'json') io.stdout.write(JSON.stringify({ tasks: tasks.map(taskJson), failures: described.failures.map(redacted) }, null, 2) + '\n');
        else io.stdout.write(renderTasks(tasks, described.failures));
        return;
      }
      for (const l of lines) {
        if (l.truncated) io.stderr.write(`explain: line ${l.n} is ${l.bytes} bytes, over ${MAX_LINE_BYTES / 1024 / 1024} MiB: only its first ${LONG_LINE_HEAD_BYTES / 1024} KiB were explained\n`);
      }
      const results = lines.map((l) => ({ ...explainLine(rules, l.text, 'unknown'), ...(l.truncated ? { truncated: true } : {}) }));
      if (flags.format === 'json') io.stdout.write(JSON.stringify(results.map(lineJson), null, 2) + '\n');
      else io.stdout.write(results.map((r) => renderLine(r)).join('\n'));
    });
};

export function explainLine(rules: RuleSet, line: string, source: RecordSource): Explained {
  const diagnosis = rules.classify(parseLine(line.trim(), { source })) ?? null;
  const out: Explained = { line, diagnosis };
  if (!diagnosis) {
    const w = knownWrapper(line);
    if (w) out.recognised = { kind: 'wrapper', name: w.name, ...w.known };
  }
  return out;
}

interface TaskExplained {
  taskArn?: string;
  lastStatus?: string;
  stopCode?: string;
  stopCodeMeaning?: Recognised;
  verdict?: { category: string; ruleId: string; title: string; from: string };
  items: Array<Explained & { what: string; container?: string }>;
}

function explainTasks(rules: RuleSet, described: DescribeTasks): TaskExplained[] {
  return described.tasks.map((t) => {
    const context = taskFields(t);
    const items = t.items.map((it) => {
      const r = explainLine(rules, it.line, 'stopped-reason');
      // What the task record knows (its ARN, cluster, task definition) fills the advice the line alone cannot.
      if (r.diagnosis) {
        const fields = { ...r.diagnosis.fields };
        const own = it.image ? groupsToFields({ image: it.image }) : {};
        for (const [k, v] of Object.entries({ ...context, ...own })) fields[k] ??= v;
        if (it.container) fields.container ??= it.container;
        r.diagnosis = { ...r.diagnosis, fields, remediation: rules.remediationOf({ ...r.diagnosis, fields }) };
      }
      return { ...r, what: it.what, kind: it.kind, ...(it.container ? { container: it.container } : {}) };
    });
    const out: TaskExplained = { items };
    if (t.taskArn) out.taskArn = t.taskArn;
    if (t.lastStatus) out.lastStatus = t.lastStatus;
    if (t.stopCode) {
      out.stopCode = t.stopCode;
      const known = knownStopCode(t.stopCode);
      if (known) out.stopCodeMeaning = { kind: 'stopCode', name: t.stopCode, ...known };
    }
    const verdict = chooseVerdict(items);
    if (verdict?.diagnosis) out.verdict = { category: verdict.diagnosis.category, ruleId: verdict.diagnosis.ruleId, title: verdict.diagnosis.title, from: verdict.what };
    return out;
  });
}

function taskFields(t: DescribeTasks['tasks'][number]): Fields {
  const f: Fields = {};
  if (t.taskArn) {
    f.taskArn = t.taskArn;
    const m = /^arn:aws[\w-]*:ecs:([a-z0-9-]+):(\d{12}):task\/(?:([^/]+)\/)?/.exec(t.taskArn);
    if (m) {
      f.region = m[1]!;
      f.account = m[2]!;
      if (m[3]) f.cluster = m[3];
    }
  }
  const td = t.taskDefinitionArn ? /:task-definition\/([^/\s]+:\d+)$/.exec(t.taskDefinitionArn) : null;
  if (td) f.taskDefinition = td[1]!;
  return f;
}

/**
 * The task's cause (test/corpus/README.md): a stopped reason that names a cause other than a container exit;
 * else the first recognised container reason, then the first recognised exit line, then the stopped reason.
 */
function chooseVerdict(items: Array<Explained & { what: string; kind: TaskItem['kind'] }>): (Explained & { what: string }) | undefined {
  const recognised = items.filter((i) => i.diagnosis);
  const stopped = recognised.find((i) => i.kind === 'stoppedReason');
  if (stopped && stopped.diagnosis!.category !== 'container_exit') return stopped;
  return recognised.find((i) => i.kind === 'containerReason') ?? recognised.find((i) => i.kind === 'exitCode') ?? stopped;
}

// ---- output -------------------------------------------------------------------------------------------

function safe(f: Finding): RedactedFinding {
  return redactFinding(f);
}

function lineJson(r: Explained): unknown {
  return { line: redacted(r.line), diagnosis: r.diagnosis ? safe(r.diagnosis) : null, ...(r.recognised ? { recognised: r.recognised } : {}), ...(r.truncated ? { truncated: true } : {}) };
}

function taskJson(t: TaskExplained): unknown {
  return {
    ...(t.taskArn ? { taskArn: redacted(t.taskArn) } : {}),
    ...(t.lastStatus ? { lastStatus: redacted(t.lastStatus) } : {}),
    ...(t.stopCode ? { stopCode: redacted(t.stopCode) } : {}),
    ...(t.stopCodeMeaning ? { recognised: t.stopCodeMeaning } : {}),
    verdict: t.verdict ? { ...t.verdict, title: redacted(t.verdict.title), from: redacted(t.verdict.from) } : null,
    // `what` and `container` carry the container's name, which the task definition's author wrote.
    items: t.items.map((i) => ({ what: redacted(i.what), ...(i.container ? { container: redacted(i.container) } : {}), ...(lineJson(i) as object) })),
  };
}

function renderTasks(tasks: TaskExplained[], failures: string[]): string {
  const out: string[] = [];
  for (const t of tasks) {
    const head = [`Task ${t.taskArn ? redacted(t.taskArn) : '(no taskArn)'}`];
    const status = redacted([t.lastStatus, t.stopCode ? `stop code ${t.stopCode}` : undefined].filter(Boolean).join(', '));
    if (status) head[0] += ` (${status})`;
    if (t.stopCodeMeaning) head.push(`  stop code ${t.stopCodeMeaning.name}: ${t.stopCodeMeaning.meaning}`);
    head.push(t.verdict ? `  verdict: ${t.verdict.category} — ${redacted(t.verdict.title)} (from ${redacted(t.verdict.from)})` : '  verdict: no rule recognises the cause in this task (each line below says what is known)');
    if (t.items.length === 0) head.push('  The task has no stopped reason and no container exit codes yet; describe it again once it has stopped.');
    out.push(head.join('\n') + '\n');
    t.items.forEach((i, n) => out.push(`  ${n + 1}. ${redacted(i.what)}:\n${indent(renderLine(i, t.stopCodeMeaning), '     ')}`));
  }
  for (const f of failures) out.push(`Not described by ECS: ${redacted(f)}\n${/: MISSING\b/.test(f) ? MISSING_NOTE : ''}`);
  if (tasks.length === 0 && failures.length === 0) out.push('describe-tasks returned no task and no failure: there is nothing to explain (were --tasks and --cluster given?).\n');
  return out.join('\n');
}

/** ECS forgets a stopped task after about an hour; the host and CloudWatch still know it. */
const MISSING_NOTE =
  '  ECS keeps a stopped task for about an hour (or --cluster is not the task\'s).\n' +
  '  Its host still knows it: ecs-triage scan --task TASK_ID (on the instance), or\n' +
  '  ecs-triage insights task-history --task TASK_ID (the daemon\'s events)\n';

const TRUNCATED_NOTE = `  (the line is over ${MAX_LINE_BYTES / 1024 / 1024} MiB: only its first ${LONG_LINE_HEAD_BYTES / 1024} KiB were explained)`;

function renderLine(r: Explained, stopCode?: Recognised): string {
  if (r.diagnosis) return renderFinding(r.line, safe(r.diagnosis), r.truncated);
  const l: string[] = ['Not recognised: no rule names the cause in this text.'];
  l.push(`  from: ${redactedCut(r.line.trim(), 300, '...')}`);
  if (r.truncated) l.push(TRUNCATED_NOTE);
  const known = r.recognised ?? stopCode;
  if (known) l.push(`  recognised ${known.kind === 'wrapper' ? 'wrapper' : 'stop code'} ${known.name}: ${known.meaning}`);
  l.push('  what to run next:');
  const mentionsScan = known?.next.some((n) => n.includes('ecs-triage scan')) ?? false;
  for (const n of [...(known?.next ?? []), ...NEXT_UNKNOWN.filter((x) => !(mentionsScan && x.includes('ecs-triage scan')))]) l.push(`    - ${n}`);
  return l.join('\n') + '\n';
}

function renderFinding(line: string, f: RedactedFinding, truncated = false): string {
  const l: string[] = [];
  l.push(`${f.title}`);
  l.push(`  category: ${f.category} (rule ${f.ruleId}, severity ${f.severity})`);
  if (f.secondary) l.push(`  inner cause: ${f.secondary.category} — ${f.secondary.title}`);
  if (f.wrapper) l.push(`  reported inside: ${f.wrapper.title}`);
  if (typeof f.fields.action === 'string') {
    const on = typeof f.fields.resource === 'string' ? ` on ${f.fields.resource}` : '';
    const by = typeof f.fields.roleName === 'string' ? ` (role ${f.fields.roleName})` : '';
    l.push(`  denied action: ${f.fields.action}${on}${by}`);
  }
  const fields = Object.entries(f.fields).filter(([, v]) => v !== '' && v !== undefined);
  if (fields.length > 0) l.push(`  details: ${fields.map(([k, v]) => `${k}=${redactedCut(String(v), 160, '...')}`).join(' ')}`);
  l.push(`  from: ${redactedCut(line.trim(), 300, '...')}`);
  if (truncated) l.push(TRUNCATED_NOTE);
  l.push('  why this happens:');
  for (const c of f.causes) l.push(`    - ${c}`);
  l.push('  what to do:');
  f.remediation.forEach((r, i) => l.push(`    ${i + 1}. ${r}`));
  if (f.alternatives?.length) l.push(`  also rule out: ${f.alternatives.join(', ')}`);
  if (f.docs?.length) l.push(`  docs: ${f.docs.join(' ')}`);
  return l.join('\n') + '\n';
}

function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => (l === '' ? l : pad + l)).join('\n');
}

/** Pasted text and describe-tasks output of hundreds of tasks are far smaller; a log file belongs to `scan`. */
const MAX_INPUT = 32 * 1024 * 1024;

interface InputLine extends BoundedLine {
  /** Its line number in the input, from 1. */
  n: number;
}

interface Input {
  lines: InputLine[];
  /** The whole text, when it may be the JSON of describe-tasks (a compact one can be longer than a line may be). */
  whole?: string;
}

function argumentInput(text: string): Input {
  return { lines: [{ text, truncated: false, bytes: Buffer.byteLength(text), n: 1 }], whole: text };
}

/** Standard input as lines with scan's limit; undefined when it is over MAX_INPUT. */
async function readInput(stream: NodeJS.ReadableStream): Promise<Input | undefined> {
  let size = 0;
  let over = false;
  // Kept whole until its first byte that is not blank says it is not JSON.
  let kept: Buffer[] | undefined = [];
  let decided = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const c of stream) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
      size += b.length;
      if (size > MAX_INPUT) {
        over = true;
        return;
      }
      if (kept) kept.push(b);
      if (!decided) {
        const first = b.findIndex((x) => x !== 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d);
        if (first >= 0) {
          decided = true;
          if (b[first] !== 0x7b && b[first] !== 0x5b) kept = undefined; // `{` or `[`
        }
      }
      yield b;
    }
  }
  const lines: InputLine[] = [];
  let n = 0;
  for await (const l of boundedLines(chunks())) lines.push({ ...l, n: (n += 1) });
  if (over) return undefined;
  return kept ? { lines, whole: Buffer.concat(kept).toString('utf8') } : { lines };
}
