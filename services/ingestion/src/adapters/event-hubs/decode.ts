/** An event body read as JSON, or why it could not be, with the raw body as text to keep in quarantine. */
export type DecodedBody = { ok: true; body: unknown } | { ok: false; reason: string; raw: string };

const EXPECTED = 'expected JSON: {"records":[…]}, an array of records or one record object';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one event body. The consumer subscribes with `skipParsingBodyAsJson`, so data-section bodies arrive as
 * bytes and a body that is not JSON is told apart from one that is a JSON string; AMQP value/sequence bodies
 * arrive already decoded and are taken as they are.
 */
export function decodeEventBody(body: unknown): DecodedBody {
  if (body instanceof Uint8Array) {
    let textBody: string;
    try {
      textBody = utf8.decode(body);
    } catch {
      return {
        ok: false,
        reason: `Event body is not UTF-8 text (kept base64-encoded): ${EXPECTED}`,
        raw: Buffer.from(body).toString('base64'),
      };
    }
    return parseJson(textBody);
  }
  if (typeof body === 'string') return parseJson(body);
  return { ok: true, body };
}

function parseJson(textBody: string): DecodedBody {
  try {
    return { ok: true, body: JSON.parse(textBody) as unknown };
  } catch (err) {
    const why = textBody.trim() === '' ? 'empty' : (err as Error).message;
    return { ok: false, reason: `Event body is not JSON (${why}): ${EXPECTED}`, raw: textBody };
  }
}
