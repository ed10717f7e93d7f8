import type { SocEvent, SubscriptionSpec } from '@soc/contracts';

/**
 * What a handler returns when it succeeds: the events to publish as a result. The bus publishes them and
 * completes the input message (atomically where the adapter can), so a handler never settles by itself.
 */
export interface HandlerOutcome {
  readonly emit: readonly SocEvent[];
}

/** Per-delivery information a handler may use (never to settle). */
export interface DeliveryInfo {
  readonly subscription: string;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  /** Abort signal that fires when the lock is about to expire or the consumer closes. */
  readonly signal: AbortSignal;
}

/**
 * A message handler. Throwing a retryable error (or any unknown error) abandons the message for a retry with
 * backoff; throwing a non-retryable AppError dead-letters it at once with the error's code as reason.
 */
export type EventHandler = (event: SocEvent, delivery: DeliveryInfo) => Promise<HandlerOutcome>;

/** Consumer options. */
export interface SubscribeOptions {
  /** Must be a subscription declared through {@link Bus.ensureTopology}. */
  readonly subscription: string;
  /** Handler invocations in flight at once (Service Bus `maxConcurrentCalls`). Default 16. */
  readonly maxConcurrency?: number;
}

/** A running consumer. */
export interface Consumer {
  /** Stops receiving, waits for in-flight handlers to settle. */
  close(): Promise<void>;
}

/** How failures are retried and when they are dead-lettered. */
export interface RetryPolicy {
  /** Deliveries before a message is dead-lettered with reason `MaxDeliveryCountExceeded`. Default 5. */
  readonly maxDeliveryCount: number;
  /** First retry delay; doubled per attempt with jitter. Default 200 ms. */
  readonly initialBackoffMs: number;
  /** Cap on the retry delay. Default 30 s. */
  readonly maxBackoffMs: number;
  /** Peek-lock duration; an unsettled message reappears after it. Default 30 s. */
  readonly lockDurationMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxDeliveryCount: 5,
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  lockDurationMs: 30_000,
};

/** A dead-lettered message as an operator sees it. */
export interface DeadLetter {
  /** Id of the dead-letter entry (unique per subscription and message). */
  readonly id: string;
  readonly subscription: string;
  readonly messageId: string;
  readonly type: string;
  readonly correlationId: string | undefined;
  /** Short machine reason: `SchemaValidationFailed`, `UnknownEventType`, `MaxDeliveryCountExceeded`, an AppError code … */
  readonly reason: string;
  /** Human description of what went wrong and, where known, what to do. */
  readonly description: string;
  readonly deliveryCount: number;
  readonly deadLetteredAt: string;
  /** The message body as it was received (possibly invalid, hence unknown). */
  readonly body: unknown;
}

/** Filters for listing dead letters. */
export interface DeadLetterQuery {
  readonly subscription?: string;
  readonly limit?: number;
}

/** Operator access to dead letters: list, inspect and replay after the cause is fixed. */
export interface DeadLetterAdmin {
  list(query?: DeadLetterQuery): Promise<readonly DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Puts the message back on its subscription with a fresh delivery count; returns false if the id is unknown. */
  replay(id: string): Promise<boolean>;
  /** Replays every dead letter matching the query; returns how many. */
  replayAll(query?: DeadLetterQuery): Promise<number>;
}

/** Depth of a subscription, for metrics and readiness. */
export interface SubscriptionDepth {
  readonly subscription: string;
  /** Messages to deliver or being handled, retries in backoff included; not the scheduled ones. */
  readonly active: number;
  readonly deadLettered: number;
  /**
   * Deliveries scheduled (`deliverat`) and not yet due: a timer, not a backlog. Service Bus keeps them out of the
   * subscription's active count too (they are enqueued when due); 0 where an adapter cannot tell.
   */
  readonly scheduled: number;
}

/**
 * The event bus port. Delivery is at least once; publishing is idempotent by event `id`
 * (an event id already published is not delivered twice), so derived ids make redelivery harmless.
 */
export interface Bus {
  /** Declares subscriptions (idempotent). Messages are delivered only to subscriptions that exist when published. */
  ensureTopology(subscriptions: readonly SubscriptionSpec[]): Promise<void>;
  /** Publishes events durably; resolves once they are stored. Every event must pass its schema. */
  publish(events: readonly SocEvent[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: EventHandler): Consumer;
  readonly deadLetters: DeadLetterAdmin;
  depth(): Promise<readonly SubscriptionDepth[]>;
  /**
   * Readiness: resolves when the bus can serve (open, and its store or broker answers a cheap read), rejects with the
   * reason otherwise. Cheaper than {@link Bus.depth}, so a probe every few seconds costs the broker little.
   */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** One handled delivery, as reported to the observer. */
export interface HandledDelivery {
  readonly subscription: string;
  readonly event: SocEvent;
  readonly deliveryCount: number;
  readonly durationMs: number;
  readonly result: 'completed' | 'retried' | 'dead-lettered';
  readonly error?: unknown;
}

/**
 * Hooks the bus calls so observability stays outside the adapters: `around` wraps each handler call
 * (log context, trace span), `handled` reports the settlement, `deadLettered` every dead letter
 * (including messages that never parsed).
 */
export interface BusObserver {
  around<T>(subscription: string, event: SocEvent, fn: () => Promise<T>): Promise<T>;
  handled(delivery: HandledDelivery): void;
  deadLettered(deadLetter: DeadLetter): void;
  /** Called on every event the bus publishes (inside `around` for handler outcomes): sets trace context. */
  stamp(event: SocEvent): SocEvent;
}

/** An observer that does nothing (tests, tools). */
export const NOOP_OBSERVER: BusObserver = {
  around: (_s, _e, fn) => fn(),
  handled: () => undefined,
  deadLettered: () => undefined,
  stamp: (event) => event,
};
