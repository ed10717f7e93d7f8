import { existsSync } from 'node:fs';
import { openBus, type Bus, type BusLogger, type DeadLetterAdmin } from '@soc/bus';
import { ALL_SUBSCRIPTIONS } from '@soc/contracts';
import { CheckedPlatformEnv, busConfigOf } from '@soc/platform';
import { describeError, loadConfig } from '@soc/runtime';
import { CliFailure, UsageError, type CliIo } from './cli-io.ts';

/** The subscription names of the topology, for `--subscription` checks and help texts. */
export const SUBSCRIPTION_NAMES: readonly string[] = ALL_SUBSCRIPTIONS.map((s) => s.name);

/**
 * Opens the bus the environment configures (the same variables and defaults as the services), runs `fn` with
 * its dead-letter admin only, and closes the bus whatever happens. The CLI never subscribes, publishes or
 * declares topology: a running instance owns those, and a consumer here would steal its messages.
 */
export async function withDeadLetters<T>(io: CliIo, fn: (deadLetters: DeadLetterAdmin) => Promise<T>): Promise<T> {
  const bus = await openAdminBus(io);
  try {
    return await fn(bus.deadLetters);
  } finally {
    await bus.close();
  }
}

/** Rejects a `--subscription` that is not in the topology, which would otherwise list nothing and look "clean". */
export function checkSubscription(name: string | undefined): string | undefined {
  if (name !== undefined && !SUBSCRIPTION_NAMES.includes(name)) {
    throw new UsageError(`Unknown subscription '${name}' (known: ${SUBSCRIPTION_NAMES.join(', ')})`);
  }
  return name;
}

async function openAdminBus(io: CliIo): Promise<Bus> {
  const env = loadConfig(CheckedPlatformEnv, io.env);
  const config = busConfigOf(env);
  const deps = { logger: stderrBusLogger(io) };
  switch (config.kind) {
    case 'memory':
      throw new CliFailure(
        'SOC_BUS=memory keeps dead letters inside the process that runs the services, out of reach of the CLI; use SOC_BUS=sqlite or servicebus',
      );
    case 'sqlite':
      // Opening a SqliteBus creates the file and its schema when missing: a wrong SOC_DATA_DIR would then show an
      // empty, freshly made bus ("no dead letters") instead of an error, and leave a stray file behind.
      if (config.path === ':memory:' || !existsSync(config.path)) {
        throw new CliFailure(
          `No bus file at ${config.path}: run soc where the services run, or set SOC_DATA_DIR or SOC_BUS_FILE to theirs`,
        );
      }
      // The SQLite dead-letter admin works on the file's own tables; it needs no topology declared here.
      return openBus(config, deps);
    case 'servicebus': {
      // The Service Bus adapter only reaches the subscriptions it was told about, and learns them solely through
      // ensureTopology. With manageTopology off that call just records the names in memory and sends nothing to
      // the broker, so the topology the running instance (or IaC) provisioned is left untouched.
      const bus = openBus({ ...config, manageTopology: false }, deps);
      try {
        await bus.ensureTopology(ALL_SUBSCRIPTIONS);
      } catch (error) {
        await bus.close();
        throw error;
      }
      return bus;
    }
    default:
      return assertNever(config);
  }
}

/** Bus background problems as single stderr lines, so CLI output stays readable (the default logs JSON). */
function stderrBusLogger(io: CliIo): BusLogger {
  const write = (obj: object, msg: string): void => {
    const err = (obj as { err?: unknown }).err;
    io.err(`soc: bus: ${msg}${err === undefined ? '' : `: ${typeof err === 'string' ? err : describeError(err)}`}`);
  };
  return { warn: write, error: write };
}

function assertNever(x: never): never {
  throw new Error(`unexpected bus kind ${JSON.stringify(x)}`);
}
