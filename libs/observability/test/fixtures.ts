import { readFileSync } from 'node:fs';
import { parseEvent, type SocEvent } from '@soc/contracts';

/** A real, schema-valid event from the contracts fixtures (read as data; no deep import of contracts' code). */
export function fixtureEvent(type = 'soc.alert.received.v1'): SocEvent {
  const raw: unknown = JSON.parse(
    readFileSync(new URL(`../../../contracts/fixtures/${type}.json`, import.meta.url), 'utf8'),
  );
  const parsed = parseEvent(raw);
  if (!parsed.ok) throw new Error(`fixture ${type} does not parse: ${parsed.description}`);
  return parsed.event;
}

/** A W3C traceparent as another service would have sent it. */
export const INCOMING_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
export const INCOMING_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const INCOMING_SPAN_ID = 'b7ad6b7169203331';
export const INCOMING_TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
