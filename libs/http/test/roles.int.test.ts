import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@soc/observability';
import { type HttpServer, bearerAuth, effectiveRoles, errorHandler, listen, requireRole } from '../src/index.ts';

const APPROVER = 'approver-token-0123456789';
const NOBODY = 'nobody-token-0123456789ab';
let http: HttpServer;

beforeAll(async () => {
  const app = express();
  app.use(bearerAuth({ tokens: [{ name: 'alice', token: APPROVER }, { name: 'nemo', token: NOBODY }], roles: new Map([['alice', effectiveRoles(['approver'])]]) }));
  app.get('/read', requireRole('viewer'), (_req, res) => void res.json({ principal: res.locals.principal, roles: res.locals.roles }));
  app.post('/approve', requireRole('approver'), (_req, res) => void res.status(202).end());
  app.get('/quarantine', requireRole('admin'), (_req, res) => void res.end());
  app.use(errorHandler({ logger: createLogger({ service: 'roles-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

const call = (path: string, token: string, method = 'GET') => fetch(`${http.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

describe('roles', () => {
  it('authenticates once and exposes the principal and its roles (any role brings viewer)', async () => {
    const res = await call('/read', APPROVER);
    expect(await res.json()).toEqual({ principal: 'alice', roles: ['viewer', 'approver'] });
    expect((await call('/approve', APPROVER, 'POST')).status).toBe(202);
  });

  it('answers 403 naming the missing role and the principal, never the token', async () => {
    const res = await call('/quarantine', APPROVER);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ type: 'urn:soc:problem:missing-role', status: 403, role: 'admin' });
    expect(body.detail).toContain('admin role');
    expect(body.detail).toContain('"alice"');
    expect(JSON.stringify(body)).not.toContain(APPROVER);
  });

  it('a principal with no grant has no role: 403 everywhere, 401 stays for a wrong token', async () => {
    for (const [path, method] of [['/read', 'GET'], ['/approve', 'POST'], ['/quarantine', 'GET']] as const) {
      expect((await call(path, NOBODY, method)).status).toBe(403);
    }
    expect((await call('/read', 'wrong-token-0123456789abc')).status).toBe(401);
  });

  it('a role check is marked with its role, so a route audit can find it', () => {
    expect(requireRole('hunter').requiredRole).toBe('hunter');
    expect(effectiveRoles([])).toEqual([]);
    expect(effectiveRoles(['admin', 'analyst', 'admin'])).toEqual(['viewer', 'analyst', 'admin']);
  });
});
