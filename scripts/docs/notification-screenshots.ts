import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { simpleParser } from 'mailparser';
import { renderSlackMessage } from '@soc/notification';
import type * as AdaptiveCards from 'adaptivecards';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type NotificationSamples, notificationSamples } from './notification-samples.ts';
import { slackBlocksHtml } from './slack-blocks-html.ts';
// The one place the Teams card comes from: the Teams adapter's own renderer (bot mode: Approve / Deny as Action.Execute).
import { renderTeamsCard as adaptiveCardOf } from '@soc/notification';

/** Debian's Chromium: the only browser these renderings use (never a downloaded one). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The files {@link writeNotificationScreenshots} writes, by name. */
export const SCREENSHOTS = { email: 'email.png', slack: 'slack-card.png', teams: 'teams-card.png' } as const;

/** Options of {@link writeNotificationScreenshots}. */
export interface ScreenshotOptions {
  /** The Chromium binary; {@link CHROMIUM_PATH} unless a test says otherwise. */
  chromiumPath?: string;
}

/** What {@link writeNotificationScreenshots} wrote. */
export interface ScreenshotResult {
  files: string[];
  samples: NotificationSamples;
}

const require = createRequire(import.meta.url);
const adaptiveCardsDist = dirname(require.resolve('adaptivecards/dist/adaptivecards.min.js'));

/** Teams' light theme, as far as the renderer's host config goes: Segoe UI (Liberation Sans where absent), Teams purple. */
const TEAMS_HOST_CONFIG = {
  fontFamily: "'Segoe UI', 'Liberation Sans', Arial, sans-serif",
  spacing: { small: 4, default: 8, medium: 12, large: 16, extraLarge: 24, padding: 16 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#5B5FC7' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
        good: { default: '#237B4B', subtle: '#237B4B' },
        warning: { default: '#835C00', subtle: '#835C00' },
      },
    },
  },
  actions: { actionsOrientation: 'horizontal', buttonSpacing: 8, maxActions: 6, spacing: 'default' },
  factSet: { title: { weight: 'bolder', maxWidth: 160 }, spacing: 8 },
};

const TEAMS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Teams card</title><style>
body { margin: 0; background: #f5f5f5; font-family: 'Liberation Sans', Arial, sans-serif; }
.message { margin: 16px 20px; width: 600px; }
.meta { font-size: 12px; color: #616161; margin-bottom: 6px; } .meta b { color: #242424; margin-right: 8px; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 4px; overflow: hidden; }
.ac-pushButton { font-family: inherit; border-radius: 4px; }
.card .ac-pushButton.style-positive { background-color: #5B5FC7; border-color: #5B5FC7; color: #fff; }
</style></head><body><div class="message" id="message"><div class="meta"><b>SOC Copilot</b>09:00</div><div class="card" id="card"></div></div></body></html>`;

async function openPage(browser: Browser, javaScriptEnabled: boolean): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 800, height: 600 },
    deviceScaleFactor: 1,
    javaScriptEnabled,
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  // Alert text is attacker-written: the pages load nothing from anywhere (the renderer's script is inlined).
  await page.route('**/*', (route) => route.abort());
  return page;
}

/** The e-mail's HTML part as it travels: the outbox's MIME message (MailComposer), parsed back. */
async function emailHtml(samples: NotificationSamples): Promise<string> {
  const parsed = await simpleParser(samples.eml);
  if (typeof parsed.html !== 'string') throw new Error('the composed e-mail has no HTML part');
  return parsed.html;
}

async function shootEmail(browser: Browser, samples: NotificationSamples, file: string): Promise<void> {
  const page = await openPage(browser, false);
  await page.setContent(await emailHtml(samples), { waitUntil: 'load' });
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
}

async function shootSlack(browser: Browser, samples: NotificationSamples, file: string): Promise<void> {
  const page = await openPage(browser, false);
  const { blocks } = renderSlackMessage(samples.slack);
  await page.setContent(slackBlocksHtml(blocks, { botName: 'SOC Copilot', time: '09:00' }), { waitUntil: 'load' });
  await page.locator('#message').screenshot({ path: file, animations: 'disabled' });
}

async function shootTeams(browser: Browser, card: Record<string, unknown>, file: string): Promise<void> {
  const page = await openPage(browser, true);
  await page.setContent(TEAMS_PAGE, { waitUntil: 'load' });
  await page.addStyleTag({ path: join(adaptiveCardsDist, 'adaptivecards.css') });
  await page.addScriptTag({ path: join(adaptiveCardsDist, 'adaptivecards.min.js') });
  // The card travels as data (structured clone), never as script text; the renderer reports what it could not parse.
  const problems = await page.evaluate(
    ({ card, hostConfig }) => {
      const AC = (globalThis as unknown as { AdaptiveCards: typeof AdaptiveCards }).AdaptiveCards;
      const adaptive = new AC.AdaptiveCard();
      adaptive.hostConfig = new AC.HostConfig(hostConfig);
      const context = new AC.SerializationContext();
      adaptive.parse(card, context);
      const rendered = adaptive.render();
      if (!rendered) return ['the renderer produced nothing'];
      document.getElementById('card')?.appendChild(rendered);
      const events = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
      const validation = adaptive.validateProperties();
      return [
        ...events,
        ...Array.from(
          { length: validation.validationEvents.length },
          (_, i) => validation.validationEvents[i]?.message ?? '',
        ),
      ];
    },
    { card, hostConfig: TEAMS_HOST_CONFIG },
  );
  if (problems.length > 0)
    throw new Error(`the Adaptive Cards renderer rejected the Teams card: ${problems.join('; ')}`);
  await page.locator('#message').screenshot({ path: file, animations: 'disabled' });
}

/**
 * Renders the sample decision's e-mail (the MIME message's HTML part), Slack card (Block Kit, drawn by
 * `slackBlocksHtml`) and Teams card (Adaptive Card, drawn by Microsoft's `adaptivecards` renderer) in Debian's
 * Chromium, and writes their screenshots and the cards' JSON to `outDir`. Fails when Chromium is missing.
 */
export async function writeNotificationScreenshots(
  outDir: string,
  options: ScreenshotOptions = {},
): Promise<ScreenshotResult> {
  const executablePath = options.chromiumPath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath))
    throw new Error(
      `Chromium not found at ${executablePath}: install Debian's package (apt-get install -y chromium). These renderings never download a browser.`,
    );
  const samples = await notificationSamples();
  const teamsCard: Record<string, unknown> = { ...adaptiveCardOf(samples.teams) };
  await mkdir(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    const files = [SCREENSHOTS.email, SCREENSHOTS.slack, SCREENSHOTS.teams].map((name) => join(outDir, name));
    await shootEmail(browser, samples, join(outDir, SCREENSHOTS.email));
    await shootSlack(browser, samples, join(outDir, SCREENSHOTS.slack));
    await shootTeams(browser, teamsCard, join(outDir, SCREENSHOTS.teams));
    await writeFile(join(outDir, 'slack-card.json'), `${JSON.stringify(renderSlackMessage(samples.slack), null, 2)}\n`);
    await writeFile(join(outDir, 'teams-card.json'), `${JSON.stringify(teamsCard, null, 2)}\n`);
    return { files, samples };
  } finally {
    await browser.close();
  }
}
