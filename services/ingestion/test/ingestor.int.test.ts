import { describe, expect, it } from 'vitest';
import type { SocEvent } from '@soc/contracts';
import { MemoryBus } from '@soc/bus';
import { defaultInternalNetworks } from '@soc/guardrails';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlitePayloadStore } from '../src/adapters/sqlite-payload-store.ts';
import { StateQuarantineStore } from '../src/adapters/state-quarantine-store.ts';
import { PipelineIngestor } from '../src/ingestor.ts';

async function setup() {
  const bus = new MemoryBus();
  const state = new MemoryStateStore();
  const payloads = new SqlitePayloadStore(join(mkdtempSync(join(tmpdir(), 'soc-payloads-')), 'payloads.sqlite'));
  const quarantine = new StateQuarantineStore(state, 30);
  const seen: SocEvent[] = [];
  await bus.ensureTopology([{ name: 'probe', types: ['soc.alert.received.v1'] }]);
  bus.subscribe({ subscription: 'probe' }, (e) => {
    seen.push(e);
    return Promise.resolve({ emit: [] });
  });
  const ingestor = new PipelineIngestor({ bus, payloads, quarantine, clock: manualClock('2026-11-23T10:00:00Z'), tenantId: 'contoso', internalNetworks: defaultInternalNetworks, maxBatch: 2 });
  return { bus, state, payloads, quarantine, ingestor, seen };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('PipelineIngestor', () => {
  it('replays a quarantined body once its cause is fixed, once: the second replay publishes nothing new', async () => {
    const { ingestor, quarantine, seen } = await setup();
    // An Event Hubs record of a type no parser routed yet: kept whole, with the reason.
    const body = { id: 'late-1', title: 'Brute force against RDP', severity: 'medium' };
    const id = await ingestor.quarantine({ source: 'generic', body, sender: 'eventhubs:siem/0', receivedVia: 'eventhubs', reason: 'No parser for this record yet' });
    expect((await quarantine.get(id))?.status).toBe('quarantined');
    const first = await ingestor.replay(id);
    expect(first?.result.kind).toBe('accepted');
    expect(first?.entry).toMatchObject({ status: 'replayed', alertIds: [expect.stringMatching(/^alt-/)] });
    await settle();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.data).toMatchObject({ sender: 'eventhubs:siem/0', receivedVia: 'eventhubs' });
    await ingestor.replay(id);
    await settle();
    expect(seen).toHaveLength(1);
  });

  it('replays a record quarantined under no known source as the source an operator names', async () => {
    const { ingestor, seen } = await setup();
    const body = { id: 'eh-1', title: 'Unrouted record', severity: 'high' };
    const id = await ingestor.quarantine({ source: 'eventhubs', body, sender: 'eventhubs:siem/1', receivedVia: 'eventhubs', reason: 'Record of Type Foo has no source' });
    const blind = await ingestor.replay(id);
    expect(blind?.result.kind).toBe('quarantined');
    expect(blind?.entry.status).toBe('quarantined');
    const named = await ingestor.replay(id, 'generic');
    expect(named?.result.kind).toBe('accepted');
    expect(named?.entry.status).toBe('replayed');
    await settle();
    expect(seen.map((e) => e.subject)).toEqual(named?.entry.alertIds);
  });

  it('replays an entry kept without a sender name (from before entries kept it) under the stream\'s name, as a fresh send from any partition', async () => {
    const { ingestor } = await setup();
    const body = { id: 'legacy-1', title: 'Brute force against RDP', severity: 'medium' };
    const id = await ingestor.quarantine({ source: 'generic', body, sender: 'eventhubs:siem/3', receivedVia: 'eventhubs', reason: 'No parser for this record yet' });
    const replayed = await ingestor.replay(id);
    const fresh = await ingestor.ingest({ source: 'generic', body: { ...body }, sender: 'eventhubs:siem/0', senderName: 'eventhubs:siem', receivedVia: 'eventhubs' });
    expect(replayed?.result.kind === 'accepted' && replayed.result.receipts[0]!.alertId).toBe(fresh.kind === 'accepted' && fresh.receipts[0]!.alertId);
  });

  it('refuses an HTTP batch larger than the limit without storing anything; Event Hubs batches are not bound by it', async () => {
    const { ingestor, quarantine } = await setup();
    const batch = [1, 2, 3].map((n) => ({ id: `b${n}`, title: 't', severity: 'low' }));
    const http = await ingestor.ingest({ source: 'generic', body: batch, sender: 's', senderName: 's', receivedVia: 'http' });
    expect(http).toMatchObject({ kind: 'too-many', alerts: 3, limit: 2 });
    expect(await quarantine.list({ limit: 10 })).toHaveLength(0);
    expect((await ingestor.ingest({ source: 'generic', body: batch, sender: 's', senderName: 's', receivedVia: 'eventhubs' })).kind).toBe('accepted');
  });

  it('does not acknowledge when the bus is down: the error propagates, so the edge answers 5xx or does not checkpoint', async () => {
    const { ingestor, bus } = await setup();
    await bus.close();
    await expect(ingestor.ingest({ source: 'generic', body: { id: 'x', title: 't', severity: 'low' }, sender: 's', senderName: 's', receivedVia: 'http' })).rejects.toThrow();
  });
});
