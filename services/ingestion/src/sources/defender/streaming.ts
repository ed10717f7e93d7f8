import type { EntityDraft } from '../../entities.ts';
import type { AlertDraft, FieldError } from '../types.ts';
import { record, text, toIso } from '../values.ts';
import {
  cloudResourceEntity,
  fileEntities,
  hostEntity,
  ipEntity,
  processEntity,
  registryEntity,
  urlOrDomainEntity,
  userEntity,
} from './entity-builders.ts';
import { type RecordScope, optionalDate, requiredSeverity, requiredText } from './fields.ts';
import { providerOf } from './graph-evidence.ts';
import { streamingEvidenceEvent } from './source-events.ts';
import { attackOf, label, productOf, roleOf } from './vocabulary.ts';

/**
 * Defender XDR streaming API records as they arrive on Event Hubs (`{"records":[{time, tenantId, operationName,
 * category: "AdvancedHunting-<table>", properties: {<row>}}]}`). An `AlertInfo` row is an alert; `AlertEvidence`
 * rows with the same `AlertId` in the same body add its entities. Evidence for an alert whose `AlertInfo` row is
 * not in the body is not kept (the streaming API sends the two tables as separate records, so a forwarder should
 * batch them together); rows of other tables are ignored.
 */

type Obj = Record<string, unknown>;

export interface StreamRecord {
  value: Obj;
  pointer: string;
  index: number;
}

export const ALERT_INFO = 'advancedhunting-alertinfo';
export const ALERT_EVIDENCE = 'advancedhunting-alertevidence';

/** The lower-cased `category` of a streaming record, or undefined for a record that is not one. */
export function streamCategory(value: Obj): string | undefined {
  const category = text(value['category'])?.toLowerCase();
  return category?.startsWith('advancedhunting-') ? category : undefined;
}

function propertiesOf(stream: StreamRecord, errors: FieldError[]): Obj | undefined {
  const properties = record(stream.value['properties']);
  if (properties === undefined) {
    errors.push({
      index: stream.index,
      path: 'properties',
      message: 'A streaming record carries its table row in properties (an object); this record has none',
    });
  }
  return properties;
}

interface EvidenceEntities {
  primary: EntityDraft[];
  secondary: EntityDraft[];
}

/**
 * Entities of one AlertEvidence row: every populated column becomes the entity it names; the one the row's
 * `EntityType` is about gets the row's `EvidenceRole`, the others (the device a process ran on …) are related.
 */
function evidenceEntities(row: Obj): EvidenceEntities {
  const type =
    text(row['EntityType'])
      ?.toLowerCase()
      .replace(/[^a-z]/g, '') ?? '';
  const isProcess = type === 'process' || text(row['ProcessCommandLine']) !== undefined;
  const groups: Record<string, EntityDraft[]> = {
    machine: hostEntity({ dnsName: row['DeviceName'], deviceId: row['DeviceId'] }),
    user: userEntity({
      name: row['AccountName'],
      domain: row['AccountDomain'],
      upn: row['AccountUpn'],
      sid: row['AccountSid'],
      objectId: row['AccountObjectId'],
    }),
    ip: [...ipEntity(row['RemoteIP']), ...ipEntity(row['LocalIP'])],
    url: urlOrDomainEntity(row['RemoteUrl']),
    process: isProcess
      ? processEntity({ name: row['FileName'], folder: row['FolderPath'], commandLine: row['ProcessCommandLine'] })
      : [],
    file: fileEntities({ name: row['FileName'], folder: row['FolderPath'], sha1: row['SHA1'], sha256: row['SHA256'] }),
    registry: registryEntity({
      key: row['RegistryKey'],
      valueName: row['RegistryValueName'],
      data: row['RegistryValueData'],
    }),
    cloudresource: cloudResourceEntity(
      text(row['ResourceID']) ?? text(row['CloudResource']),
      providerOf(row['CloudPlatform']),
      row['ResourceType'],
    ),
    cloudapplication: cloudResourceEntity(
      text(row['Application']) ?? text(row['ApplicationId']),
      undefined,
      'cloudApplication',
    ),
    oauthapplication: cloudResourceEntity(row['OAuthApplicationId'], 'azure', 'oauthApplication'),
  };
  const primaryGroup = isProcess ? 'process' : type.startsWith('registry') ? 'registry' : type;
  const role = roleOf(row['EvidenceRole']);
  const primary = (groups[primaryGroup] ?? []).map((e) => (role === undefined ? e : { ...e, role }));
  const secondary = Object.entries(groups)
    .filter(([name]) => name !== primaryGroup)
    .flatMap(([, entities]) => entities.map((e) => ({ ...e, role: 'related' as const })));
  return { primary, secondary };
}

