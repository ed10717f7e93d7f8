import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RequestFacts, StateFreezeSwitch, StateRequestLog, bindingHashOf } from '@soc/containment-requests';
import { type Bus, MemoryBus } from '@soc/bus';
import { type SocEvent, parseEvent } from '@soc/contracts';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { SqliteStateStore } from '@soc/state';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { containmentRoutes } from '../src/containment-routes.ts';
import './support/checked-fetch.ts';

const clock = manualClock('2026-11-23T10:00:00Z');
const published: SocEvent[] = [];
const audited: { kind: string; actor: string }[] = [];
const state = new SqliteStateStore({ path: ':memory:' });
const log = new StateRequestLog(state);
let http: HttpServer;

function facts(requestId: string, overrides: Partial<RequestFacts> = {}): RequestFacts {
  const base = { requestId, tenantId: 'contoso', alertId: `alt-${requestId}`, actionId: 'act', correlationId: 'corr', runbook: 'block-ip' as const, target: { entityId: 'ip:203.0.113.9', type: 'ip', value: '203.0.113.9' }, arguments: {}, reason: 'C2', sender: 'siem', approvalsRequired: 1 as const, requestedAt: '2026-11-23T10:00:00.000Z', expiresAt: '2026-11-23T11:00:00.000Z', ...overrides };
  return { ...base, bindingHash: bindingHashOf(base) };
}
async function seed(requestId: string, overrides: Partial<RequestFacts> = {}) {
  const f = facts(requestId, overrides);
  await log.append(requestId, await log.load(requestId), [{ kind: 'requested', at: f.requestedAt, facts: f }]);
  return f;
}
const call = async (principal: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${http.url}${path}`, { method, headers: { 'x-principal': principal, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const inner = new MemoryBus();
  const bus: Bus = { ...inner, ensureTopology: (s) => inner.ensureTopology(s), publish: async (events) => void published.push(...events), subscribe: (o, h) => inner.subscribe(o, h), depth: () => inner.depth(), probe: () => inner.probe(), close: () => inner.close(), deadLetters: inner.deadLetters };
  const app = express();
  const roles: Record<string, string[]> = { vera: ['viewer'], ana: ['analyst'], alice: ['approver'], bob: ['approver'], siem: ['approver'], root: ['admin'] };
  app.use((req, res, next) => {
    res.locals.principal = req.header('x-principal');
    res.locals.roles = roles[String(req.header('x-principal'))] ?? [];
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(
    containmentRoutes({
      requests: log,
      freeze: new StateFreezeSwitch(state),
      audit: { append: async (e) => (audited.push(e), { seq: audited.length, hash: 'h' }) },
      cases: new StateCaseStore(state),
      bus,
      clock,
      tenantId: 'contoso',
    }),
  );
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await http.close();
  await state.close();
});

describe('containment routes', () => {
  it('shows a request from containment\'s record with its binding hash, and 404 for an unknown id', async () => {
    const f = await seed('cr-show');
    const res = await call('vera', 'GET', '/api/v1/containment/cr-show');
    expect(res).toMatchObject({ status: 200, body: { requestId: 'cr-show', status: 'pending-approval', bindingHash: f.bindingHash, approvalsRequired: 1, sender: 'siem' } });
    expect((await call('vera', 'GET', '/api/v1/containment/cr-nope')).status).toBe(404);
  });

  it('tells the approver what the runbook does to the target, whether it can be undone, and what cannot be', async () => {
    await seed('cr-info');
    expect((await call('vera', 'GET', '/api/v1/containment/cr-info')).body.runbookInfo).toEqual({
      does: 'add a blocking Defender for Endpoint indicator for 203.0.113.9',
      reversible: true,
      undo: 'delete the indicator',
    });
    await seed('cr-rotate', { runbook: 'rotate-secret', target: { entityId: 'secret:kv/db-password', type: 'secret', value: 'kv/db-password' } });
    expect((await call('vera', 'GET', '/api/v1/containment/cr-rotate')).body.runbookInfo).toEqual({
      does: 'rotate kv/db-password and store the new value in Key Vault',
      reversible: false,
      cannotBeUndone: 'the old secret stops working at once for every client that still uses it; there is no undo',
    });
  });

  it('400 without the binding hash (naming it), 409 with another one, 403 for the sender and for a non-approver; nothing published', async () => {
    const f = await seed('cr-bind');
    const missing = await call('alice', 'POST', '/api/v1/containment/cr-bind/approve', { comment: 'ok' });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/bindingHash/);
    expect((await call('alice', 'POST', '/api/v1/containment/cr-bind/approve', { bindingHash: 'a'.repeat(64) })).body).toMatchObject({ status: 409, type: expect.stringContaining('binding-mismatch') });
    expect((await call('siem', 'POST', '/api/v1/containment/cr-bind/approve', { bindingHash: f.bindingHash })).body).toMatchObject({ status: 403, type: expect.stringContaining('sender-cannot-approve') });
    expect((await call('vera', 'POST', '/api/v1/containment/cr-bind/approve', { bindingHash: f.bindingHash })).status).toBe(403);
    expect(published).toEqual([]);
    expect(audited.map((a) => a.kind)).toContain('containment.approve-refused');
    const ok = await call('alice', 'POST', '/api/v1/containment/cr-bind/approve', { bindingHash: f.bindingHash, comment: 'C2 confirmed', changeRef: 'CRQ-9' });
    expect(ok).toMatchObject({ status: 202, body: { decision: 'approved', approver: 'alice', approvals: 1, approvalsRequired: 1 } });
    const event = published.pop()!;
    expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
    expect(event).toMatchObject({ type: 'soc.containment.approved.v2', tenantid: 'contoso', data: { requestId: 'cr-bind', bindingHash: f.bindingHash, approver: 'alice', changeRef: 'CRQ-9' } });
  });

  it('410 for an expired request and 409 for a decided one, never 202', async () => {
    const expiring = await seed('cr-exp');
    clock.advance(61 * 60_000);
    expect((await call('alice', 'POST', '/api/v1/containment/cr-exp/approve', { bindingHash: expiring.bindingHash })).status).toBe(410);
    expect((await call('alice', 'POST', '/api/v1/containment/cr-exp/deny', {})).status).toBe(410);
    expect((await call('vera', 'GET', '/api/v1/containment/cr-exp')).body.status).toBe('expired');
    const decided = await seed('cr-dec', { requestedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    await log.append('cr-dec', await log.load('cr-dec'), [{ kind: 'denied', at: clock.now().toISOString(), by: 'bob', comment: 'scanner' }]);
    const again = await call('alice', 'POST', '/api/v1/containment/cr-dec/approve', { bindingHash: decided.bindingHash });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/denied \(by bob\)/);
    expect(published).toEqual([]);
  });

  it('four-eyes: the first approval is recorded as one of two, the same approver again is 409', async () => {
    const f = await seed('cr-4e', { approvalsRequired: 2, requestedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    expect((await call('alice', 'POST', '/api/v1/containment/cr-4e/approve', { bindingHash: f.bindingHash })).body).toMatchObject({ decision: 'approval-recorded', approvals: 1, approvalsRequired: 2 });
    // Containment records it (here, by hand: the API only reads the record).
    await log.append('cr-4e', await log.load('cr-4e'), [{ kind: 'approval-recorded', at: clock.now().toISOString(), approval: { approver: 'alice', at: clock.now().toISOString(), comment: '', bindingHash: f.bindingHash } }]);
    expect((await call('alice', 'POST', '/api/v1/containment/cr-4e/approve', { bindingHash: f.bindingHash })).body).toMatchObject({ status: 409, type: expect.stringContaining('same-approver-twice') });
    expect((await call('bob', 'POST', '/api/v1/containment/cr-4e/approve', { bindingHash: f.bindingHash })).body).toMatchObject({ decision: 'approved', approvals: 2 });
    published.splice(0);
  });

  it('a deny is 202 with the principal as approver, and is published (its answer as the OpenAPI document says)', async () => {
    await seed('cr-deny', { requestedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    const denied = await call('bob', 'POST', '/api/v1/containment/cr-deny/deny', { comment: 'scanner' });
    expect(denied).toEqual({ status: 202, body: { requestId: 'cr-deny', decision: 'denied', approver: 'bob', approvals: 0, approvalsRequired: 1 } });
    expect(published.map((e) => [e.type, e.subject])).toEqual([['soc.containment.denied.v1', 'alt-cr-deny']]);
    published.splice(0);
  });

  it('an administrator freezes and unfreezes (audited, announced); others get 403; approvals while frozen are 409', async () => {
    const f = await seed('cr-frz', { requestedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    expect((await call('alice', 'PUT', '/api/v1/containment/freeze', { frozen: true, reason: 'incident' })).status).toBe(403);
    expect((await call('root', 'PUT', '/api/v1/containment/freeze', { frozen: true })).status).toBe(400);
    const frozen = await call('root', 'PUT', '/api/v1/containment/freeze', { frozen: true, reason: 'runbook misbehaving' });
    expect(frozen).toMatchObject({ status: 200, body: { global: { frozen: true, by: 'root', reason: 'runbook misbehaving' } } });
    expect(published.pop()).toMatchObject({ type: 'soc.containment.freeze-changed.v2', data: { frozen: true, by: 'root' } });
    expect(audited.at(-1)).toMatchObject({ kind: 'containment.freeze-changed', actor: 'root' });
    expect((await call('vera', 'GET', '/api/v1/containment/freeze')).body).toMatchObject({ global: { frozen: true } });
    expect((await call('alice', 'POST', '/api/v1/containment/cr-frz/approve', { bindingHash: f.bindingHash })).body).toMatchObject({ status: 409, type: expect.stringContaining('frozen') });
    await call('root', 'PUT', '/api/v1/containment/freeze', { frozen: false, reason: 'fixed' });
    expect((await call('alice', 'POST', '/api/v1/containment/cr-frz/approve', { bindingHash: f.bindingHash })).status).toBe(202);
  });

  it('fails closed with 503 and Retry-After while the sender is not on record, for an approval and for every undo step', async () => {
    published.splice(0);
    // No sender on the request and no receipt in the case yet: whether the caller sent the alert cannot be told.
    const f = await seed('cr-nosender', { sender: null, requestedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    const cases: [string, unknown][] = [
      ['/api/v1/containment/cr-nosender/approve', { bindingHash: f.bindingHash }],
      ['/api/v1/containment/cr-nosender/deny', { comment: 'no' }],
      ['/api/v1/containment/cr-nosender/undo', { reason: 'false positive' }],
      ['/api/v1/containment/cr-nosender/undo/approve', { bindingHash: f.bindingHash }],
      ['/api/v1/containment/cr-nosender/undo/deny', { comment: 'no' }],
    ];
    for (const [path, body] of cases) {
      const principal = path.endsWith('/undo') ? 'ana' : 'bob'; // an undo is asked by an analyst, decided by an approver
      const res = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'x-principal': principal, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect({ path, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ path, status: 503, retryAfter: '5' });
      expect(((await res.json()) as { type: string }).type).toContain('case-catching-up');
    }
    expect(published).toEqual([]);
  });
});
