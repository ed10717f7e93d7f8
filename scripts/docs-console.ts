// `npm run docs:console`: pictures of the web console (queue, a case, the KPI page) for the docs, taken in Debian's
// Chromium from an in-process system fed with fixture alerts. Usage: node scripts/docs-console.ts [out-dir]
import { resolve } from 'node:path';
import { writeConsoleScreenshots } from './docs/console-screenshots.ts';

const outDir = resolve(process.argv[2] ?? new URL('../docs/console', import.meta.url).pathname);
try {
  for (const file of await writeConsoleScreenshots(outDir)) console.log(`wrote ${file}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
