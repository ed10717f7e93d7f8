import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, useToken as signIn } from './support.ts';
import { ANALYST_TOKEN, HUNTER_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it. */
const CHROMIUM = '/usr/bin/chromium';
/** The analyst may paste alert text: markup in a question must show as text and never run. */
const QUESTION = 'Write a hunt for 198.51.100.23 <img src=x onerror="window.__pwned=1">';

describe('case chat in the web console (issue 15.7), without an LLM', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let alertId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the case as JSON, read field by field
  let decided: any;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium).`);
    system = await startSystem();
    const sender = client(system.url, SENDER_TOKEN);
    alertId = (await sender('/api/v1/alerts/generic', { body: { id: 'chat-console', title: 'Outbound connection to a rare address', severity: 'high', entities: [{ type: 'host', value: 'ws7.contoso.com' }, { type: 'ip', value: '198.51.100.23' }] } })).body.alertId;
    decided = await decidedCase(client(system.url, VIEWER_TOKEN), alertId, 15_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: system.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors, [403]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const useToken = (token: string) => signIn(page, token);

  it('an analyst asks; the answer shows the case facts it cites and the vetted hunts, with Copy and Run (403 without the hunter role)', async () => {
    await page.goto(`${system.url}/#/case/${encodeURIComponent(alertId)}`);
    await useToken(ANALYST_TOKEN);
    await page.goto(`${system.url}/#/case/${encodeURIComponent(alertId)}`);
    const chat = page.locator('#chat');
    await expect.poll(() => chat.locator('#chat-log').textContent()).toContain('No questions yet.');
    await page.getByLabel(/Ask about this case/).fill(QUESTION);
    await chat.getByRole('button', { name: 'Ask' }).click();

    const turn = chat.locator('article.chat-turn');
    await expect.poll(() => turn.locator('.chat-answer').count(), { timeout: 20_000 }).toBe(1);
    expect(await turn.locator('.chat-question').textContent()).toContain(QUESTION);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await turn.locator('.chat-mode').textContent()).toContain('no language model');
    expect(await turn.locator('.chat-text').textContent()).toContain(`Verdict ${decided.triage.verdict.class}, risk ${decided.triage.risk.score}/100`);

    // Citations name facts of this case, by the label the case page uses.
    const cited = await turn.locator('.chat-citations li').evaluateAll((items) => items.map((li) => li.getAttribute('data-cites')));
    const known = new Set<string>([...decided.alert.entities.map((e: { id: string }) => e.id), ...decided.enrichment.facts.map((f: { id: string }) => f.id), ...decided.triage.risk.factors.map((f: { name: string }) => `factor:${f.name}`)]);
    expect(cited.length).toBeGreaterThan(0);
    for (const id of cited) expect(known).toContain(id);
    expect(await turn.locator('.chat-citations').textContent()).toContain('ip 198.51.100.23');

    // The hunts are the case's guard-approved ones, the address the question names first.
    const hunts = await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}/hunts`);
    const shown = await turn.locator('article.hunt pre').allTextContents();
    expect(new Set(shown)).toEqual(new Set((hunts.body.queries as { query: string }[]).map((q) => q.query)));
    const first = turn.locator('article.hunt').first();
    expect(await first.textContent()).toContain('ip:198.51.100.23');

    await first.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => first.locator('.hunt-result').textContent()).toContain('Copied.');
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(shown[0]);

    // Running needs the hunter role: the analyst sees the problem, nothing runs.
    await first.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => first.locator('.hunt-result [role="alert"]').textContent()).toContain('Forbidden (403)');
    expect(await first.locator('.hunt-result').textContent()).toContain('hunter');
  });

  it('a hunter sees the folded answer on the case and runs the hunt (validate-only: allowed, not executed)', async () => {
    await useToken(HUNTER_TOKEN);
    await page.goto(`${system.url}/#/`);
    await page.goto(`${system.url}/#/case/${encodeURIComponent(alertId)}`);
    const first = page.locator('#chat article.hunt').first();
    await first.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => first.locator('.hunt-result [role="status"]').textContent()).toMatch(/^not-executed \(validate-only\), 0 row\(s\), audit kqa-\d{12}/);
    expect(await page.locator('#chat form textarea').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
