import { describe, expect, it } from 'vitest';
import { AlertTriagedV1, type Alert, type CopilotNote, type Fact, type Triage, createEvent, parseEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import { defaultInternalNetworks } from '@soc/guardrails';
import { manualClock } from '@soc/runtime';
import { applyPolicy, fromCopilot, recommend, refusalOf } from '../src/decide.ts';
import { decide } from '../src/handler.ts';
import { DecisionPolicy, loadPolicy } from '../src/policy.ts';

const policy = loadPolicy();
const alert: Alert = sampleAlert({
  alertId: 'alt-9',
  entities: [SAMPLE_ENTITIES.externalIp, SAMPLE_ENTITIES.internalIp, { id: 'host:web01', type: 'host', value: 'web01', origin: 'source' }],
});
const triageAt = (level: Triage['risk']['level'], tp: number, cls: Triage['verdict']['class'] = 'true-positive'): Triage => ({
  engine: { name: 'deterministic', version: 'test' },
  risk: { score: { low: 10, medium: 40, high: 70, critical: 90 }[level], level, factors: [] },
  verdict: { class: cls, likelihoods: { truePositive: tp, benignPositive: (1 - tp) / 2, falsePositive: (1 - tp) / 2 } },
  summary: 's',
  nextSteps: [],
  attack: [],
});

/** The inventory record of web01: a host is only isolated when the inventory knows it (fail closed). */
const web01: Fact = { id: 'asset:files:web01', kind: 'asset', entityId: 'host:web01', source: 'asset-files', observedAt: '2026-11-23T10:00:00Z', statement: 'Asset web01', attributes: { hostname: 'web01', tags: 'web tier' } };
const input = (triage: Triage, facts: Fact[] = [web01]) => ({ alert, enrichment: { facts, missing: [] }, triage, internalNetworks: defaultInternalNetworks });

describe('decision policy', () => {
  it('below the email threshold recommends nothing', () => {
    expect(recommend(alert, triageAt('low', 0.3, 'needs-more-information'), policy, 'd')).toEqual([]);
  });

  it('a high risk gets an email, a ticket and a hunt, but no containment', () => {
    const kinds = recommend(alert, triageAt('high', 0.7), policy, 'd').map((a) => a.kind);
    expect(kinds).toEqual(['SendEmail', 'CreateTicket', 'GenerateHunt']);
  });

  it('a critical true positive requests containment of external IPs and hosts only, all awaiting approval', () => {
    const t = triageAt('critical', 0.95);
    const { actions, rejected } = applyPolicy(recommend(alert, t, policy, 'd'), input(t), policy);
    const contain = actions.filter((a) => a.kind === 'RunContainment');
    expect(contain.map((a) => a.kind === 'RunContainment' && a.target.value)).toEqual(['185.220.101.4', 'web01']);
    expect(contain.every((a) => a.kind === 'RunContainment' && a.requiresApproval)).toBe(true);
    expect(rejected).toEqual([{ kind: 'RunContainment', reason: 'target 10.0.0.7 is an internal address' }]);
  });

  it("orders a runbook with the policy's arguments (issue 14), never with anything from the alert", () => {
    const t = triageAt('critical', 0.95);
    const withArgs = DecisionPolicy.parse({
      ...policy,
      containment: { ...policy.containment, runbookByEntity: { ip: 'nsg-block-port' }, allowedRunbooks: ['nsg-block-port'], runbookArguments: { 'nsg-block-port': { port: '3389', protocol: 'Tcp' } } },
    });
    const { actions } = applyPolicy(recommend(alert, t, withArgs, 'd'), input(t), withArgs);
    const contain = actions.filter((a) => a.kind === 'RunContainment');
    expect(contain).toEqual([expect.objectContaining({ runbook: 'nsg-block-port', target: expect.objectContaining({ value: '185.220.101.4' }), arguments: { port: '3389', protocol: 'Tcp' } })]);
    // Arguments are names and short values: anything else is refused when the policy loads.
    expect(DecisionPolicy.safeParse({ ...policy, containment: { ...policy.containment, runbookArguments: { 'nsg-block-port': { 'port; rm -rf': '1' } } } }).success).toBe(false);
  });

  it('a confident false positive is suppressed instead of notified', () => {
    const t = triageAt('medium', 0.1, 'false-positive');
    t.verdict.likelihoods.falsePositive = 0.7;
    expect(recommend(alert, t, policy, 'd').map((a) => a.kind)).toEqual(['Suppress']);
  });

  it('refuses recommendations outside the guardrails, whoever made them', () => {
    const t = triageAt('critical', 0.99);
    const base = { actionId: 'a', reason: 'llm said so' };
    expect(refusalOf({ ...base, kind: 'SendEmail', to: ['attacker@evil.example'], template: 'alert-summary' }, input(t), policy)).toMatch(/outside the allowed domains/);
    expect(refusalOf({ ...base, kind: 'RunContainment', runbook: 'rotate-secret', target: { entityId: 'host:web01', type: 'host', value: 'web01' }, requiresApproval: true }, input(t), policy)).toMatch(/not allowed/);
    expect(refusalOf({ ...base, kind: 'RunContainment', runbook: 'isolate-host', target: { entityId: 'host:dc01', type: 'host', value: 'dc01' }, requiresApproval: true }, input(t), policy)).toMatch(/not an entity/);
    expect(refusalOf({ ...base, kind: 'PostChat', channel: 'teams', destination: 'https://evil.example/hook' }, input(t), policy)).toMatch(/disabled|not configured/);
    expect(refusalOf({ ...base, kind: 'GenerateHunt', entityIds: ['ip:6.6.6.6'] }, input(t), policy)).toMatch(/unknown entities/);
    expect(refusalOf({ ...base, kind: 'Suppress' }, input(t), policy)).toMatch(/may not be suppressed/);
  });

  it('refuses a policy file with a runbook outside the contract', () => {
    expect(DecisionPolicy.safeParse({ ...policy, containment: { ...policy.containment, allowedRunbooks: ['format-disk'] } }).success).toBe(false);
  });

  it('emits a valid decision whose action ids are stable across redeliveries', () => {
    const triaged = createEvent(AlertTriagedV1, { alert, enrichment: { facts: [], missing: [] }, triage: triageAt('critical', 0.95) }, {
      id: 't-1',
      source: '/soc/triage',
      time: new Date('2026-11-23T10:00:00Z'),
      correlationid: 'corr-9',
      tenantid: 'contoso',
    });
    const ctx = { policy, clock: manualClock('2026-11-23T10:00:01Z'), internalNetworks: defaultInternalNetworks };
    const a = decide(triaged, ctx);
    expect(decide(triaged, ctx)).toEqual(a);
    expect(a.data.actions.length).toBeGreaterThan(3);
    expect(new Set(a.data.actions.map((x) => x.actionId)).size).toBe(a.data.actions.length);
    expect(parseEvent(JSON.parse(JSON.stringify(a))).ok).toBe(true);
  });

  it("never isolates a host whose asset record is tagged 'never auto-isolate', whatever the spelling", () => {
    const t = triageAt('critical', 0.99);
    const assetFact = (tags: string): Fact => ({
      id: 'asset:cmdb:1',
      kind: 'asset',
      entityId: 'host:web01',
      source: 'servicenow-cmdb',
      observedAt: '2026-11-23T10:00:00Z',
      statement: 'Asset web01',
      attributes: { tags },
    });
    const isolate = { actionId: 'a', reason: 'r', kind: 'RunContainment' as const, runbook: 'isolate-host' as const, target: { entityId: 'host:web01', type: 'host', value: 'web01' }, requiresApproval: true as const };
    expect(refusalOf(isolate, input(t, [assetFact('pci, Never-Auto_Isolate')]), policy)).toMatch(/host web01 is tagged 'Never-Auto_Isolate' in servicenow-cmdb \(fact asset:cmdb:1\)/);
    expect(refusalOf(isolate, input(t, [assetFact('pci, web tier')]), policy)).toBeUndefined();
    // The tag protects the host only: blocking an IP of the same alert is still allowed.
    const { actions, rejected } = applyPolicy(recommend(alert, t, policy, 'd'), input(t, [assetFact('never auto-isolate')]), policy);
    expect(actions.filter((a) => a.kind === 'RunContainment').map((a) => a.kind === 'RunContainment' && a.runbook)).toEqual(['block-ip']);
    expect(rejected.map((r) => r.reason)).toContain("host web01 is tagged 'never auto-isolate' in servicenow-cmdb (fact asset:cmdb:1); contain it by hand if it must be");
  });

  describe("the copilot's recommendations", () => {
    const advised = (level: Triage['risk']['level'], tp: number, recommendedActions: CopilotNote['recommendedActions']): Triage => ({
      ...triageAt(level, tp),
      copilot: { status: 'advised', evidence: [], investigationSteps: [], recommendedActions, huntQueries: [], removed: [] },
    });

    it('become actions with the policy\'s own destinations, and pass the same guardrails', () => {
      const t = advised('high', 0.7, [
        { kind: 'PostChat', reason: 'tell the team' },
        { kind: 'RunContainment', runbook: 'block-ip', target: SAMPLE_ENTITIES.externalIp.id, reason: 'known C2' },
        { kind: 'GenerateHunt', entityIds: ['host:web01'], reason: 'look for lateral movement' },
      ]);
      const own = recommend(alert, t, policy, 'd');
      const recs = fromCopilot(input(t), own, policy, 'd');
      // The hunt duplicates the policy's own and is skipped; chat has no configured destination, so nothing to post.
      expect(recs.map((r) => r.kind)).toEqual(['RunContainment']);
      const { actions, rejected } = applyPolicy(recs, input(t), policy, 'copilot');
      expect(actions).toEqual([]);
      expect(rejected).toEqual([{ kind: 'RunContainment', reason: 'copilot recommendation refused: risk high is below the containment threshold critical' }]);
      // Thresholds bind the copilot too: a critical alert whose true-positive likelihood is under the bar.
      const unsure = advised('critical', 0.5, [{ kind: 'RunContainment', runbook: 'isolate-host', target: 'host:web01', reason: 'x' }]);
      const refused = applyPolicy(fromCopilot(input(unsure), [], policy, 'd'), input(unsure), policy, 'copilot');
      expect(refused.rejected.map((r) => r.reason)).toEqual(['copilot recommendation refused: true-positive likelihood 0.5 is below the containment threshold 0.8']);
    });

    it('post to every configured chat destination, within the chat threshold', () => {
      const chatty = { ...policy, chat: { enabled: true, minLevel: 'high' as const, destinations: [{ name: 'soc-teams', channel: 'teams' as const }, { name: 'soc-slack', channel: 'slack' as const }] } };
      const high = advised('high', 0.7, [{ kind: 'PostChat', reason: 'tell the team' }]);
      // The policy posts itself at high risk, so the copilot's post duplicates it.
      expect(fromCopilot(input(high), recommend(alert, high, chatty, 'd'), chatty, 'd')).toEqual([]);
      const medium = advised('medium', 0.7, [{ kind: 'PostChat', reason: 'tell the team' }]);
      const recs = fromCopilot(input(medium), recommend(alert, medium, chatty, 'd'), chatty, 'd');
      expect(recs.map((r) => r.kind === 'PostChat' && r.destination)).toEqual(['soc-teams', 'soc-slack']);
      expect(applyPolicy(recs, input(medium), chatty, 'copilot').rejected.map((r) => r.reason)).toEqual([
        'copilot recommendation refused: risk medium is below the chat threshold high',
        'copilot recommendation refused: risk medium is below the chat threshold high',
      ]);
    });

    it('can add containment the policy did not propose, still awaiting approval, and never suppress', () => {
      const t = advised('critical', 0.9, [
        { kind: 'RunContainment', runbook: 'isolate-host', target: 'host:web01', reason: 'ransomware note found' },
        { kind: 'RunContainment', runbook: 'isolate-host', target: 'host:dc01', reason: 'injected target' },
        { kind: 'Suppress', reason: 'mark as false positive' },
      ]);
      // A policy that maps no runbook to hosts: the copilot proposes the isolation, the policy still checks it.
      const hostless = { ...policy, containment: { ...policy.containment, runbookByEntity: { ip: 'block-ip' as const } } };
      const own = recommend(alert, t, hostless, 'd');
      expect(own.some((a) => a.kind === 'RunContainment' && a.runbook === 'isolate-host')).toBe(false);
      const { actions, rejected } = applyPolicy(fromCopilot(input(t), own, hostless, 'd'), input(t), hostless, 'copilot');
      expect(actions).toMatchObject([{ kind: 'RunContainment', runbook: 'isolate-host', target: { entityId: 'host:web01', value: 'web01' }, requiresApproval: true, reason: 'Copilot: ransomware note found' }]);
      expect(rejected.map((r) => r.reason)).toEqual([
        'copilot recommendation refused: target host:dc01 is not an entity of this alert',
        'copilot recommendation refused: the copilot may not suppress: suppression follows the deterministic verdict',
      ]);
    });

    it('are ignored when the policy turns them off, and listed as not considered when the policy suppresses', () => {
      const t = advised('critical', 0.99, [{ kind: 'RunContainment', runbook: 'isolate-host', target: 'host:web01', reason: 'x' }]);
      expect(fromCopilot(input(t), [], { ...policy, copilot: { acceptRecommendations: false } }, 'd')).toEqual([]);
      const fp: Triage = { ...t, verdict: { class: 'false-positive', likelihoods: { truePositive: 0.05, benignPositive: 0.05, falsePositive: 0.9 } } };
      const event = createEvent(AlertTriagedV1, { alert, enrichment: { facts: [], missing: [] }, triage: fp }, { id: 't-2', source: '/soc/triage', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'c', tenantid: 'contoso' });
      const made = decide(event, { policy, clock: manualClock('2026-11-23T10:00:01Z'), internalNetworks: defaultInternalNetworks });
      expect(made.data.actions.map((a) => a.kind)).toEqual(['Suppress']);
      expect(made.data.rejected).toEqual([{ kind: 'RunContainment', reason: 'copilot recommendation not considered: the policy suppresses this alert' }]);
    });
  });
});
