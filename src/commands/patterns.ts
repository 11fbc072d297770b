// `ecs-triage patterns check|list`: validate a rule directory with the loader's own code.
import type { Command } from 'commander';
import { defaultPatternSources, compileRuleSet, readPatternDir } from '../classify/load.js';
import { stressRules } from '../classify/stress.js';
import { RuleError, RuleSetError } from '../errors.js';
import type { RegisterCommand } from './command.js';
import { choice } from './options.js';

export const registerPatterns: RegisterCommand = (program: Command, io) => {
  const patterns = program.command('patterns').description('Work with rule files.');
  patterns
    .command('check')
    .description('Validate a rule directory (the shipped one by default): schema, regexes, backtracking, examples, counterexamples.')
    .argument('[dir]', 'directory of *.yaml / *.json rule files')
    .option('--require-docs', 'also fail when a rule has no `docs` links (always so for the shipped rules)')
    .action(async (dir: string | undefined, flags: { requireDocs?: boolean }) => {
      const sources = dir ? await readPatternDir(dir) : await defaultPatternSources('directory');
      const set = compileRuleSet(sources);
      const slow = stressRules(set.rules);
      if (slow.length > 0) throw new RuleSetError(slow.map((s) => new RuleError(s.file, s.id, s.reason)));
      const undocumented = set.rules.filter((r) => r.docs.length === 0);
      // Every shipped rule links its documentation; a user's own directory may leave it out unless asked.
      if ((flags.requireDocs || !dir) && undocumented.length > 0) {
        throw new RuleSetError(undocumented.map((r) => new RuleError(r.file, r.id, '`docs` is missing: link the AWS or Docker page that explains this cause')));
      }
      const examples = set.rules.reduce((n, r) => n + r.examples.length + r.counterexamples.length, 0);
      io.stdout.write(
        `ok: ${set.rules.length} rules in ${sources.length} files, ${set.categories().size} categories, ` +
          `${set.literals.length} distinct literals, ${examples} examples and counterexamples verified\n`,
      );
      if (undocumented.length > 0) io.stdout.write(`note: ${undocumented.length} rules have no docs links (patterns check --require-docs fails on them): ${undocumented.map((r) => r.id).join(', ')}\n`);
    });
  patterns
    .command('list')
    .description('List the rules: id, category, severity, priority and title.')
    .argument('[dir]', 'directory of rule files (default: the shipped rules)')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (dir: string | undefined, flags: { format: 'text' | 'json' }) => {
      const set = compileRuleSet(dir ? await readPatternDir(dir) : await defaultPatternSources('directory'));
      if (flags.format === 'json') {
        io.stdout.write(JSON.stringify(set.rules.map((r) => ({ id: r.id, category: r.category, severity: r.severity, priority: r.priority, title: r.title, family: r.family })), null, 2) + '\n');
        return;
      }
      for (const r of set.rules) io.stdout.write(`${r.id.padEnd(44)} ${r.category.padEnd(22)} ${r.severity.padEnd(8)} ${String(r.priority).padStart(4)}  ${r.title}\n`);
    });
};
