import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, startSystem } from './support.ts';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8'));

/**
 * Hunting from a case, end to end: a real Splunk ES notable and the real Sentinel incident trigger go through the
 * pipeline; the case's hunt queries are the templates filled with its entities, each allowed by the guard; one of
 * them runs through the hunt API (validate-only here: no workspace) and lands in the audit trail.
 */
describe('hunt queries of a case', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem({ SOC_BUS: 'memory', SOC_STATE: 'memory', SOC_API_ROLES: 'ops:viewer,alice:hunter' });
  });
  afterAll(async () => system.close());

  const decided = async (source: string, body: unknown): Promise<string> => {
    const api = client(system.url);
    const res = await api(`/api/v1/alerts/${source}`, { body });
    expect(res.status).toBe(202);
    const alertId = (res.body.alertIds?.[0] ?? res.body.alertId) as string;
    await eventually(async () => ((await api(`/api/v1/alerts/${encodeURIComponent(alertId)}`)).body?.stage === 'decided' ? true : undefined), 20_000, 'the decision');
    return alertId;
  };

  it('gives a Splunk notable guard-approved KQL and SPL over its own entities, and a hunt runs and is audited', async () => {
    const alertId = await decided('splunk', fixture('splunk/es-notable-event.json'));
    const api = client(system.url);
    const view = (await api(`/api/v1/alerts/${encodeURIComponent(alertId)}`)).body;
    const hunts = (await api(`/api/v1/alerts/${encodeURIComponent(alertId)}/hunts?lookbackDays=3`)).body;
    expect(hunts.queries.length).toBeGreaterThan(0);
    const languages = new Set(hunts.queries.map((q: { language: string }) => q.language));
    expect(languages).toEqual(new Set(['kql', 'spl']));
    const entityIds = new Set(view.alert.entities.map((e: { id: string }) => e.id));
    for (const q of hunts.queries as { entityId: string; verdict: { verdict: string }; query: string; language: string }[]) {
      expect(entityIds).toContain(q.entityId);
      expect(q.verdict.verdict).toBe('allow');
    }

    const kql = (hunts.queries as { language: string; query: string }[]).find((q) => q.language === 'kql')!;
    const hunter = client(system.url, 'alice-token-0123456789abcdef');
    const run = await hunter('/api/v1/hunt/queries', { body: { query: kql.query, purpose: `case ${alertId}`, correlationId: view.correlationId } });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'not-executed', verdict: { verdict: 'allow' } });
    const audit = (await hunter('/api/v1/hunt/audit')).body;
    expect(audit.items[0]).toMatchObject({ caller: 'alice', purpose: `case ${alertId}`, correlationId: view.correlationId, status: 'not-executed' });

    // A viewer may read the case's hunts but not run them.
    expect((await api('/api/v1/hunt/queries', { body: { query: kql.query, purpose: 'x'.repeat(5) } })).status).toBe(403);
  });

  it('gives a Sentinel incident KQL only, and 404 for an unknown alert', async () => {
    const alertId = await decided('sentinel', fixture('sentinel/incident-trigger.json'));
    const api = client(system.url);
    // Two analysts open the case at once: one computation on the guard's thread, the same answer, kept for the next.
    const [hunts, twin] = await Promise.all([0, 1].map(async () => (await api(`/api/v1/alerts/${encodeURIComponent(alertId)}/hunts`)).body));
    expect(twin).toEqual(hunts);
    expect((await api(`/api/v1/alerts/${encodeURIComponent(alertId)}/hunts`)).body).toEqual(hunts);
    expect(hunts.queries.length).toBeGreaterThan(0);
    expect(hunts.queries.every((q: { language: string; verdict: { verdict: string } }) => q.language === 'kql' && q.verdict.verdict === 'allow')).toBe(true);
    expect((await api('/api/v1/alerts/no-such-alert/hunts')).status).toBe(404);
    expect((await api(`/api/v1/alerts/${encodeURIComponent(alertId)}/hunts?lookbackDays=400`)).status).toBe(400);
  });
});
