// `ecs-triage classify`: one result per input line, in order. For pipes and rule authors.
import type { Command } from 'commander';
import split2 from 'split2';
import { loadRuleSet } from '../classify/load.js';
import { parseLine } from '../formats/index.js';
import { redacted, redactedFields } from '../redacted.js';
import { LOG_SOURCES, type RecordSource } from '../types.js';
import type { RegisterCommand } from './command.js';
import { choice } from './options.js';

interface ClassifyFlags {
  format: 'text' | 'json';
  source: RecordSource;
  patterns?: string;
}

export const registerClassify: RegisterCommand = (program: Command, io) => {
  program
    .command('classify')
    .description('Classify lines read on standard input: one result per line, in order (category, or null when no rule matches).')
    .option('--format <format>', 'text (tab-separated) or json (one object per line)', choice(['text', 'json'] as const), 'text')
    .option('--source <kind>', `which program wrote the lines: unknown, ${LOG_SOURCES.join(', ')}`, choice(['unknown', ...LOG_SOURCES] as const), 'unknown')
    .option('--patterns <dir>', 'use the rules in this directory instead of the shipped ones')
    .action(async (flags: ClassifyFlags) => {
      const rules = await loadRuleSet(flags.patterns);
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        io.stdin
          .pipe(split2())
          .on('data', (line: string) => {
            n += 1;
            const rec = parseLine(line, { source: flags.source, origin: { file: '<stdin>', line: n } });
            const f = rules.classify(rec);
            if (flags.format === 'json') {
              const out = f
                ? { line: n, category: f.category, ruleId: f.ruleId, severity: f.severity, title: f.title, fields: redactedFields(f.fields), ...(f.secondary ? { secondary: f.secondary } : {}), ...(rec.time !== undefined ? { time: new Date(rec.time).toISOString() } : {}) }
                : { line: n, category: null, ruleId: null, severity: null, fields: {} };
              io.stdout.write(JSON.stringify(out) + '\n');
            } else {
              io.stdout.write(f ? `${f.category}\t${f.ruleId}\t${f.severity}\t${redacted(f.title)}\n` : '-\t-\t-\t\n');
            }
          })
          .on('end', resolve)
          .on('error', reject);
      });
    });
};
