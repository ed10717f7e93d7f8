import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` `parseArgs` in strict mode with `--help`/`-h` added, its errors turned into {@link UsageError}
 * (exit 2). `maxPositionals` is checked here because `parseArgs` only knows "positionals allowed or not".
 */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node's messages are good ("Unknown option '--foo'") but end with advice about '--' that does not apply here.
    const message =
      error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`Unexpected argument '${parsed.positionals[maxPositionals] ?? ''}'`);
  }
  return parsed;
}

/** A whole number ≥ 1 from an option value, or a {@link UsageError} naming the option. */
export function positiveInt(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${option} must be a whole number of at least 1 (got '${value}')`);
  }
  return Number(value);
}
