import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppError, ErrorCode } from '@soc/runtime';
import type { Mailer, OutgoingEmail } from '../ports.ts';
import { OUTCOME_UNKNOWN } from './ledgered-mailer.ts';
import { composeEmail } from './mime.ts';

/** Options of {@link SmtpMailer}. */
export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise the connection must be upgraded with STARTTLS. */
  secure: boolean;
  /** Refuse to send unless the connection is TLS (implicit or STARTTLS). Default true. */
  requireTls?: boolean;
  auth?: { user: string; password: string };
  from: string;
  /** PEM certificates to trust besides the system roots (a private relay's CA). */
  ca?: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** The clock of the `Date` header. */
  now?: () => Date;
  /**
   * Told when the relay took the message for some recipients and refused others (the message counts as sent: a
   * resend would reach the accepted ones twice). Recipients come from the policy, never from alert text.
   */
  onRecipientsRefused?: (refused: readonly string[], idempotencyKey: string) => void;
}

/** A nodemailer SMTP error: a `code`, and when the server answered, its reply. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

// Errors raised before the message could have been handed over: a retry cannot send it twice.
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EDNS',
  'ECONNECTION',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETLS',
]);
// Certificate and TLS negotiation failures are configuration (a wrong CA, a relay without STARTTLS), not an outage.
const TLS_CODES = /^(ETLS|ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/;

/** A server reply, bounded, as a reason safe to put on an error (it is the relay's text, never ours). */
const replyOf = (e: SmtpError): string => (e.response ?? e.message).replace(/[\r\n]+/g, ' ').slice(0, 300);

/**
 * Translates a nodemailer SMTP failure once, at the boundary: a 4xx reply (421 shutting down, 451 try later, 452
 * full) and a refused or timed-out connection are retryable; a 5xx reply is permanent (550 mailbox unavailable, 554
 * rejected, 535 bad credentials) and carries the server's reason; a TLS failure is configuration. A timeout without
 * a reply may come after the message was handed over, so it is marked outcome-unknown (logged; the retry sends again).
 */
export function smtpFailure(error: unknown): AppError {
  const e = (error ?? {}) as SmtpError;
  const code = e.code ?? '';
  const reply = e.responseCode;
  if (typeof reply === 'number' && reply >= 400 && reply < 500) {
    return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `SMTP relay deferred the message (${replyOf(e)})`, {
      retryable: true,
      cause: error,
      details: { smtpReply: reply },
    });
  }
  if (typeof reply === 'number' && reply >= 500 && e.command === 'STARTTLS') {
    return new AppError(
      ErrorCode.CONFIGURATION_INVALID,
      `SMTP relay offers no STARTTLS and TLS is required (${replyOf(e)})`,
      { retryable: false, cause: error },
    );
  }
  if (typeof reply === 'number' && reply >= 500) {
    const unauthorized = code === 'EAUTH';
    return new AppError(
      unauthorized ? ErrorCode.UNAUTHORIZED : ErrorCode.VALIDATION_FAILED,
      `SMTP relay refused the ${unauthorized ? 'login' : 'message'} permanently (${replyOf(e)})`,
      { retryable: false, cause: error, details: { smtpReply: reply, reason: replyOf(e) } },
    );
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new AppError(ErrorCode.UNAUTHORIZED, `SMTP login failed: ${e.message}`, { retryable: false, cause: error });
  }
  // nodemailer reports socket failures as ESOCKET and keeps only the message (and, for a connect failure, `syscall`).
  const socketError = code === 'ESOCKET' ? e.message : '';
  if (TLS_CODES.test(code) || /certificate|self-signed|\bTLS\b|\bSSL\b|altname|handshake/i.test(socketError)) {
    return new AppError(ErrorCode.CONFIGURATION_INVALID, `SMTP TLS failed: ${e.message}`, {
      retryable: false,
      cause: error,
    });
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') {
    return new AppError(ErrorCode.VALIDATION_FAILED, `SMTP message rejected: ${e.message}`, {
      retryable: false,
      cause: error,
    });
  }
  const neverSent =
    NEVER_SENT.has(code) ||
    (e as { syscall?: string }).syscall === 'connect' ||
    /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.test(socketError) ||
    (code === 'ETIMEDOUT' && /connection timeout|greeting never received/i.test(e.message));
  return new AppError(
    code === 'ETIMEDOUT' ? ErrorCode.TIMEOUT : ErrorCode.DEPENDENCY_UNAVAILABLE,
    `SMTP relay unavailable (${code || 'error'}): ${e.message}`,
    {
      retryable: true,
      cause: error,
      details: neverSent ? {} : { [OUTCOME_UNKNOWN]: true },
    },
  );
}

/**
 * Sends e-mail through an SMTP relay with nodemailer's SMTP transport: the message is the one `composeEmail`
 * builds (the bytes the outbox writes), handed over raw; the envelope is the e-mail's recipients and `from`.
 * TLS is required by default (implicit TLS, or STARTTLS before AUTH and MAIL); nodemailer's own logging is off, so
 * the password reaches no log. Resolves to `smtp:<queue reply>`.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;
  readonly #from: string;
  readonly #now: () => Date;
  readonly #onRecipientsRefused: ((refused: readonly string[], idempotencyKey: string) => void) | undefined;
  constructor(options: SmtpMailerOptions) {
    this.#from = options.from;
    this.#now = options.now ?? (() => new Date());
    this.#onRecipientsRefused = options.onRecipientsRefused;
    this.#transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTls ?? true,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.password } } : {}),
      tls: { minVersion: 'TLSv1.2', ...(options.ca ? { ca: options.ca } : {}) },
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.greetingTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(email: OutgoingEmail): Promise<string> {
    const raw = await composeEmail(email, { from: this.#from, date: this.#now() });
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.#transport.sendMail({ envelope: { from: this.#from, to: [...email.to] }, raw });
    } catch (error) {
      throw smtpFailure(error);
    }
    // The relay's queue id when it says one (`250 2.0.0 Ok: queued as ABC`), else the message's own Message-ID.
    const queued = /queued as\s+([A-Za-z0-9._-]+)/i.exec(info.response ?? '')?.[1];
    const refused = (info.rejected as (string | { address: string })[]).map((r) => (typeof r === 'string' ? r : r.address));
    if (refused.length > 0) this.#onRecipientsRefused?.(refused, email.idempotencyKey);
    return `smtp:${queued ?? info.messageId}`;
  }

  close(): void {
    this.#transport.close();
  }
}
