export { COMMANDS, runCli } from './cli.ts';
export { CliFailure, ExitCode, UsageError } from './cli-io.ts';
export type { CliFailureOptions, CliIo, Command } from './cli-io.ts';
