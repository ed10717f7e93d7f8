import { XMLParser } from 'fast-xml-parser';
import type { SigmaLogsource } from './rule.ts';
import { mapWindowsFields } from './windows.ts';

/**
 * A raw Windows event as Log Analytics stores it, onto Sigma's taxonomy: `SecurityEvent` (Security channel, EventData
 * promoted to columns), `Event` (the legacy agent's table: Sysmon and other channels, EventData as XML) and
 * `WindowsEvent` (the AMA's table, EventData as a JSON object). The one owner of this mapping: ingestion reads rows a
 * Sentinel automation forwards, enrichment rows it fetches with a guarded query.
 */

/** The Log Analytics tables {@link mapLogAnalyticsRow} reads. */
export const WINDOWS_EVENT_TABLES: ReadonlySet<string> = new Set(['SecurityEvent', 'Event', 'WindowsEvent']);

/** A row's event on Sigma's taxonomy, with what it says about itself. */
export interface LogAnalyticsEvent {
  /** `SecurityEvent`, `Event` or `WindowsEvent`: the row's `Type`, else told by its columns. */
  readonly table: string;
  readonly eventId: number;
  readonly channel: string;
  readonly provider: string;
  /** The event's fields on Sigma's names (`Image`, `CommandLine`, `EventID`, `Channel`, `Provider_Name`, `Computer` …). */
  readonly event: Readonly<Record<string, unknown>>;
  /** Its scalar fields only, as `SourceEvent.fields` carries them. */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  /** The logsources Sigma files it under, most specific first (process_creation before the bare security service). */
  readonly logsources: readonly SigmaLogsource[];
}

/** A column the row lacks or cannot be read, named as the row names it. */
export interface RowProblem {
  readonly column: string;
  readonly message: string;
}

/** The mapped event, or every problem that kept the row from being one. */
export type LogAnalyticsRowResult = { ok: true; value: LogAnalyticsEvent } | { ok: false; problems: readonly RowProblem[] };

// Log Analytics columns that describe the row, not the event: not Sigma fields.
const ROW_COLUMNS = new Set(
  [
    'TenantId', 'TimeGenerated', 'SourceSystem', 'Type', 'MG', 'ManagementGroupName', 'AzureDeploymentID', 'Role',
    '_ResourceId', '_SubscriptionId', '_BilledSize', '_IsBillable', '_ItemId', '_TimeReceived', 'EventData',
    'EventOriginId', 'EventSourceName', 'Provider', 'Source', 'EventLog', 'Channel', 'Computer', 'EventID', 'Activity',
    'AlertSeverity', 'Severity', 'RenderedDescription', 'ParameterXml', 'Message', 'RawEventData', 'Correlation',
    // Columns Log Analytics derives from the event (`Account` = SubjectDomainName\SubjectUserName …): not its data.
    'Account', 'AccountType', 'SubjectAccount', 'TargetAccount', 'LogonTypeName', 'EventLevel', 'EventLevelName',
  ].map((c) => c.toLowerCase()),
);

/** The Sysmon provider, as the `Event` table's `Source` names it. */
export const SYSMON_PROVIDER = 'Microsoft-Windows-Sysmon';

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
};

/**
 * Column access that ignores case: forwarders and the query API spell the same column differently (`HostName`,
 * `hostName` …). The one reader of case-free fields; ingestion's Sentinel parser uses it too. `get` gives the first
 * present (not undefined/null) of `names`, `text` the first non-empty text.
 */
export function fieldsIgnoringCase(row: Record<string, unknown>): { get(...names: string[]): unknown; text(...names: string[]): string | undefined } {
  const byLower = new Map<string, unknown>();
  for (const [key, value] of Object.entries(row)) if (!byLower.has(key.toLowerCase())) byLower.set(key.toLowerCase(), value);
  const get = (...names: string[]): unknown => {
    for (const name of names) {
      const v = byLower.get(name.toLowerCase());
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
  return {
    get,
    text: (...names) => {
      for (const name of names) {
        const t = text(byLower.get(name.toLowerCase()));
        if (t !== undefined) return t;
      }
      return undefined;
    },
  };
}

/** A row of one of {@link WINDOWS_EVENT_TABLES}: by its `Type`, else by an `EventID` with a channel and no alert id. */
export function isWindowsEventRow(row: Record<string, unknown>): boolean {
  const c = fieldsIgnoringCase(row);
  const table = c.text('Type');
  if (table !== undefined) return WINDOWS_EVENT_TABLES.has(table);
  return c.get('EventID') !== undefined && c.text('Channel', 'EventLog') !== undefined && c.get('SystemAlertId') === undefined;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => name === 'Data',
});

/**
 * EventData fields from the XML the `Event` and `SecurityEvent` tables store (`<DataItem …><EventData><Data
 * Name="Image">…</Data>…`, or `<EventData>` alone). Unnamed `<Data>` (classic events) carry no field name and are
 * skipped. A DOCTYPE is refused: Windows never writes one, and entity definitions are a way to blow up a parser.
 */
export function eventDataXml(value: string): { ok: true; data: Record<string, string> } | { ok: false; message: string } {
  if (/<!DOCTYPE|<!ENTITY/iu.test(value)) return { ok: false, message: 'holds a DOCTYPE; Windows EventData XML has none' };
  let parsed: unknown;
  try {
    parsed = xml.parse(value, true);
  } catch (error) {
    return { ok: false, message: `is not well-formed XML (${(error as Error).message})` };
  }
  const root = record(parsed);
  const eventData = record(record(root?.['DataItem'])?.['EventData']) ?? record(root?.['EventData']);
  const data: Record<string, string> = {};
  for (const item of Array.isArray(eventData?.['Data']) ? eventData['Data'] : []) {
    const d = record(item);
    const name = typeof d?.['@_Name'] === 'string' ? d['@_Name'] : undefined;
    if (name === undefined || name === '' || name in data) continue;
    const body = d?.['#text'];
    data[name] = typeof body === 'string' || typeof body === 'number' ? String(body) : '';
  }
  return { ok: true, data };
}

/**
 * Sysmon's rendered message (`Process Create:\r\nRuleName: -\r\nUtcTime: …\r\nImage: C:\…`), for `Event` rows
 * without EventData: each `Name: value` line is a field. A value that spans lines keeps only its first line.
 */
export function sysmonDescriptionFields(description: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of description.split(/\r?\n/u).slice(1)) {
    const m = /^([A-Za-z][A-Za-z0-9]*): ?(.*)$/u.exec(line);
    if (m && !(m[1]! in data)) data[m[1]!] = m[2]!.trimEnd();
  }
  return data;
}

