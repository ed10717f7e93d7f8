import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainmentRequest } from '../../src/ports.ts';

/**
 * A local HTTPS stand-in for an Azure API: a self-signed certificate for 127.0.0.1 made with openssl in a temp
 * directory (trusted by the client under test through its own options, never process-wide), routes keyed by
 * `METHOD /path?query`, and every request recorded as it arrived.
 */

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface StandInAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A route answers once per entry of an array (the last repeats), or always the same. */
export type Route = StandInAnswer | StandInAnswer[] | ((req: SeenRequest) => StandInAnswer);

export interface HttpsStandIn {
  /** `https://127.0.0.1:<port>` */
  base: string;
  /** The certificate to trust (PEM). */
  ca: string;
  seen: SeenRequest[];
  routes: Map<string, Route>;
  /** Answers a request before routing (e.g. Key Vault's 401 challenge); undefined lets it through. */
  gate: ((req: SeenRequest) => StandInAnswer | undefined) | undefined;
  close(): Promise<void>;
}

/** A self-signed certificate and key for 127.0.0.1 (subjectAltName IP), PEM. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'soc-stand-in-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startHttpsStandIn(): Promise<HttpsStandIn> {
  const { cert, key } = selfSignedCertificate();
  const standIn: Omit<HttpsStandIn, 'base' | 'close'> = { ca: cert, seen: [], routes: new Map(), gate: undefined };
  const server: Server = createServer({ cert, key }, (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      standIn.seen.push(seen);
      const a = standIn.gate?.(seen) ?? answer(standIn.routes.get(`${seen.method} ${seen.path}`), seen);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(standIn, {
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function answer(route: Route | undefined, req: SeenRequest): StandInAnswer {
  if (route === undefined) return { status: 404, body: { error: { code: 'NotFound', message: `stand-in has no ${req.method} ${req.path}` } } };
  if (typeof route === 'function') return route(req);
  if (Array.isArray(route)) return (route.length > 1 ? route.shift() : route[0]) as StandInAnswer;
  return route;
}

/** A TokenCredential that returns a fixed token and records the scopes it was asked for. */
export class FixedTokenCredential {
  readonly scopes: string[] = [];
  readonly token: string;
  constructor(token: string) {
    this.token = token;
  }
  async getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** An approved request for `runbook` on `value` (the runbook name may be one the contract does not list yet). */
export function requestFor(runbook: string, value: string, args: Record<string, string> = {}): ContainmentRequest {
  return {
    requestId: 'cr-1',
    tenantId: 't',
    alertId: 'a',
    actionId: 'x',
    correlationId: 'c',
    runbook: runbook as ContainmentRequest['runbook'],
    target: { entityId: 'e', type: 'azure-resource', value },
    arguments: args,
    reason: 'r',
    sender: null,
    approvalsRequired: 1,
    requestedAt: '2026-12-07T08:00:00Z',
    expiresAt: '2026-12-07T12:00:00Z',
    bindingHash: 'h',
    status: 'approved',
    approvals: [{ approver: 'alice@example.com', at: '2026-12-07T08:01:00Z', comment: '', bindingHash: 'h' }],
  };
}
