import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditTrail, StateAuditTrail } from '@soc/audit';
import { MemoryBus } from '@soc/bus';
import { sampleAlertReceived } from '@soc/bus/testing';
import { type HttpServer, type TenantGrant, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { deadLetterRoutes } from '../src/dead-letter-routes.ts';
import './support/checked-fetch.ts';

// The dead-letter routes over a real in-memory bus whose one consumer refuses every message for good.
const quiet = { warn: () => undefined, error: () => undefined };
const bus = new MemoryBus({}, { logger: quiet });
const clock = manualClock('2026-12-07T10:00:00Z');
const state = new MemoryStateStore();
const trail = new StateAuditTrail(state, { clock });
let auditDown = false;
const audit: AuditTrail = {
  append: (entry) => (auditDown ? Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) : trail.append(entry)),
};
const deliveries: string[] = [];
const servers: HttpServer[] = [];

async function serve(principal: string, roles: string[], tenants: TenantGrant): Promise<HttpServer> {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = principal;
    res.locals.roles = roles;
    res.locals.tenants = tenants;
    next();
  });
  app.use(deadLetterRoutes({ deadLetters: bus.deadLetters, audit, subscriptions: ['work'] }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  const server = await listen(app, 0, '127.0.0.1');
  servers.push(server);
  return server;
}

async function until(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Listed { items: { id: string; tenantId: string | null; type: string; reason: string; subscription: string }[]; truncated: boolean }
const list = async (server: HttpServer, query = '') => {
  const res = await fetch(`${server.url}/api/v1/dead-letters${query}`);
  return { status: res.status, body: (await res.json()) as Listed & { type?: string; title?: string } };
};
const replay = (server: HttpServer, id: string) => fetch(`${server.url}/api/v1/dead-letters/${encodeURIComponent(id)}/replay`, { method: 'POST' });

let everyTenant: HttpServer;
let contosoAdmin: HttpServer;
let viewer: HttpServer;
const contoso = [sampleAlertReceived(1, { tenantId: 'contoso' }), sampleAlertReceived(2, { tenantId: 'contoso' })];
const fabrikam = sampleAlertReceived(3, { tenantId: 'fabrikam' });

beforeAll(async () => {
  await bus.ensureTopology([{ name: 'work', types: ['soc.alert.received.v1'] }]);
  bus.subscribe({ subscription: 'work' }, async (event) => {
    deliveries.push(event.id);
    throw new AppError(ErrorCode.VALIDATION_FAILED, `cannot handle ${event.type}`, { retryable: false });
  });
  await bus.publish([...contoso, fabrikam]);
  await until(async () => (await bus.deadLetters.list()).length === 3, 'three dead letters');
  everyTenant = await serve('root', ['admin'], '*');
  contosoAdmin = await serve('carla', ['admin'], ['contoso']);
  viewer = await serve('vera', ['viewer'], '*');
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await bus.close();
});

describe('GET /api/v1/dead-letters', () => {
  it('lists every dead letter to an admin of every tenant: reason, subscription, type, tenant, never the body', async () => {
    const { status, body } = await list(everyTenant);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(3);
    expect(body.items.map((d) => d.tenantId).sort()).toEqual(['contoso', 'contoso', 'fabrikam']);
    for (const d of body.items) {
      expect(d).toMatchObject({ subscription: 'work', type: 'soc.alert.received.v1', reason: ErrorCode.VALIDATION_FAILED });
      expect(d).not.toHaveProperty('body');
    }
    expect(body.truncated).toBe(false);
  });

  it("leaves another tenant's dead letters out for an admin of some tenants", async () => {
    const { body } = await list(contosoAdmin);
    expect(body.items.map((d) => d.tenantId)).toEqual(['contoso', 'contoso']);
  });

  it('is bounded by limit and says when it may have left some out', async () => {
    const { body } = await list(everyTenant, '?limit=2');
    expect(body.items).toHaveLength(2);
    expect(body.truncated).toBe(true);
  });

  it('refuses an unknown subscription or parameter (400) and a principal without the admin role (403)', async () => {
    expect((await list(everyTenant, '?subscription=nope')).status).toBe(400);
    expect((await list(everyTenant, '?since=yesterday')).status).toBe(400);
    const refused = await list(viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('urn:soc:problem:missing-role');
  });
});

describe('POST /api/v1/dead-letters/{id}/replay', () => {
  const idOf = async (tenant: string) => (await list(everyTenant)).body.items.find((d) => d.tenantId === tenant)!.id;

  it("answers another tenant's dead letter 404, like an unknown one, and neither replays nor records it", async () => {
    const id = await idOf('fabrikam');
    const before = deliveries.length;
    const res = await replay(contosoAdmin, id);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { type: string }).type).toBe('urn:soc:problem:unknown-dead-letter');
    expect((await replay(contosoAdmin, 'work/no-such-message')).status).toBe(404);
    expect((await trail.list()).filter((r) => r.kind === 'deadletter.replayed')).toEqual([]);
    expect(deliveries.length).toBe(before);
    expect((await list(everyTenant)).body.items.map((d) => d.id)).toContain(id);
  });

  it('refuses a replay it cannot audit (503) and replays nothing', async () => {
    const id = await idOf('contoso');
    const before = deliveries.length;
    auditDown = true;
    try {
      const res = await replay(contosoAdmin, id);
      expect(res.status).toBe(503);
    } finally {
      auditDown = false;
    }
    await sleep(50);
    expect(deliveries.length).toBe(before);
  });

  it('replays its tenant\'s dead letter after recording who asked', async () => {
    const id = await idOf('contoso');
    const before = deliveries.length;
    const res = await replay(contosoAdmin, id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, replayed: true, subscription: 'work', by: 'carla' });
    await until(() => deliveries.length === before + 1, 'the redelivery');
    const [record] = (await trail.list()).filter((r) => r.kind === 'deadletter.replayed');
    expect(record).toMatchObject({ actor: 'carla', subject: id, tenantId: 'contoso' });
    expect(record!.data).toMatchObject({ subscription: 'work', type: 'soc.alert.received.v1' });
  });

  it('refuses a principal without the admin role (403)', async () => {
    expect((await replay(viewer, await idOf('fabrikam'))).status).toBe(403);
  });
});
