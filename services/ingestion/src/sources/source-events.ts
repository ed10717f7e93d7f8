import { MAX_SOURCE_EVENTS, MAX_SOURCE_EVENT_VALUE_LENGTH, type SourceEvent, clipText } from '@soc/contracts';

/** Field names, fields per event and values per field the contract allows (`SourceEvent`). */
const MAX_FIELD_NAME = 128;
const MAX_FIELDS = 256;
const MAX_VALUES = 64;

type Value = SourceEvent['fields'][string];

/**
 * A parser's source events bounded to the contract, with the notes the alert carries when something had to give:
 * events past {@link MAX_SOURCE_EVENTS} are left out (`soc:source-events-over-limit:N`); a value longer than a
 * command line may be is cut with a marker (`soc:source-event-values-clipped:N`) — it is evidence read by Sigma and
 * the behaviour rules, not an indicator, and its whole text stays in the stored raw body; fields past 256 and
 * values past 64 per field are left out. Events with no field or no logsource are not events. Pure.
 */
export function sourceEventsOf(events: readonly SourceEvent[] | undefined): { events: SourceEvent[]; notes: string[] } {
  const notes: string[] = [];
  const usable = (events ?? []).filter((e) => e.logsources.length > 0 && Object.keys(e.fields).length > 0);
  if (usable.length > MAX_SOURCE_EVENTS) notes.push(`soc:source-events-over-limit:${usable.length - MAX_SOURCE_EVENTS}`);
  let clipped = 0;
  const bound = (v: Value): Value => {
    if (Array.isArray(v)) return v.slice(0, MAX_VALUES).map((x) => bound(x) as Exclude<Value, unknown[]>);
    if (typeof v === 'string' && v.length > MAX_SOURCE_EVENT_VALUE_LENGTH) {
      clipped++;
      return clipText(v, MAX_SOURCE_EVENT_VALUE_LENGTH);
    }
    return v;
  };
  const out = usable.slice(0, MAX_SOURCE_EVENTS).map((e) => {
    const fields: Record<string, Value> = {};
    for (const [k, v] of Object.entries(e.fields).filter(([k]) => k.length > 0 && k.length <= MAX_FIELD_NAME).slice(0, MAX_FIELDS)) fields[k] = bound(v);
    return { logsources: e.logsources.slice(0, 8), fields, ...(e.evidence === true ? { evidence: true } : {}), ...(e.pointer === undefined ? {} : { pointer: e.pointer.slice(0, 512) }) };
  });
  if (clipped > 0) notes.push(`soc:source-event-values-clipped:${clipped}`);
  return { events: out, notes };
}
