import { record, text } from '../values.ts';
import { type ParseResult, type SourceParser, collectOutcomes } from '../types.ts';
import { isIncident, parseIncident } from './incident.ts';
import type { RecordOutcome } from './record-result.ts';
import { isSecurityAlertRow, parseSecurityAlert } from './security-alert.ts';
import { isSecurityIncidentRow, parseSecurityIncident } from './security-incident.ts';
import { WINDOWS_EVENT_TABLES, isWindowsEventRow, parseWindowsEvent } from './windows-event.ts';

const TABLES = new Set(['SecurityAlert', 'SecurityIncident', ...WINDOWS_EVENT_TABLES]);

const ACCEPTED =
  'expected a Microsoft Sentinel SecurityAlert row (SystemAlertId, AlertName, AlertSeverity …) or SecurityIncident row, ' +
  'a forwarded Windows event row (SecurityEvent, Event or WindowsEvent: EventID, Channel/EventLog, EventData …), ' +
  'the "Microsoft Sentinel incident" trigger body ({"object": {"id", "properties": {"title", "severity" …}}}) ' +
  'or an incident as the REST API returns it ({"id", "properties"}), alone, in an array, ' +
  'or in a {"records": […]} (data export to Event Hubs) or {"value": […]} batch';

interface Item {
  value: unknown;
  pointer: string;
}

/** The records of a body and their JSON pointers: one object, an array, `{records: […]}` or `{value: […]}`. */
function itemsOf(body: unknown): Item[] | undefined {
  if (Array.isArray(body)) return body.map((value, i) => ({ value, pointer: `/${i}` }));
  const obj = record(body);
  if (!obj) return undefined;
  for (const key of ['records', 'value'] as const) {
    const batch = obj[key];
    if (Array.isArray(batch)) return batch.map((value, i) => ({ value, pointer: `/${key}/${i}` }));
  }
  return [{ value: obj, pointer: '' }];
}

function parseRecord(value: unknown, index: number, pointer: string): RecordOutcome {
  const obj = record(value);
  if (!obj)
    return {
      ok: false,
      errors: [{ index, path: '(root)', message: `is ${value === null ? 'null' : typeof value}; ${ACCEPTED}` }],
    };
  const table = text(obj['Type']);
  if (table !== undefined && !TABLES.has(table) && obj['properties'] === undefined) {
    return {
      ok: false,
      errors: [
        {
          index,
          path: 'Type',
          message: `is ${JSON.stringify(table)}: only SecurityAlert, SecurityIncident, SecurityEvent, Event and WindowsEvent rows are accepted; send only those tables to this destination`,
        },
      ],
    };
  }
  if (isWindowsEventRow(obj)) return parseWindowsEvent(obj, index, pointer);
  if (isSecurityIncidentRow(obj)) return parseSecurityIncident(obj, index, pointer);
  if (isSecurityAlertRow(obj)) return parseSecurityAlert(obj, index, pointer);
  if (isIncident(obj)) return parseIncident(obj, index, pointer);
  return {
    ok: false,
    errors: [{ index, path: '(root)', message: `is not a recognised Sentinel payload; ${ACCEPTED}` }],
  };
}

/**
 * Microsoft Sentinel: SecurityAlert rows (Log Analytics export, data export to Event Hubs, the alert trigger),
 * SecurityIncident rows (data export), incidents (the incident trigger an automation rule sends, or the
 * REST API's incident resource), and raw Windows event rows an automation forwards (SecurityEvent, Event, WindowsEvent).
 */
export const sentinelParser: SourceParser = {
  name: 'sentinel',
  mediaTypes: ['application/json'],
  parse(body: unknown): ParseResult {
    const items = itemsOf(body);
    if (!items)
      return {
        ok: false,
        errors: [{ index: 0, path: '(root)', message: `is ${body === null ? 'null' : typeof body}; ${ACCEPTED}` }],
      };
    return collectOutcomes(items.map((item, index) => parseRecord(item.value, index, item.pointer)));
  },
};
