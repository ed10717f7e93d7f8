import { describe, expect, it } from 'vitest';
import { Action, EscalateAction, MAX_DELIVERY_DELAY_MS, MAX_ESCALATION_MINUTES, parseEvent, RunContainmentAction, SendEmailAction } from '../src/index.ts';
import { readFixture } from './support.ts';

const containment = {
  actionId: 'act-isolate',
  reason: 'Active download cradle on a critical workstation',
  kind: 'RunContainment',
  runbook: 'isolate-host',
  target: { entityId: 'host:ws-fin-042', type: 'host', value: 'ws-fin-042' },
  requiresApproval: true,
} as const;
const email = {
  actionId: 'act-email',
  reason: 'Risk 88 ≥ 70',
  kind: 'SendEmail',
  to: ['soc-oncall@contoso.com'],
  template: 'alert-summary',
} as const;

describe('RunContainment', () => {
  it('is accepted with requiresApproval: true', () => {
    expect(RunContainmentAction.parse(containment)).toEqual(containment);
  });

  it.each([false, undefined, 'true'])(
    'is rejected with requiresApproval: %s (containment never runs unapproved)',
    (value) => {
      const result = Action.safeParse({ ...containment, requiresApproval: value });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['requiresApproval']);
    },
  );

  it('only allows the known runbooks', () => {
    expect(Action.safeParse({ ...containment, runbook: 'wipe-host' }).success).toBe(false);
  });
});

describe('SendEmail', () => {
  it('accepts addresses', () => {
    expect(
      SendEmailAction.parse({ ...email, to: ['soc-oncall@contoso.com', 'jane.doe+soc@contoso.co.uk'] }).to,
    ).toHaveLength(2);
  });

  it.each(['not-an-email', 'soc-oncall@', '@contoso.com', 'soc oncall@contoso.com', 'javascript:alert(1)'])(
    'rejects %s',
    (address) => {
      const result = Action.safeParse({ ...email, to: ['soc-oncall@contoso.com', address] });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['to', 1]);
    },
  );

  it('needs at least one recipient and only known templates', () => {
    expect(Action.safeParse({ ...email, to: [] }).success).toBe(false);
    expect(Action.safeParse({ ...email, template: 'custom-html' }).success).toBe(false);
  });
});

describe('Action', () => {
  it('discriminates on kind', () => {
    expect(Action.parse(email).kind).toBe('SendEmail');
    expect(Action.parse(containment).kind).toBe('RunContainment');
    expect(Action.safeParse({ ...email, kind: 'RunScript' }).success).toBe(false);
  });

  it('rejects a PostChat to an unknown channel and a ticket priority out of 1–5', () => {
    const chat = { actionId: 'a', reason: '', kind: 'PostChat', channel: 'teams', destination: 'soc-high-severity' };
    expect(Action.safeParse(chat).success).toBe(true);
    expect(Action.safeParse({ ...chat, channel: 'irc' }).success).toBe(false);
    const ticket = { actionId: 'a', reason: '', kind: 'CreateTicket', system: 'servicenow', priority: 2 };
    expect(Action.safeParse(ticket).success).toBe(true);
    expect(Action.safeParse({ ...ticket, priority: 0 }).success).toBe(false);
  });
});

describe('Escalate (policy-only)', () => {
  const escalate = {
    actionId: 'act-escalate',
    reason: 'Risk critical: re-notify if not acknowledged within 15 min',
    kind: 'Escalate',
    afterMinutes: 15,
    email: { to: ['ciso@contoso.com'] },
    chat: [{ channel: 'slack', destination: 'oncall' }],
  } as const;

  it('parses with email, chat or both, and needs at least one', () => {
    expect(EscalateAction.parse(escalate)).toEqual(escalate);
    expect(EscalateAction.safeParse({ ...escalate, chat: undefined }).success).toBe(true);
    expect(EscalateAction.safeParse({ ...escalate, email: undefined }).success).toBe(true);
    expect(EscalateAction.safeParse({ ...escalate, email: undefined, chat: undefined }).success).toBe(false);
  });

  it(`waits 1 … ${MAX_ESCALATION_MINUTES} minutes (7 days, the longest the bus defers a delivery)`, () => {
    expect(MAX_ESCALATION_MINUTES).toBe(MAX_DELIVERY_DELAY_MS / 60_000);
    expect(EscalateAction.safeParse({ ...escalate, afterMinutes: 0 }).success).toBe(false);
    expect(EscalateAction.safeParse({ ...escalate, afterMinutes: MAX_ESCALATION_MINUTES }).success).toBe(true);
    expect(EscalateAction.safeParse({ ...escalate, afterMinutes: MAX_ESCALATION_MINUTES + 1 }).success).toBe(false);
  });

  it('is not an Action: nothing that recommends actions (triage, the copilot) can carry it', () => {
    expect(Action.safeParse(escalate).success).toBe(false);
  });

  it("rides in soc.decision.made.v1's optional escalation field; the released fixture parses with and without it", () => {
    const fixture = readFixture('soc.decision.made.v1');
    expect(parseEvent(fixture).ok).toBe(true);
    const withEscalation = { ...fixture, data: { ...(fixture.data as object), escalation: escalate } };
    expect(parseEvent(withEscalation)).toMatchObject({ ok: true, event: { data: { escalation: escalate } } });
    const inActions = { ...fixture, data: { ...(fixture.data as object), actions: [escalate] } };
    expect(parseEvent(inActions)).toMatchObject({ ok: false, reason: 'SchemaValidationFailed' });
  });
});
