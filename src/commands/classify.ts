// `ecs-triage classify`: one result per input line, in order. For pipes and rule authors.
// Standard input is read with scan's line limit (sources/bounded-lines.ts): an over-long line is classified on
// its head and flagged, and memory stays bounded whatever the input.
import type { Command } from 'commander';
import { loadRuleSet } from '../classify/load.js';
import { parseLine } from '../formats/index.js';
import { redacted, redactedFields } from '../redacted.js';
import { boundedLines, LONG_LINE_HEAD_BYTES } from '../sources/bounded-lines.js';
import { MAX_LINE_BYTES } from '../sources/file-scan.js';
import { LOG_SOURCES, type RecordSource } from '../types.js';
import type { RegisterCommand } from './command.js';
import { choice } from './options.js';

interface ClassifyFlags {
  format: 'text' | 'json';
  source: RecordSource;
  patterns?: string;
}

const KiB = 1024;

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
      // Each result as soon as its line is read (a `tail -f` pipe waits for it); a slow reader slows us down.
      const write = async (text: string): Promise<void> => {
        if (!io.stdout.write(text)) await new Promise<void>((resolve) => io.stdout.once('drain', resolve));
      };
      for await (const { text: line, truncated, bytes } of boundedLines(io.stdin as AsyncIterable<Buffer>)) {
        n += 1;
        if (truncated) {
          io.stderr.write(`classify: line ${n} is ${bytes} bytes, over ${MAX_LINE_BYTES / (KiB * KiB)} MiB: only its first ${LONG_LINE_HEAD_BYTES / KiB} KiB were classified\n`);
        }
        const rec = parseLine(line, { source: flags.source, origin: { file: '<stdin>', line: n } });
        const f = rules.classify(rec);
        if (flags.format === 'json') {
          const cut = truncated ? { truncated: true } : {};
          const result = f
            ? {
                line: n,
                category: f.category,
                ruleId: f.ruleId,
                severity: f.severity,
                title: redacted(f.title),
                fields: redactedFields(f.fields, f.line),
                ...(f.secondary ? { secondary: { ...f.secondary, title: redacted(f.secondary.title) } } : {}),
                ...(rec.time !== undefined ? { time: new Date(rec.time).toISOString() } : {}),
                ...cut,
              }
            : { line: n, category: null, ruleId: null, severity: null, fields: {}, ...cut };
          await write(JSON.stringify(result) + '\n');
        } else {
          await write(f ? `${f.category}\t${f.ruleId}\t${f.severity}\t${redacted(f.title)}\n` : '-\t-\t-\t\n');
        }
      }
    });
};
