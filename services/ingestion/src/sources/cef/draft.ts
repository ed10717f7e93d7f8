import { createHash } from 'node:crypto';
import type { AlertDraft } from '../types.ts';
import { cefEntities, present } from './entities.ts';
import { customFields, type CefEvent } from './event.ts';
import { cefSeverity } from './severity.ts';
import { parseCefTime } from './time.ts';

/** Fields shown in the description under a readable name (after the event's message). */
const DETAILS: readonly (readonly [key: string, label: string])[] = [
  ['act', 'Action'],
  ['outcome', 'Outcome'],
  ['reason', 'Reason'],
  ['cat', 'Category'],
  ['app', 'Application protocol'],
  ['proto', 'Transport protocol'],
  ['spt', 'Source port'],
  ['dpt', 'Destination port'],
  ['requestMethod', 'Request method'],
  ['request', 'Request'],
  ['requestClientApplication', 'User agent'],
  ['destinationServiceName', 'Destination service'],
  ['cnt', 'Event count'],
];

/** Keys the draft already carries as entities, times, ids or details; what is left goes to IOC scanning. */
const USED = new Set([
  ...DETAILS.map(([key]) => key),
  ...['msg', 'rt', 'start', 'end', 'dtz', 'externalId', 'eventId', 'deviceExternalId'],
  ...[
    'src',
    'dst',
    'shost',
    'dhost',
    'suser',
    'duser',
    'suid',
    'duid',
    'sntdom',
    'dntdom',
    'sproc',
    'dproc',
    'spid',
    'dpid',
  ],
  ...[
    'dvc',
    'dvchost',
    'dvcpid',
    'deviceProcessName',
    'fname',
    'filePath',
    'fileHash',
    'oldFileName',
    'oldFilePath',
    'oldFileHash',
  ],
  ...['destinationDnsDomain', 'sourceTranslatedAddress', 'destinationTranslatedAddress', 'smac', 'dmac', 'dvcmac'],
]);

const MAX_FREE_TEXT = 200;

/**
 * The event's id in its product. CEF has no mandatory id: `externalId` (or ArcSight's `eventId`), qualified by
 * vendor, product and the reporting device's `deviceExternalId` when given, since counters are per device;
 * otherwise a SHA-256 of the canonical record (header, extension sorted by key, unmapped row columns, and the
 * syslog/ingestion timestamp when there is no `rt`), so a re-sent line keeps its id while events that differ in
 * anything do not share one.
 */
export function cefVendorAlertId(event: CefEvent): string {
  const id = present(event.fields.get('externalId')) ?? present(event.fields.get('eventId'));
  if (id !== undefined) {
    const device = present(event.fields.get('deviceExternalId'));
    return [
      present(event.vendor) ?? '',
      present(event.product) ?? '',
      ...(device === undefined ? [] : [device]),
      id,
    ].join('|');
  }
  const byKey = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const canonical = JSON.stringify([
    event.vendor ?? '',
    event.product ?? '',
    event.deviceVersion ?? '',
    event.classId ?? '',
    event.name ?? '',
    event.severity ?? '',
    [...event.fields].sort(byKey),
    [...event.extra].sort(byKey),
    // The syslog/ingestion timestamp separates otherwise equal events only when the record has no time of its own;
    // with `rt` the id does not depend on how the line was framed.
    event.fields.has('rt') ? '' : (event.transport.timestamp ?? ''),
  ]);
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

function description(event: CefEvent): string {
  const lines: string[] = [];
  for (const [key, label] of DETAILS) {
    const value = present(event.fields.get(key));
    if (value !== undefined) lines.push(`${label}: ${value}`);
  }
  for (const { label, value } of customFields(event))
    if (present(value) !== undefined) lines.push(`${label}: ${value}`);
  const msg = event.fields.get('msg')?.trim();
  return [msg, lines.join('\n')].filter((part) => part !== undefined && part !== '').join('\n\n');
}

function labels(event: CefEvent, severityKnown: boolean): string[] {
  const out: string[] = [];
  const cat = present(event.fields.get('cat'));
  const act = present(event.fields.get('act'));
  if (cat !== undefined) out.push(`category:${cat}`);
  if (act !== undefined) out.push(`action:${act}`);
  // Severity fell back to the default: keep what the product wrote so an analyst can judge it.
  if (!severityKnown) out.push(`cef-severity:${event.severity?.trim() || 'none'}`);
  return out;
}

function freeText(event: CefEvent): string[] {
  const custom = new Set(customFields(event).flatMap(({ key }) => [key, `${key}Label`]));
  const values = [...event.fields]
    .filter(([key]) => !USED.has(key) && !custom.has(key) && !key.endsWith('Label'))
    .map(([, value]) => value);
  return [...values, ...event.extra.values()].filter((v) => (present(v)?.length ?? 0) >= 4).slice(0, MAX_FREE_TEXT);
}

/** The alert draft of a CEF event: header → title/rule/severity, extension → entities, times and description. */
export function cefDraft(event: CefEvent, rawPointer: string, receivedAt: Date): AlertDraft {
  const { severity, known } = cefSeverity(event.severity);
  const zone = event.fields.get('dtz');
  const time = (key: string): string | undefined =>
    parseCefTime(event.fields.get(key), { zone: event.zones.get(key) ?? zone, reference: receivedAt });
  const start = time('start');
  const end = time('end');
  const transportTime = parseCefTime(event.transport.timestamp, { zone: event.transport.zone, reference: receivedAt });
  const name = present(event.name);
  const classId = present(event.classId);
  return {
    vendorAlertId: cefVendorAlertId(event),
    vendor: present(event.vendor),
    product: present(event.product),
    title: name ?? classId ?? event.fields.get('msg')?.trim() ?? '',
    description: description(event),
    severity,
    detectedAt: time('rt') ?? end ?? start ?? transportTime,
    firstSeenAt: start,
    lastSeenAt: end,
    rule: classId === undefined && name === undefined ? undefined : { id: classId, name },
    attack: event.attack,
    entities: cefEntities(event),
    labels: labels(event, known),
    freeText: freeText(event),
    rawPointer,
  };
}
