import { Agent, request as httpsRequest } from 'node:https';
import { bearerToken } from '@soc/outbound';
import { AppError, ErrorCode, errorReasonOf, parseRetryAfter } from '@soc/runtime';
import type { ContainmentRequest } from '../../ports.ts';

/**
 * What the automation runbooks (Key Vault, Logic Apps, Defender for Cloud) share: request-id and URL checks, one
 * HTTPS transport on `node:https` (so a test trusts its self-signed stand-in through an agent, never process-wide),
 * and the ARM client that classifies answers into {@link AppError}s. Never met the real services.
 */

/** Our request ids: letters, digits and `. _ : -` (a tag value, a tracking id, a marker; nothing to escape). */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id, checked: it becomes a tag, a header and a marker. */
export function requestIdOf(request: ContainmentRequest): string {
  if (!REQUEST_ID.test(request.requestId)) throw refused('the request id has characters other than letters, digits and . _ : -');
  return request.requestId;
}

/** The approvers, in order, once each. */
export function approversOf(request: ContainmentRequest): string[] {
  return [...new Set(request.approvals.map((a) => a.approver))];
}

/** A non-retryable validation refusal. */
export function refused(message: string, details?: Record<string, unknown>): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, message, { retryable: false, ...(details ? { details } : {}) });
}

/** The part of an `@azure/identity` TokenCredential used here, so `DefaultAzureCredential` fits unchanged. */
export interface BearerCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp?: number } | null>;
}

/** TLS trust for the transport: only tests set it (the stand-in's self-signed certificate). */
export interface HttpsTrust {
  /** PEM certificate(s) trusted instead of the default CAs. */
  ca?: string | Buffer;
}

/** An HTTP answer as read off the wire. */
export interface HttpsAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Sends one HTTPS request; refuses any other scheme (tokens and SAS signatures never travel in clear). */
export class HttpsTransport {
  readonly #agent: Agent | undefined;
  readonly #timeoutMs: number;

  constructor(trust: HttpsTrust = {}, timeoutMs = 30_000) {
    this.#agent = trust.ca ? new Agent({ ca: trust.ca, keepAlive: false }) : undefined;
    this.#timeoutMs = timeoutMs;
  }

  /** `what` names the call in errors (never the URL: a Logic App trigger URL carries its signature). */
  send(url: URL, init: { method: string; headers: Record<string, string>; body?: string }, what: string): Promise<HttpsAnswer> {
    if (url.protocol !== 'https:') return Promise.reject(new AppError(ErrorCode.CONFIGURATION_INVALID, `${what}: only https URLs are called`, { retryable: false }));
    return new Promise<HttpsAnswer>((resolve, reject) => {
      const req = httpsRequest(url, { method: init.method, headers: { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) }, ...(this.#agent ? { agent: this.#agent } : {}), timeout: this.#timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => reject(unreachable(what, 'the answer was cut')));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      // Only the error's code: a message could quote the URL (and its signature).
      req.on('error', (error: NodeJS.ErrnoException) => reject(unreachable(what, error.code ?? error.name)));
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  }
}

function unreachable(what: string, why: string): AppError {
  return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} unreachable (${why})`, { retryable: true });
}

/**
 * An error answer as an {@link AppError}: 429 and 5xx retryable with `retryAfterSeconds`; 401/403 non-retryable
 * saying what is needed (`need`, e.g. "the identity needs <permission>"); 404 and other 4xx non-retryable with the
 * service's `code: message`.
 */
export async function answerError(what: string, answer: HttpsAnswer, need: string, now: Date): Promise<AppError> {
  const reason = await errorReasonOf(new Response(answer.text, { status: answer.status }));
  const said = `${what} answered ${answer.status}${reason ? ` (${reason})` : ''}`;
  if (answer.status === 429 || answer.status >= 500) {
    const after = parseRetryAfter(answer.headers.get('retry-after'), now);
    return new AppError(answer.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, said, {
      retryable: true,
      details: { status: answer.status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
    });
  }
  if (answer.status === 401 || answer.status === 403) {
    return new AppError(answer.status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN, `${said}; ${need}`, {
      retryable: false,
      details: { status: answer.status, reason },
    });
  }
  return new AppError(answer.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.VALIDATION_FAILED, said, { retryable: false, details: { status: answer.status, reason } });
}

/** The Azure Resource Manager endpoint and its token scope. */
export const ARM_DEFAULT_BASE_URL = 'https://management.azure.com';
export const ARM_SCOPE = 'https://management.azure.com/.default';

/** Options of {@link ArmClient}. */
export interface ArmClientOptions {
  credential: BearerCredential;
  /** Default {@link ARM_DEFAULT_BASE_URL}; tests point it at a stand-in. */
  baseUrl?: string;
  transport?: HttpsTransport;
  now?: () => Date;
}

/** One ARM call: path (with its `api-version`) and an optional JSON body. */
export interface ArmCall {
  method: 'GET' | 'PUT';
  path: string;
  body?: Readonly<Record<string, unknown>>;
}

/** Sends {@link ArmCall}s with a bearer token for ARM and classifies the answers. */
export class ArmClient {
  readonly #credential: BearerCredential;
  readonly #baseUrl: string;
  readonly #transport: HttpsTransport;
  readonly #now: () => Date;

  constructor(opts: ArmClientOptions) {
    this.#credential = opts.credential;
    this.#baseUrl = (opts.baseUrl ?? ARM_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#transport = opts.transport ?? new HttpsTransport();
    this.#now = opts.now ?? (() => new Date());
  }

  /** The full URL of a call (for dry runs). */
  urlOf(call: ArmCall): string {
    return `${this.#baseUrl}${call.path}`;
  }

  /** A 2xx answer's JSON body; an error answer as an {@link AppError} naming `permission` on 401/403. */
  async send<T>(call: ArmCall, permission: string): Promise<T> {
    const token = await bearerToken(this.#credential, ARM_SCOPE, 'ARM');
    const what = `ARM ${call.method} ${call.path.split('?')[0]}`;
    const answer = await this.#transport.send(
      new URL(this.urlOf(call)),
      {
        method: call.method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(call.body ? { 'content-type': 'application/json' } : {}) },
        ...(call.body ? { body: JSON.stringify(call.body) } : {}),
      },
      what,
    );
    if (answer.status < 200 || answer.status > 299) throw await answerError(what, answer, `the identity needs ${permission}`, this.#now());
    try {
      return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
    } catch {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${answer.status} with a body that is not JSON`, { retryable: false, details: { status: answer.status } });
    }
  }
}

/** Subscription ids are GUIDs. */
export const SUBSCRIPTION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A token from the credential (one implementation for every adapter: `@soc/outbound`). */
export { bearerToken };
