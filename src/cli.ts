// The command line: assembles the commands and is the only place where errors become exit codes.
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { EXIT, type CommandIO } from './commands/command.js';
import { fsReason, OutputError, TriageError } from './errors.js';
import { VERSION } from './version.js';
import { withPriority } from './log.js';
import { processEnv } from './env.js';
import { writeSync } from 'node:fs';

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
      // --help and --version end with a CommanderError too; they are not failures. `commander.help` is also what
      // a missing command (`ecs-triage`, `ecs-triage fleet`) ends with, the help on stderr: a usage error, or a
      // script with an empty command variable would read 0 as an all-clear.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    return report(err, io.stderr);
  }
}

/** One failure, told in one line (and a hint): the exit code comes from the error. */
function report(err: unknown, stream: NodeJS.WritableStream): number {
  // Under systemd these lines go to the journal at priority err (journalctl -p err), see src/log.ts.
  const stderr = { write: (text: string): boolean => stream.write(withPriority(stream, 'error', text)) };
  if (err instanceof TriageError) {
    stderr.write(`ecs-triage: ${err.message}\n`);
    if (err.hint) stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const sys = err as NodeJS.ErrnoException;
  if (sys?.code && sys.path) {
    // A file the command could not read or write: the path and the reason say it all; a stack would not.
    stderr.write(`ecs-triage: ${sys.path}: ${fsReason(err)}\n`);
    return EXIT.couldNotRun;
  }
  stderr.write(`ecs-triage: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.couldNotRun;
}

/**
 * Output errors, for every command in one place. A reader that left (`| head -1`: EPIPE) ends the process
 * quietly, as SIGPIPE would; any other write error (a full disk) is told in one line on stderr. Either way
 * the answer did not arrive, so the process exits at once with EXIT.couldNotRun, never 0: nothing it does
 * afterwards could be read.
 */
function guardOutput(): void {
  const fail = (stream: 'stdout' | 'stderr') => (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE' && stream === 'stdout') {
      try {
        writeSync(2, `ecs-triage: ${new OutputError(stream, err).message}\n`);
      } catch {
        // stderr is gone too: the exit code is all that is left
      }
    }
    process.exit(EXIT.couldNotRun);
  };
  process.stdout.on('error', fail('stdout'));
  process.stderr.on('error', fail('stderr'));
}

/** Runs the CLI as this process: the bundle's entry (src/bin.ts) calls it, whatever the file is named. */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  guardOutput();
  if (processEnv().ECS_TRIAGE_RUSAGE) {
    // For the benchmark: the peak RSS the kernel saw, written where the report is not.
    process.on('exit', () => process.stderr.write(`rusage ${JSON.stringify({ ...process.resourceUsage(), memory: process.memoryUsage() })}\n`));
  }
  process.exitCode = await main(argv).catch((err: unknown) => report(err, process.stderr));
}
