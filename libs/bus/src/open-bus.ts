import { AppError, ErrorCode } from '@soc/runtime';
import { MemoryBus } from './adapters/memory-bus.ts';
import { ServiceBusBus } from './adapters/service-bus.ts';
import { SqliteBus } from './adapters/sqlite-bus.ts';
import { BusConfig, type BusConfigInput } from './config.ts';
import type { BusDeps } from './deps.ts';
import type { Bus } from './port.ts';

/**
 * Builds the bus a config asks for: the composition root's one call (`openBus(config.bus, { observer, logger })`).
 * The config is parsed again here, so a hand-written object gets the same defaults and checks as an env-loaded one.
 */
export function openBus(config: BusConfigInput, deps: BusDeps = {}): Bus {
  const parsed = BusConfig.safeParse(config);
  if (!parsed.success) {
    // Paths and messages only: a value here may be a connection string.
    const problems = parsed.error.issues.map((i) => `  - bus.${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Invalid bus configuration:\n${problems.join('\n')}`, {
      retryable: false,
    });
  }
  const c = parsed.data;
  switch (c.kind) {
    case 'memory':
      return new MemoryBus(withoutKind(c), deps);
    case 'sqlite':
      return new SqliteBus(withoutKind(c), deps);
    case 'servicebus':
      return new ServiceBusBus(withoutKind(c), deps);
    default:
      return assertNever(c);
  }
}

/** Drops `kind` and undefined fields, which `exactOptionalPropertyTypes`-style option bags need not carry. */
function withoutKind<T extends { kind: string }>(c: T): Omit<T, 'kind'> {
  const { kind: _kind, ...rest } = c;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Omit<T, 'kind'>;
}

function assertNever(x: never): never {
  throw new Error(`unexpected bus kind ${JSON.stringify(x)}`);
}
