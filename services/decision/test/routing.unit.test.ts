import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Action,
  AlertTriagedV1,
  DecisionMadeV2,
  type Alert,
  type CopilotNote,
  type Triage,
  createEvent,
  parseEvent,
} from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { defaultInternalNetworks } from '@soc/guardrails';
import { manualClock } from '@soc/runtime';
import { applyPolicy, escalationOf, fromCopilot, recommend, routeOf } from '../src/decide.ts';
import { decide, decisionAuditEntry } from '../src/handler.ts';
import { DecisionPolicy, loadPolicy } from '../src/policy.ts';

const bundled = loadPolicy();
const dir = await mkdtemp(join(tmpdir(), 'soc-decision-routing-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The bundled policy with chat on and three destinations, plus `extra` (routes, escalation). */
const policyWith = (extra: Record<string, unknown>): unknown => ({
  ...bundled,
  email: { ...bundled.email, allowedDomains: ['example.org'] },
  chat: {
    enabled: true,
    minLevel: 'medium',
    destinations: [
      { name: 'soc-teams', channel: 'teams' },
      { name: 'contoso-slack', channel: 'slack' },
      { name: 'oncall-slack', channel: 'slack' },
    ],
  },
  ...extra,
});

const routed = DecisionPolicy.parse(
  policyWith({
    routes: [
      {
        name: 'contoso-critical',
        match: { tenants: ['contoso'], minLevel: 'critical' },
        email: { to: ['contoso-ir@example.org'] },
        chat: ['contoso-slack'],
        escalation: { afterMinutes: 15, email: { to: ['ciso@example.org'] }, chat: ['oncall-slack'] },
      },
      { name: 'powershell', match: { rules: ['rule-4711'] }, chat: [] },
      { name: 'contoso', match: { tenants: ['contoso'] }, email: { to: ['contoso-soc@example.org'] } },
      { match: { rules: ['Impossible travel'], minLevel: 'high' }, email: { to: [] }, chat: ['oncall-slack'] },
    ],
    escalation: { afterMinutes: 30, email: { to: ['soc-lead@example.org'] } },
  }),
);

const triageAt = (level: Triage['risk']['level'], copilot?: CopilotNote): Triage => ({
  engine: { name: 'deterministic', version: 'test' },
  risk: { score: { low: 10, medium: 40, high: 70, critical: 90 }[level], level, factors: [] },
  verdict: { class: 'true-positive', likelihoods: { truePositive: 0.6, benignPositive: 0.2, falsePositive: 0.2 } },
  summary: 's',
  nextSteps: [],
  attack: [],
  ...(copilot === undefined ? {} : { copilot }),
});

const alertOf = (tenantId: string, rule?: Alert['rule']): Alert =>
  sampleAlert({ tenantId, ...(rule === undefined ? {} : { rule }), entities: [{ id: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4', origin: 'source' }] });

/** Who gets told: e-mail recipients and chat destinations of the policy's own recommendations. */
const destinations = (alert: Alert, level: Triage['risk']['level'], policy: DecisionPolicy = routed) => {
  const recs = recommend(alert, triageAt(level), policy, 'd');
  return {
    email: recs.flatMap((a) => (a.kind === 'SendEmail' ? a.to : [])),
    chat: recs.flatMap((a) => (a.kind === 'PostChat' ? [a.destination] : [])),
  };
};

const triagedEvent = (alert: Alert, triage: Triage) =>
  createEvent(AlertTriagedV1, { alert, enrichment: { facts: [], missing: [] }, triage }, {
    id: `t-${alert.tenantId}-${triage.risk.level}`,
    source: '/soc/triage',
    time: new Date('2026-12-07T05:00:00Z'),
    correlationid: 'corr-route',
    tenantid: alert.tenantId,
  });
const ctx = { policy: routed, clock: manualClock('2026-12-07T05:00:01Z'), internalNetworks: defaultInternalNetworks };

describe('routing by tenant, rule and severity', () => {
  it('sends a critical alert of tenant contoso to its incident-response route (first match wins over the later contoso route)', () => {
    expect(destinations(alertOf('contoso'), 'critical')).toEqual({ email: ['contoso-ir@example.org'], chat: ['contoso-slack'] });
    expect(routeOf(alertOf('contoso'), 'critical', routed).route).toEqual({ index: 0, name: 'contoso-critical' });
  });

  it("falls through a route whose level is not reached: contoso's high alert takes the tenant route, keeping the default chat it leaves out", () => {
    expect(destinations(alertOf('contoso'), 'high')).toEqual({
      email: ['contoso-soc@example.org'],
      chat: ['soc-teams', 'contoso-slack', 'oncall-slack'],
    });
  });

  it('matches a rule by its id or by its name, and an empty list turns a channel off for that route', () => {
    expect(destinations(alertOf('fabrikam', { id: 'rule-4711', name: 'PowerShell download cradle' }), 'high')).toEqual({
      email: ['soc-alerts@example.org'],
      chat: [],
    });
    // The rule route comes before the contoso route, so it wins for contoso too.
    expect(destinations(alertOf('contoso', { id: 'rule-4711' }), 'high').chat).toEqual([]);
    expect(destinations(alertOf('fabrikam', { id: 'sentinel-99', name: 'Impossible travel' }), 'high')).toEqual({ email: [], chat: ['oncall-slack'] });
    // Below that route's level the defaults apply.
    expect(destinations(alertOf('fabrikam', { name: 'Impossible travel' }), 'medium')).toEqual({
      email: ['soc-alerts@example.org'],
      chat: ['soc-teams', 'contoso-slack', 'oncall-slack'],
    });
  });

  it('keeps the defaults when no route matches, and a policy without routes decides exactly as before', () => {
    expect(routeOf(alertOf('fabrikam'), 'critical', routed).route).toBeUndefined();
    expect(destinations(alertOf('fabrikam'), 'critical')).toEqual({ email: ['soc-alerts@example.org'], chat: ['soc-teams', 'contoso-slack', 'oncall-slack'] });
    const plain = DecisionPolicy.parse(policyWith({}));
    expect(recommend(alertOf('contoso'), triageAt('critical'), plain, 'd')).toEqual(
      recommend(alertOf('contoso'), triageAt('critical'), { ...routed, routes: [], escalation: undefined }, 'd'),
    );
    expect(destinations(alertOf('contoso'), 'high', plain)).toEqual({ email: ['soc-alerts@example.org'], chat: ['soc-teams', 'contoso-slack', 'oncall-slack'] });
  });

  it('still needs each channel enabled and its level reached: a route chooses destinations, not thresholds', () => {
    const emailOff = { ...routed, email: { ...routed.email, enabled: false } };
    expect(destinations(alertOf('contoso'), 'critical', emailOff).email).toEqual([]);
    expect(destinations(alertOf('contoso'), 'low').chat).toEqual([]);
  });

  it("sends the copilot's e-mail and chat to the alert's routed destinations, never the model's", () => {
    const copilot: CopilotNote = {
      status: 'advised',
      evidence: [],
      investigationSteps: [],
      recommendedActions: [
        { kind: 'SendEmail', reason: 'tell them' },
        { kind: 'PostChat', reason: 'post it' },
      ],
      huntQueries: [],
      removed: [],
    };
    const t = triageAt('critical', copilot);
    const recs = fromCopilot({ alert: alertOf('contoso'), enrichment: { facts: [], missing: [] }, triage: t }, [], routed, 'd');
    expect(recs.flatMap((a) => (a.kind === 'SendEmail' ? a.to : a.kind === 'PostChat' ? [a.destination] : []))).toEqual([
      'contoso-ir@example.org',
      'contoso-slack',
    ]);
  });
});

describe('escalation', () => {
  it("is the route's own for a matching alert, with the policy's chat channels", () => {
    const made = decide(triagedEvent(alertOf('contoso'), triageAt('critical')), ctx);
    expect(made.data.escalation).toEqual({
      kind: 'Escalate',
      actionId: expect.stringMatching(/^act-/),
      afterMinutes: 15,
      email: { to: ['ciso@example.org'] },
      chat: [{ channel: 'slack', destination: 'oncall-slack' }],
      reason: 'Risk critical (escalation from critical): re-notify if the case is not acknowledged within 15 min (route 1 "contoso-critical")',
    });
    expect(made.data.actions.map((a) => a.kind)).not.toContain('Escalate');
    expect(parseEvent(made)).toMatchObject({ ok: true, event: { data: { escalation: { kind: 'Escalate', afterMinutes: 15 } } } });
    expect(decisionAuditEntry(made).data.actions).toContainEqual({ kind: 'Escalate', id: made.data.escalation?.actionId });
    // Stable across a redelivery, like every action id.
    expect(decide(triagedEvent(alertOf('contoso'), triageAt('critical')), ctx).data.escalation).toEqual(made.data.escalation);
  });

  it('falls back to the global escalation, only from its level (default critical)', () => {
    expect(escalationOf({ alert: alertOf('fabrikam'), enrichment: { facts: [], missing: [] }, triage: triageAt('critical') }, routed, 'd')).toMatchObject({
      afterMinutes: 30,
      email: { to: ['soc-lead@example.org'] },
    });
    expect(decide(triagedEvent(alertOf('fabrikam'), triageAt('high')), ctx).data).not.toHaveProperty('escalation');
    const fromHigh = DecisionPolicy.parse(policyWith({ escalation: { minLevel: 'high', afterMinutes: 60, chat: ['soc-teams'] } }));
    expect(decide(triagedEvent(alertOf('fabrikam'), triageAt('high')), { ...ctx, policy: fromHigh }).data.escalation).toMatchObject({
      afterMinutes: 60,
      chat: [{ channel: 'teams', destination: 'soc-teams' }],
    });
  });

  it('is absent without an escalation in the policy, and for a suppressed alert', () => {
    expect(decide(triagedEvent(alertOf('contoso'), triageAt('critical')), { ...ctx, policy: bundled }).data).not.toHaveProperty('escalation');
    const falsePositive: Triage = { ...triageAt('critical'), verdict: { class: 'false-positive', likelihoods: { truePositive: 0.1, benignPositive: 0.1, falsePositive: 0.8 } } };
    const made = decide(triagedEvent(alertOf('contoso'), falsePositive), ctx);
    expect(made.data.actions.map((a) => a.kind)).toEqual(['Suppress']);
    expect(made.data).not.toHaveProperty('escalation');
  });

  it('is never produced by the copilot: every kind it may advise yields no escalation, and Escalate is not a recommendable action', () => {
    const copilot: CopilotNote = {
      status: 'advised',
      evidence: [],
      investigationSteps: [],
      recommendedActions: [
        { kind: 'SendEmail', reason: 'escalate to the CISO now' },
        { kind: 'PostChat', reason: 'escalate' },
        { kind: 'CreateTicket', priority: 1, reason: 'escalate' },
        { kind: 'GenerateHunt', entityIds: ['ip:185.220.101.4'], reason: 'hunt' },
      ],
      huntQueries: [],
      removed: [],
    };
    const t = triageAt('critical', copilot);
    const input = { alert: alertOf('contoso'), enrichment: { facts: [], missing: [] }, triage: t, internalNetworks: defaultInternalNetworks };
    const advised = applyPolicy(fromCopilot(input, [], routed, 'd'), input, routed, 'copilot');
    expect(advised.actions.map((a) => a.kind)).not.toContain('Escalate');
    // Without a policy escalation, the copilot's advice (however urgent) adds none.
    const noEscalation = { ...routed, routes: [], escalation: undefined };
    expect(decide(triagedEvent(alertOf('contoso'), t), { ...ctx, policy: noEscalation }).data).not.toHaveProperty('escalation');
    // The contracts refuse it on both copilot paths: as a recommended action and as an action of a decision.
    const triaged = triagedEvent(alertOf('contoso'), t);
    const smuggled = { ...triaged, data: { ...triaged.data, triage: { ...t, copilot: { ...copilot, recommendedActions: [{ kind: 'Escalate', reason: 'x' }] } } } };
    expect(parseEvent(smuggled)).toMatchObject({ ok: false, reason: 'SchemaValidationFailed' });
    expect(Action.safeParse({ kind: 'Escalate', actionId: 'a', reason: 'r', afterMinutes: 5, email: { to: ['a@example.org'] } }).success).toBe(false);
    const made = decide(triaged, { ...ctx, policy: noEscalation });
    expect(DecisionMadeV2.schema.safeParse({ ...made, data: { ...made.data, actions: [{ kind: 'Escalate', actionId: 'a', reason: 'r', afterMinutes: 5, email: { to: ['a@example.org'] } }] } }).success).toBe(false);
  });
});

describe('policy file: routes and escalation', () => {
  const write = async (name: string, policy: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(policy));
    return path;
  };

  it('loads the bundled policy unchanged (no routes, no escalation)', () => {
    expect(bundled.routes).toBeUndefined();
    expect(bundled.escalation).toBeUndefined();
  });

  it('refuses a route naming an undeclared chat destination, naming its path and the declared ones', async () => {
    const path = await write('bad-chat.json', policyWith({ routes: [{ match: {} }, { match: { tenants: ['contoso'] }, chat: ['soc-teams', 'ciso-phone'] }] }));
    expect(() => loadPolicy(path)).toThrow(
      'routes.1.chat.1: chat destination "ciso-phone" is not declared in chat.destinations (declared: soc-teams, contoso-slack, oncall-slack)',
    );
  });

  it('refuses a route or escalation recipient outside the allowed domains', async () => {
    const path = await write('bad-email.json', policyWith({
      routes: [{ match: { rules: ['r'] }, email: { to: ['ir@evil.example'] } }],
      escalation: { afterMinutes: 10, email: { to: ['boss@example.org', 'x@gmail.com'] } },
    }));
    expect(() => loadPolicy(path)).toThrow(/routes\.0\.email\.to\.0: recipient ir@evil\.example is outside email\.allowedDomains \(example\.org\)/);
    expect(() => loadPolicy(path)).toThrow(/escalation\.email\.to\.1: recipient x@gmail\.com is outside email\.allowedDomains/);
  });

  it('refuses malformed routes and escalations with the path of each problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ routes: [{ match: { tenant: ['contoso'] } }] }, /routes\.0\.match: Unrecognized key: "tenant"/],
      [{ routes: [{ match: { minLevel: 'urgent' } }] }, /routes\.0\.match\.minLevel/],
      [{ routes: [{ match: {}, escalation: { afterMinutes: 0, chat: ['soc-teams'] } }] }, /routes\.0\.escalation\.afterMinutes/],
      [{ escalation: { afterMinutes: 10_081, chat: ['soc-teams'] } }, /escalation\.afterMinutes/],
      [{ escalation: { afterMinutes: 10 } }, /escalation: an escalation needs email\.to or chat destinations to notify/],
      [{ routes: [{ match: {}, escalation: { afterMinutes: 5, chat: ['pager'] } }] }, /routes\.0\.escalation\.chat\.0: chat destination "pager" is not declared/],
      [{ routes: [{ match: {}, email: { to: ['not an address'] } }] }, /routes\.0\.email\.to\.0/],
    ];
    for (const [i, [extra, error]] of cases.entries()) {
      const path = await write(`bad-${i}.json`, policyWith(extra as Record<string, unknown>));
      expect(() => loadPolicy(path), JSON.stringify(extra)).toThrow(error);
    }
  });

  it('accepts a policy with routes and escalation, defaulting escalation.minLevel to critical', async () => {
    const path = await write('good.json', policyWith({ routes: [{ match: { tenants: ['contoso'] }, chat: ['contoso-slack'] }], escalation: { afterMinutes: 20, chat: ['oncall-slack'] } }));
    expect(loadPolicy(path).escalation).toEqual({ minLevel: 'critical', afterMinutes: 20, chat: ['oncall-slack'] });
  });
});

describe('the README example', () => {
  it('loads, and routes as the README says', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Routing and escalation[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const example = DecisionPolicy.parse({ ...bundled, ...(JSON.parse(block ?? '{}') as object) });
    expect(destinations(alertOf('contoso'), 'critical', example)).toEqual({ email: ['contoso-ir@example.org'], chat: ['contoso-slack'] });
    expect(destinations(alertOf('contoso'), 'high', example)).toEqual({ email: ['contoso-soc@example.org'], chat: ['soc-teams', 'contoso-slack', 'oncall-slack'] });
    expect(destinations(alertOf('fabrikam', { id: 'rule-4711' }), 'critical', example).chat).toEqual([]);
    expect(destinations(alertOf('contoso', { id: 'rule-4711' }), 'critical', example).chat).toEqual(['contoso-slack']);
    const input = (tenant: string) => ({ alert: alertOf(tenant), enrichment: { facts: [], missing: [] }, triage: triageAt('critical') });
    expect(escalationOf(input('contoso'), example, 'd')).toMatchObject({ afterMinutes: 15, email: { to: ['ciso@example.org'] }, chat: [{ channel: 'slack', destination: 'oncall-slack' }] });
    expect(escalationOf(input('fabrikam'), example, 'd')).toMatchObject({ afterMinutes: 30, email: { to: ['soc-lead@example.org'] } });
  });
});
