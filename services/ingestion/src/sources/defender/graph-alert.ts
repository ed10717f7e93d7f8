import { type AttackRef, statusBeforeOwnClosure } from '@soc/contracts';
import type { AlertDraft } from '../types.ts';
import { list, record, text, toIso } from '../values.ts';
import { type RecordScope, fail, optionalDate, optionalList, requiredSeverity, requiredText } from './fields.ts';
import { type EvidenceFindings, emptyFindings, mapEvidence } from './graph-evidence.ts';
import { graphEvidenceEvents } from './source-events.ts';
import { attackOf, enumLabel, label, productOf, readStatus } from './vocabulary.ts';

/**
 * Microsoft Graph security API records: an `alert` of `/security/alerts_v2` (Defender XDR's alerts from every
 * Defender product, with typed evidence) and an `incident` of `/security/incidents`, optionally with its alerts
 * expanded (`?$expand=alerts`). An incident becomes one common alert whose entities come from its alerts.
 */

type Obj = Record<string, unknown>;

const VENDOR = 'Microsoft';
const XDR = 'Microsoft Defender XDR';

function present<T>(values: readonly (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/** Reads `evidence[]`, reporting items that are not objects. */
function evidenceOf(scope: RecordScope, alert: Obj, out: EvidenceFindings): void {
  const items = optionalList(scope, alert, 'evidence');
  items.forEach((item, j) => {
    if (record(item) === undefined)
      fail(scope, `evidence.${j}`, 'Each evidence item must be an object with an @odata.type, as Graph returns it');
  });
  mapEvidence(items, out);
}

/** Labels an alert and an incident share: Defender's verdict on it and its tags. */
function triageLabels(obj: Obj): (string | undefined)[] {
  return [
    enumLabel('classification', obj['classification']),
    enumLabel('determination', obj['determination']),
    ...list(obj['systemTags']).map((t) => label('system-tag', t)),
  ];
}

interface AlertParts {
  findings: EvidenceFindings;
  attack: AttackRef[];
  firstSeenAt: string | undefined;
  lastSeenAt: string | undefined;
}

function alertParts(scope: RecordScope, alert: Obj, findings: EvidenceFindings): AlertParts {
  evidenceOf(scope, alert, findings);
  return {
    findings,
    attack: attackOf(alert['category'], alert['mitreTechniques']),
    firstSeenAt: optionalDate(scope, alert, 'firstActivityDateTime'),
    lastSeenAt: optionalDate(scope, alert, 'lastActivityDateTime'),
  };
}

/**
 * The alert's status, or, when SOC Copilot's own write-back resolved it (a resolved alert with our closing comment,
 * `ownClosureComment`), the status it had before: our write-back never comes back as a new revision (ADR 0009).
 */
function statusBeforeOwnResolution(alert: Obj): unknown {
  if (text(alert['status'])?.toLowerCase() !== 'resolved') return alert['status'];
  const ours = list(alert['comments']).flatMap((c) => {
    const before = statusBeforeOwnClosure(record(c)?.['comment']);
    return before === undefined ? [] : [before];
  });
  return ours.at(-1) ?? alert['status'];
}

/** A Graph `alerts_v2` alert. */
export function graphAlertDraft(scope: RecordScope, alert: Obj, rawPointer: string): AlertDraft | undefined {
  const errorsBefore = scope.errors.length;
  const id = requiredText(
    scope,
    alert,
    'id',
    'a Microsoft Graph security alert always has an id; send each alert object as GET /security/alerts_v2 returns it',
  );
  const severity = requiredSeverity(scope, alert, 'severity');
  const detectedAt = optionalDate(scope, alert, 'createdDateTime');
  const parts = alertParts(scope, alert, emptyFindings());
  if (id === undefined || severity === undefined || scope.errors.length > errorsBefore) return undefined;
  const { findings } = parts;
  return {
    vendorAlertId: id,
    product: text(alert['productName']) ?? productOf(alert['serviceSource']) ?? XDR,
    vendor: VENDOR,
    url: text(alert['alertWebUrl']),
    title: text(alert['title']) ?? '',
    description: text(alert['description']),
    severity: severity.severity,
    status: readStatus(statusBeforeOwnResolution(alert)),
    detectedAt,
    firstSeenAt: parts.firstSeenAt,
    lastSeenAt: parts.lastSeenAt,
    modifiedAt: toIso(alert['lastUpdateDateTime']),
    rule: { id: text(alert['detectorId']) ?? text(alert['alertPolicyId']) },
    attack: parts.attack,
    entities: [...findings.primary, ...findings.secondary],
    labels: present([
      severity.label,
      ...triageLabels(alert),
      label('category', alert['category']),
      enumLabel('detection-source', alert['detectionSource']),
      label('incident', alert['incidentId']),
      label('threat-family', alert['threatFamilyName']),
      label('threat', alert['threatDisplayName']),
      label('actor', alert['actorDisplayName']),
      enumLabel('investigation', alert['investigationState']),
      ...findings.labels,
    ]),
    freeText: findings.freeText,
    sourceEvents: graphEvidenceEvents(list(alert['evidence']), rawPointer),
    rawPointer,
  };
}

function earliest(values: readonly (string | undefined)[]): string | undefined {
  return present(values).sort()[0];
}

function latest(values: readonly (string | undefined)[]): string | undefined {
  return present(values).sort().at(-1);
}

/**
 * A Graph security incident: one common alert named by the incident id, with the incident's severity, status,
 * verdict and tags, and the evidence, techniques and activity window of its expanded alerts. Without
 * `$expand=alerts` an incident has no entities.
 */
export function graphIncidentDraft(scope: RecordScope, incident: Obj, rawPointer: string): AlertDraft | undefined {
  const errorsBefore = scope.errors.length;
  const id = requiredText(
    scope,
    incident,
    'id',
    'a Microsoft Graph security incident always has an id; send each incident as GET /security/incidents returns it',
  );
  const severity = requiredSeverity(scope, incident, 'severity');
  const detectedAt = optionalDate(scope, incident, 'createdDateTime');
  const findings = emptyFindings();
  const alerts: AlertParts[] = [];
  const alertItems = optionalList(scope, incident, 'alerts');
  alertItems.forEach((item, j) => {
    const alert = record(item);
    if (alert === undefined)
      fail(scope, `alerts.${j}`, 'Each expanded alert must be an alert object, as ?$expand=alerts returns it');
    else
      alerts.push(
        alertParts({ ...scope, at: scope.at === '' ? `alerts.${j}` : `${scope.at}.alerts.${j}` }, alert, findings),
      );
  });
  if (id === undefined || severity === undefined || scope.errors.length > errorsBefore) return undefined;
  const alertObjects = alertItems.map((a) => record(a)).filter((a) => a !== undefined);
  return {
    vendorAlertId: id,
    product: XDR,
    vendor: VENDOR,
    url: text(incident['incidentWebUrl']),
    title: text(incident['displayName']) ?? '',
    description: text(incident['description']) ?? text(incident['summary']),
    severity: severity.severity,
    status: readStatus(incident['status']),
    detectedAt,
    firstSeenAt: earliest(alerts.map((a) => a.firstSeenAt)),
    lastSeenAt: latest(alerts.map((a) => a.lastSeenAt)),
    modifiedAt: toIso(incident['lastUpdateDateTime']),
    attack: alerts.flatMap((a) => a.attack),
    entities: [...findings.primary, ...findings.secondary],
    labels: present([
      severity.label,
      ...triageLabels(incident),
      // Graph v1.0 calls custom tags `customTags`; older responses and the list example use `tags`.
      ...[...list(incident['customTags']), ...list(incident['tags'])].map((t) => label('tag', t)),
      label('redirected-to', incident['redirectIncidentId']),
      ...findings.labels,
      // Last, so a large incident's alert ids are what the label limit cuts, not its verdict or tags.
      ...alertObjects.map((a) => label('alert', a['id'])),
    ]),
    freeText: findings.freeText,
    sourceEvents: alertItems.flatMap((a, j) => graphEvidenceEvents(list(record(a)?.['evidence']), `${rawPointer}/alerts/${j}`)),
    rawPointer,
  };
}
