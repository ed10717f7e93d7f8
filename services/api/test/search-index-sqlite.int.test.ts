import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryInfo } from '@soc/bus';
import { sampleAlert } from '@soc/contracts/testing';
import { CheckedPlatformEnv, stateConfigOf } from '@soc/platform';
import { loadConfig } from '@soc/runtime';
import { SqliteStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { ENTITY_INDEX, StateCaseIndex, TOKEN_INDEX } from '../src/adapters/state-case-index.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { entityKey } from '../src/search-text.ts';
import { receivedEvent } from './support/sentinel-alerts.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };

/** The embedded default's state store (the platform's indexed and filter fields), in memory. */
let state: SqliteStateStore;
let index: StateCaseIndex;

beforeAll(async () => {
  const config = stateConfigOf(loadConfig(CheckedPlatformEnv, {}));
  if (config.kind !== 'sqlite') throw new Error('the embedded default is SQLite');
  state = new SqliteStateStore({ ...config, path: ':memory:' });
  const cases = new StateCaseStore(state);
  index = new StateCaseIndex(state, { receivedAtOf: async (id) => (await cases.summary(id))?.receivedAt });
  const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }), index);
  for (let i = 0; i < 30; i++) {
    const alert = sampleAlert({
      alertId: `alt-${i}`,
      tenantId: i % 2 === 0 ? 'contoso' : 'fabrikam',
      source: { name: 'generic', vendorAlertId: `v-${i}` },
      title: `Beacon number${i} to 2001:DB8::${i}`,
      entities: [{ id: `ip:2001:db8::${i % 3}`, type: 'ip', value: `2001:db8::${i % 3}`, origin: 'source' }],
    });
    await project(receivedEvent(alert, new Date(Date.UTC(2026, 11, 1, 10, i))), delivery);
  }
});
afterAll(() => state.close());

describe('the case index in the embedded SQLite store', () => {
  it('finds by token and by entity per tenant, newest first', async () => {
    expect((await index.search({ terms: ['beacon'], tenants: ['contoso'], limit: 3 })).items.map((h) => h.alertId)).toEqual(['alt-28', 'alt-26', 'alt-24']);
    expect((await index.search({ terms: ['beacon', '2001:db8::7'], tenants: ['fabrikam'], limit: 10 })).items.map((h) => h.alertId)).toEqual(['alt-7']);
    expect((await index.search({ terms: ['2001:db8::7'], tenants: ['contoso'], limit: 10 })).items).toEqual([]);
    const withIp = await index.casesWithEntity({ type: 'ip', value: '2001:0db8:0:0:0:0:0:1', tenants: ['fabrikam'], limit: 100 });
    expect(withIp.items.map((h) => h.alertId)).toEqual(['alt-25', 'alt-19', 'alt-13', 'alt-7', 'alt-1']);
  });

  it('reads a term or an entity through its filter index, not by scanning the collection in receipt order', () => {
    const plans = [
      state.explainQuery(TOKEN_INDEX, { where: { searchToken: 'beacon', tenantId: 'contoso' }, orderBy: { field: 'caseReceivedAt', direction: 'desc' }, limit: 1000 }),
      state.explainQuery(ENTITY_INDEX, { where: { entityKey: entityKey('ip', '2001:db8::1'), tenantId: 'contoso' }, orderBy: { field: 'caseReceivedAt', direction: 'desc' }, limit: 1000 }),
    ];
    expect(plans[0]?.join(' ')).toMatch(/USING INDEX documents_by_searchToken_\w+_partial/);
    expect(plans[1]?.join(' ')).toMatch(/USING INDEX documents_by_entityKey_\w+_partial/);
  });
});
