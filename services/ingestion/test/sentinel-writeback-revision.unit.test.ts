import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Alert, alertRevisionKey } from '@soc/contracts';
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
});
