import type { WebhookAnswer, WebhookRequest, WebhookTransport } from '../webhooks/ports.ts';

/**
 * POSTs with the platform `fetch`, bounded by the request's timeout. Redirects are not followed (a 3xx is a
 * rejection the operator must fix in the configuration), so a subscriber cannot bounce the signed body elsewhere.
 */
export class FetchWebhookTransport implements WebhookTransport {
  async post(request: WebhookRequest): Promise<WebhookAnswer> {
    try {
      const res = await fetch(request.url, {
        method: 'POST',
        headers: { ...request.headers, 'user-agent': 'soc-copilot-webhooks/1' },
        body: request.body,
        redirect: 'manual',
        signal: request.signal ? AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal]) : AbortSignal.timeout(request.timeoutMs),
      });
      // The body is not read beyond draining it: nothing a subscriber answers is trusted or stored.
      await res.body?.cancel();
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      return { error: name === 'TimeoutError' ? `no answer within ${request.timeoutMs} ms` : `network error: ${(error as Error).message}` };
    }
  }
}
