import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useToken as signIn } from './support.ts';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { ANALYST_TOKEN, APPROVER_TOKEN, PRINCIPALS, SENDER_TOKEN, VIEWER_TOKEN, client, eventually, startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it: CI installs it. */
const CHROMIUM = '/usr/bin/chromium';

/** A critical alert whose decision asks to block an external address (one approver, dry run by default). */
const critical = {
  id: 'console-crit',
  title: 'Network communication with a malicious machine detected',
  severity: 'critical',
  techniques: ['T1071'],
  entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: '185.220.101.44' }],
};
/** A critical alert whose decision asks to disable a user: its runbook cannot be fully undone (sessions stay revoked). */
const account = {
  id: 'console-user',
  title: 'Impossible travel followed by mass download',
  severity: 'critical',
  techniques: ['T1078'],
  entities: [{ type: 'user', value: 'mallory@contoso.com' }],
};
/** Alert text is attacker-written: markup in it must show as text and never run. */
const HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">Sign-in from a new country';
const hostile = { id: 'console-hostile', title: HOSTILE_TITLE, severity: 'low', entities: [{ type: 'user', value: 'bob@contoso.com' }] };

type Api = ReturnType<typeof client>;
interface Request { requestId: string; runbook: string; status: string; bindingHash?: string; result?: string; decidedBy?: string }

