import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, INGESTION_OPENAPI_DOCUMENT, NO_ROLE_TOKEN, OPENAPI_DOCUMENT, SENDER_TOKEN, SYSTEM_OPENAPI_PATHS, UNDOCUMENTED_ROUTES, VIEWER_TOKEN, checkApiResponse, client, routesOf, startSystem } from './support.ts';

/** `METHOD /path/{param}` of an Express route (`:param`). */
const asTemplate = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`;

describe('the OpenAPI document covers the running system, and client() checks every response against it', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system.close();
  });

  it('every /api route is in the document or listed as undocumented (with why), and the list is true', () => {
    const running = [...new Set(routesOf(system.http.server).filter((r) => r.path.startsWith('/api/')).map(asTemplate))];
    const documented = Object.entries(SYSTEM_OPENAPI_PATHS).flatMap(([path, item]) =>
      Object.keys(item ?? {}).filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const listed = UNDOCUMENTED_ROUTES.map((u) => u.route);
    expect(running.filter((r) => !documented.includes(r) && !listed.includes(r))).toEqual([]);
    // Nothing listed is documented, everything listed and documented runs.
    expect(listed.filter((r) => documented.includes(r))).toEqual([]);
    expect([...listed, ...documented].filter((r) => !running.includes(r))).toEqual([]);
    expect(listed).toEqual([]);
    // The two documents never describe the same path: each route has one owner.
    const apiPaths = Object.keys(OPENAPI_DOCUMENT.paths ?? {});
    expect(Object.keys(INGESTION_OPENAPI_DOCUMENT.paths ?? {}).filter((p) => apiPaths.includes(p))).toEqual([]);
  });

  it('ingestion serves its own document (the intake and the quarantine) to a viewer; the intake\'s answers are checked against it', async () => {
    const res = await client(system.url, VIEWER_TOKEN)('/api/v1/ingestion/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(INGESTION_OPENAPI_DOCUMENT)));
    expect((await client(system.url, NO_ROLE_TOKEN)('/api/v1/ingestion/openapi.json')).status).toBe(403);
    // client() checks each of these answers against the document: an accepted alert, a batch, a quarantined body, an
    // unknown source, a wrong media type, and the quarantine's list and entry.
    const sender = client(system.url, SENDER_TOKEN);
    expect((await sender('/api/v1/alerts/generic', { body: { id: 'oa-1', title: 'One', severity: 'low' } })).status).toBe(202);
    expect((await sender('/api/v1/alerts/generic', { body: [{ id: 'oa-2', title: 'Two', severity: 'low' }, { id: 'oa-3', title: 'Three', severity: 'low' }] })).body.items).toHaveLength(2);
    const refused = await sender('/api/v1/alerts/generic', { body: { title: 42 } });
    expect(refused.status).toBe(400);
    expect((await sender('/api/v1/alerts/nosuch', { body: {} })).status).toBe(404);
    const admin = client(system.url, ADMIN_TOKEN);
    expect((await admin('/api/v1/quarantine')).status).toBe(200);
    expect((await admin(`/api/v1/quarantine/${String(refused.body.quarantineId)}`)).status).toBe(200);
  });

  it('serves the document at /api/v1/openapi.json to a viewer, not to a principal without a role', async () => {
    const res = await client(system.url, VIEWER_TOKEN)('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect((await client(system.url, NO_ROLE_TOKEN)('/api/v1/openapi.json')).status).toBe(403);
  });

  it('a real response passes; the same response altered, or an undocumented route answering, fails', async () => {
    const res = await fetch(`${system.url}/api/v1/containment/freeze`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    const observed = { method: 'GET', path: '/api/v1/containment/freeze', status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    expect(() => checkApiResponse(observed)).not.toThrow();
    expect(() => checkApiResponse({ ...observed, body: JSON.stringify({ ...JSON.parse(observed.body), global: 'frozen' }) })).toThrow(/\/global/);
    expect(() => checkApiResponse({ ...observed, status: 201 })).toThrow(/status 201 is not documented/);
    expect(() => checkApiResponse({ ...observed, path: '/api/v1/unlisted', body: '{}' })).toThrow(/neither in the OpenAPI documents nor in UNDOCUMENTED_ROUTES/);
    // The intake is ingestion's, checked against its document too: a receipt without its fields fails.
    expect(() => checkApiResponse({ ...observed, method: 'POST', path: '/api/v1/alerts/generic', status: 202, body: '{}' })).toThrow(/alertId/);
    expect(() => checkApiResponse({ ...observed, method: 'POST', path: '/api/v1/alerts/generic', status: 202, body: JSON.stringify({ alertId: 'a', correlationId: 'c', revision: 'r' }) })).not.toThrow();
  });
});
