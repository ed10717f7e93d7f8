import { isServiceBusError, type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  DEFAULT_PRIORITY,
  deliverAtOf,
  eventPriority,
  laneOf,
  Priority,
  type SocEvent,
  type SubscriptionSpec,
} from '@soc/contracts';
import { AppError, describeError, ErrorCode, isAppError } from '@soc/runtime';

/** The topic every SOC Copilot event goes to unless configured otherwise. */
export const DEFAULT_TOPIC = 'soc-events';

/** Structured-mode CloudEvents content type: the body is the whole event, envelope included. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Name of the one rule the bus manages on each subscription. */
export const SUBSCRIPTION_RULE_NAME = 'soc-types';

/**
 * Application property that aims a message at one subscription only (replays and test injections). Normal
 * publishes never set it; the subscription rule routes them by `type`.
 */
export const TARGET_SUBSCRIPTION_PROPERTY = 'targetsubscription';

/** Application property mirroring the envelope's `priority` (always set, `normal` when absent): lanes filter on it. */
export const PRIORITY_PROPERTY = 'priority';

/** Service Bus limits subscription names to 50 characters. */
const MAX_SUBSCRIPTION_NAME_LENGTH = 50;

/** Application property stamped on a dead letter with the time it was dead-lettered (Service Bus keeps none). */
export const DEAD_LETTERED_AT_PROPERTY = 'deadletteredat';

/**
 * The SQL filter of a subscription: its event types, or anything aimed at it by name. A message aimed at
 * another subscription is excluded even when its type matches, so a replay reaches only its own subscription.
 */
export function subscriptionFilterSql(spec: SubscriptionSpec): string {
  const types = [...new Set(spec.types)].map(sqlString).join(', ');
  const target = TARGET_SUBSCRIPTION_PROPERTY;
  const byType = types.length === 0 ? '1 = 0' : `type IN (${types})`;
  return `(${target} IS NULL AND ${byType}) OR ${target} = ${sqlString(spec.name)}`;
}

/** One Service Bus subscription of a lane of a logical subscription. */
export interface LaneSubscription {
  /** The Service Bus entity: `<subscription>` for `normal`, `<subscription>.<priority>` for the other lanes. */
  readonly name: string;
  /** The logical subscription (the `SubscriptionSpec` name handlers subscribe to). */
  readonly subscription: string;
  readonly priority: Priority;
  /** 0 (critical) … 3 (low). */
  readonly lane: number;
  /** The SQL filter of its one rule. */
  readonly filter: string;
}

/**
 * The Service Bus subscription of one lane. `normal` keeps the bare name, so a deployment from before lanes keeps
 * its subscription (backlog and dead letters included) as the normal lane; the others get a `.<priority>` suffix
 * (periods are allowed in Service Bus subscription names; {@link laneSubscriptions} refuses them in ours).
 */
export function laneSubscriptionName(subscription: string, priority: Priority): string {
  return priority === DEFAULT_PRIORITY ? subscription : `${subscription}.${priority}`;
}

/**
 * The SQL filter of one lane: the subscription's own filter, and the message's `priority` property. The normal
 * lane also takes messages without the property or with a value it does not know (foreign producers, messages
 * published before lanes, raw injections), so the lanes partition the subscription's messages: each lands in
 * exactly one lane and none is dropped.
 */
export function laneFilterSql(spec: SubscriptionSpec, priority: Priority): string {
  const others = Priority.options.filter((p) => p !== DEFAULT_PRIORITY);
  const lane =
    priority === DEFAULT_PRIORITY
      ? `(${PRIORITY_PROPERTY} IS NULL OR ${PRIORITY_PROPERTY} NOT IN (${others.map(sqlString).join(', ')}))`
      : `${PRIORITY_PROPERTY} = ${sqlString(priority)}`;
  return `(${subscriptionFilterSql(spec)}) AND ${lane}`;
}

/**
 * The Service Bus subscriptions a logical subscription is made of, one per lane, highest lane first. Throws a
 * non-retryable CONFIGURATION_INVALID error for a name with a period (it could collide with another's lane) or
 * one whose lane names would exceed Service Bus's 50 characters.
 */
