import { describe, expect, it } from 'vitest';
import { errorReasonOf, parseRetryAfter } from '../src/index.ts';

describe('reading a called service\'s answer', () => {
  const now = new Date('2026-12-07T10:00:00Z');

  it('reads Retry-After as delta-seconds or an HTTP date, never negative, and nothing it cannot read', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 07 Dec 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Mon, 07 Dec 2026 09:00:00 GMT', now)).toBe(0);
    for (const bad of [undefined, null, '', '  ', 'soon', '-5', '1e9', '12345678901']) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it('takes code and message from a Microsoft error body, else the folded text, at most 300 characters', async () => {
    expect(await errorReasonOf(new Response(JSON.stringify({ error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } }), { status: 403 }))).toBe('ErrorAccessDenied: Access is denied.');
    expect(await errorReasonOf(new Response('<html>\n  Bad   Gateway\n</html>', { status: 502 }))).toBe('<html> Bad Gateway </html>');
    expect((await errorReasonOf(new Response('x'.repeat(1000), { status: 500 }))).length).toBe(300);
  });
});
