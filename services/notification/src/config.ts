import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The notification service's own settings. */
export const NotificationConfig = z
  .object({
    NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
    NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
    /** Where e-mail goes: the embedded outbox (default), an SMTP relay, or Microsoft Graph sendMail. */
    NOTIFY_EMAIL_TRANSPORT: z.enum(['outbox', 'smtp', 'graph']).default('outbox'),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    /** `true`: TLS from the first byte (port 465). `false`: STARTTLS, required unless SMTP_REQUIRE_TLS=false. */
    SMTP_SECURE: flag.default(false),
    SMTP_REQUIRE_TLS: flag.default(true),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    /** A file holding the password (a mounted secret); wins over SMTP_PASSWORD. */
    SMTP_PASSWORD_FILE: z.string().min(1).optional(),
    /** PEM file of CA certificates to trust besides the system roots (a relay with a private CA). */
    SMTP_TLS_CA_FILE: z.string().min(1).optional(),
    SMTP_CONNECTION_TIMEOUT_MS: ms(10_000),
    SMTP_GREETING_TIMEOUT_MS: ms(10_000),
    SMTP_SOCKET_TIMEOUT_MS: ms(30_000),
    /** The mailbox Graph sends as (user id or UPN), e.g. `soc-alerts@contoso.com`. */
    GRAPH_MAIL_SENDER: z.string().min(1).optional(),
    GRAPH_MAIL_BASE_URL: z.url().default('https://graph.microsoft.com'),
    GRAPH_MAIL_TIMEOUT_MS: ms(30_000),
  })
  .superRefine((c, ctx) => {
    const need = (name: keyof typeof c, why: string) => {
      if (c[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required when ${why}` });
    };
    if (c.NOTIFY_EMAIL_TRANSPORT === 'smtp') {
      need('SMTP_HOST', 'NOTIFY_EMAIL_TRANSPORT=smtp');
      if (c.SMTP_USER !== undefined && c.SMTP_PASSWORD === undefined && c.SMTP_PASSWORD_FILE === undefined) {
        ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'SMTP_PASSWORD or SMTP_PASSWORD_FILE is required when SMTP_USER is set' });
      }
      if ((c.SMTP_PASSWORD !== undefined || c.SMTP_PASSWORD_FILE !== undefined) && c.SMTP_USER === undefined) need('SMTP_USER', 'an SMTP password is set');
    }
    if (c.NOTIFY_EMAIL_TRANSPORT === 'graph') need('GRAPH_MAIL_SENDER', 'NOTIFY_EMAIL_TRANSPORT=graph');
  });
export type NotificationConfig = z.infer<typeof NotificationConfig>;