function scalarColumns(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (ROW_COLUMNS.has(k.toLowerCase()) || v === null || v === undefined || v === '') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

type Data = { ok: true; data: Record<string, unknown> } | { ok: false; message: string };

function dataOf(row: Record<string, unknown>, table: string, provider: string): Data {
  const c = fieldsIgnoringCase(row);
  const raw = c.get('EventData');
  if (table === 'WindowsEvent') {
    let decoded: unknown = raw;
    if (typeof raw === 'string') {
      const s = raw.trim();
      if (s === '' || s === 'null') return { ok: true, data: {} };
      try {
        decoded = JSON.parse(s);
      } catch (error) {
        return { ok: false, message: `is not valid JSON (${(error as Error).message}); expected the EventData object of a WindowsEvent row` };
      }
    }
    if (decoded === undefined) return { ok: true, data: {} };
    const obj = record(decoded);
    if (obj === undefined) return { ok: false, message: 'is not an object; expected the EventData object of a WindowsEvent row' };
    return { ok: true, data: Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && typeof v !== 'object')) };
  }
  // SecurityEvent promotes EventData to columns; its EventData column (XML) fills the fields it did not promote.
  const columns = table === 'SecurityEvent' ? scalarColumns(row) : {};
  const xmlText = text(raw);
  if (xmlText !== undefined && xmlText.startsWith('<')) {
    const read = eventDataXml(xmlText);
    if (!read.ok) return { ok: false, message: `${read.message}; expected <DataItem><EventData><Data Name="…">…</Data> as the Event table stores it` };
    return { ok: true, data: { ...read.data, ...columns } };
  }
  const description = c.text('RenderedDescription');
  if (table === 'Event' && provider.toLowerCase() === SYSMON_PROVIDER.toLowerCase() && description !== undefined)
    return { ok: true, data: sysmonDescriptionFields(description) };
  return { ok: true, data: columns };
}

/** The table of a row without `Type`: `EventLog` is the Event table's; EventData as JSON is WindowsEvent's. */
function tableByColumns(c: ReturnType<typeof fieldsIgnoringCase>): string {
  if (c.get('EventLog') !== undefined) return 'Event';
  const data = c.get('EventData');
  if (record(data) !== undefined || (typeof data === 'string' && data.trim().startsWith('{'))) return 'WindowsEvent';
  return 'SecurityEvent';
}

/**
 * Maps one Log Analytics row of {@link WINDOWS_EVENT_TABLES} onto Sigma's taxonomy (through
 * {@link mapWindowsFields}): the columns the event's fields come from depend on the table, and row bookkeeping
 * (`TenantId`, `TimeGenerated`, `_ItemId` …) never becomes a field. Total: a row it cannot read gives its problems,
 * each naming the column. Pure.
 */
export function mapLogAnalyticsRow(row: Record<string, unknown>): LogAnalyticsRowResult {
  const c = fieldsIgnoringCase(row);
  const problems: RowProblem[] = [];
  const table = c.text('Type') ?? tableByColumns(c);
  if (!WINDOWS_EVENT_TABLES.has(table)) problems.push({ column: 'Type', message: `is ${JSON.stringify(table)}; expected one of ${[...WINDOWS_EVENT_TABLES].join(', ')}` });
  const eventId = Number(c.text('EventID'));
  if (!Number.isInteger(eventId) || eventId < 0) problems.push({ column: 'EventID', message: `is ${JSON.stringify(c.get('EventID') ?? null)}; expected the event's numeric id` });
  const provider = c.text('Provider', 'Source', 'EventSourceName') ?? (table === 'SecurityEvent' ? 'Microsoft-Windows-Security-Auditing' : '');
  const channel = c.text('Channel', 'EventLog') ?? (table === 'SecurityEvent' ? 'Security' : undefined);
  if (channel === undefined) problems.push({ column: table === 'Event' ? 'EventLog' : 'Channel', message: 'is missing: the channel tells which Sigma logsource the event is' });
  const data = dataOf(row, table, provider);
  if (!data.ok) problems.push({ column: 'EventData', message: data.message });
  if (problems.length > 0 || channel === undefined || !data.ok) return { ok: false, problems };
  const mapped = mapWindowsFields({ eventId, channel, provider, computer: c.text('Computer'), data: data.data });
  const fields = Object.fromEntries(
    Object.entries(mapped.event).flatMap(([k, v]) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? [[k, v]] : [])),
  ) as Record<string, string | number | boolean>;
  return {
    ok: true,
    value: {
      table,
      eventId,
      channel,
      provider,
      event: mapped.event,
      fields,
      // Most specific first, as SourceEvent orders them: process_creation before the bare security service.
      logsources: [...mapped.logsources.slice(1), ...mapped.logsources.slice(0, 1)],
    },
  };
}
