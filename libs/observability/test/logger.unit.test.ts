import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger, messageContextOf, withMessageContext } from '../src/index.ts';
import { INCOMING_TRACEPARENT, INCOMING_TRACE_ID, fixtureEvent } from './fixtures.ts';
import { memoryLog } from '../src/testing.ts';

const setup = (extra?: { redact?: string[] }) => {
  const log = memoryLog();
  const logger = createLogger({ service: 'triage', level: 'debug', destination: log.destination, ...extra });
  return { log, logger };
};

describe('createLogger', () => {
  it('writes one JSON object per line with service, ISO time and a textual level', () => {
    const { log, logger } = setup();
    logger.info({ alertId: 'a-1' }, 'scored');
    const [line] = log.lines();
    expect(line).toMatchObject({ service: 'triage', level: 'info', alertId: 'a-1', msg: 'scored' });
    expect(new Date(line?.time as string).toISOString()).toBe(line?.time);
  });

  it('respects the level', () => {
    const log = memoryLog();
    const logger = createLogger({ service: 'triage', level: 'warn', destination: log.destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(log.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('adds the message context to every line inside withMessageContext, across awaits, and nowhere else', async () => {
    const { log, logger } = setup();
    const event = { ...fixtureEvent(), causationid: 'cause-1', traceparent: INCOMING_TRACEPARENT };
    logger.info('before');
    await withMessageContext(messageContextOf('triage', event), async () => {
      await sleep(1);
      logger.info('inside');
    });
    logger.info('after');
    const [before, inside, after] = log.lines();
    expect(inside).toMatchObject({
      service: 'triage',
      subscription: 'triage',
      eventId: event.id,
      eventType: 'soc.alert.received.v1',
      correlationid: event.correlationid,
      causationid: 'cause-1',
      tenantid: event.tenantid,
      traceId: INCOMING_TRACE_ID,
    });
    for (const line of [before, after]) {
      expect(line).not.toHaveProperty('eventId');
      expect(line).not.toHaveProperty('correlationid');
    }
  });

  it('keeps concurrent messages apart', async () => {
    const { log, logger } = setup();
    const base = fixtureEvent();
    await Promise.all(
      ['m1', 'm2', 'm3'].map((id, i) =>
        withMessageContext(messageContextOf('triage', { ...base, id, correlationid: `c-${id}` }), async () => {
          await sleep(3 - i);
          logger.info({ handled: id }, 'done');
        }),
      ),
    );
    for (const line of log.lines()) expect(line.correlationid).toBe(`c-${String(line.handled)}`);
  });

  it('lets fields given at the call site win over the context, for that line only', () => {
    const { log, logger } = setup();
    const event = fixtureEvent();
    withMessageContext(messageContextOf('triage', event), () => {
      logger.info({ eventId: 'explicit', extra: 1 }, 'x');
      logger.info('y');
    });
    const [first, second] = log.lines();
    expect(first).toMatchObject({ eventId: 'explicit', extra: 1 });
    expect(second?.eventId).toBe(event.id);
    expect(second).not.toHaveProperty('extra');
  });

  it('redacts secrets bound to child loggers', () => {
    const { log, logger } = setup();
    logger.child({ upstream: { apiKey: 'child-bound-key-1' } }).info('child');
    expect(log.text()).not.toContain('child-bound-key-1');
  });
});

describe('secrets never reach a log', () => {
  const SECRETS = [
    'hunter2-password',
    'sk-live-0123456789abcdef',
    'Bearer-token-value-42',
    'session=abcdef123456',
    'AccountKeyValue+/==',
    'sas-signature-value',
    'clientsecretvalue',
    'deep-secret-at-depth-6',
  ];

  it('redacts secret keys at the top level, nested, in headers, in arrays and with odd spellings', () => {
    const { log, logger } = setup();
    logger.info(
      {
        password: 'hunter2-password',
        apiKey: 'sk-live-0123456789abcdef',
        req: { headers: { authorization: 'Bearer Bearer-token-value-42', cookie: 'session=abcdef123456' } },
        storage: { connectionString: 'AccountKeyValue+/==' },
        blobs: [{ sas: 'sas-signature-value' }],
        oauth: { client_secret: 'clientsecretvalue' },
        a: { b: { c: { d: { e: { f: { token: 'deep-secret-at-depth-6' } } } } } },
        harmless: 'visible',
      },
      'calling out',
    );
    const text = log.text();
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const [line] = log.lines();
    expect(line).toMatchObject({ password: '[REDACTED]', req: { headers: { authorization: '[REDACTED]' } } });
    expect(line?.harmless).toBe('visible');
  });

  it('redacts header names in any case and spelling', () => {
    const { log, logger } = setup();
    logger.info({ headers: { 'X-API-Key': 'xkey-123456789', 'proxy-authorization': 'Basic cHJveHk6cHc=' } }, 'h');
    expect(log.text()).not.toContain('xkey-123456789');
    expect(log.text()).not.toContain('cHJveHk6cHc=');
  });

  it('redacts extra paths a service declares', () => {
    const { log, logger } = setup({ redact: ['misp.authKey'] });
    logger.info({ misp: { authKey: 'misp-auth-key-value' } }, 'm');
    expect(log.text()).not.toContain('misp-auth-key-value');
  });

  it('strips credentials from error messages, stacks and causes, and drops library error internals', () => {
    const { log, logger } = setup();
    const cause = new Error('login failed for amqps://svc:p4ssw0rd-cause@bus.example.net');
    const error = Object.assign(
      new Error(
        'connect failed: Endpoint=sb://soc.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0LWtleQ==',
        { cause },
      ),
      { code: 'ECONNREFUSED', config: { headers: { Authorization: 'Bearer lib-config-token-xyz' } } },
    );
    logger.error({ err: error }, 'bus unavailable');
    const text = log.text();
    expect(text).not.toContain('c2VjcmV0LWtleQ==');
    expect(text).not.toContain('p4ssw0rd-cause');
    expect(text).not.toContain('lib-config-token-xyz');
    const err = log.lines()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'Error', code: 'ECONNREFUSED' });
    expect(err.message).toContain('SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[REDACTED]');
    expect((err.cause as { message: string }).message).toBe('login failed for amqps://[REDACTED]@bus.example.net');
    expect(err).not.toHaveProperty('config');
  });

  it('scrubs the message when an error is logged on its own (pino copies err.message into msg)', () => {
    const { log, logger } = setup();
    logger.error(new Error('GET https://api.example.com/v1?api_key=leaky-query-key failed'));
    expect(log.text()).not.toContain('leaky-query-key');
    expect(log.lines()[0]?.msg).toBe('GET https://api.example.com/v1?api_key=[REDACTED] failed');
  });

  it('scrubs URL credentials, bearer tokens and JWTs in free text and in values under ordinary keys', () => {
    const { log, logger } = setup();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb2MifQ.c2lnbmF0dXJlLXZhbHVl';
    logger.warn({ target: 'redis://default:redis-pass-9@cache:6379', note: `got ${jwt}` }, 'sent Bearer abc.def-ghi');
    const text = log.text();
    expect(text).not.toContain('redis-pass-9');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('abc.def-ghi');
    expect(log.lines()[0]).toMatchObject({ target: 'redis://[REDACTED]@cache:6379', msg: 'sent Bearer [REDACTED]' });
  });

  it('keeps AppError details but still redacts secret keys inside them', () => {
    const { log, logger } = setup();
    const error = Object.assign(new Error('rejected'), {
      name: 'AppError',
      code: 'VALIDATION_FAILED',
      retryable: false,
      details: { field: 'severity', password: 'details-password-1' },
    });
    logger.warn({ err: error }, 'rejected');
    expect(log.lines()[0]?.err).toMatchObject({
      code: 'VALIDATION_FAILED',
      retryable: false,
      details: { field: 'severity', password: '[REDACTED]' },
    });
    expect(log.text()).not.toContain('details-password-1');
  });
});
