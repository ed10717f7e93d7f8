import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SERVICES } from '@soc/all-in-one';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { runServices } from '@soc/platform';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from './notification-screenshots.ts';

/** The files {@link writeConsoleScreenshots} writes, by name. */
export const CONSOLE_SCREENSHOTS = { queue: 'queue.png', case: 'case.png', chat: 'case-chat.png', containment: 'case-containment.png', kpis: 'kpis.png' } as const;

/** The fixture alerts shown: real Sentinel SecurityAlert rows mapped to generic alerts (test/fixtures/README.md). */
const FIXTURE = new URL('../../test/fixtures/generic-alerts.jsonl', import.meta.url);
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'informational'];

/** One alert per distinct title, taken in turn from each severity (most severe first), at most `count`: a queue that looks like a morning's work. */
export function fixtureAlerts(count: number): Record<string, unknown>[] {
  const rows = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { title: string; severity: string });
  const byTitle = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if (!byTitle.has(row.title)) byTitle.set(row.title, row);
  const bySeverity = SEVERITY_ORDER.map((s) => [...byTitle.values()].filter((r) => r.severity === s));
  const out: Record<string, unknown>[] = [];
  while (out.length < count && bySeverity.some((list) => list.length > 0)) {
    for (const list of bySeverity) if (list.length > 0 && out.length < count) out.push(list.shift()!);
  }
  return out;
}

/** The question asked on the case photographed, so that its chat panel shows an answer (the templates: no LLM here). */
const QUESTION = 'Which hosts talked to this address, and how do I hunt for it?';

/**
 * Starts the whole system in this process on the embedded default (a fresh data directory; the bundled policy
 * containing from high severity and 70 % true positive up, so that fixture alerts ask for containment), ingests
 * fixture alerts, records two dispositions, asks the copilot about a case waiting for a containment approval, and
 * photographs the console's queue, that case (its top, its chat panel, its containment request) and the KPI page
 * in Debian's Chromium.
 */
export async function writeConsoleScreenshots(outDir: string, options: { chromiumPath?: string } = {}): Promise<string[]> {
  const chromiumPath = options.chromiumPath ?? CHROMIUM_PATH;
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: install Debian's package (apt-get install -y chromium); no browser is downloaded.`);
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-docs-console-'));
  const apiToken = randomBytes(24).toString('hex');
  const senderToken = randomBytes(24).toString('hex');
  const authFile = join(dataDir, 'ingest-auth.json');
  writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: 'siem', token: { value: senderToken } }] }), { mode: 0o600 });
  const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: { minLevel: string; minTruePositive: number } };
  policy.containment.minLevel = 'high';
  policy.containment.minTruePositive = 0.7;
  writeFileSync(join(dataDir, 'policy.json'), JSON.stringify(policy));
  const system = await runServices(ALL_SERVICES, {
    env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', INGEST_AUTH_FILE: authFile, SOC_API_TOKENS: `ana:${apiToken}`, SOC_API_ROLES: 'ana:analyst+admin', DECISION_POLICY_FILE: join(dataDir, 'policy.json') },
    handleSignals: false,
  });
  const call = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${system.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return (await res.json()) as Record<string, unknown>;
  };
  try {
    const ids: string[] = [];
    for (const alert of fixtureAlerts(12)) ids.push(String((await call(senderToken, '/api/v1/alerts/generic', alert)).alertId));
    const deadline = Date.now() + 60_000;
    for (const id of ids) {
      while ((await call(apiToken, `/api/v1/alerts/${id}`)).stage !== 'decided') {
        if (Date.now() > deadline) throw new Error(`alert ${id} was not decided within a minute`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await call(apiToken, `/api/v1/alerts/${ids.at(-1)!}/disposition`, { disposition: 'false-positive', note: 'Demo rule on a lab host.' });
    await call(apiToken, `/api/v1/alerts/${ids[0]!}/disposition`, { disposition: 'true-positive' });
    // The case photographed: one whose containment waits for an approver, with a question answered in its chat panel.
    const pending = (c: Record<string, unknown>) => (c.containment as { status: string }[] | undefined)?.some((r) => r.status === 'pending-approval') === true;
    let shown: string | undefined;
    for (const id of ids) if (shown === undefined && pending(await call(apiToken, `/api/v1/alerts/${id}`))) shown = id;
    if (shown === undefined) throw new Error('no fixture alert asked for containment');
    await call(apiToken, `/api/v1/alerts/${shown}/questions`, { text: QUESTION });
    const answered = (c: Record<string, unknown>) => (c.questions as { answer: unknown }[] | undefined)?.every((q) => q.answer !== null) === true;
    while (!answered(await call(apiToken, `/api/v1/alerts/${shown}`))) {
      if (Date.now() > deadline) throw new Error(`the question on ${shown} was not answered within a minute`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await mkdir(outDir, { recursive: true });
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      await page.goto(`${system.url}/`);
      await page.getByLabel('API token').fill(apiToken);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.locator('#queue tbody tr').first().waitFor();
      const files: string[] = [];
      const shoot = async (name: string, fullPage: boolean) => {
        const file = join(outDir, name);
        await page.screenshot({ path: file, fullPage, animations: 'disabled' });
        files.push(file);
      };
      await shoot(CONSOLE_SCREENSHOTS.queue, true);
      await page.setViewportSize({ width: 1280, height: 1500 });
      await page.goto(`${system.url}/#/case/${encodeURIComponent(shown)}`);
      await page.locator('[data-request-id]').first().waitFor();
      await page.locator('#chat-log').getByText(QUESTION).waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await shoot(CONSOLE_SCREENSHOTS.case, false);
      // The chat panel from its heading (its answer and first hunts; the page is long), then the containment request.
      await page.setViewportSize({ width: 1280, height: 1100 });
      await page.locator('#chat').evaluate((section) => section.scrollIntoView());
      await shoot(CONSOLE_SCREENSHOTS.chat, false);
      const containment = join(outDir, CONSOLE_SCREENSHOTS.containment);
      await page.locator('section[aria-labelledby="containment-h"]').screenshot({ path: containment, animations: 'disabled' });
      files.push(containment);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${system.url}/#/kpis`);
      await page.locator('figure.chart').first().waitFor();
      await shoot(CONSOLE_SCREENSHOTS.kpis, true);
      return files;
    } finally {
      await browser.close();
    }
  } finally {
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
