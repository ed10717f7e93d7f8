import { Buffer } from 'node:buffer';
import { deliverAtOf, isValidatedEvent, MAX_DELIVERY_DELAY_MS, MAX_EVENT_BYTES, parseEvent, type SocEvent } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';

/**
 * Validates events before they are stored and returns their parsed form (defaults applied, upcast); events
 * contracts already validated pass through. `now` (epoch ms, the bus clock) bounds scheduled delivery: a
 * `deliverat` more than {@link MAX_DELIVERY_DELAY_MS} after it is refused.
 * Nothing invalid is ever published: the first bad event rejects the whole call with a non-retryable
 * VALIDATION_FAILED naming the event and the problem.
 */
export function validateEvents(events: readonly SocEvent[], now: number): SocEvent[] {
  const out: SocEvent[] = new Array<SocEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const candidate: unknown = events[i];
    // Already validated by contracts (validateEvent / parseEvent) and not replaced since: trusted as is.
    if (isValidatedEvent(candidate)) {
      assertSchedulable(candidate as SocEvent, i, now);
      out[i] = candidate as SocEvent;
      continue;
    }
    const parsed = parseEvent(candidate);
    if (!parsed.ok) {
      const id = (candidate as { id?: unknown } | undefined)?.id;
      const type = (candidate as { type?: unknown } | undefined)?.type;
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        `Event ${i} (id ${JSON.stringify(id)}, type ${JSON.stringify(type)}) was not published: ${parsed.reason}: ${parsed.description}`,
        { retryable: false, details: { index: i, reason: parsed.reason } },
      );
    }
    assertSchedulable(parsed.event, i, now);
    out[i] = parsed.event;
  }
  return out;
}

/**
 * The time a delivery of `event` becomes visible: its `deliverat`, or `now` when it has none or it has passed.
 * Every adapter stores or sends it so (SqliteBus `visible_at`, MemoryBus's waiting set, Service Bus
 * `scheduledEnqueueTimeUtc`).
 */
export function visibleAtOf(event: SocEvent, now: number): number {
  const at = deliverAtOf(event);
  return at === undefined || at <= now ? now : at;
}

/** A `deliverat` further ahead than the bus defers anything is a producer bug: refused, never clamped. */
function assertSchedulable(event: SocEvent, index: number, now: number): void {
  const at = deliverAtOf(event);
  if (at === undefined || at - now <= MAX_DELIVERY_DELAY_MS) return;
  throw new AppError(
    ErrorCode.VALIDATION_FAILED,
    `Event ${index} (id ${JSON.stringify(event.id)}, type ${JSON.stringify(event.type)}) was not published: deliverat ${event.deliverat ?? ''} is more than ${MAX_DELIVERY_DELAY_MS / 86_400_000} days ahead (the bus defers a delivery at most that long)`,
    { retryable: false, details: { index, reason: 'DeliverAtTooFar' } },
  );
}

/**
 * Refuses an event whose serialised form (`body`, the JSON the adapter stores or sends) is larger than the bus
 * budget every event must fit ({@link MAX_EVENT_BYTES}: Service Bus's message limit less its header room), so the
 * embedded buses refuse what Service Bus would, and a test here finds what would fail in production. Non-retryable
 * PAYLOAD_TOO_LARGE: the same event never fits.
 */
export function assertWithinEventBudget(event: SocEvent, body: string): void {
  // A UTF-8 byte is at most three per UTF-16 unit: most bodies are decided without counting.
  if (body.length * 3 <= MAX_EVENT_BYTES) return;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= MAX_EVENT_BYTES) return;
  throw new AppError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `Event ${event.id} (${event.type}) is ${bytes} bytes; the bus takes at most ${MAX_EVENT_BYTES} per event`,
    { retryable: false, details: { bytes, limit: MAX_EVENT_BYTES } },
  );
}
