import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: one temporary directory per test run, given to every test worker as TMPDIR (so every
 * `mkdtemp(tmpdir())` of the tests, their systems' data directories and the browser's profiles land in it), and
 * removed when the run ends. A system's data directory holds SQLite files of up to a few hundred MB; without this a
 * run left gigabytes behind in /tmp.
 */
export default function setup(): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'soc-test-run-'));
  process.env.TMPDIR = runDir;
  return () => {
    rmSync(runDir, { recursive: true, force: true });
  };
}
