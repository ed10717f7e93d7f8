import type { EntityDraft } from '../../entities.ts';
import type { AlertDraft } from '../types.ts';
import { list, record, text, toIso } from '../values.ts';
import {
  fileEntities,
  hostEntity,
  ipEntity,
  mailboxEntity,
  processEntity,
  registryEntity,
  urlEntity,
  userEntity,
} from './entity-builders.ts';
import { type RecordScope, fail, optionalDate, optionalList, requiredSeverity, requiredText } from './fields.ts';
import { mdeEvidenceEvents } from './source-events.ts';
import { attackOf, enumLabel, label, readStatus } from './vocabulary.ts';

/**
 * A Microsoft Defender for Endpoint API alert (`GET https://api.securitycenter.microsoft.com/api/alerts`, with
 * `?$expand=evidence` for evidence). MDE evidence is a flat record per entity (`entityType` plus every possible
 * field, unused ones null) without roles, so every populated field becomes the entity it names.
 */

type Obj = Record<string, unknown>;

interface MdeFindings {
  primary: EntityDraft[];
  secondary: EntityDraft[];
  freeText: string[];
}

function mapMdeEvidence(evidence: Obj, out: MdeFindings): void {
  const type = text(evidence['entityType'])?.toLowerCase();
  const isProcess =
    type === 'process' || evidence['processId'] != null || text(evidence['processCommandLine']) !== undefined;
  const file = {
    name: evidence['fileName'],
    folder: evidence['filePath'],
    sha1: evidence['sha1'],
    sha256: evidence['sha256'],
  };
  if (isProcess) {
    const process = processEntity({
      name: evidence['fileName'],
      folder: evidence['filePath'],
      commandLine: evidence['processCommandLine'],
      pid: evidence['processId'],
      parentName: evidence['parentProcessFileName'],
    });
    out.primary.push(...process);
    if (process.length === 0) {
      const commandLine = text(evidence['processCommandLine']);
      if (commandLine !== undefined) out.freeText.push(commandLine);
    }
    out.secondary.push(...fileEntities(file, 'related'));
    out.secondary.push(
      ...processEntity(
        {
          name: evidence['parentProcessFileName'],
          folder: evidence['parentProcessFilePath'],
          pid: evidence['parentProcessId'],
        },
        'related',
      ),
    );
  } else {
    out.primary.push(...fileEntities(file));
  }
  out.primary.push(
    ...ipEntity(evidence['ipAddress']),
    ...urlEntity(evidence['url']),
    ...userEntity({
      name: evidence['accountName'],
      domain: evidence['domainName'],
      upn: evidence['userPrincipalName'],
      sid: evidence['userSid'],
      objectId: evidence['aadUserId'],
    }),
    ...registryEntity({
      hive: evidence['registryHive'],
      key: evidence['registryKey'],
      data: evidence['registryValue'],
    }),
    ...hostEntity({ deviceId: evidence['deviceId'] }),
    ...mailboxEntity(evidence['sender'], undefined, 'actor'),
    ...mailboxEntity(evidence['recipient'], undefined, 'target'),
  );
  const subject = text(evidence['subject']);
  if (subject !== undefined) out.freeText.push(subject);
}

export function mdeAlertDraft(scope: RecordScope, alert: Obj, rawPointer: string): AlertDraft | undefined {
  const errorsBefore = scope.errors.length;
  const id = requiredText(
    scope,
    alert,
    'id',
    'a Defender for Endpoint alert always has an id; send each alert as GET /api/alerts returns it',
  );
  const severity = requiredSeverity(scope, alert, 'severity');
  const detectedAt = optionalDate(scope, alert, 'alertCreationTime');
  const firstSeenAt = optionalDate(scope, alert, 'firstEventTime');
  const lastSeenAt = optionalDate(scope, alert, 'lastEventTime');
  const findings: MdeFindings = { primary: [], secondary: [], freeText: [] };
  optionalList(scope, alert, 'evidence').forEach((item, j) => {
    const evidence = record(item);
    if (evidence === undefined)
      fail(
        scope,
        `evidence.${j}`,
        'Each evidence item must be an object with an entityType, as ?$expand=evidence returns it',
      );
    else mapMdeEvidence(evidence, findings);
  });
  if (id === undefined || severity === undefined || scope.errors.length > errorsBefore) return undefined;
  const relatedUser = record(alert['relatedUser']);
  const loggedOn = list(alert['loggedOnUsers']).map((u) => record(u));
  const entities = [
    ...hostEntity({ dnsName: alert['computerDnsName'], deviceId: alert['machineId'] }),
    ...userEntity({ name: relatedUser?.['userName'], domain: relatedUser?.['domainName'] }),
    ...findings.primary,
    ...findings.secondary,
    ...loggedOn.flatMap((u) => userEntity({ name: u?.['accountName'], domain: u?.['domainName'] }, 'related')),
  ];
  const labels = [
    severity.label,
    enumLabel('classification', alert['classification']),
    enumLabel('determination', alert['determination']),
    label('category', alert['category']),
    label('detection-source', alert['detectionSource']),
    label('incident', alert['incidentId']),
    label('threat-family', alert['threatFamilyName']),
    label('threat', alert['threatName']),
    label('device-group', alert['rbacGroupName']),
    enumLabel('investigation', alert['investigationState']),
  ];
  return {
    vendorAlertId: id,
    product: 'Microsoft Defender for Endpoint',
    vendor: 'Microsoft',
    title: text(alert['title']) ?? '',
    description: text(alert['description']),
    severity: severity.severity,
    status: readStatus(alert['status']),
    detectedAt,
    firstSeenAt,
    lastSeenAt,
    modifiedAt: toIso(alert['lastUpdateTime']),
    rule: { id: text(alert['detectorId']) },
    attack: attackOf(alert['category'], alert['mitreTechniques']),
    entities,
    labels: labels.filter((l) => l !== undefined),
    freeText: findings.freeText,
    sourceEvents: mdeEvidenceEvents(list(alert['evidence']), rawPointer),
    rawPointer,
  };
}
