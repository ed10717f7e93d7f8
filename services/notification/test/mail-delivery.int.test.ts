import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventByType, SUBSCRIPTIONS, caseGroupKey } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { GRAPH_SCOPE, type GraphCredential } from '../src/adapters/graph-mailer.ts';
import type { MailerDeps } from '../src/open-mailer.ts';
import { makeNotificationService } from '../src/service.ts';
import { decisionFixture } from './support/decision.ts';
import { redeliver, replayOf, settled, until } from '@soc/bus/testing';
import { startGraphStandIn } from './support/graph-stand-in.ts';
import { startSmtpStandIn } from './support/smtp-stand-in.ts';

const SUB = SUBSCRIPTIONS.notification.name;
const GRAPH_TOKEN = 'eyJ0eXAiOiJKV1QifQ.mail-delivery-test.sig';
const SENDER = 'soc-alerts@contoso.com';
const SMTP_USER = 'soc-relay';
const SMTP_PASSWORD = 'smtp-Pa55word-mail-delivery-77';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(env: Record<string, string>, deps: MailerDeps = {}): Promise<RunningSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-mail-delivery-'));
  const system = await runServices([makeNotificationService(deps)], {
    env: {
      SOC_DATA_DIR: dir,
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      NOTIFY_FROM: SENDER,
      ...env,
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return system;
}

const credential: GraphCredential & { scopes: unknown[] } = {
  scopes: [],
  async getToken(scope) {
    this.scopes.push(scope);
    return { token: GRAPH_TOKEN };
  },
};

/** The platform fetch, each answer held back `ms` (a slow Graph), so overlapping deliveries really overlap. */
const slowFetch =
  (ms: number): typeof fetch =>
  async (input, init) => {
    const res = await fetch(input, init);
    await new Promise((r) => setTimeout(r, ms));
    return res;
  };

async function graphSystem(deps: MailerDeps = {}) {
  const graph = await startGraphStandIn();
  closers.push(() => graph.close());
  const system = await start(
    { NOTIFY_EMAIL_TRANSPORT: 'graph', GRAPH_MAIL_SENDER: SENDER, GRAPH_MAIL_BASE_URL: graph.url },
    { graphCredential: credential, ...deps },
  );
  return { graph, system };
}

function recipientsOf(event: EventByType<'soc.decision.made.v2'>): string[] {
  return event.data.actions.flatMap((a) => (a.kind === 'SendEmail' ? a.to : []));
}

describe('e-mail through Microsoft Graph sendMail, the notification service against a Graph stand-in', () => {
  it('an outage (503 with Retry-After, then 503 without) → one message after recovery, the same wire call each time, nothing dead-lettered', async () => {
    const { graph, system } = await graphSystem();
    graph.answer(
      {
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: { code: 'ServiceUnavailable', message: 'try later' } },
      },
      { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } },
    );
    const event = decisionFixture();
    await system.platform.bus.publish([event]);
    await until(() => graph.requests.length === 3, 'the third sendMail');
    await settled(system, SUB);

    for (const request of graph.requests) {
      expect([request.method, request.path]).toEqual(['POST', `/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`]);
      expect(request.headers.authorization).toBe(`Bearer ${GRAPH_TOKEN}`);
      expect(request.headers['content-type']).toBe('text/plain');
      expect(request.body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
    expect(credential.scopes.every((s) => s === GRAPH_SCOPE)).toBe(true);
    const mails = await Promise.all(graph.requests.map((r) => simpleParser(Buffer.from(r.body, 'base64'))));
    // The same message each attempt (one Message-ID): a retry is the same e-mail, not a new one.
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(1);
    expect(mails[0]?.to && !Array.isArray(mails[0].to) ? mails[0].to.value.map((a) => a.address) : []).toEqual(
      recipientsOf(event),
    );
    expect(graph.requests[1]!.at - graph.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice, replayed under a new id, and delivered twice at once → one sendMail', async () => {
    const { graph, system } = await graphSystem({ fetch: slowFetch(200) });
    const event = decisionFixture();
    await system.platform.bus.publish([event]);
    await until(() => graph.requests.length === 1, 'the sendMail');
    await settled(system, SUB);
    await redeliver(system, SUB, event);
    await system.platform.bus.publish([replayOf(event)]);
    await settled(system, SUB);
    expect(graph.requests).toHaveLength(1);

    // Another decision's first delivery overlapping its redelivery: the sent-ledger's claim lets one through.
    const other = decisionFixture();
    other.data.alert.alertId = `${other.data.alert.alertId}-other-group`;
    other.data.alert.rule = { ...other.data.alert.rule, id: 'another-rule' };
    other.id = replayOf(other).id;
    expect(caseGroupKey(other.data.alert)).not.toBe(caseGroupKey(event.data.alert));
    await Promise.all([redeliver(system, SUB, other), redeliver(system, SUB, other)]);
    await settled(system, SUB);
    expect(graph.requests).toHaveLength(2);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });
});

describe('e-mail through an SMTP relay, the notification service against a real SMTP server on loopback', () => {
  it('a 421 outage, then the decision delivered twice, replayed, and delivered twice at once → one message over STARTTLS with auth, nothing dead-lettered', async () => {
    const server = await startSmtpStandIn({ user: SMTP_USER, password: SMTP_PASSWORD });
    closers.push(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), 'soc-mail-delivery-ca-'));
    writeFileSync(join(dir, 'ca.pem'), server.ca);
    const system = await start({
      NOTIFY_EMAIL_TRANSPORT: 'smtp',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(server.port),
      SMTP_USER,
      SMTP_PASSWORD,
      SMTP_TLS_CA_FILE: join(dir, 'ca.pem'),
    });
    server.outage(2);
    const event = decisionFixture();
    await system.platform.bus.publish([event]);
    await until(() => server.received.length === 1, 'the message');
    await settled(system, SUB);
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await system.platform.bus.publish([replayOf(event)]);
    await settled(system, SUB);

    expect(server.connections()).toBeGreaterThanOrEqual(3);
    expect(server.received).toHaveLength(1);
    const [message] = server.received;
    expect(message).toMatchObject({
      secure: true,
      user: SMTP_USER,
      envelopeFrom: SENDER,
      envelopeTo: recipientsOf(event),
    });
    expect(server.logins).toEqual([{ user: SMTP_USER, ok: true }]);
    const mail = await simpleParser(message!.raw);
    expect(mail.subject).toMatch(/^\[SOC CRITICAL 88\] /);
    expect(message!.raw.toString('latin1')).not.toContain(SMTP_PASSWORD);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });
});
