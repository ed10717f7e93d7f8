import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  type ProcessErrorArgs,
  type ServiceBusMessageBatch,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';
import type { SocEvent, SubscriptionSpec } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import Long from 'long';
import { resolveBusDeps, type BusDeps, type ResolvedBusDeps } from '../deps.ts';
import type {
  Bus,
  Consumer,
  DeadLetter,
  DeadLetterAdmin,
  DeadLetterQuery,
  DeliveryInfo,
  EventHandler,
  RetryPolicy,
  SubscribeOptions,
  SubscriptionDepth,
} from '../port.ts';
import { resolveRetryPolicy } from '../retry-policy.ts';
import {
  buildDeadLetter,
  decideSettlement,
  reportSettlement,
  type Decision,
  type ReceivedMessage,
  type SettlementContext,
  type SettleResult,
} from '../settlement.ts';
import { validateEvents } from '../validation.ts';
import { DEFAULT_MAX_CONCURRENCY } from './memory-bus.ts';
import {
  DEAD_LETTERED_AT_PROPERTY,
  decodeServiceBusBody,
  DEFAULT_TOPIC,
  deliveryCountOf,
  isLockLost,
  lockDurationIso,
  SUBSCRIPTION_RULE_NAME,
  subscriptionFilterSql,
  toReplayMessage,
  toServiceBusMessage,
  translateServiceBusError,
} from './service-bus-mapping.ts';

/** Options of {@link ServiceBusBus}: a connection string, or a namespace reached with Entra ID. */
export interface ServiceBusBusOptions {
  readonly connectionString?: string;
  /** `<name>.servicebus.windows.net`; used with `credential` (default `DefaultAzureCredential`) when there is no connection string. */
  readonly fullyQualifiedNamespace?: string;
  readonly credential?: TokenCredential;
  /** Default `soc-events`. */
  readonly topic?: string;
  /** Create and update the topic, subscriptions and rules (needs Manage rights). False when IaC owns them. Default true. */
  readonly manageTopology?: boolean;
  readonly retry?: Partial<RetryPolicy>;
  /** Default `maxConcurrency` (the SDK's `maxConcurrentCalls`, whose own default is 1). Default 16. */
  readonly defaultMaxConcurrency?: number;
  /** How long the SDK keeps renewing a message lock for a slow handler. Default 5 minutes. */
  readonly maxAutoLockRenewalDurationMs?: number;
  /** Without Manage rights depth is counted by peeking, up to this many messages per queue. Default 5,000. */
  readonly depthPeekLimit?: number;
}

/** Time after which a handler's signal fires, ahead of the end of lock renewal, so it can stop cleanly. */
const SIGNAL_MARGIN_MS = 5_000;
const PEEK_PAGE = 250;
const RECEIVE_PAGE = 50;
const RECEIVE_WAIT_MS = 1_000;

/**
 * The Azure Service Bus adapter: one topic (default `soc-events`) and a subscription per {@link SubscriptionSpec}
 * with a SQL rule on the `type` application property.
 *
 * Retry backoff is served by **holding the lock, then abandoning**: the handler's slot waits out the delay (the
 * SDK renews the lock meanwhile) and the abandoned message is redelivered at once with the broker's delivery
 * count incremented. The broker stays the single source of truth for delivery counts and its own
 * `MaxDeliveryCount` agrees with ours; the cost is a concurrency slot held during backoff, which throttles
 * consumption while a dependency is failing — usually what one wants. (Rescheduling a copy would free the slot
 * but is not atomic with completing the original and loses the broker's count.)
 */
