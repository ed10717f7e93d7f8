import { createHash } from 'node:crypto';
import { AppError, isAppError } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceNowFieldMapping } from '../src/adapters/servicenow-mapping.ts';
import { type ServiceNowAuth, ServiceNowTicketSystem } from '../src/adapters/servicenow-ticket-system.ts';
import type { NewTicket } from '../src/ports.ts';
import { type StandInAuth, ServiceNowStandIn } from './support/servicenow-stand-in.ts';
import { describeTicketSystemContract } from './support/ticket-system-contract.ts';

const OAUTH: StandInAuth & ServiceNowAuth = { kind: 'oauth', clientId: 'soc-client', clientSecret: 's3cret-client-value' };
const BASIC: StandInAuth & ServiceNowAuth = { kind: 'basic', username: 'soc.integration', password: 'p4ss-word-value' };

async function harness(auth: StandInAuth & ServiceNowAuth, mapping: unknown = {}, now?: () => number) {
  const standIn = new ServiceNowStandIn(auth);
  const instanceUrl = await standIn.start();
  const system = new ServiceNowTicketSystem({ instanceUrl, auth, mapping: ServiceNowFieldMapping.parse(mapping), timeoutMs: 5_000, ...(now ? { now } : {}) });
  return { standIn, instanceUrl, system };
}

const byNumber = (standIn: ServiceNowStandIn, number: string) => [...standIn.incidents.values()].find((i) => i.number === number);

describeTicketSystemContract('servicenow against its stand-in', async () => {
  const { standIn, system } = await harness(OAUTH);
  return {
    system,
    notesOf: async (id) => byNumber(standIn, id)?.journal ?? [],
    resolutionOf: async (id) => {
      const i = byNumber(standIn, id);
      return i?.state === '6' ? { code: String(i.close_code), notes: String(i.close_notes) } : undefined;
    },
    unknownTicketId: 'INC9999999',
    close: () => standIn.close(),
  };
});

const ticket = (over: Partial<NewTicket> = {}): NewTicket => ({
  idempotencyKey: 'alt-7f3a:ticket',
  actionId: 'act-ticket-1',
  alertId: 'alt-7f3a',
  correlationId: 'corr-1',
  title: '[HIGH] Impossible travel for j.doe',
  description: 'Sign-in from 203[.]0[.]113[.]7 after Paris.',
  priority: 2,
  ...over,
});

const failureOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

