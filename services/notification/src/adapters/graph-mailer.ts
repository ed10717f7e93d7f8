import { AppError, ErrorCode, errorReasonOf, parseRetryAfter } from '@soc/runtime';
import type { Mailer, OutgoingEmail } from '../ports.ts';
import { OUTCOME_UNKNOWN } from './ledgered-mailer.ts';
import { composeEmail } from './mime.ts';

/** The token scope of Microsoft Graph application permissions. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The part of an `@azure/identity` TokenCredential the Graph mailer uses (DefaultAzureCredential in production). */
export interface GraphCredential {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

/** Options of {@link GraphMailer}. */
export interface GraphMailerOptions {
  /** The mailbox that sends: a user id or UPN (`soc-alerts@contoso.com`); the From address must be one it may send as. */
  sender: string;
  from: string;
  credential: GraphCredential;
  /** Default `https://graph.microsoft.com`; a national cloud's Graph endpoint or a test stand-in. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/**
 * Sends e-mail with Microsoft Graph `POST /v1.0/users/{sender}/sendMail`, the MIME message (the one `composeEmail`
 * builds) base64-encoded with `Content-Type: text/plain`, as Graph documents for MIME sends. The token comes from the
 * credential for the `.default` scope (application permission `Mail.Send`). 202 is sent; 429 and 5xx are retryable
 * with the `Retry-After` they ask for; 400, 401, 403 and 404 are refusals with Graph's reason. A timeout or a broken
 * connection after the request left is marked outcome-unknown (logged; the retry sends again).
 */
export class GraphMailer implements Mailer {
  readonly #options: GraphMailerOptions;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => Date;
  constructor(options: GraphMailerOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? (() => new Date());
  }

  async send(email: OutgoingEmail): Promise<string> {
    const { sender, from, credential } = this.#options;
    const mime = await composeEmail(email, { from, date: this.#now() });
    let token: string;
    try {
      const answer = await credential.getToken(GRAPH_SCOPE);
      if (!answer) throw new Error('the credential returned no token');
      token = answer.token;
    } catch (error) {
      // Nothing was sent; a token endpoint outage passes, a missing identity shows on every retry and dead-letters.
      throw new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `no Microsoft Graph token: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, cause: error },
      );
    }
    const url = `${(this.#options.baseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, '')}/v1.0/users/${encodeURIComponent(sender)}/sendMail`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: mime.toString('base64'),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const refused = ((error as { cause?: { code?: string } }).cause?.code ?? '') === 'ECONNREFUSED';
      throw new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Microsoft Graph unreachable: ${error instanceof Error ? error.message : String(error)}`,
        {
          retryable: true,
          cause: error,
          details: refused ? {} : { [OUTCOME_UNKNOWN]: true },
        },
      );
    }
    if (res.status === 202) {
      await res.body?.cancel();
      return `graph:${res.headers.get('request-id') ?? email.idempotencyKey}`;
    }
    const reason = await errorReasonOf(res);
    if (res.status === 429 || res.status >= 500) {
      const after = parseRetryAfter(res.headers.get('retry-after'), this.#now());
      throw new AppError(
        res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Microsoft Graph sendMail answered ${res.status}${reason ? ` (${reason})` : ''}`,
        {
          retryable: true,
          details: { status: res.status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
        },
      );
    }
    const code =
      res.status === 401
        ? ErrorCode.UNAUTHORIZED
        : res.status === 403
          ? ErrorCode.FORBIDDEN
          : res.status === 404
            ? ErrorCode.NOT_FOUND
            : ErrorCode.VALIDATION_FAILED;
    throw new AppError(
      code,
      `Microsoft Graph sendMail refused the message (${res.status}${reason ? `: ${reason}` : ''})`,
      {
        retryable: false,
        details: { status: res.status, reason },
      },
    );
  }
}
