import { describe, expect, it } from 'vitest';
import { AlertReceivedV1, type Alert, MAX_ENRICHMENT_BYTES, boundedId, createEvent, jsonBytes, parseEvent } from '@soc/contracts';
import type { HistorySnapshot } from '../src/ports.ts';
import { boundEnrichment, enrich } from '../src/handler.ts';
import { alertOf } from './support/cred-alerts.ts';

const now = new Date('2026-11-23T10:00:00Z');
const received = (alert: Alert) =>
  createEvent(
    AlertReceivedV1,
    { alert, receivedAt: '2026-11-23T09:00:00.000Z', receivedVia: 'http', sender: 't', priority: 'normal' },
    { id: 'r-1', source: '/soc/ingestion', time: now, correlationid: 'c-1', tenantid: 'contoso' },
  );
const sighting = (entityId: string) => ({ entityId, priorAlertCount: 3, firstSeenAt: '2026-11-20T00:00:00.000Z', lastSeenAt: '2026-11-22T00:00:00.000Z', recentAlertIds: [] });

describe('enrichment stays within its contract and budget whatever the alert holds', () => {
  it('a long entity id and rule key give bounded fact ids and statements (the enriched event validates)', () => {
    // An ASC command-line detection: the process entity is named by its command line, the rule by a long name.
    const entityId = `process:powershell -nop -w hidden -enc ${'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA'.repeat(50)}`.slice(0, 2100);
    const ruleKey = `sentinel:${'suspicious command line executed from a temporary folder '.repeat(8)}`;
    const history: HistorySnapshot = { entities: [sighting(entityId)], rule: { ruleKey, priorAlertCount: 5, lastSeenAt: '2026-11-22T00:00:00.000Z' } };
    const out = enrich(received(alertOf(1, [])), history, now);
    expect(parseEvent(JSON.parse(JSON.stringify(out)))).toMatchObject({ ok: true });
    const [entityFact, ruleFact] = out.data.enrichment.facts;
    expect(entityFact!.id).toBe(boundedId('history:', entityId));
    expect(entityFact!.id.length).toBeLessThanOrEqual(256);
    expect(entityFact!.entityId).toBe(entityId);
    expect(entityFact!.statement.length).toBeLessThanOrEqual(2048);
    expect(ruleFact!.id.length).toBeLessThanOrEqual(256);
  });

  it('500 entities with history: facts past the budget are left out and `missing` says how many', () => {
    const entityIds = Array.from({ length: 500 }, (_, i) => `url:https://e${i}.example/${'p'.repeat(1500)}`);
    const history: HistorySnapshot = { entities: entityIds.map(sighting), rule: undefined };
    const out = enrich(received(alertOf(1, [])), history, now);
    const { facts, missing } = out.data.enrichment;
    expect(jsonBytes(out.data.enrichment)).toBeLessThanOrEqual(MAX_ENRICHMENT_BYTES);
    expect(parseEvent(JSON.parse(JSON.stringify(out)))).toMatchObject({ ok: true });
    expect(facts.length).toBeGreaterThan(0);
    expect(facts[0]!.entityId).toBe(entityIds[0]);
    expect(missing).toEqual([{ source: 'enrichment', reason: expect.stringMatching(new RegExp(`^${500 - facts.length} fact\\(s\\) left out`)) }]);
  });

  it('unavailable sources past 20 are counted in one line, never dropped silently', () => {
    const missing = Array.from({ length: 25 }, (_, i) => ({ source: `feed-${i}`, reason: 'timed out' }));
    const out = boundEnrichment([], missing);
    expect(out.missing).toHaveLength(21);
    expect(out.missing.at(-1)).toEqual({ source: 'enrichment', reason: '5 more unavailable source(s) not listed' });
  });
});