describe('web console (issue 15): queue, case, disposition and approvals in headless Chromium', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let viewer: Api;
  let criticalId: string;
  let accountId: string;
  let disable: Request;
  let denyId: string;
  let toDeny: Request;
  let hostileId: string;
  let request: Request;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium). The console's browser tests never download a browser.`);
    // The bundled policy, with users contained by disable-user, and a directory that knows the user (fail closed).
    const dir = mkdtempSync(join(tmpdir(), 'soc-console-'));
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: { runbookByEntity: Record<string, string>; allowedRunbooks: string[] } };
    policy.containment.runbookByEntity = { ...policy.containment.runbookByEntity, user: 'disable-user' };
    policy.containment.allowedRunbooks = [...policy.containment.allowedRunbooks, 'disable-user'];
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'users.csv'), 'upn,objectId,account,displayName,department,jobTitle,manager,privilegedGroups,riskLevel,accountEnabled\nmallory@contoso.com,,mallory,Mallory,Sales,Rep,,,medium,true\n');
    system = await startSystem({ DECISION_POLICY_FILE: join(dir, 'policy.json'), USER_DIRECTORY_FILES: join(dir, 'users.csv') });
    const sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    criticalId = (await sender('/api/v1/alerts/generic', { body: critical })).body.alertId;
    hostileId = (await sender('/api/v1/alerts/generic', { body: hostile })).body.alertId;
    accountId = (await sender('/api/v1/alerts/generic', { body: account })).body.alertId;
    denyId = (await sender('/api/v1/alerts/generic', { body: { ...critical, id: 'console-deny', entities: [{ type: 'ip', value: '185.220.101.45' }] } })).body.alertId;
    toDeny = await eventually(async () => {
      const c = (await viewer(`/api/v1/alerts/${denyId}`)).body;
      return (c?.containment as Request[] | undefined)?.find((r) => r.runbook === 'block-ip' && r.bindingHash !== undefined);
    }, 15_000, 'the second block-ip request');
    disable = await eventually(async () => {
      const c = (await viewer(`/api/v1/alerts/${accountId}`)).body;
      return (c?.containment as Request[] | undefined)?.find((r) => r.runbook === 'disable-user' && r.bindingHash !== undefined);
    }, 15_000, 'the disable-user request');
    request = await eventually(async () => {
      const c = (await viewer(`/api/v1/alerts/${criticalId}`)).body;
      return (c?.containment as Request[] | undefined)?.find((r) => r.runbook === 'block-ip' && r.bindingHash !== undefined);
    }, 15_000, 'the block-ip request');
    await eventually(async () => ((await viewer(`/api/v1/alerts/${hostileId}`)).body?.stage === 'decided' ? true : undefined), 15_000, 'the hostile alert decided');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    // A CSP violation or a script error shows up here: the page must run clean under its policy.
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // 403: a refused action the page shows; 401 of /auth/session: nobody signed in yet (how the page asks).
      const expected = /status of 403/.test(m.text()) || (/status of 401/.test(m.text()) && m.location().url.endsWith('/auth/session'));
      if (m.type() === 'error' && !expected) pageErrors.push(`${m.text()} ${m.location().url}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  /** Signs in with a token (signing out whoever is signed in first): the console exchanges it for a session cookie. */
  const useToken = (token: string) => signIn(page, token);

  it('serves the shell and its assets without a token, under a strict CSP; the API still asks for one', async () => {
    const shell = await fetch(`${system.url}/`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/text\/html/);
    const csp = shell.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(shell.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await shell.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const js = await fetch(`${system.url}/console/case.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${system.url}/console/..%2Fsrc%2Fservice.ts`)).status).toBe(404);
    expect((await fetch(`${system.url}/api/v1/alerts`)).status).toBe(401);
  });

  it('an analyst pastes a token, sees the queue most severe first, alert text as text, and filters by severity', async () => {
    await page.goto(`${system.url}/`);
    await expect.poll(() => page.locator('#view').textContent()).toMatch(/Not signed in/);
    await useToken(ANALYST_TOKEN);
    const rows = page.locator('#queue tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    // The critical alerts first (the higher score, then the older, leads), the low one last.
    const firstThree = await Promise.all([0, 1, 2].map((i) => rows.nth(i).getAttribute('data-alert-id')));
    expect(new Set(firstThree)).toEqual(new Set([criticalId, accountId, denyId]));
    expect(firstThree.indexOf(criticalId)).toBeLessThan(firstThree.indexOf(denyId)); // it scores at least as high and is older
    expect(await page.locator(`#queue tr[data-alert-id="${criticalId}"]`).textContent()).toMatch(/critical.*true-positive.*Network communication/);
    expect(await rows.nth(3).getAttribute('data-alert-id')).toBe(hostileId);
    expect(await rows.nth(3).locator('a').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.locator('#view img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // The token was exchanged for a session cookie the page's script cannot read, and is kept nowhere in the page.
    expect(await page.locator('#token-state').textContent()).toBe(`Signed in as ${PRINCIPALS.analyst} (viewer, analyst)`);
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'soc_session', httpOnly: true, sameSite: 'Strict', path: '/' })]);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    const stored = await page.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })');
    expect(stored).not.toContain(ANALYST_TOKEN);
    await page.getByLabel('Severity').selectOption('low');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).getAttribute('data-alert-id')).toBe(hostileId);
    await page.getByLabel('Severity').selectOption('critical');
    await expect.poll(() => rows.count()).toBe(3);
  });

  it('opens the case and records a disposition, which the API then shows', async () => {
    await page.locator(`#queue tr[data-alert-id="${criticalId}"] a`).click();
    await page.getByRole('heading', { name: critical.title }).waitFor();
    expect(page.url()).toContain(`#/case/${criticalId}`);
    expect(await page.locator('#factors').textContent()).toMatch(/source-severity \+80: The source rated the alert critical/);
    expect(await page.locator(`[data-request-id="${request.requestId}"] .request-status`).textContent()).toBe('pending-approval');
    expect(await page.locator('#timeline li').count()).toBeGreaterThanOrEqual(4);
    await page.getByLabel('True positive').check();
    await page.getByLabel('Note (optional)').fill('C2 beacon confirmed in proxy logs');
    await page.getByRole('button', { name: 'Record disposition' }).click();
    await page.getByRole('status').filter({ hasText: 'Disposition recorded.' }).waitFor();
    const recorded = await eventually(async () => {
      const d = (await viewer(`/api/v1/alerts/${criticalId}`)).body?.disposition;
      return d ?? undefined;
    }, 10_000, 'the disposition');
    expect(recorded).toMatchObject({ disposition: 'true-positive', note: 'C2 beacon confirmed in proxy logs', analyst: PRINCIPALS.analyst });
  });

  it('a viewer cannot approve: the API answers 403 and the page shows the problem; nothing runs', async () => {
    await useToken(VIEWER_TOKEN);
    const card = page.locator(`[data-request-id="${request.requestId}"]`);
    await card.getByRole('button', { name: 'Approve' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/Forbidden \(403\).*approver/);
    expect((await viewer(`/api/v1/containment/${request.requestId}`)).body.status).toBe('pending-approval');
  });

  it('an approver approves the pending containment from the case page; it executes (dry run)', async () => {
    await useToken(APPROVER_TOKEN);
    const card = page.locator(`[data-request-id="${request.requestId}"]`);
    await card.getByLabel('Comment').fill('C2 confirmed');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approval recorded.' }).waitFor();
    const done = await eventually(async () => {
      const r = (await viewer(`/api/v1/containment/${request.requestId}`)).body as Request;
      return r.status === 'executed' ? r : undefined;
    }, 10_000, 'execution');
    expect(done.decidedBy).toBe(PRINCIPALS.approver);
    expect(done.result).toMatch(/^DRY RUN: would add a blocking Defender for Endpoint indicator for 185\.220\.101\.44/);
  });

  it('an approver denies a request with a comment; it is denied and never runs', async () => {
    await page.goto(`${system.url}/#/case/${encodeURIComponent(denyId)}`);
    const card = page.locator(`[data-request-id="${toDeny.requestId}"]`);
    await card.getByLabel('Comment').fill('known scanner, allow-listed upstream');
    await card.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('status').filter({ hasText: 'Request denied.' }).waitFor();
    expect(await card.locator('.request-status').textContent()).toBe('denied');
    const r = (await viewer(`/api/v1/containment/${toDeny.requestId}`)).body as Request & { comment?: string };
    expect(r).toMatchObject({ status: 'denied', decidedBy: PRINCIPALS.approver, comment: 'known scanner, allow-listed upstream' });
    expect(r.result).toBeUndefined();
  });

  it('a runbook that cannot be fully undone needs the confirmation box ticked before Approve sends anything', async () => {
    await page.goto(`${system.url}/#/case/${encodeURIComponent(accountId)}`);
    const card = page.locator(`[data-request-id="${disable.requestId}"]`);
    await card.getByRole('heading', { name: /disable-user/ }).waitFor();
    expect(await card.textContent()).toMatch(/stay revoked/);
    const confirm = card.getByLabel(/I understand this cannot be undone/);
    expect(await confirm.isChecked()).toBe(false);
    await card.getByRole('button', { name: 'Approve' }).click();
    await new Promise((r) => setTimeout(r, 300));
    // The browser refused the form (a required box): nothing was sent, so no problem came back either.
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await viewer(`/api/v1/containment/${disable.requestId}`)).body.status).toBe('pending-approval');
    await confirm.check();
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approval recorded.' }).waitFor();
    const done = await eventually(async () => {
      const r = (await viewer(`/api/v1/containment/${disable.requestId}`)).body as Request;
      return r.status === 'executed' ? r : undefined;
    }, 10_000, 'execution of disable-user');
    expect(done.result).toMatch(/^DRY RUN/);
    expect(pageErrors).toEqual([]);
  });
});
