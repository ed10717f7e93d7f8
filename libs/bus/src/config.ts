import { z } from 'zod';
import { DEFAULT_TOPIC } from './adapters/service-bus-mapping.ts';

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
/** Booleans that may come from an env var ("true"/"false") or from JSON. */
const flag = z.union([z.boolean(), z.stringbool()]);

/** Retry policy overrides; omitted fields keep {@link DEFAULT_RETRY_POLICY}. */
export const RetryPolicyConfig = z.object({
  maxDeliveryCount: positiveInt.optional(),
  initialBackoffMs: nonNegativeInt.optional(),
  maxBackoffMs: nonNegativeInt.optional(),
  lockDurationMs: positiveInt.optional(),
});
export type RetryPolicyConfig = z.infer<typeof RetryPolicyConfig>;

const common = {
  retry: RetryPolicyConfig.optional(),
  /** Default handler concurrency of consumers that do not set one. */
  defaultMaxConcurrency: positiveInt.optional(),
};

/** The in-process bus: tests, benchmarks, a single-process demo. Nothing is durable. */
export const MemoryBusConfig = z.object({
  kind: z.literal('memory'),
  duplicateWindowMs: positiveInt.optional(),
  ...common,
});

/** The embedded durable bus: one SQLite file shared by every process on the machine. */
export const SqliteBusConfig = z.object({
  kind: z.literal('sqlite'),
  path: z.string().min(1),
  pollIntervalMs: positiveInt.optional(),
  busyTimeoutMs: nonNegativeInt.optional(),
  retentionMs: positiveInt.optional(),
  synchronous: z.enum(['NORMAL', 'FULL']).optional(),
  ...common,
});

/** Azure Service Bus, by connection string or by namespace with Entra ID (`DefaultAzureCredential`). */
export const ServiceBusConfig = z
  .object({
    kind: z.literal('servicebus'),
    /** A secret: never logged. */
    connectionString: z.string().min(1).optional(),
    fullyQualifiedNamespace: z.string().min(1).optional(),
    topic: z.string().min(1).max(260).default(DEFAULT_TOPIC),
    /** False when IaC provisions the topic, subscriptions and rules (and the identity has no Manage right). */
    manageTopology: flag.default(true),
    maxAutoLockRenewalDurationMs: nonNegativeInt.optional(),
    ...common,
  })
  .refine((c) => (c.connectionString === undefined) !== (c.fullyQualifiedNamespace === undefined), {
    message: 'Set exactly one of connectionString and fullyQualifiedNamespace',
    path: ['connectionString'],
  });

/**
 * Which bus a process uses and how: one schema services embed in their own config schema
 * (`bus: BusConfig`), so a bad bus setting stops start-up with the others.
 */
export const BusConfig = z.discriminatedUnion('kind', [MemoryBusConfig, SqliteBusConfig, ServiceBusConfig]);
export type BusConfig = z.infer<typeof BusConfig>;
/** The config as written (before defaults), e.g. in tests. */
export type BusConfigInput = z.input<typeof BusConfig>;
