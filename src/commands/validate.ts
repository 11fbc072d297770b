// `ecs-triage validate`: checks the config file and the rules without starting (systemd ExecStartPre).
// Exit 0 when both are valid; otherwise the error names the file, key or rule, and the exit code is 2.
import type { Command } from 'commander';
import { EXIT, type CommandIO, type ExitCodeSink, type RegisterCommand } from './command.js';
import { loadConfig } from '../config.js';
import { loadRuleSet } from '../classify/load.js';

interface ValidateFlags {
  config?: string;
  patterns?: string;
}

async function action(flags: ValidateFlags, io: CommandIO, exit: ExitCodeSink): Promise<void> {
  const { config, file } = await loadConfig(flags.config ? { file: flags.config } : {});
  const dir = flags.patterns ?? config.patternsDir;
  const rules = await loadRuleSet(dir);
  io.stdout.write(`config: ${file ?? 'defaults (no config file)'}: ok\n`);
  io.stdout.write(`rules: ${dir ?? 'shipped rules'}: ${rules.rules.length} rules ok\n`);
  io.stdout.write(`sinks: ${config.sinks.join(', ')}; state: ${config.stateDir}\n`);
  exit.set(EXIT.ok);
}

export const registerValidate: RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => {
  program
    .command('validate')
    .description('Check the config file and rules without starting (for ExecStartPre)')
    .option('--config <file>', 'config file (default /etc/ecs-triage/config.yaml if present)')
    .option('--patterns <dir>', 'rule directory to check instead of the configured one')
    .action((flags: ValidateFlags) => action(flags, io, exit));
};
