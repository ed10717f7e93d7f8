import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Depth of one subscription; structurally the bus's `SubscriptionDepth`, so `() => bus.depth()` fits. */
export interface QueueDepth {
  readonly subscription: string;
  readonly active: number;
  readonly deadLettered: number;
}

/** Supplies queue depths at scrape time (the composition root passes `() => bus.depth()`). */
export type QueueDepthSource = () => Promise<readonly QueueDepth[]>;

/**
 * Handler duration buckets in seconds: dense between 1 ms and 1 s where most handlers land, with a tail to 30 s
 * for handlers that call an LLM or a slow enrichment source.
 */
export const HANDLER_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** HTTP request duration buckets in seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Value of the `service` label. */
  readonly service: string;
  /** Queue depth callback; can also be set later with {@link SocMetrics.observeQueueDepth} once the bus exists. */
  readonly queueDepth?: QueueDepthSource;
  /** Register Node process metrics (CPU, memory, event loop lag …). Default true. */
  readonly defaultMetrics?: boolean;
  /** A scrape waits at most this long for the queue depth callback. Default 2000 ms. */
  readonly queueDepthTimeoutMs?: number;
}

/** Label values of `soc_events_processed_total{result}`: how the bus settled a delivery. */
export type ProcessedResult = 'completed' | 'retried' | 'dead-lettered';

/** A service's Prometheus metrics, all on one registry that `/metrics` serves. */
export interface SocMetrics {
  readonly service: string;
  readonly registry: Registry;
  readonly eventsProcessed: Counter<'service' | 'subscription' | 'type' | 'result'>;
  readonly eventsDeadLettered: Counter<'service' | 'subscription' | 'reason'>;
  readonly handlerDuration: Histogram<'service' | 'subscription' | 'type'>;
  readonly queueDepth: Gauge<'subscription' | 'state'>;
  readonly queueDepthErrors: Counter<'service'>;
  readonly httpRequests: Counter<'service' | 'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'service' | 'method' | 'route' | 'status'>;
  /**
   * Attempts to hand a message to an outbound destination (a webhook subscriber, a mail relay, a chat channel), by
   * outcome: `delivered`, `rejected` (refused for good) or `failed` (retried), so a destination that keeps failing shows.
   */
  readonly outboundDeliveries: Counter<'service' | 'channel' | 'destination' | 'outcome'>;
  /** Sets (or replaces) the callback `soc_queue_depth` reads on each scrape. */
  observeQueueDepth(source: QueueDepthSource): void;
}

/** Rejects after `ms` so a hung broker call cannot hang the scrape. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue depth not reported within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Creates a service's metrics on a fresh registry (never the global one, so services sharing a process in the
 * all-in-one app keep separate endpoints).
 */
export function createMetrics(options: MetricsOptions): SocMetrics {
  const registry = new Registry();
  const registers = [registry];
  let source = options.queueDepth;
  const timeoutMs = options.queueDepthTimeoutMs ?? 2_000;

  // Both metrics are read in one scrape; the error counter waits for this scrape's depth refresh so a failure is
  // reported in the same scrape, not the next one.
  let refreshing: Promise<void> = Promise.resolve();

  const queueDepth: Gauge<'subscription' | 'state'> = new Gauge({
    name: 'soc_queue_depth',
    help: 'Messages waiting per subscription, by state (active, dead_lettered), read from the broker on scrape',
    labelNames: ['subscription', 'state'] as const,
    registers,
    collect() {
      refreshing = refreshQueueDepth(this);
      return refreshing;
    },
  });

  const queueDepthErrors = new Counter({
    name: 'soc_queue_depth_errors_total',
    help: 'Scrapes where the queue depth callback failed or timed out',
    labelNames: ['service'] as const,
    registers,
    collect: () => refreshing,
  });

  async function refreshQueueDepth(gauge: Gauge<'subscription' | 'state'>): Promise<void> {
    if (source === undefined) return;
    try {
      const depths = await withTimeout(source(), timeoutMs);
      // Reset so subscriptions that disappeared do not keep reporting their last depth.
      gauge.reset();
      for (const d of depths) {
        gauge.set({ subscription: d.subscription, state: 'active' }, d.active);
        gauge.set({ subscription: d.subscription, state: 'dead_lettered' }, d.deadLettered);
      }
    } catch {
      // A broker hiccup must not fail the whole scrape; the error counter makes it visible instead.
      gauge.reset();
      queueDepthErrors.inc({ service: options.service });
    }
  }

  const metrics: SocMetrics = {
    service: options.service,
    registry,
    eventsProcessed: new Counter({
      name: 'soc_events_processed_total',
      help: 'Deliveries handled, by how the bus settled them (completed, retried, dead-lettered)',
      labelNames: ['service', 'subscription', 'type', 'result'] as const,
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'soc_events_dead_lettered_total',
      help: 'Messages moved to a dead-letter queue, by reason',
      labelNames: ['service', 'subscription', 'reason'] as const,
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'soc_handler_duration_seconds',
      help: 'Handler run time per delivery',
      labelNames: ['service', 'subscription', 'type'] as const,
      buckets: [...HANDLER_DURATION_BUCKETS],
      registers,
    }),
    queueDepth,
    queueDepthErrors,
    httpRequests: new Counter({
      name: 'soc_http_requests_total',
      help: 'HTTP requests served, by route template and status',
      labelNames: ['service', 'method', 'route', 'status'] as const,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'soc_http_request_duration_seconds',
      help: 'HTTP request duration until the response finished',
      labelNames: ['service', 'method', 'route', 'status'] as const,
      buckets: [...HTTP_DURATION_BUCKETS],
      registers,
    }),
    outboundDeliveries: new Counter({
      name: 'soc_outbound_deliveries_total',
      help: 'Attempts to deliver to an outbound destination, by outcome (delivered, rejected, failed)',
      labelNames: ['service', 'channel', 'destination', 'outcome'] as const,
      registers,
    }),
    observeQueueDepth(next) {
      source = next;
    },
  };

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return metrics;
}
