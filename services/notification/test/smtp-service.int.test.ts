import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLog } from '@soc/observability/testing';
import { type RunningSystem, runServices } from '@soc/platform';
import { makeNotificationService } from '../src/service.ts';
import { cardFile, decisionFixture, sameGroupAlert } from './support/decision.ts';
import { startSmtpStandIn } from './support/smtp-stand-in.ts';

const USER = 'soc-relay';
const PASSWORD = 'smtp-Pa55word-from-a-file-41c9';

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the notification service configured for SMTP (NOTIFY_EMAIL_TRANSPORT=smtp)', () => {
  let system: RunningSystem | undefined;
  let server: Awaited<ReturnType<typeof startSmtpStandIn>> | undefined;
  afterAll(async () => {
    await system?.close();
    await server?.close();
  });

  it('rides out a 421 outage through bus retries, sends once, ignores a repeated decision, and logs no password', async () => {
    server = await startSmtpStandIn({ user: USER, password: PASSWORD });
    const dir = mkdtempSync(join(tmpdir(), 'soc-smtp-service-'));
    writeFileSync(join(dir, 'smtp-password'), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'relay-ca.pem'), server.ca);
    const log = memoryLog();
    system = await runServices([makeNotificationService()], {
      env: {
        SOC_DATA_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        NOTIFY_EMAIL_TRANSPORT: 'smtp',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(server.port),
        SMTP_USER: USER,
        SMTP_PASSWORD_FILE: join(dir, 'smtp-password'),
        SMTP_TLS_CA_FILE: join(dir, 'relay-ca.pem'),
        NOTIFY_FROM: 'soc-copilot@example.org',
      },
      handleSignals: false,
      logDestination: log.destination,
    });
    // The relay is down for the first two deliveries (421 at the greeting): the bus retries, nothing is lost.
    server.outage(2);
    const decision = decisionFixture();
    const chat = decision.data.actions.find((a) => a.kind === 'PostChat');
    if (!chat) throw new Error('fixture changed');
    await system.platform.bus.publish([decision]);
    // The card does not wait for the relay (a failing channel holds up no other); the e-mail comes after the outage.
    await until(() => existsSync(join(dir, 'outbox', cardFile(decision, 'teams', chat.destination))), 'the card to be posted');
    await until(() => (server?.received.length ?? 0) > 0, 'the e-mail to be sent after the outage');
    expect(server.connections()).toBeGreaterThanOrEqual(3);
    expect(server.received).toHaveLength(1);

    // Noise control: a second alert of the same case group updates the card (count 2) and mails nothing.
    const again = sameGroupAlert(decision, 2);
    await system.platform.bus.publish([again]);
    await until(() => readFileSync(join(dir, 'outbox', cardFile(decision, 'teams', chat.destination)), 'utf8').includes('2 alerts in this case group'), 'the repeated decision to be handled');
    expect(server.received).toHaveLength(1);

    const [message] = server.received;
    expect(message?.secure).toBe(true);
    expect(message?.user).toBe(USER);
    const mail = await simpleParser(message?.raw ?? Buffer.alloc(0));
    expect(mail.subject).toMatch(/^\[SOC CRITICAL 88\] /);
    expect(log.text()).toContain('e-mail goes through SMTP');
    expect(log.text()).not.toContain(PASSWORD);
    expect(log.text()).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });
});
