import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventByType, SUBSCRIPTIONS, parseEvent } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { loadConfig } from '@soc/runtime';
import { settled, until } from '@soc/bus/testing';
import { TicketingConfig } from '../src/config.ts';
import { ticketingService } from '../src/service.ts';
import { sentinelCommentId, writeBackKey } from '../src/siem-writeback.ts';
import { SiemStandIn } from './support/siem-stand-in.ts';

/**
 * The ticketing service's SIEM write-back started purely from its environment, as a deployment without workload
 * identity runs it: a client secret in a mounted file, the token endpoint (SIEM_WRITEBACK_AUTHORITY_HOST) and ARM /
 * Graph (SENTINEL_ARM_BASE_URL, SIEM_WRITEBACK_GRAPH_BASE_URL) as loopback stand-ins. Nothing is injected.
 */

const SUB = SUBSCRIPTIONS.ticketingSiemWriteback.name;
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = 'b7e2c1d0-3f4a-4b5c-8d9e-0a1b2c3d4e5f';
const SECRET = 'Wb8~siem-writeback-client-secret.77';
const AZ_SUB = '5f3c2e1a-7b9d-4c6e-8a2f-1d0b3e4c5a69';
const INCIDENT = 'aa06e9b4-5ae0-43c1-9492-37e564c77294';
const WORKSPACE_PATH = `/subscriptions/${AZ_SUB}/resourceGroups/rg-soc-prod/providers/Microsoft.OperationalInsights/workspaces/law-soc-prod`;
const ARM_ID = `${WORKSPACE_PATH}/providers/Microsoft.SecurityInsights/incidents/${INCIDENT}`;
const TOKENS = { arm: 'arm-token-from-client-secret', graph: 'graph-token-from-client-secret' };
const ARM_SCOPE = 'https://management.azure.com/.default';

type Decision = EventByType<'soc.decision.made.v2'>;

function sentinelDecision(): Decision {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  const e = parsed.event;
  e.data.alert.source = { ...e.data.alert.source, name: 'sentinel', vendorAlertId: ARM_ID };
  e.data.alert.revision = { key: 'rev-0123456789abcdef0123456789abcdef', receivedAt: '2026-11-23T10:00:00.000Z' };
  return e;
}