export class ServiceBusBus implements Bus {
  readonly deadLetters: DeadLetterAdmin;
  readonly #client: ServiceBusClient;
  readonly #admin: ServiceBusAdministrationClient | undefined;
  readonly #topic: string;
  readonly #policy: RetryPolicy;
  readonly #deps: ResolvedBusDeps;
  readonly #defaultConcurrency: number;
  readonly #lockRenewalMs: number;
  readonly #depthPeekLimit: number;
  readonly #subscriptions = new Map<string, SubscriptionSpec>();
  readonly #consumers = new Set<Consumer>();
  #sender: ServiceBusSender | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ServiceBusBusOptions, deps: BusDeps = {}) {
    this.#policy = resolveRetryPolicy(options.retry);
    this.#deps = resolveBusDeps(deps);
    this.#topic = options.topic ?? DEFAULT_TOPIC;
    this.#defaultConcurrency = options.defaultMaxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.#lockRenewalMs = options.maxAutoLockRenewalDurationMs ?? 5 * 60_000;
    this.#depthPeekLimit = options.depthPeekLimit ?? 5_000;
    const manage = options.manageTopology ?? true;
    if (options.connectionString !== undefined) {
      this.#client = new ServiceBusClient(options.connectionString);
      this.#admin = manage ? new ServiceBusAdministrationClient(options.connectionString) : undefined;
    } else if (options.fullyQualifiedNamespace !== undefined) {
      const credential = options.credential ?? new DefaultAzureCredential();
      this.#client = new ServiceBusClient(options.fullyQualifiedNamespace, credential);
      this.#admin = manage
        ? new ServiceBusAdministrationClient(options.fullyQualifiedNamespace, credential)
        : undefined;
    } else {
      throw new AppError(
        ErrorCode.CONFIGURATION_INVALID,
        'Service Bus needs a connectionString or a fullyQualifiedNamespace',
        {
          retryable: false,
        },
      );
    }
    this.deadLetters = {
      list: (query) => this.#listDead(query),
      get: (id) => this.#getDead(id),
      replay: (id) => this.#replay(id),
      replayAll: (query) => this.#replayAll(query),
    };
  }

  async ensureTopology(subscriptions: readonly SubscriptionSpec[]): Promise<void> {
    for (const spec of subscriptions) this.#subscriptions.set(spec.name, spec);
    const admin = this.#admin;
    if (admin === undefined) return;
    try {
      if (!(await admin.topicExists(this.#topic))) {
        await ignoreAlreadyExists(
          admin.createTopic(this.#topic, {
            requiresDuplicateDetection: true,
            duplicateDetectionHistoryTimeWindow: 'PT10M',
          }),
        );
      }
      for (const spec of subscriptions) await this.#ensureSubscription(admin, spec);
    } catch (error) {
      throw translateServiceBusError(error, `provision topic ${this.#topic}`);
    }
  }

  async #ensureSubscription(admin: ServiceBusAdministrationClient, spec: SubscriptionSpec): Promise<void> {
    const filter = { sqlExpression: subscriptionFilterSql(spec) };
    const lockDuration = lockDurationIso(this.#policy.lockDurationMs);
    // The broker's own limit equals the policy's, so both dead-letter at the same count with the same reason.
    const maxDeliveryCount = this.#policy.maxDeliveryCount;
    if (!(await admin.subscriptionExists(this.#topic, spec.name))) {
      await ignoreAlreadyExists(
        admin.createSubscription(this.#topic, spec.name, {
          lockDuration,
          maxDeliveryCount,
          deadLetteringOnFilterEvaluationExceptions: true,
          defaultRuleOptions: { name: SUBSCRIPTION_RULE_NAME, filter },
        }),
      );
      return;
    }
    const props = await admin.getSubscription(this.#topic, spec.name);
    if (props.lockDuration !== lockDuration || props.maxDeliveryCount !== maxDeliveryCount) {
      await admin.updateSubscription({ ...props, lockDuration, maxDeliveryCount });
    }
    let hasRule = false;
    for await (const rule of admin.listRules(this.#topic, spec.name)) {
      if (rule.name === SUBSCRIPTION_RULE_NAME) {
        hasRule = true;
        const current = (rule.filter as { sqlExpression?: string }).sqlExpression;
        if (current !== filter.sqlExpression) {
          const full = await admin.getRule(this.#topic, spec.name, rule.name);
          await admin.updateRule(this.#topic, spec.name, { ...full, filter });
        }
      } else {
        // `$Default` (1=1) or a stale rule would deliver every event type to this subscription.
        await admin.deleteRule(this.#topic, spec.name, rule.name);
      }
    }
    if (!hasRule) await admin.createRule(this.#topic, spec.name, SUBSCRIPTION_RULE_NAME, filter);
  }

  async publish(events: readonly SocEvent[]): Promise<void> {
    this.#assertOpen();
    await this.#send(validateEvents(events.map((e) => this.#deps.observer.stamp(e))));
  }

  /** Sends validated events in as few batches as fit. */
  async #send(events: readonly SocEvent[]): Promise<void> {
    if (events.length === 0) return;
    const sender = (this.#sender ??= this.#client.createSender(this.#topic));
    try {
      let batch: ServiceBusMessageBatch = await sender.createMessageBatch();
      for (const event of events) {
        const message = toServiceBusMessage(event);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) {
          throw new AppError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `Event ${event.id} (${event.type}) is larger than a Service Bus message may be`,
            {
              retryable: false,
            },
          );
        }
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) {
          throw new AppError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `Event ${event.id} (${event.type}) is larger than a Service Bus message may be`,
            {
              retryable: false,
            },
          );
        }
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    } catch (error) {
      throw translateServiceBusError(error, `send to ${this.#topic}`);
    }
  }

  subscribe(options: SubscribeOptions, handler: EventHandler): Consumer {
    this.#assertOpen();
    if (!this.#subscriptions.has(options.subscription)) {
      throw new AppError(
        ErrorCode.CONFIGURATION_INVALID,
        `Unknown subscription "${options.subscription}": declare it with ensureTopology first`,
        {
          retryable: false,
        },
      );
    }
    const subscription = options.subscription;
    const receiver = this.#client.createReceiver(this.#topic, subscription, {
      receiveMode: 'peekLock',
      maxAutoLockRenewalDurationInMs: this.#lockRenewalMs,
    });
    const ctx: SettlementContext = { subscription, handler, policy: this.#policy, deps: this.#deps };
    const inflight = new Set<AbortController>();
    const running = new Set<Promise<void>>();
    let closing = false;
    const handle = async (message: ServiceBusReceivedMessage): Promise<void> => {
      const controller = new AbortController();
      inflight.add(controller);
      const timer = setTimeout(
        () =>
          controller.abort(new AppError(ErrorCode.TIMEOUT, 'The message lock is about to expire', { retryable: true })),
        Math.max(0, this.#lockRenewalMs - SIGNAL_MARGIN_MS),
      );
      try {
        await this.#process(ctx, receiver, message, controller.signal, () => closing);
      } finally {
        clearTimeout(timer);
        inflight.delete(controller);
      }
    };
    const sdkSubscription = receiver.subscribe(
      {
        processMessage: (message) => {
          const run = handle(message);
          running.add(run);
          return run.finally(() => running.delete(run));
        },
        processError: async (args: ProcessErrorArgs) => {
          this.#deps.logger.error(
            {
              err: translateServiceBusError(args.error, `receive from ${subscription}`),
              subscription,
              errorSource: args.errorSource,
            },
            'Service Bus receiver error; the SDK keeps retrying',
          );
        },
      },
      { maxConcurrentCalls: options.maxConcurrency ?? this.#defaultConcurrency, autoCompleteMessages: false },
    );
    let closed: Promise<void> | undefined;
    const consumer: Consumer = {
      close: () => {
        closed ??= (async () => {
          closing = true;
          for (const c of inflight)
            c.abort(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The consumer is closing', { retryable: true }));
          await sdkSubscription.close();
          // The receiver must stay open until in-flight messages are settled through it. A run that failed was
          // already reported to processError by the SDK; here we only wait.
          await Promise.allSettled([...running]);
          await receiver.close();
          this.#consumers.delete(consumer);
        })();
        return closed;
      },
    };
    this.#consumers.add(consumer);
    return consumer;
  }

  async #process(
    ctx: SettlementContext,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    signal: AbortSignal,
    isClosing: () => boolean,
  ): Promise<void> {
    const startedAt = performance.now();
    const received: ReceivedMessage = {
      messageId: String(message.messageId ?? ''),
      body: decodeServiceBusBody(message.body),
      event: undefined,
      deliveryCount: deliveryCountOf(message),
    };
    const info: DeliveryInfo = { subscription: ctx.subscription, deliveryCount: received.deliveryCount, signal };
    const decision = await decideSettlement(ctx, received, info);
    let outcome: SettleResult | { kind: 'failed'; error: unknown };
    try {
      outcome = await this.#apply(ctx.subscription, receiver, message, received, decision, signal, isClosing);
    } catch (error) {
      outcome = isLockLost(error)
        ? { kind: 'lock-lost' }
        : { kind: 'failed', error: translateServiceBusError(error, 'settle a message') };
    }
    reportSettlement(this.#deps, {
      subscription: ctx.subscription,
      messageId: received.messageId,
      event: decision.event,
      deliveryCount: received.deliveryCount,
      startedAt,
      settlement: decision.settlement,
      outcome,
    });
  }

  /**
   * Applies a settlement. Service Bus has no transaction spanning a send and a settlement here, so outcome
   * events are sent first and the input settled after: a crash in between redelivers the input, whose derived
   * outcome ids the topic's duplicate detection then drops.
   */
  async #apply(
    subscription: string,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    received: ReceivedMessage,
    decision: Decision,
    signal: AbortSignal,
    isClosing: () => boolean,
  ): Promise<SettleResult> {
    const s = decision.settlement;
    switch (s.kind) {
      case 'complete':
        await this.#send(s.emit);
        await receiver.completeMessage(message);
        return { kind: 'settled' };
      case 'retry':
        if (!isClosing()) await sleep(s.delayMs, undefined, { signal }).catch(() => undefined);
        await receiver.abandonMessage(message);
        return { kind: 'settled' };
      case 'dead-letter': {
        await this.#send(s.emit);
        const deadLetteredAt = this.#deps.clock.now().toISOString();
        await receiver.deadLetterMessage(message, {
          deadLetterReason: s.reason,
          deadLetterErrorDescription: s.description.slice(0, 4096),
          [DEAD_LETTERED_AT_PROPERTY]: deadLetteredAt,
        });
        const deadLetter = buildDeadLetter({
          id: deadLetterIdOf(subscription, message),
          subscription,
          messageId: received.messageId,
          body: received.body,
          event: decision.event,
          reason: s.reason,
          description: s.description,
          deliveryCount: received.deliveryCount,
          deadLetteredAt,
        });
        return { kind: 'settled', deadLetter };
      }
      default:
        return assertNever(s);
    }
  }

  async depth(): Promise<readonly SubscriptionDepth[]> {
    const out: SubscriptionDepth[] = [];
    for (const name of this.#subscriptions.keys()) {
      if (this.#admin !== undefined) {
        try {
          const props = await this.#admin.getSubscriptionRuntimeProperties(this.#topic, name);
          out.push({
            subscription: name,
            active: props.activeMessageCount,
            deadLettered: props.deadLetterMessageCount,
          });
        } catch (error) {
          throw translateServiceBusError(error, `read the depth of ${name}`);
        }
      } else {
        // No Manage rights (or the emulator, which has no admin API): count by peeking, bounded.
        out.push({
          subscription: name,
          active: await this.#countByPeek(name, false),
          deadLettered: await this.#countByPeek(name, true),
        });
      }
    }
    return out;
  }

  async #countByPeek(subscription: string, deadLetter: boolean): Promise<number> {
    const receiver = this.#client.createReceiver(
      this.#topic,
      subscription,
      deadLetter ? { subQueueType: 'deadLetter' } : {},
    );
    try {
      let count = 0;
      while (count < this.#depthPeekLimit) {
        const page = await receiver.peekMessages(PEEK_PAGE);
        count += page.length;
        if (page.length < PEEK_PAGE) break;
      }
      return count;
    } catch (error) {
      throw translateServiceBusError(error, `peek ${subscription}`);
    } finally {
      await receiver.close();
    }
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      const results = await Promise.allSettled([...this.#consumers].map((c) => c.close()));
      for (const r of results) {
        if (r.status === 'rejected')
          this.#deps.logger.error({ err: r.reason }, 'closing a Service Bus consumer failed');
      }
      await this.#sender?.close();
      await this.#client.close();
    })();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined)
      throw new AppError(ErrorCode.PRECONDITION_FAILED, 'The bus is closed', { retryable: false });
  }

  #subscriptionsFor(query: DeadLetterQuery): string[] {
    return query.subscription === undefined ? [...this.#subscriptions.keys()] : [query.subscription];
  }

  async #listDead(query: DeadLetterQuery = {}): Promise<readonly DeadLetter[]> {
    const limit = query.limit ?? 100;
    const out: DeadLetter[] = [];
    for (const subscription of this.#subscriptionsFor(query)) {
      const dlq = this.#client.createReceiver(this.#topic, subscription, { subQueueType: 'deadLetter' });
      try {
        while (out.length < limit) {
          const page = await dlq.peekMessages(Math.min(PEEK_PAGE, limit - out.length));
          out.push(...page.map((m) => toDeadLetter(subscription, m)));
          if (page.length === 0) break;
        }
      } catch (error) {
        throw translateServiceBusError(error, `peek the dead letters of ${subscription}`);
      } finally {
        await dlq.close();
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  async #getDead(id: string): Promise<DeadLetter | undefined> {
    const key = parseDeadLetterId(id);
    if (key === undefined || !this.#subscriptions.has(key.subscription)) return undefined;
    const dlq = this.#client.createReceiver(this.#topic, key.subscription, { subQueueType: 'deadLetter' });
    try {
      const [message] = await dlq.peekMessages(1, { fromSequenceNumber: key.sequenceNumber });
      return message !== undefined && message.sequenceNumber?.equals(key.sequenceNumber) === true
        ? toDeadLetter(key.subscription, message)
        : undefined;
    } catch (error) {
      throw translateServiceBusError(error, `peek dead letter ${id}`);
    } finally {
      await dlq.close();
    }
  }

  /**
   * Receives the dead-letter queue with peek-lock until the wanted sequence number shows up, resends it to its
   * subscription, completes it, and abandons the rest (abandoning in a DLQ has no delivery limit).
   */
  async #replay(id: string): Promise<boolean> {
    const key = parseDeadLetterId(id);
    if (key === undefined || !this.#subscriptions.has(key.subscription)) return false;
    const dlq = this.#client.createReceiver(this.#topic, key.subscription, {
      subQueueType: 'deadLetter',
      receiveMode: 'peekLock',
    });
    const skipped: ServiceBusReceivedMessage[] = [];
    try {
      for (;;) {
        const page = await dlq.receiveMessages(RECEIVE_PAGE, { maxWaitTimeInMs: RECEIVE_WAIT_MS });
        if (page.length === 0) return false;
        for (const message of page) {
          if (message.sequenceNumber?.equals(key.sequenceNumber) === true) {
            await this.#resend(key.subscription, message);
            await dlq.completeMessage(message);
            return true;
          }
          skipped.push(message);
        }
      }
    } catch (error) {
      throw translateServiceBusError(error, `replay dead letter ${id}`);
    } finally {
      // Releasing the others early is a courtesy: if it fails their locks simply expire.
      const released = await Promise.allSettled(skipped.map((m) => dlq.abandonMessage(m)));
      const failed = released.filter((r) => r.status === 'rejected').length;
      if (failed > 0)
        this.#deps.logger.warn({ id, failed }, 'could not release some dead letters early; their locks will expire');
      await dlq.close();
    }
  }

  async #replayAll(query: DeadLetterQuery = {}): Promise<number> {
    const limit = query.limit ?? Infinity;
    let replayed = 0;
    for (const subscription of this.#subscriptionsFor(query)) {
      const dlq = this.#client.createReceiver(this.#topic, subscription, {
        subQueueType: 'deadLetter',
        receiveMode: 'peekLock',
      });
      try {
        while (replayed < limit) {
          const page = await dlq.receiveMessages(Math.min(RECEIVE_PAGE, limit - replayed), {
            maxWaitTimeInMs: RECEIVE_WAIT_MS,
          });
          if (page.length === 0) break;
          for (const message of page) {
            await this.#resend(subscription, message);
            await dlq.completeMessage(message);
            replayed++;
          }
        }
      } catch (error) {
        throw translateServiceBusError(error, `replay the dead letters of ${subscription}`);
      } finally {
        await dlq.close();
      }
    }
    return replayed;
  }

  async #resend(subscription: string, dead: ServiceBusReceivedMessage): Promise<void> {
    const sender = (this.#sender ??= this.#client.createSender(this.#topic));
    await sender.sendMessages(
      toReplayMessage(dead, subscription, `${String(dead.messageId ?? 'message')}:replay:${randomUUID()}`),
    );
  }
}

