// `ecs-triage explain`: paste a stopped reason or an error line, get the diagnosis in plain words.
import type { Command } from 'commander';
import { loadRuleSet } from '../classify/load.js';
import { parseLine } from '../formats/index.js';
import { redacted, redactedCut, redactFinding } from '../redacted.js';
import type { Finding } from '../types.js';
import type { RegisterCommand } from './command.js';
import { choice } from './options.js';

export const registerExplain: RegisterCommand = (program: Command, io) => {
  program
    .command('explain')
    .description('Explain an ECS stopped reason or any error line (reads standard input when no TEXT is given).')
    .argument('[text...]', 'the text to explain, e.g. "CannotPullContainerError: ... 403 Forbidden"')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .option('--patterns <dir>', 'use the rules in this directory instead of the shipped ones')
    .action(async (words: string[], flags: { format: 'text' | 'json'; patterns?: string }) => {
      const rules = await loadRuleSet(flags.patterns);
      const lines = words.length > 0 ? [words.join(' ')] : (await readAll(io.stdin)).split(/\r?\n/).filter((l) => l.trim() !== '');
      const results = lines.map((line) => ({ line, finding: rules.classify(parseLine(line.trim(), { source: 'unknown' })) }));
      if (flags.format === 'json') {
        io.stdout.write(JSON.stringify(results.map(({ line, finding }) => ({ line: redacted(line), diagnosis: finding ? redactFinding(finding) : null })), null, 2) + '\n');
        return;
      }
      const found = results.filter((r) => r.finding);
      if (found.length === 0) {
        io.stdout.write('No rule recognises this text. Run `ecs-triage scan` on the container instance: the agent and Docker logs usually hold the detailed error.\n');
        return;
      }
      for (const { line, finding } of found) io.stdout.write(explainOne(line, finding!) + '\n');
    });
};

function explainOne(line: string, f: Finding): string {
  const l: string[] = [];
  l.push(`${f.title}`);
  l.push(`  category: ${f.category} (rule ${f.ruleId}, severity ${f.severity})`);
  if (f.secondary) l.push(`  inner cause: ${f.secondary.category} — ${f.secondary.title}`);
  const fields = Object.entries(f.fields).filter(([, v]) => v !== '' && v !== undefined);
  if (fields.length > 0) l.push(`  details: ${fields.map(([k, v]) => `${k}=${redacted(String(v))}`).join(' ')}`);
  l.push(`  from: ${redactedCut(line, 300, '...')}`);
  l.push('  why this happens:');
  for (const c of f.causes) l.push(`    - ${c}`);
  l.push('  what to do:');
  f.remediation.forEach((r, i) => l.push(`    ${i + 1}. ${r}`));
  if (f.alternatives?.length) l.push(`  also rule out: ${f.alternatives.join(', ')}`);
  return l.join('\n') + '\n';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}
