/**
 * Reading an HTTP answer from a service we call (Graph, ARM, ServiceNow, Slack, a webhook subscriber): the wait it
 * asks for and its error text. One owner, so every adapter hands the bus the same `details.retryAfterSeconds`.
 */

/**
 * `Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3), never negative; undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d{1,9}$/.test(v)) return Number(v);
  // An HTTP date starts with the day's name (IMF-fixdate, RFC 850, asctime); anything else (`-5`, `soon`) is unreadable.
  if (!/^[A-Za-z]{3,9},? /u.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * An error answer's reason, bounded to 300 characters: `code: message` from the `{"error":{"code","message"}}` body
 * Microsoft's REST APIs (Graph, ARM) send, else the body's text with its whitespace folded.
 */
export async function errorReasonOf(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : '';
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : '';
    if (code || message) return `${code}${code && message ? ': ' : ''}${message}`.slice(0, 300);
  } catch {
    // not JSON: the status says enough
  }
  return body.replace(/\s+/g, ' ').slice(0, 300);
}
