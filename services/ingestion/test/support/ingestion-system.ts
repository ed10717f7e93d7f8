import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SocEvent } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { ingestionService } from '../../src/service.ts';

/** An operator's API token (principal `ops`, admin): reads the quarantine, never posts alerts. */
export const API_TOKEN = 'api-token-0123456789abcdef';
/** The single sender's token (SOC_SENDER_TOKEN, principal `sender`) when no credentials file is given. */
export const SENDER_TOKEN = 'sender-token-0123456789abcdef';

/** The ingestion service alone on the memory bus and state, with a probe subscription that records what it publishes. */
export async function startIngestion(env: Record<string, string> = {}, authFile?: object): Promise<RunningSystem & { received: SocEvent[]; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-ingest-'));
  const extra: Record<string, string> = {};
  if (authFile === undefined) extra.SOC_SENDER_TOKEN = SENDER_TOKEN;
  else {
    extra.INGEST_AUTH_FILE = join(dataDir, 'ingest-auth.json');
    writeFileSync(extra.INGEST_AUTH_FILE, JSON.stringify(authFile));
  }
  const system = await runServices([ingestionService], {
    env: { SOC_DATA_DIR: dataDir, SOC_BUS: 'memory', SOC_STATE: 'memory', PORT: '0', HOST: '127.0.0.1', SOC_API_TOKENS: `ops:${API_TOKEN}`, SOC_API_ROLES: 'ops:admin', LOG_LEVEL: 'silent', ...extra, ...env },
    handleSignals: false,
  });
  const received: SocEvent[] = [];
  await system.platform.bus.ensureTopology([{ name: 'probe', types: ['soc.alert.received.v1'] }]);
  system.platform.bus.subscribe({ subscription: 'probe' }, (event) => {
    received.push(event);
    return Promise.resolve({ emit: [] });
  });
  return Object.assign(system, { received, dataDir });
}

/** POSTs a body (object → JSON, string → as given) and returns status, headers and parsed JSON. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The headers of a v1 HMAC signature, as the ingestion README tells senders to compute it (a fresh nonce each call). */
export function hmacHeaders(secret: string, source: string, body: string, options: { timestamp?: number; nonce?: string; method?: string } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomBytes(16).toString('hex');
  const mac = createHmac('sha256', secret).update(`v1:${timestamp}:${nonce}:${options.method ?? 'POST'}:/api/v1/alerts/${source}:`).update(body).digest('hex');
  return { 'x-soc-timestamp': timestamp, 'x-soc-nonce': nonce, 'x-soc-signature': `v1=${mac}` };
}

/** Polls until `check` holds or 5 s pass. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
