import { describe, expect, it } from 'vitest';
import { loadConfig } from '@soc/runtime';
import { NotificationConfig } from '../src/config.ts';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(NotificationConfig, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('notification e-mail transport configuration', () => {
  it('defaults to the outbox', () => {
    expect(loadConfig(NotificationConfig, {})).toMatchObject({
      NOTIFY_EMAIL_TRANSPORT: 'outbox',
      SMTP_PORT: 587,
      SMTP_SECURE: false,
      SMTP_REQUIRE_TLS: true,
    });
  });

  it('names the missing variable at start-up', () => {
    expect(problemsOf({ NOTIFY_EMAIL_TRANSPORT: 'smtp' })).toContain(
      'SMTP_HOST: required when NOTIFY_EMAIL_TRANSPORT=smtp',
    );
    expect(problemsOf({ NOTIFY_EMAIL_TRANSPORT: 'graph' })).toContain(
      'GRAPH_MAIL_SENDER: required when NOTIFY_EMAIL_TRANSPORT=graph',
    );
    expect(problemsOf({ NOTIFY_EMAIL_TRANSPORT: 'smtp', SMTP_HOST: 'relay', SMTP_USER: 'soc' })).toContain(
      'SMTP_PASSWORD',
    );
    expect(problemsOf({ NOTIFY_EMAIL_TRANSPORT: 'pigeon' })).toContain('NOTIFY_EMAIL_TRANSPORT');
  });

  it('never echoes a secret in its complaints', () => {
    const missingUser = problemsOf({
      NOTIFY_EMAIL_TRANSPORT: 'smtp',
      SMTP_HOST: 'relay',
      SMTP_PASSWORD: 'hunter2-secret',
    });
    expect(missingUser).toContain('SMTP_USER');
    expect(missingUser).not.toContain('hunter2-secret');
    const badPort = problemsOf({
      NOTIFY_EMAIL_TRANSPORT: 'smtp',
      SMTP_HOST: 'relay',
      SMTP_PASSWORD: 'hunter2-secret',
      SMTP_PORT: 'x',
    });
    expect(badPort).toContain('SMTP_PORT');
    expect(badPort).not.toContain('hunter2-secret');
  });

  it('reads an SMTP setup', () => {
    const config = loadConfig(NotificationConfig, {
      NOTIFY_EMAIL_TRANSPORT: 'smtp',
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      SMTP_USER: 'soc',
      SMTP_PASSWORD_FILE: '/run/secrets/smtp',
    });
    expect(config).toMatchObject({
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_PORT: 465,
      SMTP_SECURE: true,
      SMTP_REQUIRE_TLS: true,
    });
  });
});
