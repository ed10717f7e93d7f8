import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_PATH,
  SCREENSHOTS,
  type ScreenshotResult,
  writeNotificationScreenshots,
} from '../docs/notification-screenshots.ts';
import { SAMPLE_PUBLIC_URL } from '../docs/notification-samples.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const hasChromium = existsSync(CHROMIUM_PATH);
// CI installs Debian's chromium (.ci/run); elsewhere say plainly why these renderings did not run.
if (!hasChromium)
  console.warn(
    `SKIPPED docs-screenshots.int.test.ts: ${CHROMIUM_PATH} is absent (apt-get install -y chromium); the docs' renderings need it.`,
  );

/** Width and height from a PNG's IHDR chunk, after checking the signature and the chunk's name. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a missing Chromium', () => {
  it('stops the renderings with a message naming the path and the package', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soc-docs-'));
    try {
      await expect(writeNotificationScreenshots(dir, { chromiumPath: join(dir, 'no-chromium') })).rejects.toThrow(
        /Chromium not found at .*no-chromium: install Debian's package \(apt-get install -y chromium\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasChromium)(
  'the docs renderings of the notification e-mail and the Slack and Teams cards (Chromium)',
  () => {
    let dirs: string[] = [];
    let first: ScreenshotResult;
    let second: ScreenshotResult;
    beforeAll(async () => {
      dirs = [await mkdtemp(join(tmpdir(), 'soc-docs-')), await mkdtemp(join(tmpdir(), 'soc-docs-'))];
      first = await writeNotificationScreenshots(dirs[0]!);
      second = await writeNotificationScreenshots(dirs[1]!);
    });
    afterAll(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    it('writes three valid PNGs of a card or page size, each with content, none over 200 KB', async () => {
      expect(first.files.map((f) => f.slice(dirs[0]!.length + 1)).sort()).toEqual(Object.values(SCREENSHOTS).sort());
      for (const file of first.files) {
        const png = await readFile(file);
        const { width, height } = pngSize(png);
        expect(width, file).toBeGreaterThanOrEqual(500);
        expect(width, file).toBeLessThanOrEqual(800);
        expect(height, file).toBeGreaterThanOrEqual(400);
        // A blank page of this size compresses to a few hundred bytes; text and buttons take tens of kilobytes.
        expect(png.length, file).toBeGreaterThan(20_000);
        expect(png.length, file).toBeLessThan(200_000);
      }
    });

    it('is deterministic: a second run writes the same bytes', async () => {
      for (const name of Object.values(SCREENSHOTS)) {
        expect(digest(await readFile(join(dirs[1]!, name))), name).toBe(digest(await readFile(join(dirs[0]!, name))));
      }
      // The MIME message differs by its random multipart boundary only (alert text can neither know nor close it).
      expect(second.samples.email).toEqual(first.samples.email);
    });

    it('shows the alert text escaped and defanged: only the case link is live, in the e-mail and both cards', async () => {
      const caseUrl = `${SAMPLE_PUBLIC_URL}/#/case/${first.samples.decision.data.alert.alertId}`;
      const mail = await simpleParser(first.samples.eml);
      const html = typeof mail.html === 'string' ? mail.html : '';
      expect(mail.subject).toContain('hxxps://login-micros0ft[.]example/approve');
      expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
      expect(html).toContain('hxxps://evil[.]example/stage2[.]ps1');
      expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([caseUrl]);
      for (const name of ['slack-card.json', 'teams-card.json']) {
        const card = await readFile(join(dirs[0]!, name), 'utf8');
        expect(card, name).toContain('login-micros0ft[.]example');
        expect(card, name).not.toMatch(
          /https?:\/\/(?!soc\.contoso\.com\/#\/case\/|adaptivecards\.io\/schemas\/)/,
        );
        expect(card, name).toContain('Approve');
      }
    });
  },
);
