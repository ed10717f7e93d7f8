import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { entraRunbooksFromEnv } from '../src/adapters/entra/entra-config.ts';
import { graphEndpointOf } from '../src/adapters/entra/graph-client.ts';
import type { ContainmentRequest } from '../src/ports.ts';

/** `entraRunbooksFromEnv`: what it refuses, and a configured runbook talking to a local Graph stand-in. */

const SECRET = 'entra-client-secret~value';
const TOKEN = 'graph-token-from-env';
const ALICE_ID = '6e7b768e-07e2-4810-8459-485f84f8f204';
const credential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };

let dir: string;
let server: Server;
let base: string;
const seen: { method: string; url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-config-'));
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: ALICE_ID, userPrincipalName: 'alice@contoso.com', accountEnabled: true, signInSessionsValidFromDateTime: '2026-11-01T08:00:00Z' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const VALID = { ENTRA_PROTECTED_PRINCIPALS: 'breakglass1@contoso.com, 0d3c2a1b-aaaa-4bbb-8ccc-111111111111', ENTRA_ALLOWED_UPN_DOMAINS: 'contoso.com' };

function configError(env: Record<string, string | undefined>): string {
  try {
    entraRunbooksFromEnv(env);
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error).toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(error.message).not.toContain(SECRET);
    return error.message;
  }
  throw new Error('expected the configuration to be refused');
}

const request = (value: string): ContainmentRequest => ({
  requestId: 'cr-1',
  tenantId: 'contoso',
  alertId: 'a',
  actionId: 'x',
  correlationId: 'c',
  runbook: 'disable-user',
  target: { entityId: 'e', type: 'user', value },
  arguments: {},
  reason: 'r',
  sender: null,
  approvalsRequired: 1,
  requestedAt: '2026-12-07T07:00:00Z',
  expiresAt: '2026-12-07T11:00:00Z',
  bindingHash: 'h',
  status: 'approved',
  approvals: [],
});

describe('entraRunbooksFromEnv', () => {
  it('refuses a configuration without protected principals or allowed domains, naming both', () => {
    const message = configError({});
    expect(message).toContain('ENTRA_PROTECTED_PRINCIPALS');
    expect(message).toContain('ENTRA_ALLOWED_UPN_DOMAINS');
    expect(configError({ ...VALID, ENTRA_ALLOWED_UPN_DOMAINS: 'contoso.com,not a domain' })).toContain('ENTRA_ALLOWED_UPN_DOMAINS');
    expect(configError({ ...VALID, ENTRA_PROTECTED_PRINCIPALS: 'breakglass' })).toContain('ENTRA_PROTECTED_PRINCIPALS');
  });

  it('refuses a Graph base URL that is not a Graph host or a loopback stand-in', () => {
    for (const url of ['http://graph.microsoft.com', 'https://graph.microsoft.com.evil.example', 'https://evil.example', 'https://graph.microsoft.com/v1.0', 'https://user:pw@graph.microsoft.com', 'https://graph.microsoft.com?x=1', 'ftp://127.0.0.1', 'not a url']) {
      expect(configError({ ...VALID, ENTRA_GRAPH_BASE_URL: url }), url).toContain('ENTRA_GRAPH_BASE_URL');
    }
    expect(graphEndpointOf('https://graph.microsoft.com/')).toEqual({ origin: 'https://graph.microsoft.com', scope: 'https://graph.microsoft.com/.default' });
    expect(graphEndpointOf('https://graph.microsoft.us')).toEqual({ origin: 'https://graph.microsoft.us', scope: 'https://graph.microsoft.us/.default' });
    expect(graphEndpointOf('http://127.0.0.1:8080')).toEqual({ origin: 'http://127.0.0.1:8080', scope: 'https://graph.microsoft.com/.default' });
  });

  it('refuses half a client secret configuration, an empty or missing secret file, without echoing the secret', () => {
    expect(configError({ ...VALID, ENTRA_TENANT_ID: 'contoso.onmicrosoft.com' })).toContain('ENTRA_CLIENT_SECRET_FILE');
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const full = { ...VALID, ENTRA_TENANT_ID: 'contoso.onmicrosoft.com', ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555' };
    expect(configError({ ...full, ENTRA_CLIENT_SECRET_FILE: empty })).toContain('empty');
    expect(configError({ ...full, ENTRA_CLIENT_SECRET_FILE: join(dir, 'missing') })).toContain('ENOENT');
    expect(configError({ ...full, ENTRA_CLIENT_ID: SECRET, ENTRA_CLIENT_SECRET_FILE: empty })).toContain('ENTRA_CLIENT_ID');
  });

  it('builds a client secret credential from a secret file (no call until a runbook runs)', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const rb = entraRunbooksFromEnv({ ...VALID, ENTRA_TENANT_ID: 'contoso.onmicrosoft.com', ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555', ENTRA_CLIENT_SECRET_FILE: file });
    expect(Object.keys(rb).sort()).toEqual(['disable-user', 'revoke-sessions']);
  });

  it('a configured runbook calls the configured Graph with the credential and applies the protected list', async () => {
    const rb = entraRunbooksFromEnv({ ...VALID, ENTRA_GRAPH_BASE_URL: base }, { credential });
    const text = await rb['disable-user'].dryRun(request('alice@contoso.com'));
    expect(text).toContain(`PATCH /v1.0/users/${ALICE_ID} {"accountEnabled":false}`);
    expect(seen).toEqual([{ method: 'GET', url: '/v1.0/users/alice@contoso.com?$select=id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime', authorization: `Bearer ${TOKEN}` }]);
    await expect(rb['disable-user'].dryRun(request('breakglass1@contoso.com'))).rejects.toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(seen).toHaveLength(1);
  });
});
