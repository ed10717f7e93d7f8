import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from './support.ts';

const SECRET = 'siem-hmac-secret-0123456789abcdef-0123456789';

/** Signs as the ingestion README tells a SIEM to: `v1:<timestamp>:<nonce>:<METHOD>:<path>:<body>`, HMAC-SHA256, hex. */
function signed(method: string, path: string, body: string, options: { timestamp?: number; nonce?: string } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomBytes(16).toString('hex');
  const mac = createHmac('sha256', SECRET).update(`v1:${timestamp}:${nonce}:${method}:${path}:`).update(body).digest('hex');
  return { 'x-soc-timestamp': timestamp, 'x-soc-nonce': nonce, 'x-soc-signature': `v1=${mac}` };
}

// Point 4 of issue 11: signatures covered `<timestamp>.<body>` only, so a captured request could be re-sent to
// another source's endpoint (another parser, other alerts) and re-sent as is, any number of times, within the skew.
describe('an HMAC signature binds method, path and body, and is good for one request', () => {
  let sys: Awaited<ReturnType<typeof startSystem>>;
  const send = (source: string, body: string, headers: Record<string, string>, method = 'POST') =>
    fetch(`${sys.url}/api/v1/alerts/${source}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-hmac-'));
    const authFile = join(dir, 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'hmac', name: 'siem-signer', secret: { value: SECRET }, sources: ['generic', 'splunk'] }] }));
    sys = await startSystem({ INGEST_AUTH_FILE: authFile });
  });
  afterAll(async () => sys.close());

  it('accepts fresh signatures, each request with its own nonce', async () => {
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ id: `fresh-${i}`, title: 'Signed alert', severity: 'low' });
      const res = await send('generic', body, signed('POST', '/api/v1/alerts/generic', body));
      expect(res.status).toBe(202);
    }
  });

  it('refuses a signature captured for /alerts/generic on /alerts/splunk, and on another method', async () => {
    // A body both parsers read: a Splunk webhook body posted to the generic endpoint is refused by its parser, so
    // the attacker's point is to reach the parser the signature was not made for.
    const body = JSON.stringify({ sid: 'scheduler_1', search_name: 'Captured', result: { _raw: 'x', _time: '1700000000', src: '8.8.8.8' }, results_link: 'https://splunk.example/x' });
    const captured = signed('POST', '/api/v1/alerts/generic', body);
    const moved = await send('splunk', body, captured);
    expect(moved.status).toBe(401);
    expect(((await moved.json()) as { detail: string }).detail).toContain('signature');
    const otherMethod = await send('generic', body, captured, 'PUT');
    expect(otherMethod.status).not.toBe(202);
    expect(otherMethod.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses the same signed request sent a second time, with the reason', async () => {
    const body = JSON.stringify({ id: 'once', title: 'Signed once', severity: 'low' });
    const headers = signed('POST', '/api/v1/alerts/generic', body);
    expect((await send('generic', body, headers)).status).toBe(202);
    const again = await send('generic', body, headers);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { detail: string }).detail).toMatch(/already used/i);
    // Signed again (new nonce), the same alert passes: senders retry by signing anew.
    expect((await send('generic', body, signed('POST', '/api/v1/alerts/generic', body))).status).toBe(202);
  });

  it('refuses the old `<timestamp>.<body>` signature unless the credential opts into it', async () => {
    const body = JSON.stringify({ id: 'legacy', title: 'Legacy signature', severity: 'low' });
    const ts = String(Math.floor(Date.now() / 1000));
    const legacy = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    const res = await send('generic', body, { 'x-soc-timestamp': ts, 'x-soc-signature': legacy });
    expect(res.status).toBe(401);
  });
});
