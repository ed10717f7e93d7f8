import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ANALYST_TOKEN, client, startSystem } from './support.ts';

// The dead-letter routes in the running system (their tenant scoping and audit have int tests over a real bus:
// services/api/test/dead-letter-routes.int.test.ts). client() checks every response against the OpenAPI document.
describe('dead letters at the API (admin)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  it('asks for an API token (401), the admin role (403), and lists to an admin', async () => {
    expect((await fetch(`${system.url}/api/v1/dead-letters`)).status).toBe(401);
    expect((await fetch(`${system.url}/api/v1/dead-letters/x%2Fy/replay`, { method: 'POST' })).status).toBe(401);
    const analyst = await client(system.url, ANALYST_TOKEN)('/api/v1/dead-letters');
    expect([analyst.status, analyst.body.role]).toEqual([403, 'admin']);
    const admin = client(system.url, ADMIN_TOKEN);
    const listed = await admin('/api/v1/dead-letters?subscription=case-view');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [], limit: 100, truncated: false });
    expect((await admin('/api/v1/dead-letters?subscription=nope')).status).toBe(400);
    expect((await admin('/api/v1/dead-letters/case-view%2Fno-such-message/replay', { method: 'POST', body: {} })).status).toBe(404);
  });
});
