import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A local HTTPS stand-in of Azure Resource Manager: a self-signed certificate for 127.0.0.1 made with openssl in a
 * temporary directory (the client trusts it through its own `tlsOptions.ca`, never process-wide), routes keyed by
 * `METHOD path?query`, and every request recorded with its bearer token and body.
 */

export interface ArmSeen {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface ArmAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ArmStandIn {
  base: string;
  /** The PEM certificate the stand-in serves (what a client must trust). */
  ca: string;
  /** The directory holding cert.pem (and the key); removed by close. */
  dir: string;
  seen: ArmSeen[];
  /** Answers by `METHOD url`; an array is answered in order, its last entry repeating. */
  routes: Map<string, ArmAnswer | ArmAnswer[]>;
  close(): Promise<void>;
}

export async function startArmStandIn(): Promise<ArmStandIn> {
  const dir = mkdtempSync(join(tmpdir(), 'arm-stand-in-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const seen: ArmSeen[] = [];
  const routes = new Map<string, ArmAnswer | ArmAnswer[]>();
  const answer = (key: string): ArmAnswer => {
    const r = routes.get(key);
    if (Array.isArray(r)) return r.length > 1 ? (r.shift() as ArmAnswer) : (r[0] as ArmAnswer);
    return r ?? { status: 404, body: { error: { code: 'ResourceNotFound', message: `stand-in has no ${key}` } } };
  };
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = req.url ?? '';
      seen.push({ method: req.method ?? '', url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const a = answer(`${req.method} ${url}`);
      res.writeHead(a.status, { ...(a.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca,
    dir,
    seen,
    routes,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
