import { createHash } from 'node:crypto';
import type { SourceEvent } from '@soc/contracts';
import { mapWindowsFields } from '@soc/sigma';
import { XMLParser } from 'fast-xml-parser';
import type { EntityDraft } from '../../entities.ts';
import { canonicalJson, record, text } from '../values.ts';
import { type Fields, SEVERITY_EXPECTED, decodeJson, fieldsOf, severityOf } from './fields.ts';
import { Problems, type RecordOutcome } from './record-result.ts';

/**
 * A raw Windows event as Log Analytics stores it, forwarded to us by a Sentinel automation (a Logic App that runs a
 * query and POSTs the rows): `SecurityEvent` (Security channel, EventData promoted to columns), `Event` (the legacy
 * agent's table: Sysmon and other channels, EventData as XML) and `WindowsEvent` (the AMA's table, EventData as a
 * JSON object). Each row is one alert carrying its own event mapped onto Sigma's taxonomy.
 */

export const WINDOWS_EVENT_TABLES: ReadonlySet<string> = new Set(['SecurityEvent', 'Event', 'WindowsEvent']);

/** A row of one of {@link WINDOWS_EVENT_TABLES}: by its `Type`, else by an `EventID` with a channel and no alert id. */
export function isWindowsEventRow(row: Record<string, unknown>): boolean {
  const f = fieldsOf(row);
  const table = f.text('Type');
  if (table !== undefined) return WINDOWS_EVENT_TABLES.has(table);
  return f.get('EventID') !== undefined && f.text('Channel', 'EventLog') !== undefined && f.get('SystemAlertId') === undefined;
}

// Log Analytics columns that describe the row, not the event: not Sigma fields, kept only in the raw body.
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

const SYSMON_PROVIDER = 'microsoft-windows-sysmon';

/** What the event ids we see most mean, as Microsoft documents them: the alert's title, never the sender's text. */
const DESCRIPTIONS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  security: {
    1102: 'The audit log was cleared',
    4624: 'An account was successfully logged on',
    4625: 'An account failed to log on',
    4648: 'A logon was attempted using explicit credentials',
    4657: 'A registry value was modified',
    4663: 'An attempt was made to access an object',
    4672: 'Special privileges assigned to new logon',
    4688: 'A new process has been created',
    4697: 'A service was installed in the system',
    4698: 'A scheduled task was created',
    4699: 'A scheduled task was deleted',
    4702: 'A scheduled task was updated',
    4719: 'System audit policy was changed',
    4720: 'A user account was created',
    4722: 'A user account was enabled',
    4724: "An attempt was made to reset an account's password",
    4728: 'A member was added to a security-enabled global group',
    4732: 'A member was added to a security-enabled local group',
    4738: 'A user account was changed',
    4740: 'A user account was locked out',
    4756: 'A member was added to a security-enabled universal group',
    4768: 'A Kerberos authentication ticket (TGT) was requested',
    4769: 'A Kerberos service ticket was requested',
    4771: 'Kerberos pre-authentication failed',
    4776: 'The computer attempted to validate the credentials for an account',
    5140: 'A network share object was accessed',
    5145: 'A network share object was checked to see whether client can be granted desired access',
  },
  system: { 104: 'The log file was cleared', 7045: 'A service was installed in the system' },
  sysmon: {
    1: 'Process creation',
    2: 'A process changed a file creation time',
    3: 'Network connection',
    5: 'Process terminated',
    6: 'Driver loaded',
    7: 'Image loaded',
    8: 'CreateRemoteThread',
    9: 'RawAccessRead',
    10: 'ProcessAccess',
    11: 'FileCreate',
    12: 'Registry object added or deleted',
    13: 'Registry value set',
    14: 'Registry object renamed',
    15: 'FileCreateStreamHash',
    17: 'Pipe created',
    18: 'Pipe connected',
    19: 'WMI event filter activity',
    20: 'WMI event consumer activity',
    21: 'WMI event consumer to filter activity',
    22: 'DNS query',
    23: 'File delete archived',
    24: 'Clipboard change',
    25: 'Process tampering',
    26: 'File delete logged',
  },
  powershell: { 4103: 'PowerShell module logging', 4104: 'PowerShell script block logging' },
};

