// What every command module shares: how it is registered and how it reports its exit code.
import type { Command } from 'commander';

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/** Each command file exports one of these; src/commands/index.ts lists them. */
export type RegisterCommand = (program: Command, io: CommandIO, exit: ExitCodeSink) => void;

/** Actions never call process.exit: they hand their exit code to cli.ts through this. */
export interface ExitCodeSink {
  set(code: number): void;
}

/** Exit codes (declared with the errors that carry them; documented in the README). */
export { EXIT } from '../errors.js';
