import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutboxChatPoster, OutboxMailer } from '../src/adapters/outbox-mailer.ts';

describe('outbox transports', () => {
  it('writes one .eml per idempotency key, however often it is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const mailer = new OutboxMailer({ dir, from: 'soc-copilot@example.org' });
    const email = { idempotencyKey: 'act-1', to: ['soc@example.org'], subject: 'S', html: '<p>x</p>', text: 'x' };
    const first = await mailer.send(email);
    const second = await mailer.send({ ...email, subject: 'changed' });
    expect(second).toBe(first);
    expect(readdirSync(dir)).toEqual(['act-1.eml']);
    const eml = readFileSync(join(dir, 'act-1.eml'), 'utf8');
    expect(eml).toContain('Subject: S\r\n');
    expect(eml).toContain('Content-Type: text/html; charset=utf-8');
  });

  it('names files safely whatever the key contains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    await new OutboxChatPoster({ dir }).post({ idempotencyKey: '../../etc/passwd', channel: 'teams', destination: 'soc', title: 't', text: 'x' });
    expect(readdirSync(dir)).toEqual(['.._.._etc_passwd.teams.json']);
  });

  it('updates a chat message in place by its reference, and only a file it named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const chat = new OutboxChatPoster({ dir });
    const message = { idempotencyKey: 'act-2', channel: 'slack' as const, destination: 'soc', title: 't', text: '1 alert' };
    const ref = await chat.post(message);
    expect(await chat.update(ref, { ...message, text: '12 alerts' })).toBe(ref);
    expect(readdirSync(dir)).toEqual(['act-2.slack.json']);
    expect(JSON.parse(readFileSync(join(dir, 'act-2.slack.json'), 'utf8'))).toMatchObject({ text: '12 alerts' });
    await expect(chat.update('outbox:../elsewhere.json', message)).rejects.toThrow(/not an outbox chat reference/);
  });
});