/** Entra ID's v2.0 token endpoint as Microsoft documents it: a token per requested scope, or a canned refusal. */
class TokenStandIn {
  readonly calls: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  refusal: { status: number; body: unknown } | undefined;
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (this.refusal) return json(this.refusal.status, this.refusal.body);
        const form = new URLSearchParams(body);
        if (req.method !== 'POST' || req.url !== `/${TENANT}/oauth2/v2.0/token` || form.get('grant_type') !== 'client_credentials')
          return json(400, { error: 'invalid_request', error_description: 'AADSTS900144' });
        if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== SECRET) return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215' });
        const scope = form.get('scope');
        const token = scope === ARM_SCOPE ? TOKENS.arm : scope === 'https://graph.microsoft.com/.default' ? TOKENS.graph : undefined;
        if (!token) return json(400, { error: 'invalid_scope', error_description: 'AADSTS70011' });
        return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fromEnv(): Promise<{ system: RunningSystem; siem: SiemStandIn; entra: TokenStandIn }> {
  const siem = new SiemStandIn(TOKENS, [INCIDENT], []);
  const armUrl = await siem.start();
  closers.push(() => siem.close());
  const entra = new TokenStandIn();
  const authority = await entra.start();
  closers.push(() => entra.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-writeback-env-'));
  const secretFile = join(dataDir, 'siem-writeback-secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const system = await runServices([ticketingService], {
    env: {
      SOC_DATA_DIR: dataDir, SOC_BUS: 'memory', SOC_STATE: 'memory', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent',
      SIEM_WRITEBACK: 'on',
      SENTINEL_SUBSCRIPTION_ID: AZ_SUB, SENTINEL_RESOURCE_GROUP: 'rg-soc-prod', SENTINEL_WORKSPACE_NAME: 'law-soc-prod',
      SIEM_WRITEBACK_TENANT_ID: TENANT, SIEM_WRITEBACK_CLIENT_ID: CLIENT_ID, SIEM_WRITEBACK_CLIENT_SECRET_FILE: secretFile,
      SIEM_WRITEBACK_AUTHORITY_HOST: authority,
      SENTINEL_ARM_BASE_URL: armUrl,
      SIEM_WRITEBACK_TIMEOUT_MS: '5000',
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return { system, siem, entra };
}

/** The write-back subscription's dead letters (the ticket consumer has its own: no ServiceNow here). */
const writeBackDeadLetters = async (system: RunningSystem) => (await system.platform.bus.deadLetters.list()).filter((d) => d.subscription === SUB);

describe('SIEM write-back configured purely from the environment (client secret file, token and ARM stand-ins)', () => {
  it('gets an ARM token by the client credentials grant and PUTs the Sentinel comment with it', async () => {
    const { system, siem, entra } = await fromEnv();
    const event = sentinelDecision();
    await system.platform.bus.publish([event]);
    await until(() => (siem.incidentComments.get(INCIDENT)?.size ?? 0) === 1, 'the Sentinel comment');
    await settled(system, SUB);

    expect(entra.calls).toHaveLength(1);
    const [token] = entra.calls;
    expect([token?.method, token?.path, token?.headers['content-type'], token?.headers.authorization]).toEqual([
      'POST', `/${TENANT}/oauth2/v2.0/token`, 'application/x-www-form-urlencoded', undefined,
    ]);
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: ARM_SCOPE });

    expect(siem.calls).toHaveLength(1);
    const [put] = siem.calls;
    expect([put?.method, put?.path, put?.query.get('api-version')]).toEqual(['PUT', `${ARM_ID}/comments/${sentinelCommentId(writeBackKey(event.data.alert))}`, '2024-03-01']);
    expect(put?.headers.authorization).toBe(`Bearer ${TOKENS.arm}`);
    expect(put?.headers['content-type']).toBe('application/json');
    expect(Object.keys((JSON.parse(put?.body ?? '{}') as { properties: object }).properties)).toEqual(['message']);
    expect(await writeBackDeadLetters(system)).toEqual([]);
  });

  it('a refused client secret (invalid_client) is dead-lettered at once, naming Entra\'s code and never the secret; ARM is never called', async () => {
    const { system, siem, entra } = await fromEnv();
    entra.refusal = { status: 401, body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. ${SECRET}` } };
    await system.platform.bus.publish([sentinelDecision()]);
    const deadline = Date.now() + 8_000;
    while ((await writeBackDeadLetters(system)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const dead = await writeBackDeadLetters(system);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toBe('UNAUTHORIZED');
    expect(dead[0]?.description).toContain('invalid_client');
    expect(JSON.stringify(dead)).not.toContain(SECRET);
    expect(entra.calls).toHaveLength(1);
    expect(siem.calls).toEqual([]);
  });
});

describe('SIEM write-back credential and endpoint settings', () => {
  const base = { SIEM_WRITEBACK: 'on', SIEM_WRITEBACK_GRAPH: 'on' };
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig(TicketingConfig, env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('defaults to the public ARM and Graph hosts and no client secret (DefaultAzureCredential)', () => {
    const config = loadConfig(TicketingConfig, base);
    expect([config.SENTINEL_ARM_BASE_URL, config.SIEM_WRITEBACK_GRAPH_BASE_URL]).toEqual(['https://management.azure.com', 'https://graph.microsoft.com']);
    expect([config.SIEM_WRITEBACK_TENANT_ID, config.SIEM_WRITEBACK_CLIENT_ID, config.SIEM_WRITEBACK_CLIENT_SECRET_FILE, config.SIEM_WRITEBACK_AUTHORITY_HOST]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('needs the tenant, client id and secret file together, and a real tenant', () => {
    const partial = problemsOf({ ...base, SIEM_WRITEBACK_TENANT_ID: TENANT, SIEM_WRITEBACK_CLIENT_ID: CLIENT_ID });
    expect(partial).toContain('SIEM_WRITEBACK_CLIENT_SECRET_FILE');
    expect(partial).toContain('needs SIEM_WRITEBACK_TENANT_ID, SIEM_WRITEBACK_CLIENT_ID and SIEM_WRITEBACK_CLIENT_SECRET_FILE together');
    expect(problemsOf({ ...base, SIEM_WRITEBACK_TENANT_ID: '../common', SIEM_WRITEBACK_CLIENT_ID: CLIENT_ID, SIEM_WRITEBACK_CLIENT_SECRET_FILE: '/run/secrets/x' })).toContain(
      'SIEM_WRITEBACK_TENANT_ID: is not a tenant id (GUID) or domain',
    );
    expect(problemsOf({ ...base, SIEM_WRITEBACK_AUTHORITY_HOST: 'https://login.microsoftonline.us' })).toContain('SIEM_WRITEBACK_AUTHORITY_HOST: applies only to a write-back client secret');
  });

  it('accepts https, and plain http only to a loopback host, for the authority, ARM and Graph', () => {
    const secret = { SIEM_WRITEBACK_TENANT_ID: TENANT, SIEM_WRITEBACK_CLIENT_ID: CLIENT_ID, SIEM_WRITEBACK_CLIENT_SECRET_FILE: '/run/secrets/x' };
    expect(problemsOf({ ...base, ...secret, SIEM_WRITEBACK_AUTHORITY_HOST: 'http://127.0.0.1:9', SENTINEL_ARM_BASE_URL: 'https://management.usgovcloudapi.net', SIEM_WRITEBACK_GRAPH_BASE_URL: 'http://localhost:8' })).toBe('');
    const problems = problemsOf({ ...base, ...secret, SIEM_WRITEBACK_AUTHORITY_HOST: 'http://login.example.com', SENTINEL_ARM_BASE_URL: 'http://management.azure.com', SIEM_WRITEBACK_GRAPH_BASE_URL: 'https://u:p@graph.microsoft.com' });
    expect(problems).toContain('SIEM_WRITEBACK_AUTHORITY_HOST: must be https (plain http only to a loopback host)');
    expect(problems).toContain('SENTINEL_ARM_BASE_URL: must be https (plain http only to a loopback host)');
    expect(problems).toContain('SIEM_WRITEBACK_GRAPH_BASE_URL: may not hold credentials');
    expect(problems).not.toContain('u:p');
  });
});
