import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/** A request as the fake Log Analytics received it. */
export interface ReceivedQuery {
  method: string;
  path: string;
  authorization: string | undefined;
  prefer: string | undefined;
  body: { query?: string; timespan?: string; workspaces?: unknown };
}

/** What the fake answers one request with. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * A local HTTPS server that speaks the Log Analytics query API (`POST /v1/workspaces/{id}/query`, body
 * `{query, timespan}`) with a self-signed certificate for 127.0.0.1, which the client under test trusts through its
 * `tlsOptions.ca` (never by turning TLS checks off). Answers come from a queue; an empty queue answers `fallback`.
 */
export interface FakeLogAnalytics {
  readonly url: string;
  /** PEM of the server certificate, for `tlsOptions.ca`. */
  readonly ca: string;
  readonly received: ReceivedQuery[];
  answer(...answers: FakeAnswer[]): void;
  /** Answers a request the queue does not (e.g. by the query text); undefined falls through to `fallback`. */
  respond: ((query: ReceivedQuery) => FakeAnswer | undefined) | undefined;
  fallback: FakeAnswer;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeLogAnalytics(): Promise<FakeLogAnalytics> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  });
  const queue: FakeAnswer[] = [];
  const received: ReceivedQuery[] = [];
  const fake = {
    url: '',
    ca: pems.cert,
    received,
    answer: (...answers: FakeAnswer[]) => void queue.push(...answers),
    respond: undefined as FakeLogAnalytics['respond'],
    fallback: { status: 200, body: { tables: [] } } as FakeAnswer,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    void (async () => {
      const text = await readBody(req);
      const path = req.url ?? '';
      if (req.method !== 'POST' || !/^\/v1\/workspaces\/[^/]+\/query$/.test(path)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'PathNotFoundError', message: `No route ${req.method} ${path}` } }));
        return;
      }
      const query: ReceivedQuery = {
        method: req.method,
        path,
        authorization: req.headers.authorization,
        prefer: typeof req.headers.prefer === 'string' ? req.headers.prefer : undefined,
        body: JSON.parse(text) as ReceivedQuery['body'],
      };
      received.push(query);
      const answer = queue.shift() ?? fake.respond?.(query) ?? fake.fallback;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers }).end(JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
