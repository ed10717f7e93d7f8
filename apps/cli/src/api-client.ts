import { CliFailure, UsageError, type CliIo } from './cli-io.ts';
import { displayUrl } from './ingest-client.ts';

export const DEFAULT_URL = 'http://localhost:8080';

/** The base URL with a trailing slash, so a path prefix (`https://proxy/soc`) is kept when a route is appended. */
export function apiBase(flag: string | undefined, env: string | undefined): URL {
  const raw = flag ?? env ?? DEFAULT_URL;
  const url = URL.parse(raw.endsWith('/') ? raw : `${raw}/`);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const what = flag === undefined ? 'SOC_API_URL' : '--url';
    const message = `${what} must be an http(s) URL such as ${DEFAULT_URL}`;
    // A bad flag is a usage error; a bad variable is configuration, like any other invalid setting.
    throw flag === undefined ? new CliFailure(message) : new UsageError(message);
  }
  return url;
}

/**
 * Calls the analyst API of a running instance with the operator's (analyst) token and returns the JSON answer. Problems
 * (4xx/5xx) become a {@link CliFailure} with the server's title and detail; the token never appears in output.
 */
export async function callApi(
  io: CliIo,
  urlFlag: string | undefined,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  okStatuses: readonly number[] = [200],
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const endpoint = new URL(path, apiBase(urlFlag, io.env.SOC_API_URL));
  const { resolveAnalystToken } = await import('./api-token.ts');
  const token = resolveAnalystToken(io.env);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    throw new CliFailure(`Cannot reach ${displayUrl(endpoint)}: ${typeof cause?.code === 'string' ? cause.code : String(error)}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliFailure(`Unexpected answer from ${displayUrl(endpoint)} (HTTP ${res.status}); is --url a SOC Copilot instance?`);
  }
  if (!okStatuses.includes(res.status)) {
    const p = (body ?? {}) as { title?: string; detail?: string };
    const reason = [p.title, p.detail].filter((s) => typeof s === 'string' && s !== '').join(': ');
    const hint = res.status === 401 ? ['  check SOC_API_TOKEN / SOC_API_TOKENS, or $SOC_DATA_DIR/api-token of the instance'] : [];
    throw new CliFailure(`HTTP ${res.status}${reason === '' ? '' : ` ${reason}`}`, { details: hint });
  }
  return { status: res.status, body };
}
