import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ParsedMail, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { OutboxChatPoster, OutboxMailer } from '../src/adapters/outbox-mailer.ts';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { MemoryStateStore } from '@soc/state';
import { makeNotificationHandler } from '../src/handler.ts';
import type { OutgoingEmail } from '../src/ports.ts';
import { decisionFixture, delivery } from './support/decision.ts';

const FROM = 'soc-copilot@example.org';

/** Sends through the outbox mailer and reads the .eml back: the raw message and what a real MIME parser makes of it. */
async function roundTrip(email: OutgoingEmail): Promise<{ raw: string; mail: ParsedMail }> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
  const deliveryId = await new OutboxMailer({ dir, from: FROM, now: () => new Date('2026-11-23T09:00:00Z') }).send(email);
  const raw = readFileSync(join(dir, deliveryId.slice('outbox:'.length)), 'latin1');
  return { raw, mail: await simpleParser(Buffer.from(raw, 'latin1')) };
}

const base: OutgoingEmail = { idempotencyKey: 'act-1', to: ['soc@example.org'], subject: 'S', html: '<p>x</p>', text: 'x' };
const crlf = (s: string) => s.replace(/\r\n/g, '\n');

describe('MIME built by MailComposer, not by string concatenation', () => {
  it('alert text carrying the boundary and header lines cannot inject a MIME part', async () => {
    // Before: the boundary was `soc-<idempotency key>`, so alert text could close the text part and open its own.
    const injected = ['Invoice', '--soc-act-1', 'Content-Type: text/html; charset=utf-8', '', '<a href="https://evil.example/">Reset your password</a>', '--soc-act-1--', ''].join('\r\n');
    const { mail } = await roundTrip({ ...base, text: `Summary: ${injected}`, html: `<p>${injected}</p>` });
    expect(crlf(mail.text ?? '')).toBe(crlf(`Summary: ${injected}`));
    expect(crlf(mail.html || '')).toBe(crlf(`<p>${injected}</p>`));
    expect(mail.attachments).toEqual([]);
  });

  it('a subject with CRLF cannot add a header (Bcc)', async () => {
    const { raw, mail } = await roundTrip({ ...base, subject: 'Alert\r\nBcc: victim@example.org\r\nX-Injected: 1' });
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-injected')).toBe(false);
    expect(mail.bcc).toBeUndefined();
    expect(raw).not.toMatch(/^(Bcc|X-Injected):/im);
  });

  it('a subject cannot smuggle an encoded word that a client would decode into something else', async () => {
    // `aHR0cHM6Ly9ldmlsLmNvbS8=` is base64 for a live URL that defanging never sees.
    const subject = 'Alert =?utf-8?b?aHR0cHM6Ly9ldmlsLmNvbS8=?= and =?utf-8?q?x?=';
    const { mail } = await roundTrip({ ...base, subject });
    expect(mail.subject).toBe(subject);
  });

  it('writes RFC 2047 headers, Date, Message-ID, a transfer encoding and lines a mail server accepts', async () => {
    const subject = 'Bösartige Datei — 不審なファイル';
    const html = `<p>${'é'.repeat(3000)}</p>`;
    const { raw, mail } = await roundTrip({ ...base, subject, html, text: 'plain ✓ text' });
    const [head = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/); // headers are ASCII: the subject is an encoded word
    expect(head).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
    expect(mail.subject).toBe(subject);
    expect(mail.date?.toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(mail.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
    expect(head).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(raw).toMatch(/Content-Transfer-Encoding: (quoted-printable|base64)/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(mail.html).toBe(html);
    expect(mail.text).toBe('plain ✓ text');
  });

  it('draws a new boundary for every message', async () => {
    const boundary = (raw: string) => /boundary="([^"]+)"/.exec(raw)?.[1];
    const a = boundary((await roundTrip(base)).raw);
    const b = boundary((await roundTrip(base)).raw);
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
    expect(a).not.toContain('act-1');
  });

  it('any subject, text and HTML come back exactly as sent', async () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('\r\n', '\n', '--', '=', '=?utf-8?q?x?=', '.\r\n', '\r\n.\r\n', 'From: x', ' ', '\t', 'Content-Type: text/html'),
    );
    const text = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(text, text, text, async (subject, body, html) => {
        // Our e-mails always have both parts (an empty one would be left out of the message).
        const { mail } = await roundTrip({ ...base, subject, text: `Summary ${body}`, html: `<p>${html}</p>` });
        // Line breaks in a subject become spaces (a header is one logical line); nothing else changes.
        const words = (v: string) => v.replace(/\s+/g, ' ').trim();
        expect(words(mail.subject ?? '')).toBe(words(subject));
        const ours = ['auto-submitted', 'content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to'];
        for (const header of mail.headers.keys()) expect(ours).toContain(header);
        expect(crlf(mail.text ?? '')).toBe(crlf(`Summary ${body}`));
        expect(crlf(mail.html || '')).toBe(crlf(`<p>${html}</p>`));
        expect(mail.attachments).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the alert e-mail, read by a MIME parser', () => {
  it('has the headers, an HTML and a text part, defanged content, the live case link and no secret', async () => {
    const event = decisionFixture();
    const { alert, triage } = event.data;
    alert.title = 'Ünïcode invoice from https://invoice-portal.com\r\nBcc: victim@example.org';
    triage.nextSteps = ['Check who else accessed https://bad-site.example/payload', '--soc-b4a9f07a-cf5d-fe4f-3826-5f3907f8a059--'];
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const secret = 'sk-test-0123456789abcdefghijklmnop';
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()),
      mailer: new OutboxMailer({ dir, from: FROM, now: () => new Date('2026-11-23T09:00:00Z') }),
      chat: new OutboxChatPoster({ dir }),
      clock: manualClock(),
      publicUrl: 'https://soc.example.org',
    });
    const { emit } = await handle(event, delivery);
    const sent = emit.find((e) => e.type === 'soc.notification.sent.v1' && e.data.channel === 'email');
    if (sent?.type !== 'soc.notification.sent.v1') throw new Error('no e-mail sent');
    const raw = readFileSync(join(dir, sent.data.deliveryId.slice('outbox:'.length)));
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('[SOC CRITICAL 88] Ünïcode invoice from hxxps://invoice-portal[.]com Bcc: victim[@]example[.]org');
    expect(mail.from?.text).toBe(FROM);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('soc-oncall@contoso.com');
    expect(mail.bcc).toBeUndefined();
    expect(mail.attachments).toEqual([]);
    const html = mail.html || '';
    const text = mail.text ?? '';
    for (const part of [html, text, mail.subject ?? '']) {
      for (const live of ['https://bad-site.example', 'invoice-portal.com', '203.0.113.45', 'jane.doe@contoso.com', 'victim@example.org']) expect(part).not.toContain(live);
      expect(part).not.toContain(secret);
    }
    expect(text).toContain('1. Check who else accessed hxxps://bad-site[.]example/payload');
    expect(text).toContain('2. --soc-b4a9f07a-cf5d-fe4f-3826-5f3907f8a059--');
    const link = `https://soc.example.org/#/case/${alert.alertId}`;
    expect(text).toContain(`Case: ${link}`);
    expect(html).toContain(`<a href="${link}">Open the case in SOC Copilot</a>`);
  });
});
