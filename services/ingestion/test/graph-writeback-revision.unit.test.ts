import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Alert, ownClosureComment } from '@soc/contracts';
import { defenderParser } from '../src/sources/defender/index.ts';
import { normalize } from '../src/sources/normalize.ts';

type Row = Record<string, unknown>;
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };
const graphAlert = JSON.parse(readFileSync(new URL('../../../test/fixtures/alerts/defender/graph_alert_v2_get_example.json', import.meta.url), 'utf8')) as Row;

function only(body: unknown): Alert {
  const outcome = normalize(defenderParser, body, ctx);
  if (!outcome.ok || outcome.alerts.length !== 1) throw new Error(`expected one alert: ${JSON.stringify(outcome)}`);
  return outcome.alerts[0] as Alert;
}

describe('Graph alert: our classification and status write-back never comes back as a new revision', () => {
  it('the alert re-read after our write-back resolved it (with its closing comment) keeps its revision; resolved by anyone else is a change', () => {
    expect(graphAlert['status']).toBe('new');
    const before = only(graphAlert);
    const resolved = (comments: string[]): Row => ({
      ...graphAlert,
      status: 'resolved',
      classification: 'falsePositive',
      determination: 'notMalicious',
      lastUpdateDateTime: '2026-11-23T11:00:00Z',
      comments: comments.map((comment) => ({ comment, createdByDisplayName: 'SOC Copilot', createdDateTime: '2026-11-23T11:00:00Z' })),
    });
    const ours = ownClosureComment('SOC Copilot disposition: false-positive by a.khan at 2026-11-23T11:00:00.000Z (SOC Copilot alert alt-1).', 'new');
    const after = only(resolved(['SOC Copilot verdict: false_positive — risk 12/100 (low).', ours, 'An analyst looked at it too.']));
    expect(after.status).toBe('new');
    expect(after.revision?.key).toBe(before.revision?.key);
    expect(only(resolved(['Closed by the on-call analyst.'])).revision?.key).not.toBe(before.revision?.key);
    // Reopened after our closure: its status counts again.
    expect(only({ ...resolved([ours]), status: 'inProgress' }).revision?.key).not.toBe(before.revision?.key);
  });
});
