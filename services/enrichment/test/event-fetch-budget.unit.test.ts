import { describe, expect, it } from 'vitest';
import { Enrichment, type Fact, type FetchedSourceEvent, MAX_ENRICHMENT_BYTES, jsonBytes } from '@soc/contracts';
import { EnrichmentConfig } from '../src/config.ts';
import { MAX_FETCHED_EVENTS_BYTES, boundEnrichment } from '../src/handler.ts';

const event = (i: number): FetchedSourceEvent => ({
  logsources: [{ product: 'windows', category: 'process_creation', service: 'sysmon' }],
  fields: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: `cmd /c ${'x'.repeat(4000)} ${i}`, EventID: 1 },
  pointer: `/tables/0/rows/${i}`,
  fetchedBy: 'kqa-000000000042',
});
const fact = (i: number): Fact => ({ id: `history:host:h${i}`, kind: 'history', entityId: `host:h${i}`, source: 'soc-history', observedAt: '2026-11-23T10:00:00.000Z', statement: 's'.repeat(400), attributes: {} });

describe('fetched events within the enrichment budget', () => {
  it('keeps fetched events in order up to their share, says how many were left out, and stays within the budget', () => {
    const events = Array.from({ length: 16 }, (_, i) => event(i));
    const enrichment = boundEnrichment(Array.from({ length: 200 }, (_, i) => fact(i)), [], events);
    const kept = enrichment.sourceEvents ?? [];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(16);
    expect(kept).toEqual(events.slice(0, kept.length));
    expect(jsonBytes(kept)).toBeLessThanOrEqual(MAX_FETCHED_EVENTS_BYTES);
    expect(enrichment.missing[0]).toEqual({ source: 'log-analytics-events', reason: `${16 - kept.length} fetched event(s) left out: fetched events take at most 24 KiB of an alert's enrichment` });
    expect(jsonBytes(enrichment)).toBeLessThanOrEqual(MAX_ENRICHMENT_BYTES);
    expect(Enrichment.parse(enrichment)).toEqual(enrichment);
  });

  it('adds no sourceEvents when nothing was fetched', () => {
    expect(boundEnrichment([fact(1)], [])).toEqual({ facts: [fact(1)], missing: [] });
  });
});

describe('enrichment config: the event fetch', () => {
  it('is off by default even with a workspace, and needs a workspace when on', () => {
    const workspace = { LOG_ANALYTICS_WORKSPACE_ID: '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70' };
    expect(EnrichmentConfig.parse(workspace)).toMatchObject({ ENRICHMENT_FETCH_EVENTS: false, ENRICHMENT_FETCH_WINDOW_MINUTES: 15, ENRICHMENT_FETCH_TIMEOUT_SECONDS: 30 });
    expect(EnrichmentConfig.parse({ ...workspace, ENRICHMENT_FETCH_EVENTS: 'true', ENRICHMENT_FETCH_WINDOW_MINUTES: '5' })).toMatchObject({ ENRICHMENT_FETCH_EVENTS: true, ENRICHMENT_FETCH_WINDOW_MINUTES: 5 });
    const refused = EnrichmentConfig.safeParse({ ENRICHMENT_FETCH_EVENTS: 'true' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['ENRICHMENT_FETCH_EVENTS'], message: expect.stringMatching(/LOG_ANALYTICS_WORKSPACE_ID/u) });
  });
});
