/** Exit codes of every `soc` command: scripts and CI branch on them. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What a command may touch besides its arguments: the environment and the two output streams. Passed in (not
 * read from `process`) so the dispatch and the commands stay testable and the composition root is the only
 * place that knows about the real process.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes one line of results to stdout (a newline is appended). */
  out(line: string): void;
  /** Writes one line of diagnostics to stderr (a newline is appended). */
  err(line: string): void;
  /** Standard input, for commands that read a stream (`soc kql check`); process.stdin when absent. */
  readonly stdin?: AsyncIterable<string | Buffer>;
}

/** The command line was wrong (unknown option, missing argument): exit 2, with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options of a {@link CliFailure}. */
export interface CliFailureOptions {
  readonly cause?: unknown;
  /** Lines printed under the reason, e.g. the fields a server refused. */
  readonly details?: readonly string[];
}

/** The command ran and could not do its job (unknown id, server refused, no token): exit 1 with this reason. */
export class CliFailure extends Error {
  readonly details: readonly string[];
  constructor(message: string, options: CliFailureOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliFailure';
    this.details = options.details ?? [];
  }
}

/** One `soc` command: its words (`['dlq', 'list']`), a summary for the overview, its help, and what it does. */
export interface Command {
  readonly path: readonly string[];
  readonly summary: string;
  readonly help: string;
  run(args: readonly string[], io: CliIo): Promise<void>;
}

/** The lines of a text stream (stdin, a file), without their newline; a last line without one is yielded too. */
export async function* linesOf(input: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered !== '') yield buffered;
}