const CHANNEL_KIND: Readonly<Record<string, string>> = {
  security: 'security',
  system: 'system',
  'microsoft-windows-sysmon/operational': 'sysmon',
  'microsoft-windows-powershell/operational': 'powershell',
};

/** `Sysmon event 1: Process creation`, `Security event 4688: A new process has been created`, else the channel and id. */
function titleOf(channel: string, eventId: number): string {
  const kind = CHANNEL_KIND[channel.toLowerCase()];
  const description = kind === undefined ? undefined : DESCRIPTIONS[kind]?.[eventId];
  if (kind === undefined || description === undefined) return `Windows event ${eventId} (${channel})`;
  const name = kind === 'sysmon' ? 'Sysmon' : kind === 'powershell' ? 'PowerShell' : kind[0]!.toUpperCase() + kind.slice(1);
  return `${name} event ${eventId}: ${description}`;
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
 * Sysmon's rendered message (`Process Create:\r\nRuleName: -\r\nUtcTime: …\r\nImage: C:\…`), for `Event` rows sent
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

function dataOf(
  row: Record<string, unknown>,
  table: string,
  provider: string,
  p: Problems,
): Record<string, unknown> | undefined {
  const f = fieldsOf(row);
  const raw = f.get('EventData');
  if (table === 'WindowsEvent') {
    const decoded = decodeJson(raw);
    if (!decoded.ok) return p.add('EventData', `${decoded.message}; expected the EventData object of a WindowsEvent row`);
    if (decoded.value === undefined) return {};
    const obj = record(decoded.value);
    if (obj === undefined) return p.add('EventData', 'is not an object; expected the EventData object of a WindowsEvent row');
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && typeof v !== 'object'));
  }
  // SecurityEvent promotes EventData to columns; its EventData column (XML) fills the fields it did not promote.
  const columns = table === 'SecurityEvent' ? scalarColumns(row) : {};
  const xmlText = text(raw);
  if (xmlText !== undefined && xmlText.startsWith('<')) {
    const read = eventDataXml(xmlText);
    if (!read.ok) return p.add('EventData', `${read.message}; expected <DataItem><EventData><Data Name="…">…</Data> as the Event table stores it`);
    return { ...read.data, ...columns };
  }
  const description = f.text('RenderedDescription');
  if (table === 'Event' && provider.toLowerCase() === SYSMON_PROVIDER && description !== undefined)
    return sysmonDescriptionFields(description);
  return columns;
}

const NO_VALUE = new Set(['-', '::1', '127.0.0.1', '']);

function entitiesOf(event: Readonly<Record<string, unknown>>): EntityDraft[] {
  const s = (name: string): string | undefined => {
    const v = text(event[name]);
    return v === undefined || NO_VALUE.has(v) ? undefined : v;
  };
  const out: EntityDraft[] = [];
  const computer = s('Computer');
  if (computer !== undefined) out.push({ type: 'host', value: computer, hostname: computer });
  const user = (name: string | undefined, domain: string | undefined, role: 'actor' | 'target'): void => {
    if (name === undefined || name.endsWith('$')) return;
    out.push({ type: 'user', value: domain === undefined ? name : `${domain}\\${name}`, name, domain, role });
  };
  user(s('SubjectUserName'), s('SubjectDomainName'), 'actor');
  // Sysmon names the process's account as one `DOMAIN\\name` field.
  const sysmonUser = s('SubjectUserName') === undefined ? s('User') : undefined;
  if (sysmonUser !== undefined) {
    const [domain, name] = sysmonUser.includes('\\') ? sysmonUser.split('\\', 2) : [undefined, sysmonUser];
    user(name, domain, 'actor');
  }
  user(s('TargetUserName'), s('TargetDomainName'), 'target');
  const image = s('Image');
  if (image !== undefined)
    out.push({ type: 'process', value: image, name: image.split(/[\\/]/u).at(-1), commandLine: s('CommandLine'), parentName: s('ParentImage'), role: 'actor' });
  for (const name of ['IpAddress', 'SourceIp', 'DestinationIp']) {
    const ip = s(name);
    if (ip !== undefined) out.push({ type: 'ip', value: ip, role: 'related' });
  }
  return out;
}

