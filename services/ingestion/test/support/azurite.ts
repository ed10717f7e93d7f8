import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's fixed development account (documented, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The development-account connection string for a blob endpoint (`http://127.0.0.1:<port>`). */
export function azuriteConnectionString(blobHost: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobHost}/${AZURITE_ACCOUNT};`;
}

export interface StartedAzurite {
  readonly blobEndpoint: string;
  readonly connectionString: string;
  stop(): Promise<void>;
}

const LISTENING = /successfully listens on (http:\/\/\S+)/;

/**
 * Starts the Azurite blob service (the npm package, no container) as a child process on a free port, in memory,
 * with telemetry off (this machine has no internet). Resolves once it listens; `stop` kills it.
 */
export async function startAzuriteBlob(timeoutMs = 20_000): Promise<StartedAzurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const workspace = await mkdtemp(join(tmpdir(), 'azurite-'));
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      '--disableTelemetry',
      '--extentMemoryLimit',
      '64',
    ],
    // Its working directory is a fresh temp dir, so nothing it might write lands in the checkout.
    { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const blobHost = await listeningUrl(child, timeoutMs);
    return {
      blobEndpoint: `${blobHost}/${AZURITE_ACCOUNT}`,
      connectionString: azuriteConnectionString(blobHost),
      stop: async () => {
        await kill(child);
        await rm(workspace, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await kill(child);
    await rm(workspace, { recursive: true, force: true });
    throw err;
  }
}

function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => done(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1] !== undefined) done(undefined, match[1]);
    };
    const onExit = (code: number | null) =>
      done(new Error(`Azurite exited (code ${code}) before listening:\n${output}`));
    function done(err: Error | undefined, url?: string): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining its output so a full pipe never blocks it.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err !== undefined || url === undefined) reject(err ?? new Error('Azurite gave no URL'));
      else resolve(url);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
