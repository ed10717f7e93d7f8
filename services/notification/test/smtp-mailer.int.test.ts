import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxChatPoster } from '../src/adapters/outbox-mailer.ts';
import { LedgeredMailer, isOutcomeUnknown } from '../src/adapters/ledgered-mailer.ts';
import { SmtpMailer, type SmtpMailerOptions } from '../src/adapters/smtp-mailer.ts';
import { StateSentLedger } from '../src/adapters/state-sent-ledger.ts';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { makeNotificationHandler } from '../src/handler.ts';
import type { OutgoingEmail } from '../src/ports.ts';
import { AppError, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { decisionFixture, delivery } from './support/decision.ts';
import { startSmtpStandIn } from './support/smtp-stand-in.ts';

const USER = 'soc-relay';
const PASSWORD = 'smtp-Pa55word-never-logged-7f3a';
const FROM = 'soc-copilot@example.org';
const DATE = new Date('2026-11-23T09:00:00Z');

type StandIn = Awaited<ReturnType<typeof startSmtpStandIn>>;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function standIn(options: Partial<Parameters<typeof startSmtpStandIn>[0]> = {}): Promise<StandIn> {
  const server = await startSmtpStandIn({ user: USER, password: PASSWORD, ...options });
  closers.push(() => server.close());
  return server;
}

function smtpMailer(server: { port: number; ca: string }, overrides: Partial<SmtpMailerOptions> = {}): SmtpMailer {
  const mailer = new SmtpMailer({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    ca: server.ca,
    auth: { user: USER, password: PASSWORD },
    from: FROM,
    now: () => DATE,
    ...overrides,
  });
  closers.push(() => mailer.close());
  return mailer;
}

const ledgered = (inner: SmtpMailer) =>
  new LedgeredMailer(inner, new StateSentLedger(new MemoryStateStore(), { now: () => DATE }));
const email: OutgoingEmail = {
  idempotencyKey: 'act-1',
  to: ['soc-oncall@contoso.com'],
  subject: 'Alert',
  html: '<p>x</p>',
  text: 'x',
};

async function failureOf(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('SmtpMailer against a real SMTP server on loopback (STARTTLS, AUTH)', () => {
  it('delivers the alert e-mail over STARTTLS with auth: headers, HTML and text parts, defanged, no secret', async () => {
    const server = await standIn();
    const event = decisionFixture();
    const { alert, triage } = event.data;
    triage.nextSteps = ['Check who else accessed https://bad-site.example/payload', ...triage.nextSteps];
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()),
      mailer: ledgered(smtpMailer(server)),
      chat: new OutboxChatPoster({ dir: `${process.env.TMPDIR ?? '/tmp'}/smtp-test-chat-${process.pid}` }),
      clock: manualClock(DATE),
      publicUrl: 'https://soc.example.org',
    });
    const { emit } = await handle(event, delivery);
    const sent = emit.find((e) => e.type === 'soc.notification.sent.v1' && e.data.channel === 'email');
    if (sent?.type !== 'soc.notification.sent.v1') throw new Error('no e-mail sent');
    expect(sent.data.deliveryId).toBe('smtp:Q1');

    expect(server.received).toHaveLength(1);
    const [message] = server.received;
    if (!message) throw new Error('nothing arrived');
    expect(message.secure).toBe(true);
    expect(message.user).toBe(USER);
    expect(message.envelopeFrom).toBe(FROM);
    expect(message.envelopeTo).toEqual(['soc-oncall@contoso.com']);
    const mail = await simpleParser(message.raw);
    expect(mail.from?.text).toBe(FROM);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('soc-oncall@contoso.com');
    expect(mail.subject).toBe(sent.data.subject);
    expect(mail.subject).toMatch(/^\[SOC CRITICAL 88\] /);
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@soc-copilot\.local>$/);
    expect(mail.date?.toISOString()).toBe(DATE.toISOString());
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    const html = mail.html || '';
    const text = mail.text ?? '';
    expect(text).toContain('Check who else accessed hxxps://bad-site[.]example/payload');
    expect(html).toContain('hxxps://bad-site[.]example/payload');
    const link = `https://soc.example.org/#/case/${alert.alertId}`;
    expect(text).toContain(`Case: ${link}`);
    expect(html).toContain(`<a href="${link}">`);
    expect(message.raw.toString('latin1')).not.toContain('https://bad-site.example');
    expect(message.raw.toString('latin1')).not.toContain(PASSWORD);
    expect(message.raw.toString('latin1')).not.toContain(Buffer.from(PASSWORD).toString('base64'));

    // `SOC_WRITE_EMAIL_SAMPLE=docs/notifications/email-sample.eml` refreshes the documented sample with these bytes.
    const sample = process.env.SOC_WRITE_EMAIL_SAMPLE;
    if (sample) {
      mkdirSync(dirname(sample), { recursive: true });
      writeFileSync(sample, message.raw);
    }
  });

  it('sends one message for one idempotency key, however often it is sent', async () => {
    const server = await standIn();
    const mailer = ledgered(smtpMailer(server));
    const first = await mailer.send(email);
    const second = await mailer.send({ ...email, subject: 'changed' });
    expect(second).toBe(first);
    expect(server.received).toHaveLength(1);
  });

  it('a 421 outage is retryable and nothing is lost: after recovery the message is sent once', async () => {
    const server = await standIn();
    const mailer = ledgered(smtpMailer(server));
    server.outage(2);
    for (let i = 0; i < 2; i++) {
      const error = await failureOf(mailer.send(email));
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('421');
      expect(isOutcomeUnknown(error)).toBe(false);
    }
    expect(server.received).toHaveLength(0);
    await mailer.send(email);
    await mailer.send(email);
    expect(server.received).toHaveLength(1);
  });

  it('550 mailbox unavailable is permanent, not retryable, with the server’s reason', async () => {
    const server = await standIn({ unknownRecipients: ['gone@contoso.com'] });
    const error = await failureOf(ledgered(smtpMailer(server)).send({ ...email, to: ['gone@contoso.com'] }));
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ smtpReply: 550 });
    expect(error.message).toContain('5.1.1 mailbox unavailable');
    expect(server.received).toHaveLength(0);
  });

  it('a recipient refused among accepted ones: the others get the message, it counts as sent, and the refusal is told', async () => {
    const server = await standIn({ unknownRecipients: ['gone@contoso.com'] });
    const refusals: string[][] = [];
    const mailer = ledgered(smtpMailer(server, { onRecipientsRefused: (refused) => refusals.push([...refused]) }));
    await mailer.send({ ...email, to: ['soc-oncall@contoso.com', 'gone@contoso.com'] });
    await mailer.send({ ...email, to: ['soc-oncall@contoso.com', 'gone@contoso.com'] });
    expect(server.received.map((m) => m.envelopeTo)).toEqual([['soc-oncall@contoso.com']]);
    expect(refusals).toEqual([['gone@contoso.com']]);
  });

  it('a wrong password is refused, not retried, and the password appears in no error', async () => {
    const server = await standIn();
    const wrong = 'not-the-Pa55word-9c1e';
    const error = await failureOf(smtpMailer(server, { auth: { user: USER, password: wrong } }).send(email));
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(server.logins).toEqual([{ user: USER, ok: false }]);
    const everything = JSON.stringify({
      message: error.message,
      details: error.details,
      cause: String(error.cause),
      stack: error.stack,
    });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(wrong).toString('base64'));
  });

  it('refuses to send without TLS when the relay offers no STARTTLS (requireTLS)', async () => {
    const server = await standIn({ withoutTls: true });
    const error = await failureOf(smtpMailer(server).send(email));
    expect(error.code).toBe('CONFIGURATION_INVALID');
    expect(error.retryable).toBe(false);
    expect(server.logins).toEqual([]);
    expect(server.received).toHaveLength(0);
  });

  it('a certificate it does not trust is a configuration error, and the password is never sent', async () => {
    const server = await standIn();
    const error = await failureOf(smtpMailer(server, { ca: undefined }).send(email));
    expect(error.code).toBe('CONFIGURATION_INVALID');
    expect(error.retryable).toBe(false);
    expect(server.logins).toEqual([]);
  });

  it('a refused connection is retryable and certainly sent nothing', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failureOf(smtpMailer({ port, ca: '' }).send(email));
    expect(error.retryable).toBe(true);
    expect(isOutcomeUnknown(error)).toBe(false);
  });
});