/** The row's id: Log Analytics' `_ItemId`, else its computer, channel and record number, else a digest of the row. */
function rowId(row: Record<string, unknown>, channel: string): string {
  const f = fieldsOf(row);
  const item = f.text('_ItemId');
  if (item !== undefined) return item;
  const recordId = f.text('EventRecordId');
  const computer = f.text('Computer');
  if (recordId !== undefined && computer !== undefined) return `${computer}|${channel}|${recordId}`;
  return `sha256:${createHash('sha256').update(canonicalJson(row)).digest('hex').slice(0, 32)}`;
}

/** The table of a row sent without `Type`: `EventLog` is the Event table's; EventData as JSON is WindowsEvent's. */
function tableByColumns(f: Fields): string {
  if (f.get('EventLog') !== undefined) return 'Event';
  const data = f.get('EventData');
  if (record(data) !== undefined || (typeof data === 'string' && data.trim().startsWith('{'))) return 'WindowsEvent';
  return 'SecurityEvent';
}

/**
 * Maps one forwarded Windows event row. Title: what the event id means (`Security event 4688: A new process has
 * been created`); severity: the sender's `AlertSeverity`/`Severity` column when it adds one (the rule that chose the
 * event knows how bad it is), else informational, since a raw event is not a verdict.
 */
export function parseWindowsEvent(row: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const f = fieldsOf(row);
  const p = new Problems(index);
  const table = f.text('Type') ?? tableByColumns(f);
  const eventId = Number(f.text('EventID'));
  if (!Number.isInteger(eventId) || eventId < 0) p.add('EventID', `is ${JSON.stringify(f.get('EventID') ?? null)}; expected the event's numeric id`);
  const provider = f.text('Provider', 'Source', 'EventSourceName') ?? (table === 'SecurityEvent' ? 'Microsoft-Windows-Security-Auditing' : '');
  const channel =
    f.text('Channel', 'EventLog') ??
    (table === 'SecurityEvent' ? 'Security' : p.add(table === 'Event' ? 'EventLog' : 'Channel', 'is missing: the channel tells which Sigma logsource the event is'));
  const severityField = f.get('AlertSeverity') !== undefined ? 'AlertSeverity' : 'Severity';
  const sent = f.get(severityField);
  const severity = sent === undefined ? 'informational' : (severityOf(sent) ?? p.add(severityField, `is ${JSON.stringify(sent)}; ${SEVERITY_EXPECTED}`));
  const detectedAt = p.time(f, ['TimeGenerated']);
  const data = dataOf(row, table, provider, p);
  if (channel === undefined || severity === undefined || data === undefined || p.errors.length > 0) return { ok: false, errors: p.errors };

  const mapped = mapWindowsFields({ eventId, channel, provider, computer: f.text('Computer'), data });
  const event: SourceEvent = {
    // Most specific first, as the contract orders them: process_creation before the bare security service.
    logsources: [...mapped.logsources.slice(1), ...mapped.logsources.slice(0, 1)],
    fields: Object.fromEntries(
      Object.entries(mapped.event).flatMap(([k, v]) =>
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? [[k, v]] : [],
      ),
    ),
    pointer: rawPointer,
  };
  return {
    ok: true,
    draft: {
      vendorAlertId: rowId(row, channel),
      product: table === 'Event' && provider.toLowerCase() === SYSMON_PROVIDER ? 'Sysmon' : 'Windows event log',
      vendor: 'Microsoft',
      title: titleOf(channel, eventId),
      severity,
      detectedAt,
      rule: { id: `${channel}/${eventId}` },
      entities: entitiesOf(mapped.event),
      labels: [`table:${table}`],
      sourceEvents: [event],
      rawPointer,
    },
  };
}