function alertInfoDraft(scope: RecordScope, stream: StreamRecord, row: Obj): AlertDraft | undefined {
  const errorsBefore = scope.errors.length;
  const id = requiredText(
    scope,
    row,
    'AlertId',
    'every AlertInfo row has an AlertId; forward the Event Hubs records unchanged',
  );
  const severity = requiredSeverity(scope, row, 'Severity');
  const detectedAt = optionalDate(scope, row, 'Timestamp');
  if (id === undefined || severity === undefined || scope.errors.length > errorsBefore) return undefined;
  const labels = [
    severity.label,
    label('category', row['Category']),
    label('detection-source', row['DetectionSource']),
    label('device-group', row['MachineGroup']),
  ];
  return {
    vendorAlertId: id,
    product: productOf(row['ServiceSource']) ?? 'Microsoft Defender XDR',
    vendor: 'Microsoft',
    title: text(row['Title']) ?? '',
    severity: severity.severity,
    // The row's Timestamp is when Defender generated the alert; the envelope `time` when it was streamed.
    detectedAt: detectedAt ?? toIso(stream.value['time']),
    attack: attackOf(row['Category'], row['AttackTechniques']),
    entities: [],
    labels: labels.filter((l) => l !== undefined),
    freeText: [],
    rawPointer: stream.pointer,
  };
}

interface Pending {
  draft: AlertDraft;
  primary: EntityDraft[];
  secondary: EntityDraft[];
}

export interface StreamingResult {
  drafts: AlertDraft[];
  /** AlertEvidence rows whose AlertInfo row is not in the body. */
  orphans: number;
}

/** Alert drafts from the streaming records of one body; reasons a record cannot be read go to `errors`. */
export function streamingDrafts(records: readonly StreamRecord[], errors: FieldError[]): StreamingResult {
  const alerts = new Map<string, Pending>();
  const evidence: { alertId: string; row: Obj; pointer: string }[] = [];
  for (const stream of records) {
    const category = streamCategory(stream.value);
    if (category !== ALERT_INFO && category !== ALERT_EVIDENCE) continue;
    const row = propertiesOf(stream, errors);
    if (row === undefined) continue;
    const scope: RecordScope = { index: stream.index, at: 'properties', errors };
    if (category === ALERT_INFO) {
      const draft = alertInfoDraft(scope, stream, row);
      // A re-delivered row (Event Hubs is at-least-once) is the same alert: the first one stands.
      if (draft !== undefined && !alerts.has(draft.vendorAlertId))
        alerts.set(draft.vendorAlertId, { draft, primary: [], secondary: [] });
    } else {
      const alertId = requiredText(
        scope,
        row,
        'AlertId',
        'every AlertEvidence row names the alert it belongs to; forward the Event Hubs records unchanged',
      );
      if (alertId !== undefined) evidence.push({ alertId, row, pointer: `${stream.pointer}/properties` });
    }
  }
  let orphans = 0;
  for (const { alertId, row, pointer } of evidence) {
    const pending = alerts.get(alertId);
    if (pending === undefined) {
      orphans++;
      continue;
    }
    const { primary, secondary } = evidenceEntities(row);
    pending.primary.push(...primary);
    pending.secondary.push(...secondary);
    const event = streamingEvidenceEvent(row, undefined, pointer);
    if (event !== undefined) (pending.draft.sourceEvents ??= []).push(event);
    const threatFamily = label('threat-family', row['ThreatFamily']);
    if (threatFamily !== undefined) pending.draft.labels?.push(threatFamily);
    const subject = text(row['EmailSubject']);
    if (subject !== undefined) pending.draft.freeText?.push(subject);
  }
  return {
    drafts: [...alerts.values()].map(({ draft, primary, secondary }) => ({
      ...draft,
      entities: [...primary, ...secondary],
    })),
    orphans,
  };
}
