import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The `soc` executable as npm links it. */
export const SOC_BIN = join(REPO_ROOT, 'apps/cli/bin/soc.js');
/** The 95 real Sentinel alerts in the generic format. */
export const GENERIC_ALERTS = join(REPO_ROOT, 'test/fixtures/generic-alerts.jsonl');

/**
 * The Node that runs `soc`: this one when it can strip types (vitest is started by node_modules/.bin/node 24),
 * else the repository's own Node 24.
 */
const NODE =
  Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : join(REPO_ROOT, 'node_modules/.bin/node');
if (!existsSync(NODE)) throw new Error(`No Node 24 at ${NODE}: run npm ci`);

/** What a finished `soc` run left behind. */
export interface SocRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `soc` as a real child process. Asynchronous on purpose: the HTTP servers the CLI talks to live in this
 * process and must keep answering while it runs. The environment starts clean of SOC_* and bus settings so the
 * developer's shell cannot leak into a test.
 */
export function runSoc(args: readonly string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<SocRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SOC_|BUS_|SERVICEBUS_|COSMOS_|LOG_LEVEL$)/.test(k)),
  );
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [SOC_BIN, ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The non-empty lines of an output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
