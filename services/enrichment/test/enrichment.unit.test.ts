import { describe, expect, it } from 'vitest';
import { AlertReceivedV1, type Alert, createEvent, parseEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { makeEnrichmentHandler } from '../src/handler.ts';
import { alertOf, delivery, host, user } from './support/cred-alerts.ts';

const received = (n: number, entities: Alert['entities']) =>
  createEvent(
    AlertReceivedV1,
    { alert: alertOf(n, entities), receivedAt: `2026-11-23T09:0${n}:00.000Z`, receivedVia: 'http', sender: 't', priority: 'normal' },
    { id: `r-${n}`, source: '/soc/ingestion', time: new Date(`2026-11-23T09:0${n}:00Z`), correlationid: `c-${n}`, tenantid: 'contoso' },
  );

function setup() {
  const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 });
  const handle = makeEnrichmentHandler({ history, clock: manualClock('2026-11-23T10:00:00Z') });
  return (e: ReturnType<typeof received>) => handle(e, delivery);
}

describe('enrichment: history of the same entity and rule', () => {
  it('a first alert has no history facts', async () => {
    const handle = setup();
    const out = await handle(received(1, [host, user]));
    expect(out.emit[0]!.type).toBe('soc.alert.enriched.v1');
    expect((out.emit[0]!.data as { enrichment: { facts: unknown[] } }).enrichment.facts).toEqual([]);
    expect(parseEvent(JSON.parse(JSON.stringify(out.emit[0]))).ok).toBe(true);
  });

  it('later alerts on the same host cite its earlier sightings and the rule history', async () => {
    const handle = setup();
    await handle(received(1, [host, user]));
    await handle(received(2, [host]));
    const out = await handle(received(3, [host]));
    const facts = (out.emit[0]!.data as { enrichment: { facts: { id: string; attributes: Record<string, unknown> }[] } }).enrichment.facts;
    expect(facts.map((f) => f.id)).toEqual(['history:host:msticalertswin1', 'rule-history:generic:asc-cred-cmdline']);
    expect(facts[0]!.attributes).toMatchObject({ priorAlertCount: 2, firstSeenAt: '2026-11-23T09:01:00.000Z', lastSeenAt: '2026-11-23T09:02:00.000Z' });
  });

  it('a redelivered alert is not counted twice nor counted as its own history', async () => {
    const handle = setup();
    await handle(received(1, [host]));
    const first = await handle(received(2, [host]));
    const again = await handle(received(2, [host]));
    expect(again.emit).toEqual(first.emit);
    const third = await handle(received(3, [host]));
    const facts = (third.emit[0]!.data as { enrichment: { facts: { attributes: Record<string, unknown> }[] } }).enrichment.facts;
    expect(facts[0]!.attributes.priorAlertCount).toBe(2);
  });
});
