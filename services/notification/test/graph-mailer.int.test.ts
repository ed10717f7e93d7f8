import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSystem, runServices } from '@soc/platform';
import { AppError } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { GRAPH_SCOPE, type GraphCredential, GraphMailer } from '../src/adapters/graph-mailer.ts';
import { LedgeredMailer } from '../src/adapters/ledgered-mailer.ts';
import { StateSentLedger } from '../src/adapters/state-sent-ledger.ts';
import type { OutgoingEmail } from '../src/ports.ts';
import { makeNotificationService } from '../src/service.ts';
import { cardFile, decisionFixture, sameGroupAlert } from './support/decision.ts';
import { startGraphStandIn } from './support/graph-stand-in.ts';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.graph-test-token.sig';
const SENDER = 'soc-alerts@contoso.com';
const FROM = 'soc-alerts@contoso.com';

/** A credential handing out a fixed token (what DefaultAzureCredential does against Entra ID), recording its scopes. */
function fixedCredential(): GraphCredential & { scopes: (string | string[])[] } {
  const scopes: (string | string[])[] = [];
  return {
    scopes,
    async getToken(scope) {
      scopes.push(scope);
      return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

type StandIn = Awaited<ReturnType<typeof startGraphStandIn>>;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
async function standIn(): Promise<StandIn> {
  const graph = await startGraphStandIn();
  closers.push(() => graph.close());
  return graph;
}

const email: OutgoingEmail = {
  idempotencyKey: 'act-1',
  to: ['soc-oncall@contoso.com'],
  subject: 'Alert on evil[.]com',
  html: '<p>x</p>',
  text: 'x',
};
const mailerFor = (graph: StandIn, credential: GraphCredential = fixedCredential()) =>
  new LedgeredMailer(
    new GraphMailer({
      sender: SENDER,
      from: FROM,
      credential,
      baseUrl: graph.url,
      now: () => new Date('2026-11-23T09:00:00Z'),
    }),
    new StateSentLedger(new MemoryStateStore(), { now: () => new Date() }),
  );

async function failureOf(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('GraphMailer against a local Microsoft Graph stand-in', () => {
  let system: RunningSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('the composed service posts the MIME message, base64, to /users/{sender}/sendMail with the token; a repeated decision mails once', async () => {
    const graph = await standIn();
    const credential = fixedCredential();
    const dir = mkdtempSync(join(tmpdir(), 'soc-graph-mail-'));
    system = await runServices([makeNotificationService({ graphCredential: credential })], {
      env: {
        SOC_DATA_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        NOTIFY_EMAIL_TRANSPORT: 'graph',
        GRAPH_MAIL_SENDER: SENDER,
        GRAPH_MAIL_BASE_URL: graph.url,
        NOTIFY_FROM: FROM,
        SOC_PUBLIC_URL: 'https://soc.example.org',
      },
      handleSignals: false,
    });
    const first = decisionFixture();
    first.data.triage.nextSteps = ['Block https://bad-site.example/payload', ...first.data.triage.nextSteps];
    const emailAction = first.data.actions.find((a) => a.kind === 'SendEmail');
    const chatAction = first.data.actions.find((a) => a.kind === 'PostChat');
    if (!emailAction || chatAction?.kind !== 'PostChat') throw new Error('fixture changed');
    await system.platform.bus.publish([first]);
    await until(() => existsSync(join(dir, 'outbox', cardFile(first, 'teams', chatAction.destination))), 'the first decision');
    // Noise control: a second alert of the same case group updates the card (count 2) and mails nothing.
    const again = sameGroupAlert(first, 2);
    await system.platform.bus.publish([again]);
    await until(() => readFileSync(join(dir, 'outbox', cardFile(first, 'teams', chatAction.destination)), 'utf8').includes('2 alerts in this case group'), 'the second decision');

    expect(graph.requests).toHaveLength(1);
    const [request] = graph.requests;
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['content-type']).toBe('text/plain');
    expect(credential.scopes).toEqual([GRAPH_SCOPE]);
    expect(request.body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const mime = Buffer.from(request.body, 'base64');
    const mail = await simpleParser(mime);
    expect(mail.from?.text).toBe(FROM);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(
      emailAction.kind === 'SendEmail' ? emailAction.to.join(', ') : '',
    );
    expect(mail.subject).toMatch(/^\[SOC CRITICAL 88\] /);
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@soc-copilot\.local>$/);
    expect(mail.text).toContain('Block hxxps://bad-site[.]example/payload');
    expect(mail.html || '').toContain('hxxps://bad-site[.]example/payload');
    expect(mime.toString('latin1')).not.toContain('https://bad-site.example');
    expect(mime.toString('latin1')).not.toContain(TOKEN);
  });

  it('503 with Retry-After is retryable with the wait; after recovery one message is sent, and never again', async () => {
    const graph = await standIn();
    const mailer = mailerFor(graph);
    graph.answer(
      {
        status: 503,
        headers: { 'retry-after': '7' },
        body: { error: { code: 'ServiceUnavailable', message: 'try later' } },
      },
      { status: 429, headers: { 'retry-after': '2' } },
    );
    const outage = await failureOf(mailer.send(email));
    expect(outage.retryable).toBe(true);
    expect(outage.details).toMatchObject({ status: 503, retryAfterSeconds: 7 });
    const throttled = await failureOf(mailer.send(email));
    expect(throttled).toMatchObject({
      retryable: true,
      code: 'RATE_LIMITED',
      details: { status: 429, retryAfterSeconds: 2 },
    });
    const id = await mailer.send(email);
    expect(await mailer.send(email)).toBe(id);
    expect(graph.requests).toHaveLength(3);
    expect(graph.requests.filter((r) => r.path.endsWith('/sendMail'))).toHaveLength(3);
  });

  it.each([
    [400, 'ErrorInvalidRecipients', 'VALIDATION_FAILED'],
    [401, 'InvalidAuthenticationToken', 'UNAUTHORIZED'],
    [403, 'ErrorAccessDenied', 'FORBIDDEN'],
    [404, 'ErrorInvalidUser', 'NOT_FOUND'],
  ] as const)('%i is a refusal, not retried, with Graph’s reason', async (status, graphCode, code) => {
    const graph = await standIn();
    graph.answer({ status, body: { error: { code: graphCode, message: 'refused by the stand-in' } } });
    const error = await failureOf(mailerFor(graph).send(email));
    expect(error).toMatchObject({ retryable: false, code, details: { status } });
    expect(error.message).toContain(graphCode);
    expect(error.message).not.toContain(TOKEN);
  });

  it('a credential that cannot give a token is retryable and nothing is posted', async () => {
    const graph = await standIn();
    const error = await failureOf(
      mailerFor(graph, {
        getToken: () => Promise.reject(new Error('CredentialUnavailableError: no managed identity')),
      }).send(email),
    );
    expect(error.retryable).toBe(true);
    expect(graph.requests).toHaveLength(0);
  });
});
