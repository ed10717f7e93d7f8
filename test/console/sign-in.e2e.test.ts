import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it: CI installs it. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * "Sign in with Microsoft" in a real browser, against a local OpenID provider (oidc-provider, its development login
 * and consent pages) on another site (`localhost` vs the console's `127.0.0.1`), so the provider's redirect back is a
 * cross-site navigation, as with Entra ID.
 */
describe('console: Sign in with Microsoft (OpenID Connect) in headless Chromium', () => {
  let provider: Server;
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
    provider = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => provider.listen(0, resolve)); // every interface: localhost may resolve to ::1
    const issuer = `http://localhost:${(provider.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const publicUrl = `http://127.0.0.1:${port}`;
    handler = new Provider(issuer, {
      clients: [{ client_id: 'soc-console', token_endpoint_auth_method: 'none', redirect_uris: [`${publicUrl}/auth/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], profile: ['preferred_username', 'roles'] },
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: ['test-cookie-key-0123456789'] },
      findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: `${id}@contoso.com`, roles: ['SOC.Approver'] }) }),
    }).callback();
    system = await startSystem({
      PORT: String(port),
      SOC_PUBLIC_URL: publicUrl,
      SOC_CONSOLE_OIDC_ISSUER: issuer,
      SOC_CONSOLE_OIDC_CLIENT_ID: 'soc-console',
      SOC_API_ENTRA_ROLE_MAP: 'SOC.Approver:approver',
      SOC_API_ENTRA_DEFAULT_TENANTS: 'default',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await new Promise((resolve) => provider?.close(resolve));
  });

  it('signs in at the provider, comes back signed in with the mapped roles, reads the queue, and signs out', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      const expected = /status of 401/.test(m.text()) && m.location().url.endsWith('/auth/session');
      if (m.type() === 'error' && m.location().url.startsWith(system.url) && !expected) pageErrors.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(`${system.url}/`);
    await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${system.url}/`);
    await expect.poll(() => page.locator('#token-state').textContent()).toBe('Signed in as alice@contoso.com (viewer, approver)');
    // The queue's GET /api/v1/alerts went through with the cookie (nothing ingested here: an empty queue, no problem).
    await expect.poll(() => page.locator('#queue-results').textContent()).toMatch(/^No cases/);
    expect(await page.getByLabel('API token').isVisible()).toBe(false);
    const cookie = (await page.context().cookies(system.url)).find((c) => c.name === 'soc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#token-state').textContent()).toBe('Not signed in.');
    expect(await page.getByRole('link', { name: 'Sign in with Microsoft' }).isVisible()).toBe(true);
    expect((await page.context().cookies(system.url)).find((c) => c.name === 'soc_session')).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
});
