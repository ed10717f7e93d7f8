import { statusBeforeOwnClosure } from '@soc/contracts';
import { record, toIso } from '../values.ts';
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

/** A row of the Log Analytics `SecurityIncident` table (data export sends it beside SecurityAlert). */
export function isSecurityIncidentRow(row: Record<string, unknown>): boolean {
  const f = fieldsOf(row);
  return f.text('Type') === 'SecurityIncident' || (f.get('IncidentName') !== undefined && f.get('Title') !== undefined);
}

/**
 * The incident's ARM id as its portal link spells it (`…/#asset/…/Incident/subscriptions/…/incidents/<name>`), so
 * an incident exported as a row and sent by the incident trigger keeps one id; the bare name otherwise.
 */
function incidentId(name: string, url: string | undefined): string {
  const at = url === undefined ? undefined : /\/subscriptions\//i.exec(url)?.index;
  const path = at === undefined ? undefined : url?.slice(at);
  return path !== undefined && path.toLowerCase().endsWith(`/incidents/${name.toLowerCase()}`) ? path : name;
}

/**
 * Maps one SecurityIncident row. The table holds no entities (those are on the incident's alerts, which data
 * export sends as SecurityAlert rows); dynamic columns may be JSON text.
 */
export function parseSecurityIncident(row: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const f = fieldsOf(row);
  const p = new Problems(index);
  const name = f.text('IncidentName') ?? p.add('IncidentName', "is missing: the incident's resource name is required");
  const title = f.text('Title') ?? p.add('Title', 'is missing: the incident title is required');
  const severity =
    severityOf(f.get('Severity')) ??
    p.add('Severity', `is ${JSON.stringify(f.get('Severity') ?? null)}; ${SEVERITY_EXPECTED}`);
  const detectedAt = p.time(f, ['CreatedTime', 'TimeGenerated']);
  const firstSeenAt = p.time(f, ['FirstActivityTime']);
  const lastSeenAt = p.time(f, ['LastActivityTime']);
  if (name === undefined || title === undefined || severity === undefined || p.errors.length > 0)
    return { ok: false, errors: p.errors };

  const additionalRaw = decodeJson(f.get('AdditionalData'));
  const additional = fieldsOf(record(additionalRaw.ok ? additionalRaw.value : undefined) ?? {});
  const labels = decodeJson(f.get('Labels'));
  const url = f.text('IncidentUrl');

  return {
    ok: true,
    draft: {
      vendorAlertId: incidentId(name, url),
      product: f.text('ProviderName') ?? 'Microsoft Sentinel',
      vendor: 'Microsoft',
      url,
      title,
      description: f.text('Description'),
      severity,
      // Closed by SOC Copilot's own write-back: read with the status it had, so the closure is no new revision (ADR 0009).
      status: incidentStatusOf(statusBeforeOwnClosure(f.get('ClassificationComment')) ?? f.get('Status')),
      detectedAt,
      firstSeenAt,
      lastSeenAt,
      modifiedAt: toIso(f.get('LastModifiedTime')),
      rule: { id: stringList(f.get('RelatedAnalyticRuleIds'))[0] },
      attack: attackRefs(additional.get('tactics'), additional.get('techniques')),
      entities: [],
      labels: labelNames(labels.ok ? labels.value : undefined),
      rawPointer,
    },
  };
}
