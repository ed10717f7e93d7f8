import type { AlertDraft, FieldError, ParseResult, SourceParser } from '../types.ts';
import { record, text } from '../values.ts';
import { type BodyRecord, recordsOf } from './body.ts';
import type { RecordScope } from './fields.ts';
import { graphAlertDraft, graphIncidentDraft } from './graph-alert.ts';
import { mdeAlertDraft } from './mde-alert.ts';
import { type StreamRecord, streamCategory, streamingDrafts } from './streaming.ts';

/**
 * `POST /api/v1/alerts/defender`: Microsoft Defender alerts as Microsoft's APIs emit them — Graph security
 * `alerts_v2` alerts and `incidents`, Defender for Endpoint `/api/alerts` alerts, and Defender XDR streaming API
 * records from Event Hubs. See `docs/sources/defender.md`.
 */

const ACCEPTED =
  'a Microsoft Graph security alert (GET /security/alerts_v2) or incident (GET /security/incidents), ' +
  'a Defender for Endpoint alert (GET /api/alerts), or a Defender XDR streaming API record ' +
  '(category AdvancedHunting-AlertInfo / AdvancedHunting-AlertEvidence); ' +
  'as one object, an array, a Graph list {"value":[…]} or an Event Hubs batch {"records":[…]}';

type Kind = 'graph-alert' | 'graph-incident' | 'legacy-graph-alert' | 'mde-alert' | 'stream' | 'unknown';

/** Which API a record comes from: its `@odata.type` when Graph sent one, else the fields only that API has. */
function kindOf(obj: Record<string, unknown>): Kind {
  const odata = text(obj['@odata.type'])?.toLowerCase();
  if (odata?.endsWith('.security.alert')) return 'graph-alert';
  if (odata?.endsWith('.security.incident') || odata === '#microsoft.graph.incident') return 'graph-incident';
  if (odata === '#microsoft.graph.alert') return 'legacy-graph-alert';
  if (streamCategory(obj) !== undefined) return 'stream';
  if ('alertCreationTime' in obj || 'machineId' in obj || 'computerDnsName' in obj) return 'mde-alert';
  if ('alertWebUrl' in obj || 'serviceSource' in obj || 'providerAlertId' in obj || 'firstActivityDateTime' in obj)
    return 'graph-alert';
  if ('incidentWebUrl' in obj && ('displayName' in obj || 'alerts' in obj)) return 'graph-incident';
  return 'unknown';
}

function parse(body: unknown): ParseResult {
  const records = recordsOf(body);
  if (records === undefined)
    return { ok: false, errors: [{ index: 0, path: '(root)', message: `Expected ${ACCEPTED}` }] };
  if (records.length === 0) {
    return {
      ok: false,
      errors: [
        {
          index: 0,
          path: '(root)',
          message: `The body holds no record: post only when there are alerts. Expected ${ACCEPTED}`,
        },
      ],
    };
  }
  const errors: FieldError[] = [];
  const drafts: AlertDraft[] = [];
  const streamed: StreamRecord[] = [];
  for (const item of records) drafts.push(...draftsOf(item, errors, streamed));
  if (streamed.length > 0) {
    const { drafts: fromStream, orphans } = streamingDrafts(streamed, errors);
    drafts.push(...fromStream);
    if (drafts.length === 0 && errors.length === 0) errors.push(noAlertInfo(orphans));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, drafts };
}

function draftsOf(item: BodyRecord, errors: FieldError[], streamed: StreamRecord[]): AlertDraft[] {
  const obj = record(item.value);
  const scope: RecordScope = { index: item.index, at: '', errors };
  const kind = obj === undefined ? 'unknown' : kindOf(obj);
  if (obj === undefined || kind === 'unknown') {
    errors.push({
      index: item.index,
      path: '(root)',
      message: `Not a Microsoft Defender record. Expected ${ACCEPTED}`,
    });
    return [];
  }
  switch (kind) {
    case 'graph-alert':
      return present(graphAlertDraft(scope, obj, item.pointer));
    case 'graph-incident':
      return present(graphIncidentDraft(scope, obj, item.pointer));
    case 'mde-alert':
      return present(mdeAlertDraft(scope, obj, item.pointer));
    case 'stream':
      streamed.push({ value: obj, pointer: item.pointer, index: item.index });
      return [];
    case 'legacy-graph-alert':
      errors.push({
        index: item.index,
        path: '@odata.type',
        message:
          'This is a legacy Microsoft Graph security alert (GET /security/alerts, #microsoft.graph.alert), which Microsoft has deprecated: poll GET /security/alerts_v2 instead',
      });
      return [];
  }
}

function present(draft: AlertDraft | undefined): AlertDraft[] {
  return draft === undefined ? [] : [draft];
}

function noAlertInfo(orphans: number): FieldError {
  const evidence = orphans > 0 ? ` (${orphans} AlertEvidence row(s) arrived without their AlertInfo)` : '';
  return {
    index: 0,
    path: 'records',
    message:
      `The batch holds no AdvancedHunting-AlertInfo record${evidence}: an alert comes from its AlertInfo row, and AlertEvidence rows only ` +
      'add entities to an AlertInfo in the same body. Stream the AlertInfo and AlertEvidence tables to the same Event Hub and forward whole batches.',
  };
}

export const defenderParser: SourceParser = {
  name: 'defender',
  mediaTypes: ['application/json'],
  parse: (body) => parse(body),
};
