import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the Graph stand-in received it. */
export interface GraphRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (epoch ms). */
  at: number;
}

/** What the stand-in answers to the next request: a status, headers and a JSON body. */
export interface GraphAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local Microsoft Graph stand-in on 127.0.0.1 speaking `POST /v1.0/users/{id}/sendMail` as documented for MIME
 * sends: queued answers first (503 with Retry-After, 403 ErrorAccessDenied …), then `202 Accepted` with no body.
 * Every request is kept, body as text, for the test to assert the exact wire call.
 */
export async function startGraphStandIn() {
  const requests: GraphRequest[] = [];
  const queue: GraphAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const answer = queue.shift() ?? { status: 202, headers: { 'request-id': `req-${requests.length}` } };
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...answer.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The next requests get these answers, in order; afterwards 202 again. */
    answer(...answers: GraphAnswer[]) {
      queue.push(...answers);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
