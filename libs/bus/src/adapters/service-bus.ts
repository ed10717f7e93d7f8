import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  type ServiceBusMessageBatch,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';
import { DEFAULT_PRIORITY, type SocEvent, type SubscriptionSpec } from '@soc/contracts';
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
  applySettlement,
  type Decision,
  type ReceivedMessage,
  type SettlementContext,
  type SettleResult,
} from '../settlement.ts';
import { validateEvents } from '../validation.ts';
import { LaneReceiveLoop } from './lane-receive-loop.ts';
import { DEFAULT_MAX_CONCURRENCY } from './memory-bus.ts';
import {
  DEAD_LETTERED_AT_PROPERTY,
  decodeServiceBusBody,
  DEFAULT_TOPIC,
  deliveryCountOf,
  isLockLost,
  laneSubscriptions,
  lockDurationIso,
  SUBSCRIPTION_RULE_NAME,
  toReplayMessage,
  type LaneSubscription,
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

/** The receiver a message came from and its lane subscription's name: it is settled through that receiver. */
interface LaneReceiverRef {
  readonly receiver: ServiceBusReceiver;
  readonly entity: string;
}

/** Time after which a handler's signal fires, ahead of the end of lock renewal, so it can stop cleanly. */
const SIGNAL_MARGIN_MS = 5_000;
const PEEK_PAGE = 250;
const RECEIVE_PAGE = 50;
const RECEIVE_WAIT_MS = 1_000;

/**
 * The Azure Service Bus adapter: one topic (default `soc-events`) and, per {@link SubscriptionSpec}, one Service Bus
 * subscription per priority lane (`<name>` for normal, `<name>.critical`, `<name>.high`, `<name>.low`), each with
 * one SQL rule on the `type` and `priority` application properties. A consumer reads all four through a
 * {@link LaneReceiveLoop}: higher lanes first, within its `maxConcurrency`.
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
  /** Lane subscriptions (Service Bus entities) by entity name, for dead-letter ids. */
  readonly #entities = new Map<string, LaneSubscription>();
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
    // Computed first: a name that cannot have lanes fails before anything is recorded or provisioned.
    const lanes = subscriptions.map((spec) => ({ spec, lanes: laneSubscriptions(spec) }));
    for (const { spec, lanes: entities } of lanes) {
      this.#subscriptions.set(spec.name, spec);
      for (const entity of entities) this.#entities.set(entity.name, entity);
    }
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
      // The normal lane last: it is the subscription a deployment from before lanes already has, and narrowing its
      // rule before the other lanes exist would drop their messages meanwhile (the other order only duplicates a
      // few, which duplicate detection and idempotent handlers absorb).
      const entities = lanes.flatMap((l) => l.lanes);
      const ordered = [
        ...entities.filter((e) => e.priority !== DEFAULT_PRIORITY),
        ...entities.filter((e) => e.priority === DEFAULT_PRIORITY),
      ];
      for (const entity of ordered) await this.#ensureSubscription(admin, entity);
    } catch (error) {
      throw translateServiceBusError(error, `provision topic ${this.#topic}`);
    }
  }

  async #ensureSubscription(admin: ServiceBusAdministrationClient, entity: LaneSubscription): Promise<void> {
    const filter = { sqlExpression: entity.filter };
    const name = entity.name;
    const lockDuration = lockDurationIso(this.#policy.lockDurationMs);
    // The broker's own limit equals the policy's, so both dead-letter at the same count with the same reason.
    const maxDeliveryCount = this.#policy.maxDeliveryCount;
    if (!(await admin.subscriptionExists(this.#topic, name))) {
      await ignoreAlreadyExists(
        admin.createSubscription(this.#topic, name, {
          lockDuration,
          maxDeliveryCount,
          deadLetteringOnFilterEvaluationExceptions: true,
          defaultRuleOptions: { name: SUBSCRIPTION_RULE_NAME, filter },
        }),
      );
      return;
    }
    const props = await admin.getSubscription(this.#topic, name);
    if (props.lockDuration !== lockDuration || props.maxDeliveryCount !== maxDeliveryCount) {
      await admin.updateSubscription({ ...props, lockDuration, maxDeliveryCount });
    }
    let hasRule = false;
    for await (const rule of admin.listRules(this.#topic, name)) {
      if (rule.name === SUBSCRIPTION_RULE_NAME) {
        hasRule = true;
        const current = (rule.filter as { sqlExpression?: string }).sqlExpression;
        if (current !== filter.sqlExpression) {
          const full = await admin.getRule(this.#topic, name, rule.name);
          await admin.updateRule(this.#topic, name, { ...full, filter });
        }
      } else {
        // `$Default` (1=1) or a stale rule would deliver every event type to this subscription.
        await admin.deleteRule(this.#topic, name, rule.name);
      }
    }
    if (!hasRule) await admin.createRule(this.#topic, name, SUBSCRIPTION_RULE_NAME, filter);
  }

  async publish(events: readonly SocEvent[]): Promise<void> {
    this.#assertOpen();
    // Validated first, so an event contracts already validated keeps its identity; the trace stamp is ours.
    await this.#send(validateEvents(events, this.#deps.clock.now().getTime()).map((e) => this.#deps.observer.stamp(e)));
  }

  /** Sends validated events in as few batches as fit. */
  async #send(events: readonly SocEvent[]): Promise<void> {
    if (events.length === 0) return;
    const sender = (this.#sender ??= this.#client.createSender(this.#topic));
    try {
      let batch: ServiceBusMessageBatch = await sender.createMessageBatch();
      const now = this.#deps.clock.now().getTime();
      for (const event of events) {
        const message = toServiceBusMessage(event, now);
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
    const spec = this.#subscriptions.get(subscription) as SubscriptionSpec;
    const lanes = laneSubscriptions(spec);
    const receivers = lanes.map((lane) =>
      this.#client.createReceiver(this.#topic, lane.name, {
        receiveMode: 'peekLock',
        maxAutoLockRenewalDurationInMs: this.#lockRenewalMs,
      }),
    );
    const ctx: SettlementContext = { subscription, handler, policy: this.#policy, deps: this.#deps };
    const inflight = new Set<AbortController>();
    let closing = false;
    const loop = new LaneReceiveLoop<ServiceBusReceivedMessage>({
      receivers,
      capacity: options.maxConcurrency ?? this.#defaultConcurrency,
      handle: async (lane, message) => {
        const controller = new AbortController();
        inflight.add(controller);
        const timer = setTimeout(
          () =>
            controller.abort(
              new AppError(ErrorCode.TIMEOUT, 'The message lock is about to expire', { retryable: true }),
            ),
          Math.max(0, this.#lockRenewalMs - SIGNAL_MARGIN_MS),
        );
        try {
          const from = {
            receiver: receivers[lane] as ServiceBusReceiver,
            entity: (lanes[lane] as LaneSubscription).name,
          };
          await this.#process(ctx, from, message, controller.signal, () => closing);
        } finally {
          clearTimeout(timer);
          inflight.delete(controller);
        }
      },
      onError: (error, lane, during) => {
        this.#deps.logger.error(
          {
            err: translateServiceBusError(
              error,
              `${during === 'receive' ? 'receive from' : 'handle a message of'} ${subscription}`,
            ),
            subscription,
            lane: lanes[lane]?.name,
          },
          during === 'receive'
            ? 'Service Bus receive failed; retrying that lane after a back-off'
            : 'Service Bus message handling failed unexpectedly',
        );
      },
    });
    loop.start();
    let closed: Promise<void> | undefined;
    const consumer: Consumer = {
      close: () => {
        closed ??= (async () => {
          closing = true;
          for (const c of inflight)
            c.abort(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The consumer is closing', { retryable: true }));
          // The receivers must stay open until in-flight messages are settled through them.
          await loop.close();
          await Promise.allSettled(receivers.map((r) => r.close()));
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
    from: LaneReceiverRef,
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
    let settlement = decision.settlement;
    let outcome: SettleResult | { kind: 'failed'; error: unknown };
    try {
      // Outcome events Service Bus refuses for good (MessageSizeExceeded) turn the settlement into a dead letter now.
      ({ settlement, result: outcome } = await applySettlement(ctx, decision, received.deliveryCount, (s) =>
        this.#apply(ctx.subscription, from, message, received, { ...decision, settlement: s }, signal, isClosing),
      ));
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
      settlement,
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
    from: LaneReceiverRef,
    message: ServiceBusReceivedMessage,
    received: ReceivedMessage,
    decision: Decision,
    signal: AbortSignal,
    isClosing: () => boolean,
  ): Promise<SettleResult> {
    const { receiver } = from;
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
          id: deadLetterIdOf(from.entity, message),
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

  /** Per logical subscription, the sum over its lanes. */
  async depth(): Promise<readonly SubscriptionDepth[]> {
    const out: SubscriptionDepth[] = [];
    for (const spec of this.#subscriptions.values()) {
      let active = 0;
      let deadLettered = 0;
      for (const { name } of laneSubscriptions(spec)) {
        if (this.#admin !== undefined) {
          try {
            const props = await this.#admin.getSubscriptionRuntimeProperties(this.#topic, name);
            active += props.activeMessageCount;
            deadLettered += props.deadLetterMessageCount;
          } catch (error) {
            throw translateServiceBusError(error, `read the depth of ${name}`);
          }
        } else {
          // No Manage rights (or the emulator, which has no admin API): count by peeking, bounded.
          active += await this.#countByPeek(name, false);
          deadLettered += await this.#countByPeek(name, true);
        }
      }
      // Scheduled messages wait at the topic until due (its scheduledMessageCount), in no subscription's count.
      out.push({ subscription: spec.name, active, deadLettered, scheduled: 0 });
    }
    return out;
  }

  /**
   * Open, and the namespace answers: with Manage rights a read of the topic's properties, else a peek of one message
   * on one lane subscription (the data-plane rights every service has). Neither moves or locks a message.
   */
  async probe(): Promise<void> {
    this.#assertOpen();
    if (this.#admin !== undefined) {
      try {
        await this.#admin.getTopic(this.#topic);
      } catch (error) {
        throw translateServiceBusError(error, `read the topic ${this.#topic}`);
      }
      return;
    }
    const [entity] = this.#entities.keys();
    if (entity === undefined) return; // no topology declared yet: nothing this process consumes or could check
    const receiver = this.#client.createReceiver(this.#topic, entity);
    try {
      await receiver.peekMessages(1);
    } catch (error) {
      throw translateServiceBusError(error, `peek ${entity}`);
    } finally {
      await receiver.close();
    }
  }

  async #countByPeek(entity: string, deadLetter: boolean): Promise<number> {
    const receiver = this.#client.createReceiver(this.#topic, entity, deadLetter ? { subQueueType: 'deadLetter' } : {});
    try {
      let count = 0;
      while (count < this.#depthPeekLimit) {
        const page = await receiver.peekMessages(PEEK_PAGE);
        count += page.length;
        if (page.length < PEEK_PAGE) break;
      }
      return count;
    } catch (error) {
      throw translateServiceBusError(error, `peek ${entity}`);
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

  /** The lane subscriptions a dead-letter query covers, highest lane first within each logical subscription. */
  #entitiesFor(query: DeadLetterQuery): LaneSubscription[] {
    const specs =
      query.subscription === undefined
        ? [...this.#subscriptions.values()]
        : [this.#subscriptions.get(query.subscription) ?? { name: query.subscription, types: [] }];
    return specs.flatMap(laneSubscriptions);
  }

  async #listDead(query: DeadLetterQuery = {}): Promise<readonly DeadLetter[]> {
    const limit = query.limit ?? 100;
    const out: DeadLetter[] = [];
    for (const entity of this.#entitiesFor(query)) {
      const dlq = this.#client.createReceiver(this.#topic, entity.name, { subQueueType: 'deadLetter' });
      try {
        while (out.length < limit) {
          const page = await dlq.peekMessages(Math.min(PEEK_PAGE, limit - out.length));
          out.push(...page.map((m) => toDeadLetter(entity, m)));
          if (page.length === 0) break;
        }
      } catch (error) {
        throw translateServiceBusError(error, `peek the dead letters of ${entity.name}`);
      } finally {
        await dlq.close();
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  async #getDead(id: string): Promise<DeadLetter | undefined> {
    const key = this.#parseDeadLetterId(id);
    if (key === undefined) return undefined;
    const dlq = this.#client.createReceiver(this.#topic, key.entity.name, { subQueueType: 'deadLetter' });
    try {
      const [message] = await dlq.peekMessages(1, { fromSequenceNumber: key.sequenceNumber });
      return message !== undefined && message.sequenceNumber?.equals(key.sequenceNumber) === true
        ? toDeadLetter(key.entity, message)
        : undefined;
    } catch (error) {
      throw translateServiceBusError(error, `peek dead letter ${id}`);
    } finally {
      await dlq.close();
    }
  }

  /**
   * Receives the dead-letter queue with peek-lock until the wanted sequence number shows up, resends it to its
   * subscription (its `priority` property puts it back in its lane), completes it, and abandons the rest
   * (abandoning in a DLQ has no delivery limit).
   */
  async #replay(id: string): Promise<boolean> {
    const key = this.#parseDeadLetterId(id);
    if (key === undefined) return false;
    const dlq = this.#client.createReceiver(this.#topic, key.entity.name, {
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
            await this.#resend(key.entity.subscription, message);
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
    for (const entity of this.#entitiesFor(query)) {
      const dlq = this.#client.createReceiver(this.#topic, entity.name, {
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
            await this.#resend(entity.subscription, message);
            await dlq.completeMessage(message);
            replayed++;
          }
        }
      } catch (error) {
        throw translateServiceBusError(error, `replay the dead letters of ${entity.name}`);
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

  /** `<lane subscription>/<sequence number>` → the lane subscription (declared through ensureTopology) and number. */
  #parseDeadLetterId(id: string): { entity: LaneSubscription; sequenceNumber: Long } | undefined {
    const slash = id.indexOf('/');
    const seq = id.slice(slash + 1);
    if (slash <= 0 || !/^\d+$/.test(seq)) return undefined;
    const entity = this.#entities.get(id.slice(0, slash));
    return entity === undefined ? undefined : { entity, sequenceNumber: Long.fromString(seq) };
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

/**
 * Dead-letter ids are `<lane subscription>/<sequence number>` (`triage/42`, `triage.critical/43`): the broker's
 * entity and key of a message in a DLQ, so an operator finds it in the portal under the same name.
 */
function deadLetterIdOf(entity: string, message: ServiceBusReceivedMessage): string {
  return `${entity}/${message.sequenceNumber?.toString() ?? 'unknown'}`;
}

function toDeadLetter(entity: LaneSubscription, message: ServiceBusReceivedMessage): DeadLetter {
  const props = message.applicationProperties ?? {};
  const at = props[DEAD_LETTERED_AT_PROPERTY];
  return buildDeadLetter({
    id: deadLetterIdOf(entity.name, message),
    subscription: entity.subscription,
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
