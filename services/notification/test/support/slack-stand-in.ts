import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call as the stand-in received it, and the status it answered. */
export interface SlackCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
  status: number;
  /** When it arrived (epoch ms). */
  at: number;
}

/** How the stand-in answers one call: a status, headers and a body (`{ ok: true, channel, ts }` when omitted). */
export interface SlackAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local stand-in of Slack's Web API (`chat.postMessage`, `chat.update`) on 127.0.0.1: each call is recorded; the
 * next scripted answer is given (an outage: 503, with or without Retry-After), else `{ ok: true, channel, ts }` as
 * Slack answers a post. `delayMs` holds every answer back, so that handlers overlap.
 */
export async function startSlackStandIn() {
  const calls: SlackCall[] = [];
  const script: SlackAnswer[] = [];
  let ts = 1_700_000_000;
  const options = { delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Record<string, unknown>;
      const next = script.shift();
      const status = next?.status ?? 200;
      calls.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        raw,
        status,
        at: Date.now(),
      });
      const answer =
        next?.body ??
        (next === undefined
          ? { ok: true, channel: body.channel, ts: typeof body.ts === 'string' ? body.ts : `${ts++}.000100` }
          : { ok: false, error: 'service_unavailable' });
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...next?.headers });
        res.end(JSON.stringify(answer));
      }, options.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    calls,
    options,
    /** The next calls get these answers, in order; afterwards Slack's success again. */
    answer(...answers: SlackAnswer[]) {
      script.push(...answers);
    },
    /** The calls Slack accepted (200), by Web API method. */
    accepted(method: 'chat.postMessage' | 'chat.update'): SlackCall[] {
      return calls.filter((c) => c.path === `/api/${method}` && c.status === 200);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