describe('ServiceNowTicketSystem against a local ServiceNow', () => {
  let standIn: ServiceNowStandIn | undefined;
  const start = async (auth: StandInAuth & ServiceNowAuth = OAUTH, mapping: unknown = {}, now?: () => number) => {
    const h = await harness(auth, mapping, now);
    standIn = h.standIn;
    return h;
  };
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  it('creates an incident with the field mapping after looking up its correlation id, signed in with a client-credentials token', async () => {
    const { standIn, instanceUrl, system } = await start(OAUTH, {
      assignmentGroup: '287ebd7da9fe198100f92cc8d1d2154e',
      category: 'security',
      callerId: '5137153cc611227c000bbd1bd8cd2005',
      fields: { subcategory: 'intrusion' },
    });
    const opened = await system.open(ticket());
    expect(opened).toMatchObject({ created: true, ticketId: 'INC0010000', status: 'new', priority: 2, actionId: 'act-ticket-1' });
    const incident = byNumber(standIn, 'INC0010000')!;
    expect(opened.url).toBe(`${instanceUrl.origin}/nav_to.do?uri=incident.do%3Fsys_id%3D${incident.sys_id}`);

    const [token, lookup, create] = standIn.calls;
    expect(standIn.calls).toHaveLength(3);
    expect(token).toMatchObject({ method: 'POST', path: '/oauth_token.do' });
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({ grant_type: 'client_credentials', client_id: 'soc-client', client_secret: 's3cret-client-value' });
    const bearer = `Bearer ${standIn.issuedTokens[0]}`;
    expect(lookup).toMatchObject({ method: 'GET', path: '/api/now/table/incident', body: '' });
    expect(lookup!.headers).toMatchObject({ authorization: bearer, accept: 'application/json' });
    expect(Object.fromEntries(lookup!.query)).toEqual({
      sysparm_query: 'correlation_id=alt-7f3a:ticket^active=true^ORDERBYsys_created_on',
      sysparm_limit: '1',
      sysparm_display_value: 'false',
      sysparm_exclude_reference_link: 'true',
      sysparm_fields: 'sys_id,number,state,priority,description',
    });
    expect(create).toMatchObject({ method: 'POST', path: '/api/now/table/incident' });
    expect(create!.headers).toMatchObject({ authorization: bearer, 'content-type': 'application/json' });
    expect(Object.fromEntries(create!.query)).toEqual({ sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,number,state,priority,description' });
    expect(JSON.parse(create!.body)).toEqual({
      subcategory: 'intrusion',
      short_description: '[HIGH] Impossible travel for j.doe',
      description: 'Sign-in from 203[.]0[.]113[.]7 after Paris.\n\nSOC Copilot action act-ticket-1',
      impact: '1',
      urgency: '2',
      correlation_id: 'alt-7f3a:ticket',
      correlation_display: 'SOC Copilot',
      assignment_group: '287ebd7da9fe198100f92cc8d1d2154e',
      category: 'security',
      caller_id: '5137153cc611227c000bbd1bd8cd2005',
    });
  });

  it('reuses the open incident the look-up finds: no second create, and the token is reused', async () => {
    const { standIn, system } = await start();
    const first = await system.open(ticket());
    const again = await system.open(ticket({ actionId: 'act-ticket-2', priority: 1 }));
    expect(again).toMatchObject({ created: false, ticketId: first.ticketId, actionId: 'act-ticket-1' });
    expect(standIn.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /oauth_token.do',
      'GET /api/now/table/incident',
      'POST /api/now/table/incident',
      'GET /api/now/table/incident',
    ]);
    expect(standIn.incidents.size).toBe(1);
  });

  it('reconciles a lost response: the create succeeded, its answer never came, the retry finds it', async () => {
    const { standIn, system } = await start(BASIC);
    standIn.dropNextCreate = true;
    const lost = await failureOf(system.open(ticket()));
    expect(isAppError(lost) && lost.retryable).toBe(true);
    expect(standIn.incidents.size).toBe(1);
    const retried = await system.open(ticket());
    expect(retried).toMatchObject({ created: false, ticketId: 'INC0010000', actionId: 'act-ticket-1' });
    expect(standIn.incidents.size).toBe(1);
    expect(standIn.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('cuts a long description below ServiceNow\'s 4000 characters, still defanged, and keeps the action line last', async () => {
    const { standIn, system } = await start(BASIC);
    const long = `${'x'.repeat(3786)} System.Net.corporate ${'y'.repeat(500)}`;
    await system.open(ticket({ description: long }));
    const description = JSON.parse(standIn.calls.at(-1)!.body).description as string;
    expect(description.length).toBeLessThanOrEqual(4000);
    expect(description).not.toMatch(/Net\.co/);
    expect(description.endsWith('…\n\nSOC Copilot action act-ticket-1')).toBe(true);
    expect((await system.open(ticket())).actionId).toBe('act-ticket-1');
  });

  it('signs in with basic auth when configured so, and never asks for a token', async () => {
    const { standIn, system } = await start(BASIC);
    await system.open(ticket());
    const basic = `Basic ${Buffer.from('soc.integration:p4ss-word-value').toString('base64')}`;
    expect(standIn.calls.map((c) => c.headers.authorization)).toEqual([basic, basic]);
    expect(standIn.calls.some((c) => c.path === '/oauth_token.do')).toBe(false);
  });

  it('adds a work note with its update key, raises impact and urgency only when more urgent, and adds it once', async () => {
    const { standIn, system } = await start(BASIC);
    const { ticketId } = await system.open(ticket({ priority: 3 }));
    standIn.calls.length = 0;
    const raised = await system.update(ticketId, { updateKey: 'act-ticket-2', note: 'Re-triaged: risk 95/100 (critical).', priority: 1 });
    expect(raised).toMatchObject({ ticketId, priority: 1 });
    const [read, patch] = standIn.calls;
    const incident = byNumber(standIn, ticketId)!;
    expect(Object.fromEntries(read!.query)).toEqual({
      sysparm_query: `number=${ticketId}`,
      sysparm_limit: '1',
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
      sysparm_fields: 'sys_id,number,state,priority,description,work_notes',
    });
    expect(patch).toMatchObject({ method: 'PATCH', path: `/api/now/table/incident/${incident.sys_id}` });
    expect(JSON.parse(patch!.body)).toEqual({ work_notes: 'Re-triaged: risk 95/100 (critical).\n\n[SOC Copilot update act-ticket-2]', impact: '1', urgency: '1' });

    standIn.calls.length = 0;
    await system.update(ticketId, { updateKey: 'act-ticket-2', note: 'Re-triaged: risk 95/100 (critical).', priority: 1 });
    expect(standIn.calls.map((c) => c.method)).toEqual(['GET']);

    const lower = await system.update(ticketId, { updateKey: 'act-ticket-3', note: 'Re-triaged: risk 30/100 (low).', priority: 5 });
    expect(lower.priority).toBe(1);
    expect(JSON.parse(standIn.calls.at(-1)!.body)).toEqual({ work_notes: 'Re-triaged: risk 30/100 (low).\n\n[SOC Copilot update act-ticket-3]' });
    expect(incident.journal).toHaveLength(2);
  });

  it('resolves with state 6, close code and close notes; a resolved incident is left alone', async () => {
    const { standIn, system } = await start(BASIC);
    const { ticketId } = await system.open(ticket());
    standIn.calls.length = 0;
    const resolved = await system.resolve(ticketId, { code: 'Solved (Permanently)', notes: 'Benign: the group is a false positive.' });
    expect(resolved).toMatchObject({ ticketId, status: 'resolved' });
    const incident = byNumber(standIn, ticketId)!;
    expect(standIn.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/now/table/incident', `PATCH /api/now/table/incident/${incident.sys_id}`]);
    expect(JSON.parse(standIn.calls[1]!.body)).toEqual({
      state: '6',
      close_code: 'Solved (Permanently)',
      close_notes: 'Benign: the group is a false positive.',
      work_notes: 'Benign: the group is a false positive.',
    });
    expect(incident.journal).toEqual(['Benign: the group is a false positive.']);
    standIn.calls.length = 0;
    await system.resolve(ticketId, { code: 'Solved (Permanently)', notes: 'again' });
    expect(standIn.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('reopens a resolved incident with state 2 (In Progress) and a work note; an open or closed one is left alone', async () => {
    const { standIn, system } = await start(BASIC);
    const { ticketId } = await system.open(ticket());
    const incident = byNumber(standIn, ticketId)!;
    standIn.calls.length = 0;
    await system.reopen(ticketId, { updateKey: 'grp-1:lifecycle-2', note: 'Reopened: a true positive.' });
    expect(standIn.calls.map((c) => c.method)).toEqual(['GET']);
    await system.resolve(ticketId, { code: 'Solution provided', notes: 'Benign.' });
    standIn.calls.length = 0;
    const reopened = await system.reopen(ticketId, { updateKey: 'grp-1:lifecycle-2', note: 'Reopened: a true positive.' });
    expect(reopened).toMatchObject({ ticketId, status: 'in-progress' });
    expect(standIn.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/now/table/incident', `PATCH /api/now/table/incident/${incident.sys_id}`]);
    expect(standIn.calls[1]!.headers).toMatchObject({ authorization: `Basic ${Buffer.from('soc.integration:p4ss-word-value').toString('base64')}`, 'content-type': 'application/json' });
    expect(Object.fromEntries(standIn.calls[1]!.query)).toEqual({
      sysparm_display_value: 'false',
      sysparm_exclude_reference_link: 'true',
      sysparm_fields: 'sys_id,number,state,priority,description',
    });
    expect(JSON.parse(standIn.calls[1]!.body)).toEqual({ state: '2', work_notes: 'Reopened: a true positive.\n\n[SOC Copilot update grp-1:lifecycle-2]' });
    expect(incident.state).toBe('2');
    incident.state = '7';
    standIn.calls.length = 0;
    expect((await system.reopen(ticketId, { updateKey: 'grp-1:lifecycle-4', note: 'Reopened again.' })).status).toBe('closed');
    expect(standIn.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('survives an outage: 503 with Retry-After is retryable with its wait, and the incident is created once after recovery', async () => {
    const { standIn, system } = await start(BASIC);
    standIn.failNext(3, { status: 503, headers: { 'retry-after': '7' } });
    const attempts: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const outcome = await failureOf(system.open(ticket()));
      if (outcome === undefined) break;
      if (!isAppError(outcome) || !outcome.retryable) throw outcome;
      attempts.push(outcome);
    }
    expect(attempts).toHaveLength(3);
    for (const a of attempts) expect(a).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { retryAfterSeconds: 7 } });
    expect(standIn.incidents.size).toBe(1);
    expect(standIn.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('classifies refusals: 429 retryable with its wait, 400/403/404 not, with ServiceNow\'s own message', async () => {
    const { standIn, system } = await start(BASIC);
    standIn.failNext(1, { status: 429, headers: { 'retry-after': '30' }, body: { error: { message: 'Rate limit exceeded', detail: 'rule soc' }, status: 'failure' } });
    expect(await failureOf(system.open(ticket()))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 30 } });
    for (const [status, code] of [[400, 'VALIDATION_FAILED'], [403, 'FORBIDDEN'], [404, 'NOT_FOUND']] as const) {
      standIn.failNext(1, { status, body: { error: { message: `Refused ${status}`, detail: 'ACL' }, status: 'failure' } });
      const error = await failureOf(system.open(ticket()));
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code, retryable: false });
      expect((error as Error).message).toContain(`Refused ${status} — ACL`);
    }
    const network = await failureOf(new ServiceNowTicketSystem({ instanceUrl: new URL('http://127.0.0.1:1'), auth: BASIC, mapping: ServiceNowFieldMapping.parse({}) }).open(ticket()));
    expect(network).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('renews a token the instance refused (401) once; a second 401 is not retried; secrets stay out of errors', async () => {
    const { standIn, system } = await start(OAUTH);
    await system.open(ticket());
    standIn.revokeTokens();
    await system.open(ticket({ idempotencyKey: 'alt-2:ticket' }));
    expect(standIn.issuedTokens).toHaveLength(2);
    expect(standIn.tableCalls().at(-1)!.headers.authorization).toBe(`Bearer ${standIn.issuedTokens[1]}`);

    standIn.failNext(2, { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } });
    const calls = standIn.calls.length;
    const error = await failureOf(system.open(ticket({ idempotencyKey: 'alt-3:ticket' })));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(standIn.calls.slice(calls).map((c) => c.path)).toEqual(['/api/now/table/incident', '/oauth_token.do', '/api/now/table/incident']);
    for (const secret of ['s3cret-client-value', ...standIn.issuedTokens]) expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toContain(secret);
  });

  it('asks for a new token when the cached one expires', async () => {
    let now = Date.parse('2026-12-07T03:00:00Z');
    const { standIn, system } = await start(OAUTH, {}, () => now);
    standIn.tokenLifetimeSeconds = 120; // renewed 60 s early
    await system.open(ticket());
    now += 59_000;
    await system.open(ticket());
    expect(standIn.issuedTokens).toHaveLength(1);
    now += 2_000;
    await system.open(ticket());
    expect(standIn.issuedTokens).toHaveLength(2);
  });

  it('refuses client credentials the instance rejects, naming the variables, without retry', async () => {
    const standIn2 = new ServiceNowStandIn(OAUTH);
    standIn = standIn2;
    const instanceUrl = await standIn2.start();
    const system = new ServiceNowTicketSystem({ instanceUrl, auth: { ...OAUTH, clientSecret: 'wrong' }, mapping: ServiceNowFieldMapping.parse({}) });
    const error = await failureOf(system.open(ticket()));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect((error as Error).message).toContain('SERVICENOW_CLIENT_SECRET');
    expect((error as Error).message).not.toContain('wrong');
  });

  it('cannot be steered by a key holding query syntax: it becomes a hash, the same for the same key', async () => {
    const { standIn, system } = await start(BASIC);
    const evil = 'alt^ORactive=false^NQnumber=INC0010000:ticket';
    const hashed = `soc-${createHash('sha256').update(evil).digest('hex').slice(0, 40)}`;
    // An incident the injected terms would match.
    await system.open(ticket({ idempotencyKey: 'other:ticket', actionId: 'act-other' }));
    const opened = await system.open(ticket({ idempotencyKey: evil }));
    expect(opened.created).toBe(true);
    expect(opened.ticketId).not.toBe('INC0010000');
    const lookups = standIn.calls.filter((c) => c.method === 'GET');
    expect(lookups.at(-1)!.query.get('sysparm_query')).toBe(`correlation_id=${hashed}^active=true^ORDERBYsys_created_on`);
    expect(JSON.parse(standIn.calls.at(-1)!.body).correlation_id).toBe(hashed);
    expect(await system.open(ticket({ idempotencyKey: evil }))).toMatchObject({ created: false, ticketId: opened.ticketId });
    expect(standIn.incidents.size).toBe(2);
  });
});
