import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { MAX_ID_LENGTH, MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { alertOf, host } from './support/cred-alerts.ts';

// A real shape from the Sentinel wirex HTTP export: a request URL of ~1,000 characters is an entity (the contract
// allows ids up to 2,100), and a rule name can be a whole command line. History documents are keyed by them.
const longUrl = `http://203.0.113.7/search?q=${'a%20b'.repeat(300)}`;
const url = { id: `url:${longUrl}`, type: 'url' as const, value: longUrl, origin: 'source' as const };
const otherUrl = { ...url, id: `${url.id}&x=1`, value: `${longUrl}&x=1` };
const longRule = `powershell -nop -w hidden -c ${'iex(gc C:\\ProgramData\\a.ps1); '.repeat(25)}`;
const withRule = (a: Alert, name: string): Alert => ({ ...a, rule: { name } });

describe('StateAlertHistory: entities and rules longer than a document id', () => {
  it('records and finds history of an entity id and a rule key longer than the state store allows as an id', async () => {
    expect(url.id.length).toBeGreaterThan(MAX_ID_LENGTH);
    expect(longRule.length).toBeGreaterThan(MAX_ID_LENGTH);
    const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 });
    const first = withRule(alertOf(1, [host, url]), longRule);
    await history.record(first, new Date('2026-11-23T09:00:00Z'));

    const snapshot = await history.lookup(withRule(alertOf(2, [host, url, otherUrl]), longRule), new Date('2026-11-23T10:00:00Z'));
    // The full ids come back (a cut or hashed value would be another indicator); the other long URL, which shares
    // the first 1,000 characters, has no history of its own.
    expect(snapshot.entities.map((e) => [e.entityId, e.priorAlertCount])).toEqual([
      [host.id, 1],
      [url.id, 1],
    ]);
    expect(snapshot.rule).toMatchObject({ ruleKey: `generic:${longRule}`.toLowerCase(), priorAlertCount: 1 });
  });

  it('counts a disposition of an alert with such an entity and rule', async () => {
    const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 });
    const ruleKey = `generic:${longRule}`.toLowerCase();
    await history.recordDisposition({ alertId: 'alt-1', tenantId: 'contoso', ruleKey, entityIds: [url.id], disposition: 'false-positive', at: '2026-11-23T10:00:00.000Z' });
    const snapshot = await history.lookup(withRule(alertOf(2, [url]), longRule), new Date('2026-11-23T11:00:00Z'));
    expect(snapshot.entities).toEqual([expect.objectContaining({ entityId: url.id, priorAlertCount: 0, dispositions: { truePositives: 0, benignPositives: 0, falsePositives: 1 } })]);
    expect(snapshot.rule).toMatchObject({ ruleKey, dispositions: { truePositives: 0, benignPositives: 0, falsePositives: 1 } });
  });

  it('never confuses a short key with the stored form of a long one', async () => {
    const store = new MemoryStateStore();
    const history = new StateAlertHistory(store, { retentionDays: 30 });
    await history.record(alertOf(1, [url]), new Date('2026-11-23T09:00:00Z'));
    const [stored] = await store.query<{ key: string }>('entity-sightings');
    expect(stored?.value.key).toBe(JSON.stringify(['contoso', url.id]));
    // An entity whose id is literally the stored id of the long one is another entity, with no history.
    const lookalike = { id: stored?.id ?? '', type: 'url' as const, value: stored?.id ?? '', origin: 'source' as const };
    expect((await history.lookup(alertOf(2, [lookalike]), new Date('2026-11-23T10:00:00Z'))).entities).toEqual([]);
  });
});

describe('StateAlertHistory: dispositions weighed by their age', () => {
  const host2 = { id: 'host:ws2', type: 'host' as const, value: 'ws2', origin: 'source' as const };
  const ruleKey = 'generic:asc-cred-cmdline';
  it('states a disposition one half-life old as half of one, and counts only the newest judged alerts', async () => {
    const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 365, halfLifeDays: 90 });
    await history.recordDisposition({ alertId: 'alt-old', tenantId: 'contoso', ruleKey, entityIds: [host2.id], disposition: 'benign-positive', at: '2026-08-25T00:00:00.000Z' });
    await history.recordDisposition({ alertId: 'alt-new', tenantId: 'contoso', ruleKey, entityIds: [host2.id], disposition: 'false-positive', at: '2026-11-23T00:00:00.000Z' });
    const snapshot = await history.lookup(alertOf(3, [host2]), new Date('2026-11-23T00:00:00Z'));
    const expected = { truePositives: 0, benignPositives: 0.5, falsePositives: 1 };
    expect(snapshot.rule?.dispositions).toEqual(expected);
    expect(snapshot.entities[0]?.dispositions).toEqual(expected);
    expect(snapshot.tenant?.dispositions).toEqual(expected);
    // The same history read a half-life later.
    expect((await history.lookup(alertOf(3, [host2]), new Date('2027-02-21T00:00:00Z'))).rule?.dispositions).toEqual({ truePositives: 0, benignPositives: 0.25, falsePositives: 0.5 });
  });

  it('bounds a hot rule\'s prior to its newest 500 judged alerts', async () => {
    const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 365 });
    const at = '2026-11-23T00:00:00.000Z';
    for (let i = 0; i < 520; i++) await history.recordDisposition({ alertId: `alt-${i}`, tenantId: 'contoso', ruleKey, entityIds: [], disposition: i < 20 ? 'true-positive' : 'false-positive', at });
    expect((await history.lookup(alertOf(999, []), new Date(at))).rule?.dispositions).toEqual({ truePositives: 0, benignPositives: 0, falsePositives: 500 });
  });
});
