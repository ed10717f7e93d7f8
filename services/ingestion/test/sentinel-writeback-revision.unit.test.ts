import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Alert, alertRevisionKey, ownClosureComment } from '@soc/contracts';
import { normalize } from '../src/sources/normalize.ts';
import { sentinelParser } from '../src/sources/sentinel/index.ts';

type Row = Record<string, unknown>;

const incidentTrigger = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/alerts/sentinel/incident-trigger.json', import.meta.url), 'utf8'),
) as Row;
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function only(body: unknown): Alert {
  const outcome = normalize(sentinelParser, body, ctx);
  if (!outcome.ok || outcome.alerts.length !== 1) throw new Error(`expected one alert: ${JSON.stringify(outcome)}`);
  return outcome.alerts[0] as Alert;
}

describe('Sentinel incident: our verdict write-back never comes back as a new revision', () => {
  it('the incident re-sent with our comment (count, comments, modified time, etag) keeps its revision key', () => {
    const object = incidentTrigger['object'] as Row;
    const props = object['properties'] as Row;
    const additional = props['additionalData'] as Row;
    const commented = {
      ...incidentTrigger,
      object: {
        ...object,
        etag: '"ffffffff-0000-0000-0000-000000000000"',
        properties: {
          ...props,
          lastModifiedTimeUtc: '2026-11-23T10:05:00Z',
          additionalData: { ...additional, commentsCount: Number(additional['commentsCount']) + 1 },
          comments: [{ properties: { message: 'SOC Copilot verdict: true_positive — risk 87/100 (high).\nhxxp://evil[.]example', author: { name: 'SOC Copilot' } } }],
        },
      },
    };
    const before = only(incidentTrigger);
    const after = only(commented);
    expect(after.alertId).toBe(before.alertId);
    expect(alertRevisionKey(after)).toBe(alertRevisionKey(before));
    expect(after.revision?.key).toBe(before.revision?.key);
    // The test can fail: a content change does make a new revision.
    expect(alertRevisionKey(only({ ...commented, object: { ...commented.object, properties: { ...commented.object.properties, severity: 'Low' } } }))).not.toBe(
      alertRevisionKey(before),
    );
  });

  it('the incident re-sent after our classification write-back closed it keeps its revision key; a closure by anyone else is a change', () => {
    const object = incidentTrigger['object'] as Row;
    const props = object['properties'] as Row;
    const { classification: _c, classificationReason: _r, classificationComment: _cc, ...openProps } = props;
    const open = { ...incidentTrigger, object: { ...object, properties: { ...openProps, status: 'New' } } };
    const closedBy = (comment: string) => ({
      ...open,
      object: {
        ...object,
        etag: '"eeeeeeee-0000-0000-0000-000000000000"',
        properties: {
          ...openProps,
          status: 'Closed',
          classification: 'FalsePositive',
          classificationReason: 'IncorrectAlertLogic',
          classificationComment: comment,
          lastModifiedTimeUtc: '2026-11-23T11:00:00Z',
        },
      },
    });
    const ours = ownClosureComment('SOC Copilot disposition: false-positive by a.khan[@]contoso[.]com at 2026-11-23T11:00:00.000Z (SOC Copilot alert alt-1, correlation c-1).', 'New');
    const before = only(open);
    expect(before.status).toBe('new');
    const after = only(closedBy(ours));
    expect(after.status).toBe('new');
    expect(after.revision?.key).toBe(before.revision?.key);
    // Closed by an analyst in Sentinel, or a comment that names another status than the incident had: a new revision.
    expect(only(closedBy('Not a malicious activity')).revision?.key).not.toBe(before.revision?.key);
    expect(only(closedBy(ownClosureComment('SOC Copilot disposition: false-positive.', 'Active'))).revision?.key).not.toBe(before.revision?.key);
  });
});
