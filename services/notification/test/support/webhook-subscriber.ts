import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A subscriber's check, written from the Standard Webhooks spec (https://www.standardwebhooks.com) and not from
 * the sender's code: the key is the base64 after `whsec_`; the signed content is `{id}.{timestamp}.{raw body}`;
 * `webhook-signature` holds space-separated `v1,<base64>` entries, one match is enough; timestamps older or newer
 * than five minutes are refused.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, rawBody: string, nowSeconds: number): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** One request as the stand-in received it. */
export interface ReceivedWebhook {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status the stand-in answered. */
  readonly status: number;
  readonly at: number;
}

/** A local subscriber: records every request and answers from a script (then `fallback`). */
export interface SubscriberStandIn {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Statuses to answer next, in order, each optionally with a Retry-After. */
  script(...answers: ReadonlyArray<number | { status: number; retryAfter: string }>): void;
  close(): Promise<void>;
}

export async function startSubscriber(path = '/hooks/soc', fallback = 204): Promise<SubscriberStandIn> {
  const received: ReceivedWebhook[] = [];
  const queue: Array<number | { status: number; retryAfter: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = queue.shift() ?? fallback;
      const status = typeof next === 'number' ? next : next.status;
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status, at: Date.now() });
      if (typeof next !== 'number') res.setHeader('retry-after', next.retryAfter);
      res.statusCode = status;
      res.end(status >= 400 ? 'no' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    script: (...answers) => queue.push(...answers),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` holds (or fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