async function ignoreAlreadyExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (error) {
    // Another process provisioned it between our existence check and the create: the goal is met.
    if (
      (error as { code?: unknown }).code !== 'MessagingEntityAlreadyExists' &&
      (error as { statusCode?: unknown }).statusCode !== 409
    )
      throw error;
  }
}

/** Dead-letter ids are `<subscription>/<sequence number>`: the broker's key for a message in a DLQ. */
function deadLetterIdOf(subscription: string, message: ServiceBusReceivedMessage): string {
  return `${subscription}/${message.sequenceNumber?.toString() ?? 'unknown'}`;
}

function parseDeadLetterId(id: string): { subscription: string; sequenceNumber: Long } | undefined {
  const slash = id.indexOf('/');
  const seq = id.slice(slash + 1);
  if (slash <= 0 || !/^\d+$/.test(seq)) return undefined;
  return { subscription: id.slice(0, slash), sequenceNumber: Long.fromString(seq) };
}

function toDeadLetter(subscription: string, message: ServiceBusReceivedMessage): DeadLetter {
  const props = message.applicationProperties ?? {};
  const at = props[DEAD_LETTERED_AT_PROPERTY];
  return buildDeadLetter({
    id: deadLetterIdOf(subscription, message),
    subscription,
    messageId: String(message.messageId ?? ''),
    body: decodeServiceBusBody(message.body),
    event: undefined,
    reason: message.deadLetterReason ?? 'unknown',
    description: message.deadLetterErrorDescription ?? '',
    deliveryCount: deliveryCountOf(message),
    deadLetteredAt: typeof at === 'string' ? at : (message.enqueuedTimeUtc?.toISOString() ?? ''),
  });
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
