// Entry point: assembles the commands and is the only place where errors become exit codes.
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { EXIT, type CommandIO } from './commands/command.js';
import { fsReason, TriageError } from './errors.js';
import { VERSION } from './version.js';
import { isMainThread } from 'node:worker_threads';
import { processEnv } from './env.js';

export function buildProgram(io: CommandIO, exit: { code: number }): Command {
  const program = new Command();
  program
    .name('ecs-triage')
    .description('Names the real cause of Amazon ECS task start failures from the host\'s agent and Docker logs.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  const sink = { set: (code: number) => void (exit.code = code) };
  for (const register of COMMANDS) register(program, io, sink);
  // Subcommands inherit the output settings and the override so commander never exits on its own.
  for (const cmd of program.commands) applyRecursively(cmd, io);
  return program;
}

function applyRecursively(cmd: Command, io: CommandIO): void {
  cmd
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const sub of cmd.commands) applyRecursively(sub, io);
}

export async function main(argv: string[], io: CommandIO = process): Promise<number> {
  const exit = { code: EXIT.ok as number };
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with a CommanderError too; they are not failures.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (err instanceof TriageError) {
      io.stderr.write(`ecs-triage: ${err.message}\n`);
      if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
      return err.exitCode;
    }
    const sys = err as NodeJS.ErrnoException;
    if (sys?.code && sys.path) {
      // A file the command could not read or write: the path and the reason say it all; a stack would not.
      io.stderr.write(`ecs-triage: ${sys.path}: ${fsReason(err)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`ecs-triage: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.usage;
  }
}

// Run when executed directly (node dist/ecs-triage.mjs, or the bin).
const invokedDirectly = isMainThread && process.argv[1] !== undefined && /(?:cli\.[cm]?[jt]s|ecs-triage(?:\.mjs)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  if (processEnv().ECS_TRIAGE_RUSAGE) {
    // For the benchmark: the peak RSS the kernel saw, written where the report is not.
    process.on('exit', () => process.stderr.write(`rusage ${JSON.stringify({ ...process.resourceUsage(), memory: process.memoryUsage() })}\n`));
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ecs-triage: ${String(err)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
