import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateAuditTrail } from '@soc/audit';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { SqliteStateStore } from '@soc/state';
import { StateTriageTuningStore, tuningHashOf, TuningEntry } from '@soc/triage-tuning';
import { tuningRoutes } from '../src/tuning-routes.ts';
import './support/checked-fetch.ts';

const clock = manualClock('2026-11-23T10:00:00Z');
const state = new SqliteStateStore({ path: ':memory:' });
const audit = new StateAuditTrail(state, { clock });
/** A second store on the same state whose audit trail is down: a change through it must not happen. */
const auditDown = { append: async () => Promise.reject(new Error('audit store unreachable')) };
let http: HttpServer;
let httpAuditDown: HttpServer;

const roles: Record<string, string[]> = { vera: ['viewer'], ann: ['analyst'], root: ['admin'], ops: ['admin'] };
function appWith(store: StateTriageTuningStore) {
  const app = express();
  app.use((req, res, next) => {
    res.locals.principal = req.header('x-principal');
    res.locals.roles = roles[String(req.header('x-principal'))] ?? [];
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(tuningRoutes({ tuning: store, clock, tenantId: 'default' }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  return app;
}
const callOn = (server: () => HttpServer) => async (principal: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server().url}${path}`, { method, headers: { 'x-principal': principal, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { entries?: unknown[] } };
};
const call = callOn(() => http);
const url = (tenant: string): string => `/api/v1/tenants/${tenant}/triage-tuning`;

const backup = { id: 'corp-backup', kind: 'exception', behaviour: 'download-cradle', field: 'ParentImage', match: 'endswith', value: '\\Tools\\corp-backup.exe', reason: 'the backup tool fetches its updates (CHG-1042)' };
const certutilOff = { id: 'certutil-off', kind: 'sigma-rule', sigmaRuleId: '19b08b1c-861d-4e75-a1ef-ea0c1baf202b', reason: 'noisy in the build farm', author: 'secops-lead', expiresAt: '2026-12-31T00:00:00Z' };

beforeAll(async () => {
  http = await listen(appWith(new StateTriageTuningStore(state, audit)), 0, '127.0.0.1');
  httpAuditDown = await listen(appWith(new StateTriageTuningStore(state, auditDown)), 0, '127.0.0.1');
});
afterAll(async () => {
  await http.close();
  await httpAuditDown.close();
  await state.close();
});

describe('triage tuning routes', () => {
  it('admin only: 403 naming the admin role for a viewer and an analyst, on reads and writes', async () => {
    for (const who of ['vera', 'ann', 'nobody']) {
      const read = await call(who, 'GET', url('contoso'));
      expect(read.status).toBe(403);
      expect(read.body.detail).toMatch(/admin role/);
      expect((await call(who, 'PUT', url('contoso'), { version: 0, entries: [backup] })).status).toBe(403);
      expect((await call(who, 'GET', `${url('contoso')}/versions`)).status).toBe(403);
    }
    expect((await call('root', 'GET', url('contoso'))).body).toMatchObject({ tenantId: 'contoso', version: 0, entries: [] });
  });

  it('every change is a new version with its hash, audited as config.changed with the principal and old and new hashes; old versions stay readable', async () => {
    const v1 = await call('root', 'PUT', url('fabrikam'), { version: 0, entries: [backup] });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ tenantId: 'fabrikam', version: 1, previousSha256: null, changedBy: 'root', entries: [{ ...backup, author: 'root' }] });
    expect(v1.body.sha256).toBe(tuningHashOf([TuningEntry.parse({ ...backup, author: 'root' })]));

    clock.advance(60_000);
    const v2 = await call('ops', 'PUT', url('fabrikam'), { version: 1, entries: [backup, certutilOff] });
    expect(v2.body).toMatchObject({ version: 2, previousSha256: v1.body.sha256, changedBy: 'ops' });
    expect(v2.body.sha256).not.toBe(v1.body.sha256);

    expect((await call('root', 'GET', url('fabrikam'))).body).toEqual(v2.body);
    expect((await call('root', 'GET', `${url('fabrikam')}/versions/1`)).body).toEqual(v1.body);
    expect((await call('root', 'GET', `${url('fabrikam')}/versions/9`)).status).toBe(404);
    const history = await call('root', 'GET', `${url('fabrikam')}/versions`);
    expect((history.body.items as { version: number; changedBy: string }[]).map((h) => [h.version, h.changedBy])).toEqual([[2, 'ops'], [1, 'root']]);

    const records = (await audit.list({ stream: 'config' })).filter((r) => r.subject === 'triage-tuning:fabrikam');
    expect(records.map((r) => [r.kind, r.actor, r.tenantId, r.data.version, r.data.sha256, r.data.previousSha256])).toEqual([
      ['config.changed', 'ops', 'fabrikam', 2, v2.body.sha256, v1.body.sha256],
      ['config.changed', 'root', 'fabrikam', 1, v1.body.sha256, null],
    ]);
    expect((await audit.verify()).ok).toBe(true);
    // Tenants are apart: another tenant is still untuned.
    expect((await call('root', 'GET', url('contoso'))).body).toMatchObject({ version: 0 });
  });

  it('409 naming the current version when the writer read an older one; nothing changes and nothing is audited', async () => {
    const v1 = await call('root', 'PUT', url('northwind'), { version: 0, entries: [backup] });
    const before = (await audit.list({ stream: 'config' })).length;
    const stale = await call('ops', 'PUT', url('northwind'), { version: 0, entries: [certutilOff] });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ currentVersion: 1, expectedVersion: 0 });
    expect((await call('ops', 'PUT', url('northwind'), { version: 7, entries: [] })).status).toBe(409);
    expect((await call('root', 'GET', url('northwind'))).body).toEqual(v1.body);
    expect((await audit.list({ stream: 'config' })).length).toBe(before);
  });

  it('400 with every reason for invalid entries; nothing stored', async () => {
    const bad = await call('root', 'PUT', url('tailspin'), {
      version: 0,
      entries: [
        { ...backup, value: '.exe' },
        { ...backup, id: 'both', sigmaRuleId: 'abc' },
        { ...certutilOff, expiresAt: '2026-11-01T00:00:00Z' },
        { ...certutilOff, id: 'corp-backup' },
      ],
    });
    expect(bad.status).toBe(400);
    const messages = (bad.body.errors as { message: string }[]).map((e) => e.message).join('\n');
    expect(messages).toMatch(/entries\[0\] \(corp-backup\): an endswith value of fewer than 8 characters/);
    expect(messages).toMatch(/entries\[1\] \(both\): an exception names exactly one of sigmaRuleId or behaviour/);
    expect(messages).toMatch(/entries\[2\] \(certutil-off\): expiresAt 2026-11-01T00:00:00Z is already past/);
    expect(messages).toMatch(/entries\[3\] \(corp-backup\): the id is used by an earlier entry/);
    const shape = await call('root', 'PUT', url('tailspin'), { version: 0, entries: [{ ...backup, behaviour: 'made-up' }, { id: 'x', kind: 'sigma-rule', sigmaRuleId: 'r' }] });
    expect(shape.status).toBe(400);
    expect((shape.body.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(['entries.0.behaviour', 'entries.1.reason']));
    expect((await call('root', 'GET', url('tailspin'))).body).toMatchObject({ version: 0 });
  });

  it('503 when the change cannot be audited: the version is not written', async () => {
    const res = await callOn(() => httpAuditDown)('root', 'PUT', url('adatum'), { version: 0, entries: [backup] });
    expect(res.status).toBe(503);
    expect(res.body.type).toMatch(/audit-unavailable/);
    expect((await call('root', 'GET', url('adatum'))).body).toMatchObject({ version: 0 });
  });
});
