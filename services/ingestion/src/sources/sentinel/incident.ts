import { list, record, text, toIso } from '../values.ts';
import { type AttackRef, statusBeforeOwnClosure } from '@soc/contracts';
import { type EntityNode, anyEntityNodes, restEntityNodes } from './entity-graph.ts';
import { mapEntities } from './entity-map.ts';
import {
  SEVERITY_EXPECTED,
  attackRefs,
  decodeJson,
  fieldsOf,
  incidentStatusOf,
  labelNames,
  severityOf,
  stringList,
} from './fields.ts';
import { Problems, type RecordOutcome } from './record-result.ts';

/**
 * The body of the "Microsoft Sentinel incident" trigger an automation rule runs a playbook with
 * (`{objectSchemaType, objectEventType, eventUniqueId, workspaceInfo, workspaceId, object: <incident>}`), or a
 * bare incident resource as the REST API returns it (`{id, name, type, properties}`).
 */
export function isIncident(body: Record<string, unknown>): boolean {
  return record(body['object']) !== undefined || record(body['properties']) !== undefined;
}

function alertEntities(alertProps: Record<string, unknown>): EntityNode[] {
  const decoded = decodeJson(fieldsOf(alertProps).get('entities'));
  // One entity object is a list of one, as for a SecurityAlert row's Entities.
  return decoded.ok ? anyEntityNodes(list(decoded.value)) : [];
}

/** An alert's description and the analytic rule's custom details (`Custom Details`, JSON text) can name IOCs. */
function alertText(alertProps: Record<string, unknown>): string[] {
  const f = fieldsOf(alertProps);
  const details = fieldsOf(record(f.get('additionalData')) ?? {}).text('Custom Details');
  return [f.text('description'), details].filter((t): t is string => t !== undefined);
}

/** One common alert per incident: its entities are the incident's `relatedEntities` plus any its alerts carry. */
export function parseIncident(body: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const wrapped = record(body['object']);
  const prefix = wrapped ? 'object.' : '';
  const p = new Problems(index, prefix);
  const schema = text(body['objectSchemaType']);
  if (wrapped && schema !== undefined && schema.toLowerCase() !== 'incident') {
    return {
      ok: false,
      errors: [
        {
          index,
          path: 'objectSchemaType',
          message: `is ${JSON.stringify(schema)}; only incident trigger bodies are accepted: start the playbook with the "Microsoft Sentinel incident" trigger`,
        },
      ],
    };
  }
  const incident = wrapped ?? body;
  const props = record(incident['properties']);
  if (!props)
    return {
      ok: false,
      errors: [
        { index, path: `${prefix}properties`, message: "is missing: the incident's properties object is required" },
      ],
    };
  const f = fieldsOf(props);

  const vendorAlertId =
    text(incident['id']) ??
    p.add('id', "is missing: the incident's ARM id is required (it identifies the incident in Sentinel)");
  const title = f.text('title') ?? p.add('properties.title', 'is missing: the incident title is required');
  const severity =
    severityOf(f.get('severity')) ??
    p.add('properties.severity', `is ${JSON.stringify(f.get('severity') ?? null)}; ${SEVERITY_EXPECTED}`);
  const detectedAt = p.time(f, ['createdTimeUtc'], 'properties.');
  const firstSeenAt = p.time(f, ['firstActivityTimeUtc'], 'properties.');
  const lastSeenAt = p.time(f, ['lastActivityTimeUtc'], 'properties.');
  if (vendorAlertId === undefined || title === undefined || severity === undefined || p.errors.length > 0)
    return { ok: false, errors: p.errors };

  const additional = fieldsOf(record(f.get('additionalData')) ?? {});
  const alerts = list(f.get('alerts')).map((a) => record(record(a)?.['properties']) ?? record(a) ?? {});
  const attack: AttackRef[] = [
    ...attackRefs(additional.get('tactics'), additional.get('techniques'), additional.get('subTechniques')),
    ...alerts.flatMap((a) => {
      const af = fieldsOf(a);
      return attackRefs(af.get('tactics'), af.get('techniques'), af.get('subTechniques'));
    }),
  ];
  const nodes = [...restEntityNodes(list(f.get('relatedEntities'))), ...alerts.flatMap(alertEntities)];

  return {
    ok: true,
    draft: {
      vendorAlertId,
      // The payload is a Microsoft.SecurityInsights incident: Sentinel unless it names another provider.
      product: f.text('providerName') ?? 'Microsoft Sentinel',
      vendor: 'Microsoft',
      url: f.text('incidentUrl'),
      title,
      description: f.text('description'),
      severity,
      // Closed by SOC Copilot's own write-back: read with the status it had, so the closure is no new revision (ADR 0009).
      status: incidentStatusOf(statusBeforeOwnClosure(f.get('classificationComment')) ?? f.get('status')),
      detectedAt,
      firstSeenAt,
      lastSeenAt,
      // Bookkeeping that orders the incident's updates; an unreadable one is left out, never a reason to refuse.
      modifiedAt: toIso(f.get('lastModifiedTimeUtc')),
      rule: { id: stringList(f.get('relatedAnalyticRuleIds'))[0] },
      attack,
      entities: mapEntities(nodes),
      labels: labelNames(f.get('labels')),
      freeText: alerts.flatMap(alertText),
      rawPointer,
    },
  };
}
