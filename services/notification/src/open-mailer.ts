import { readFileSync } from 'node:fs';
import type { Platform } from '@soc/platform';
import { AppError, ErrorCode } from '@soc/runtime';
import { GRAPH_SCOPE, type GraphCredential, GraphMailer } from './adapters/graph-mailer.ts';
import { LedgeredMailer } from './adapters/ledgered-mailer.ts';
import { OutboxMailer } from './adapters/outbox-mailer.ts';
import { SmtpMailer } from './adapters/smtp-mailer.ts';
import { StateSentLedger } from './adapters/state-sent-ledger.ts';
import type { NotificationConfig } from './config.ts';
import type { Mailer } from './ports.ts';

/** What opening a mailer needs besides configuration; the seams tests use instead of the real identity and network. */
export interface MailerDeps {
  /** Replaces DefaultAzureCredential for Graph (tests pass one returning a fixed token). */
  graphCredential?: GraphCredential;
  fetch?: typeof globalThis.fetch;
}

const readSecretFile = (variable: string, path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new AppError(
      ErrorCode.CONFIGURATION_INVALID,
      `${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { retryable: false },
    );
  }
};

/**
 * The mailer `NOTIFY_EMAIL_TRANSPORT` selects: the outbox (embedded default), or SMTP / Graph behind the sent-ledger
 * on the platform's state store, so a redelivered decision does not mail again once the transport accepted it. `close` releases the transport.
 */
export async function openMailer(
  config: NotificationConfig,
  platform: Pick<Platform, 'state' | 'clock' | 'log' | 'env'>,
  outboxDir: string,
  deps: MailerDeps = {},
): Promise<{ mailer: Mailer; close: () => void }> {
  const now = () => platform.clock.now();
  const ledgered = (inner: Mailer) =>
    // The lease is the bus lock: a crashed holder's message comes back when its lock runs out, and finds the claim
    // stale (in doubt) rather than busy.
    new LedgeredMailer(
      inner,
      new StateSentLedger(platform.state, { now, leaseMs: platform.env.BUS_LOCK_DURATION_MS }),
      {
        onInDoubt: (key, claimedAt) =>
          platform.log.warn(
            { idempotencyKey: key, claimedAt },
            'an earlier send of this e-mail has no known outcome: sending again (a duplicate beats a lost alert)',
          ),
        onOutcomeUnknown: (key) =>
          platform.log.warn(
            { idempotencyKey: key },
            'the e-mail transport failed after the message may have left: the retry sends it again',
          ),
      },
    );
  switch (config.NOTIFY_EMAIL_TRANSPORT) {
    case 'outbox':
      return { mailer: new OutboxMailer({ dir: outboxDir, from: config.NOTIFY_FROM, now }), close: () => undefined };
    case 'smtp': {
      const password =
        config.SMTP_PASSWORD_FILE !== undefined
          ? readSecretFile('SMTP_PASSWORD_FILE', config.SMTP_PASSWORD_FILE)
          : config.SMTP_PASSWORD;
      const smtp = new SmtpMailer({
        host: config.SMTP_HOST ?? '',
        port: config.SMTP_PORT,
        secure: config.SMTP_SECURE,
        requireTls: config.SMTP_REQUIRE_TLS,
        ...(config.SMTP_USER !== undefined && password !== undefined
          ? { auth: { user: config.SMTP_USER, password } }
          : {}),
        ...(config.SMTP_TLS_CA_FILE !== undefined
          ? { ca: readSecretFile('SMTP_TLS_CA_FILE', config.SMTP_TLS_CA_FILE) }
          : {}),
        from: config.NOTIFY_FROM,
        connectionTimeoutMs: config.SMTP_CONNECTION_TIMEOUT_MS,
        greetingTimeoutMs: config.SMTP_GREETING_TIMEOUT_MS,
        socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS,
        now,
        onRecipientsRefused: (refused, key) =>
          platform.log.warn(
            { idempotencyKey: key, refused },
            'the SMTP relay refused some recipients of this e-mail; the others got it',
          ),
      });
      platform.log.info(
        {
          host: config.SMTP_HOST,
          port: config.SMTP_PORT,
          secure: config.SMTP_SECURE,
          requireTls: config.SMTP_REQUIRE_TLS,
          user: config.SMTP_USER,
        },
        'e-mail goes through SMTP',
      );
      return { mailer: ledgered(smtp), close: () => smtp.close() };
    }
    case 'graph': {
      const credential = deps.graphCredential ?? new (await import('@azure/identity')).DefaultAzureCredential();
      const graph = new GraphMailer({
        sender: config.GRAPH_MAIL_SENDER ?? '',
        from: config.NOTIFY_FROM,
        credential,
        baseUrl: config.GRAPH_MAIL_BASE_URL,
        timeoutMs: config.GRAPH_MAIL_TIMEOUT_MS,
        now,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      platform.log.info(
        { sender: config.GRAPH_MAIL_SENDER, baseUrl: config.GRAPH_MAIL_BASE_URL, scope: GRAPH_SCOPE },
        'e-mail goes through Microsoft Graph sendMail',
      );
      return { mailer: ledgered(graph), close: () => undefined };
    }
  }
}
