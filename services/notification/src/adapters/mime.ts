import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import MailComposer from 'nodemailer/lib/mail-composer';
import type * as MimeFuncs from 'nodemailer/lib/mime-funcs';
import type { OutgoingEmail } from '../ports.ts';

// mime-funcs is CommonJS whose functions call each other through `this`: Node's ESM import exposes no named exports
// for it, and a detached `encodeWord` loses `this`. Required whole, it works under Node and under vitest alike.
const mimeFuncs = createRequire(import.meta.url)('nodemailer/lib/mime-funcs') as typeof MimeFuncs;

/** Options of {@link composeEmail}. */
export interface ComposeOptions {
  from: string;
  /** The `Date` header. */
  date: Date;
}

/**
 * Builds an e-mail's RFC 5322 message with nodemailer's MailComposer: a random multipart boundary (alert text can
 * neither know nor close it), headers folded and RFC 2047-encoded (a CR or LF in a subject cannot start a header),
 * `Date`, `Message-ID`, and quoted-printable bodies with lines of at most 76 characters. Every transport writes or
 * sends these bytes (the outbox today, SMTP later).
 */
export async function composeEmail(email: OutgoingEmail, options: ComposeOptions): Promise<Buffer> {
  // MailComposer passes a valid encoded word (`=?utf-8?b?…?=`) through as written, and a client decodes it: alert text
  // could then show what it likes — a live link our defanging never saw. A subject is plain text, never pre-encoded,
  // so one holding `=?` is encoded whole (and its own `=?` with it).
  const subject = email.subject.includes('=?') ? mimeFuncs.encodeWord(email.subject, 'Q', 52) : email.subject;
  // Stable per idempotency key, so a message sent twice is one message to every mail client.
  const messageId = `<${createHash('sha256').update(email.idempotencyKey).digest('hex').slice(0, 32)}@soc-copilot.local>`;
  const composer = new MailComposer({
    from: options.from,
    to: [...email.to],
    subject,
    text: email.text,
    html: email.html,
    date: options.date,
    messageId,
    // Readable in an editor and greppable, unlike base64; still 7-bit and line-length safe.
    textEncoding: 'quoted-printable',
    // RFC 3834: an automatic message, so out-of-office replies do not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
