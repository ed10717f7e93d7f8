import { list, record, text } from '../values.ts';
import { alertEntityNodes } from './entity-graph.ts';
import { type TypedEntity, azureResource, edrProcessEvents, hashAlgorithmByLength, isEdrProduct, mapEntities } from './entity-map.ts';
import {
  SEVERITY_EXPECTED,
  alertStatusOf,
  attackRefs,
  decodeJson,
  fieldsOf,
  severityOf,
  stringList,
} from './fields.ts';
import { Problems, type RecordOutcome } from './record-result.ts';

/** A row of the Log Analytics `SecurityAlert` table (or the alert trigger body, which has the same fields). */
export function isSecurityAlertRow(row: Record<string, unknown>): boolean {
  const f = fieldsOf(row);
  return f.get('SystemAlertId') !== undefined || f.get('AlertName') !== undefined || f.text('Type') === 'SecurityAlert';
}

// Old-style Sentinel custom entities (`extend IPCustomEntity = …` in an analytic rule) as ExtendedProperties keys.
const CUSTOM_ENTITIES: ReadonlyArray<readonly [string, (value: string) => TypedEntity | undefined]> = [
  ['IPCustomEntity', (value) => ({ type: 'ip', value })],
  ['HostCustomEntity', (value) => ({ type: 'host', value })],
  ['AccountCustomEntity', (value) => ({ type: 'user', value })],
  ['URLCustomEntity', (value) => ({ type: 'url', value })],
  ['DNSCustomEntity', (value) => ({ type: 'domain', value })],
  ['ProcessCustomEntity', (value) => ({ type: 'process', value })],
  [
    'FileHashCustomEntity',
    (value) => {
      const algorithm = hashAlgorithmByLength(value);
      return algorithm === undefined ? undefined : { type: 'hash', value, algorithm };
    },
  ],
];

// ExtendedProperties that hold the rule's query, not evidence: scanning KQL for IOCs finds only noise.
const NOT_EVIDENCE = new Set(['search query', 'query', 'analytic rule ids', 'analytic rule name']);

function customEntities(ext: Record<string, unknown>): TypedEntity[] {
  const f = fieldsOf(ext);
  return CUSTOM_ENTITIES.flatMap(([key, make]) =>
    stringList(f.get(key))
      .map(make)
      .filter((e): e is TypedEntity => e !== undefined),
  );
}

function jsonText(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // nested too deep to print: the raw body keeps it
  }
}

function evidenceText(ext: Record<string, unknown>): string[] {
  return Object.entries(ext)
    .filter(([key]) => !NOT_EVIDENCE.has(key.toLowerCase()))
    .map(([, value]) => (typeof value === 'object' && value !== null ? jsonText(value) : text(value)))
    .filter((t): t is string => t !== undefined);
}

/**
 * Maps one SecurityAlert row. Column names follow the current table (`AlertSeverity`, `DisplayName`,
 * `StartTime`, `EndTime`) and the older export and alert-trigger names (`Severity`, `AlertDisplayName`,
 * `StartTimeUtc`, `EndTimeUtc`); `Entities` and `ExtendedProperties` may be JSON text or decoded.
 */
export function parseSecurityAlert(row: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const f = fieldsOf(row);
  const p = new Problems(index);

  const vendorAlertId =
    f.text('SystemAlertId') ??
    p.add('SystemAlertId', "is missing: the alert's SystemAlertId (its id in Sentinel) is required");
  const title =
    f.text('DisplayName', 'AlertDisplayName', 'AlertName') ??
    p.add('AlertName', 'is missing: a SecurityAlert needs DisplayName, AlertDisplayName or AlertName');
  const severityField = f.get('AlertSeverity') !== undefined ? 'AlertSeverity' : 'Severity';
  const severity =
    severityOf(f.get(severityField)) ??
    p.add(severityField, `is ${JSON.stringify(f.get(severityField) ?? null)}; ${SEVERITY_EXPECTED}`);

  const detectedAt = p.time(f, ['TimeGenerated']);
  const firstSeenAt = p.time(f, ['StartTime', 'StartTimeUtc']);
  const lastSeenAt = p.time(f, ['EndTime', 'EndTimeUtc']);

  const entitiesRaw = decodeJson(f.get('Entities'));
  let entityList: unknown[] = [];
  if (!entitiesRaw.ok) p.add('Entities', `${entitiesRaw.message}; expected a JSON array of Sentinel entities`);
  else if (entitiesRaw.value !== undefined && entitiesRaw.value !== null && typeof entitiesRaw.value !== 'object')
    p.add('Entities', 'is not an array; expected a JSON array of Sentinel entities (or one entity object)');
  // One entity object is a list of one, as a collector that unwraps single-element arrays delivers it.
  else entityList = list(entitiesRaw.value);

  const extRaw = decodeJson(f.get('ExtendedProperties'));
  let ext: Record<string, unknown> = {};
  if (!extRaw.ok) p.add('ExtendedProperties', `${extRaw.message}; expected a JSON object`);
  else if (extRaw.value !== undefined && record(extRaw.value) === undefined)
    p.add('ExtendedProperties', 'is not an object; expected a JSON object');
  else ext = record(extRaw.value) ?? {};

  if (vendorAlertId === undefined || title === undefined || severity === undefined || p.errors.length > 0)
    return { ok: false, errors: p.errors };

  const e = fieldsOf(ext);
  const resourceId = f.text('ResourceId');
  const nodes = alertEntityNodes(entityList);
  const entities: TypedEntity[] = [
    ...mapEntities(nodes),
    ...customEntities(ext),
    ...(resourceId?.startsWith('/subscriptions/') ? [azureResource(resourceId)] : []),
  ];
  const compromised = f.text('CompromisedEntity');

  return {
    ok: true,
    draft: {
      vendorAlertId,
      product: f.text('ProductName'),
      vendor: f.text('VendorName'),
      url: f.text('AlertLink'),
      title,
      description: f.text('Description'),
      severity,
      status: alertStatusOf(f.get('Status')),
      detectedAt,
      firstSeenAt,
      lastSeenAt,
      rule: {
        id: stringList(e.get('Analytic Rule Ids'))[0] ?? f.text('AlertType'),
        name: e.text('Analytic Rule Name'),
      },
      attack: attackRefs(f.get('Tactics'), f.get('Techniques'), f.get('SubTechniques')),
      entities,
      freeText: [...evidenceText(ext), ...(compromised === undefined ? [] : [compromised])],
      // Only an EDR's process entities are observed process creations; a scheduled rule's are whatever its query named.
      sourceEvents: isEdrProduct(f.text('ProductName')) ? edrProcessEvents(nodes, `${rawPointer}/Entities`) : undefined,
      rawPointer,
    },
  };
}
