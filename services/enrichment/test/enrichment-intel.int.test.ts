import { describe, expect, it } from 'vitest';
import { AlertReceivedV1, type Alert, createEvent } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { makeEnrichmentHandler } from '../src/handler.ts';
import { LocalFeedThreatIntel } from '../src/threat-intel/index.ts';
import type { ThreatIntel } from '../src/threat-intel/index.ts';

const delivery: DeliveryInfo = { subscription: 'enrichment', deliveryCount: 1, signal: new AbortController().signal };
const clock = manualClock('2026-11-23T10:00:00Z');
const FEED = new URL('../../../test/fixtures/enrichment/ioc_feeds/Log4j_IOC_List.csv', import.meta.url).pathname;
// An address listed in Microsoft's Log4j IOC feed (test/fixtures/enrichment/ioc_feeds), and one that is not.
const LISTED = '1.34.18.93';

const received = (entities: Alert['entities']) =>
  createEvent(
    AlertReceivedV1,
    {
      alert: { schemaVersion: 1, alertId: 'alt-ti', tenantId: 'contoso', source: { name: 'generic', vendorAlertId: 'v-ti' }, title: 'Outbound connection to a Log4Shell scanner', description: '', severity: 'medium', status: 'new', detectedAt: '2026-11-23T09:00:00.000Z', attack: [], entities, labels: [] },
      receivedAt: '2026-11-23T09:00:01.000Z',
      receivedVia: 'http',
      sender: 't',
      priority: 'normal',
    },
    { id: 'r-ti', source: '/soc/ingestion', time: new Date('2026-11-23T09:00:01Z'), correlationid: 'c-ti', tenantid: 'contoso' },
  );
const ip = (value: string) => ({ id: `ip:${value}`, type: 'ip' as const, value, isInternal: false, origin: 'source' as const });

const down: ThreatIntel = { lookup: () => Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'virustotal: breaker open', { retryable: true })) };

describe('enrichment with threat intelligence', () => {
  it('cites a real feed hit as a threat-intel fact on the entity that named it', async () => {
    const feeds = await LocalFeedThreatIntel.load([{ path: FEED }], { clock });
    const handle = makeEnrichmentHandler({ history: new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 }), intel: [{ name: 'local-feeds', intel: feeds }], clock });
    const { emit } = await handle(received([ip(LISTED), ip('203.0.113.9')]), delivery);
    const enrichment = (emit[0]!.data as { enrichment: { facts: { kind: string; entityId?: string; attributes: Record<string, unknown> }[]; missing: unknown[] } }).enrichment;
    const intel = enrichment.facts.filter((f) => f.kind === 'threat-intel');
    expect(intel).toHaveLength(1);
    expect(intel[0]).toMatchObject({ entityId: `ip:${LISTED}`, attributes: expect.objectContaining({ verdict: 'malicious' }) });
    expect(enrichment.missing).toEqual([]);
  });

  it('survives an outage: the alert is still enriched, the source is marked missing, the others still answer', async () => {
    const feeds = await LocalFeedThreatIntel.load([{ path: FEED }], { clock });
    const handle = makeEnrichmentHandler({
      history: new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 }),
      intel: [{ name: 'virustotal', intel: down }, { name: 'local-feeds', intel: feeds }],
      clock,
    });
    const { emit } = await handle(received([ip(LISTED)]), delivery);
    const enrichment = (emit[0]!.data as { enrichment: { facts: { kind: string }[]; missing: { source: string; reason: string }[] } }).enrichment;
    expect(enrichment.missing).toEqual([{ source: 'virustotal', reason: expect.stringContaining('breaker open') }]);
    expect(enrichment.facts.some((f) => f.kind === 'threat-intel')).toBe(true);
  });
});
