import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, useToken as signIn } from './support.ts';
import { ADMIN_TOKEN, ANALYST_TOKEN, PRINCIPALS, VIEWER_TOKEN, client, decidedCase, startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it: CI installs it. */
const CHROMIUM = '/usr/bin/chromium';
const CONTOSO_SENDER = 'siem-contoso-casework-0123456789';
const FABRIKAM_SENDER = 'siem-fabrikam-casework-0123456789';

const urgent = { id: 'casework-1', title: 'Credential dumping tool executed', severity: 'high', entities: [{ type: 'host', value: 'ws-fin-7.contoso.com' }] };
const minor = { id: 'casework-2', title: 'Unusual sign-in hour', severity: 'low', entities: [{ type: 'user', value: 'carol@contoso.com' }] };
const foreign = { id: 'casework-3', title: 'Fabrikam: suspicious mailbox rule', severity: 'high', entities: [{ type: 'user', value: 'dave@fabrikam.com' }] };
/** A note is an analyst's free text and may hold markup (pasted from a mail): shown as text, never run. */
const HTML_NOTE = '<img src=x onerror="window.__pwned=1">Called the user: she did <b>not</b> run it';

/**
 * Issue 15, casework in the console: take a case from the queue, set its status, add a note (markup shown as
 * text); a viewer's change is refused (403 shown); another tenant's case is 404, in the page and at the API.
 * ana (analyst) and vera (viewer) serve contoso; fabrikam's alert comes from fabrikam's sender.
 */
describe('web console (issue 15): assignment, status and notes in headless Chromium', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let ana: ReturnType<typeof client>;
  let urgentId: string;
  let minorId: string;
  let foreignId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-casework-'));
    writeFileSync(join(dir, 'ingest-auth.json'), JSON.stringify({ credentials: [
      { kind: 'bearer', name: 'siem-contoso', token: { value: CONTOSO_SENDER }, tenantId: 'contoso' },
      { kind: 'bearer', name: 'siem-fabrikam', token: { value: FABRIKAM_SENDER }, tenantId: 'fabrikam' },
    ] }), { mode: 0o600 });
    system = await startSystem({ INGEST_AUTH_FILE: join(dir, 'ingest-auth.json'), SOC_API_TENANTS: 'ana:contoso,vera:contoso,root:*' });
    const contoso = client(system.url, CONTOSO_SENDER);
    ana = client(system.url, ANALYST_TOKEN);
    const root = client(system.url, ADMIN_TOKEN);
    urgentId = (await contoso('/api/v1/alerts/generic', { body: urgent })).body.alertId;
    minorId = (await contoso('/api/v1/alerts/generic', { body: minor })).body.alertId;
    foreignId = (await client(system.url, FABRIKAM_SENDER)('/api/v1/alerts/generic', { body: foreign })).body.alertId;
    for (const id of [urgentId, minorId]) await decidedCase(ana, id, 15_000);
    await decidedCase(root, foreignId, 15_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, pageErrors, [403, 404]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const useToken = (token: string) => signIn(page, token);

  it('the queue lists the tenant\'s case groups by priority with SLA, assignee and status; Take assigns the case to me', async () => {
    await page.goto(`${system.url}/`);
    await useToken(ANALYST_TOKEN);
    const rows = page.locator('#queue tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // The high one first; fabrikam's case is not listed.
    expect(await rows.nth(0).getAttribute('data-alert-id')).toBe(urgentId);
    expect(await rows.nth(1).getAttribute('data-alert-id')).toBe(minorId);
    expect(await page.locator(`#queue tr[data-alert-id="${foreignId}"]`).count()).toBe(0);
    expect(await rows.nth(0).locator('.sla').textContent()).toMatch(/^(\d+ min|1 h 0 min) left$/);
    expect(await rows.nth(0).locator('.assignee').textContent()).toBe('—');
    expect(await rows.nth(0).locator('.status').textContent()).toBe('new');
    await page.getByRole('button', { name: `Take ${urgent.title}` }).click();
    await page.getByRole('status').filter({ hasText: `is assigned to ${PRINCIPALS.analyst}` }).waitFor();
    await expect.poll(() => page.locator(`#queue tr[data-alert-id="${urgentId}"] .assignee`).textContent()).toBe(PRINCIPALS.analyst);
    expect((await ana(`/api/v1/alerts/${urgentId}`)).body.assignee).toBe(PRINCIPALS.analyst);
    // Filtered to my cases: only the one taken.
    await page.getByLabel('Assignee').selectOption('me');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).getAttribute('data-alert-id')).toBe(urgentId);
  });

  it('on the case page the analyst sets the status and adds a note whose markup shows as text', async () => {
    await page.locator(`#queue tr[data-alert-id="${urgentId}"] a`).click();
    await page.getByRole('heading', { name: urgent.title }).waitFor();
    expect(await page.locator('#current-assignee').textContent()).toBe(PRINCIPALS.analyst);
    await page.getByLabel('New status').selectOption('in-progress');
    await page.getByRole('button', { name: 'Set status' }).click();
    await page.getByRole('status').filter({ hasText: 'Status changed.' }).waitFor();
    expect(await page.locator('#current-status').textContent()).toBe('in-progress');
    await page.getByLabel('Note', { exact: true }).fill(HTML_NOTE);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
    expect(await page.locator('#notes .note-text').allTextContents()).toEqual([HTML_NOTE]);
    expect(await page.locator('#view img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    const c = (await ana(`/api/v1/alerts/${urgentId}`)).body as { status: string; notes: { text: string; author: string }[] };
    expect(c.status).toBe('in-progress');
    expect(c.notes).toMatchObject([{ text: HTML_NOTE, author: PRINCIPALS.analyst }]);
  });

  it('a viewer cannot change the case: the 403 is shown and nothing changes', async () => {
    await useToken(VIEWER_TOKEN);
    await page.reload();
    await page.getByRole('heading', { name: urgent.title }).waitFor();
    await page.getByLabel('New status').selectOption('on-hold');
    await page.getByRole('button', { name: 'Set status' }).click();
    await expect.poll(() => page.locator('#case-messages [role="alert"]').textContent()).toMatch(/Forbidden \(403\).*analyst role/);
    expect((await ana(`/api/v1/alerts/${urgentId}`)).body.status).toBe('in-progress');
  });

  it('another tenant\'s case is 404 for the analyst, in the page and at the API', async () => {
    await useToken(ANALYST_TOKEN);
    await page.goto(`${system.url}/#/case/${encodeURIComponent(foreignId)}`);
    await expect.poll(() => page.locator('#case-messages [role="alert"]').textContent()).toMatch(/Unknown alert \(404\)/);
    expect((await ana(`/api/v1/alerts/${foreignId}/assignee`, { method: 'PUT', body: { assignee: 'me' } })).status).toBe(404);
    expect((await ana(`/api/v1/alerts/${foreignId}/notes`, { body: { text: 'hello' } })).status).toBe(404);
    expect(pageErrors).toEqual([]);
  });
});