export function laneSubscriptions(spec: SubscriptionSpec): LaneSubscription[] {
  if (spec.name.includes('.')) {
    throw new AppError(
      ErrorCode.CONFIGURATION_INVALID,
      `Subscription "${spec.name}" contains a period, which the Service Bus adapter reserves for lane subscriptions (<name>.<priority>); rename it`,
      { retryable: false },
    );
  }
  return Priority.options.map((priority) => {
    const name = laneSubscriptionName(spec.name, priority);
    if (name.length > MAX_SUBSCRIPTION_NAME_LENGTH) {
      throw new AppError(
        ErrorCode.CONFIGURATION_INVALID,
        `Subscription "${spec.name}" is too long for Service Bus lanes: "${name}" exceeds ${MAX_SUBSCRIPTION_NAME_LENGTH} characters; shorten the subscription name`,
        { retryable: false },
      );
    }
    return { name, subscription: spec.name, priority, lane: laneOf(priority), filter: laneFilterSql(spec, priority) };
  });
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * An event as a Service Bus message: messageId = event id (the topic's duplicate detection makes publish
 * idempotent), body = the CloudEvent (structured mode), and `type`, `correlationid`, `causationid`, `tenantid` and
 * `priority` mirrored into application properties so rules (the lanes) and tools can filter without parsing the body.
 * A `deliverat` later than `now` (epoch ms) becomes `scheduledEnqueueTimeUtc`, so the broker holds the message
 * until then; a past one is sent as a normal message (delivered at once).
 */
export function toServiceBusMessage(event: SocEvent, now: number): ServiceBusMessage {
  const applicationProperties: Record<string, string> = {
    type: event.type,
    correlationid: event.correlationid,
    tenantid: event.tenantid,
    [PRIORITY_PROPERTY]: eventPriority(event),
  };
  if (event.causationid !== undefined) applicationProperties.causationid = event.causationid;
  const message: ServiceBusMessage = {
    messageId: event.id,
    body: event,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    correlationId: event.correlationid,
    subject: event.type,
    applicationProperties,
  };
  const at = deliverAtOf(event);
  if (at !== undefined && at > now) message.scheduledEnqueueTimeUtc = new Date(at);
  return message;
}

/** Properties Service Bus or this adapter added on dead-lettering: dropped when the message is replayed. */
const DEAD_LETTER_PROPERTIES = new Set(['DeadLetterReason', 'DeadLetterErrorDescription', DEAD_LETTERED_AT_PROPERTY]);

/**
 * The copy of a dead letter that replays it: the same body and properties, aimed at its subscription only, with a
 * new messageId — the original id is still in the topic's duplicate-detection window and would be dropped.
 */
export function toReplayMessage(
  dead: ServiceBusReceivedMessage,
  subscription: string,
  replayId: string,
): ServiceBusMessage {
  const applicationProperties: Record<string, string | number | boolean | Date | null> = {};
  for (const [key, value] of Object.entries(dead.applicationProperties ?? {})) {
    if (!DEAD_LETTER_PROPERTIES.has(key)) applicationProperties[key] = value;
  }
  applicationProperties[TARGET_SUBSCRIPTION_PROPERTY] = subscription;
  const message: ServiceBusMessage = {
    messageId: replayId,
    body: dead.body,
    applicationProperties,
  };
  if (dead.contentType !== undefined) message.contentType = dead.contentType;
  if (dead.correlationId !== undefined) message.correlationId = dead.correlationId;
  if (dead.subject !== undefined) message.subject = dead.subject;
  return message;
}

/**
 * The received body as the validator should see it. The SDK decodes JSON it sent itself; bytes or text from a
 * foreign producer are decoded here, and anything that is not JSON is passed on as text to be rejected.
 */
export function decodeServiceBusBody(body: unknown): unknown {
  if (body instanceof Uint8Array)
    return parseJsonOr(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (typeof body === 'string') return parseJsonOr(body);
  return body;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The 1-based delivery count: the JS SDK exposes the raw AMQP header, which counts *prior* attempts (0 first). */
export function deliveryCountOf(message: Pick<ServiceBusReceivedMessage, 'deliveryCount'>): number {
  return (message.deliveryCount ?? 0) + 1;
}

/** An ISO-8601 duration Service Bus accepts, clamped to the entity limits (lock: 5 s … 5 min). */
export function lockDurationIso(ms: number): string {
  const seconds = Math.min(300, Math.max(5, Math.ceil(ms / 1000)));
  return `PT${seconds}S`;
}

const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ServiceBusy',
  'ServiceTimeout',
  'ServiceCommunicationProblem',
  'MessageLockLost',
  'SessionLockLost',
  'QuotaExceeded',
  'GeneralError',
]);

const CODE_MAP: Readonly<Record<string, ErrorCode>> = {
  MessagingEntityNotFound: ErrorCode.NOT_FOUND,
  MessageNotFound: ErrorCode.NOT_FOUND,
  MessagingEntityAlreadyExists: ErrorCode.CONFLICT,
  MessageLockLost: ErrorCode.CONFLICT,
  SessionLockLost: ErrorCode.CONFLICT,
  UnauthorizedAccess: ErrorCode.UNAUTHORIZED,
  MessageSizeExceeded: ErrorCode.PAYLOAD_TOO_LARGE,
  QuotaExceeded: ErrorCode.RATE_LIMITED,
  ServiceBusy: ErrorCode.RATE_LIMITED,
  ServiceTimeout: ErrorCode.TIMEOUT,
  MessagingEntityDisabled: ErrorCode.DEPENDENCY_UNAVAILABLE,
  ServiceCommunicationProblem: ErrorCode.DEPENDENCY_UNAVAILABLE,
};

/**
 * Translates an SDK error once, at the adapter boundary, into an AppError with a retry verdict: throttling,
 * timeouts, lost connections and lost locks are retryable; a missing entity, bad credentials or an oversized
 * message are not. Errors that are not Service Bus errors keep the SDK's own `retryable` flag when it has one.
 */
export function translateServiceBusError(error: unknown, action: string): AppError {
  if (isAppError(error)) return error;
  if (isServiceBusError(error)) {
    const retryable = TRANSIENT_CODES.has(error.code);
    return new AppError(
      CODE_MAP[error.code] ?? ErrorCode.DEPENDENCY_UNAVAILABLE,
      `Service Bus could not ${action}: ${error.code}: ${error.message}`,
      {
        retryable,
        cause: error,
        details: { serviceBusCode: error.code },
      },
    );
  }
  const flagged = (error as { retryable?: unknown } | null)?.retryable;
  const retryable = typeof flagged === 'boolean' ? flagged : true;
  return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Service Bus could not ${action}: ${describeError(error)}`, {
    retryable,
    cause: error,
  });
}

/** True for the error Service Bus raises when settling a message whose lock has expired. */
export function isLockLost(error: unknown): boolean {
  const cause = isAppError(error) ? error.cause : error;
  return isServiceBusError(cause) && (cause.code === 'MessageLockLost' || cause.code === 'SessionLockLost');
}
