import { isValidatedEvent, parseEvent, type SocEvent } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';

/**
 * Validates events before they are stored and returns their parsed form (defaults applied, upcast); events
 * contracts already validated pass through.
 * Nothing invalid is ever published: the first bad event rejects the whole call with a non-retryable
 * VALIDATION_FAILED naming the event and the problem.
 */
export function validateEvents(events: readonly SocEvent[]): SocEvent[] {
  const out: SocEvent[] = new Array<SocEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const candidate: unknown = events[i];
    // Already validated by contracts (validateEvent / parseEvent) and not replaced since: trusted as is.
    if (isValidatedEvent(candidate)) {
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
    out[i] = parsed.event;
  }
  return out;
}
