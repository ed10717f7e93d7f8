// `npm run docs:screenshots`: the docs' pictures of a notification e-mail and the Slack and Teams cards, rendered in
// Debian's Chromium (/usr/bin/chromium) from one sample decision. Usage: node scripts/docs-screenshots.ts [out-dir]
import { resolve } from 'node:path';
import { writeNotificationScreenshots } from './docs/notification-screenshots.ts';

const outDir = resolve(process.argv[2] ?? new URL('../docs/notifications', import.meta.url).pathname);
try {
  const { files } = await writeNotificationScreenshots(outDir);
  for (const file of files) console.log(`wrote ${file}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
