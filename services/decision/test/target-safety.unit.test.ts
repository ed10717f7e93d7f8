import { describe, expect, it } from 'vitest';
import { AlertTriagedV1, type Action, type Alert, type CopilotNote, type Enrichment, type Entity, type Fact, type Triage, createEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { defaultInternalNetworks } from '@soc/guardrails';
import { manualClock } from '@soc/runtime';
import { applyPolicy, fromCopilot } from '../src/decide.ts';
import { decide } from '../src/handler.ts';
import { DecisionPolicy, loadPolicy } from '../src/policy.ts';

/**
 * Containment targets the sender controls (issue 11, scenario 2), at the decision: every containment, the policy's
 * own and the copilot's, passes the target rules of `@soc/guardrails`.
 */
const policy = loadPolicy();
const critical = (copilot?: CopilotNote): Triage => ({
  engine: { name: 'deterministic', version: 'test' },
  risk: { score: 95, level: 'critical', factors: [] },
  verdict: { class: 'true-positive', likelihoods: { truePositive: 0.97, benignPositive: 0.015, falsePositive: 0.015 } },
  summary: 's',
  nextSteps: [],
  attack: [],
  ...(copilot ? { copilot } : {}),
});
const advice = (recommendedActions: CopilotNote['recommendedActions'], status: CopilotNote['status'] = 'advised'): CopilotNote => ({
  status,
  fingerprint: 'grp-1',
  evidence: [],
  investigationSteps: [],
  recommendedActions,
  huntQueries: [],
  removed: [],
});
const ip = (value: string, extra: Partial<Extract<Entity, { type: 'ip' }>> = {}): Entity => ({ id: `ip:${value}`, type: 'ip', value, origin: 'source', ...extra });
const asset = (entityId: string, attributes: Fact['attributes'], source = 'asset-files'): Fact => ({
  id: `asset:${source}:${entityId}`,
  kind: 'asset',
  entityId,
  source,
  observedAt: '2026-11-23T10:00:00Z',
  statement: `Asset ${entityId}`,
  attributes,
});

function decideOn(alert: Alert, opts: { enrichment?: Enrichment; triage?: Triage; policy?: DecisionPolicy; id?: string } = {}) {
  const event = createEvent(
    AlertTriagedV1,
    { alert, enrichment: opts.enrichment ?? { facts: [], missing: [] }, triage: opts.triage ?? critical() },
    { id: opts.id ?? 'tri-1', source: '/soc/triage', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'c', tenantid: alert.tenantId },
  );
  return decide(event, { policy: opts.policy ?? policy, clock: manualClock('2026-11-23T10:00:01Z'), internalNetworks: defaultInternalNetworks }).data;
}
const contained = (actions: readonly Action[]) => actions.flatMap((a) => (a.kind === 'RunContainment' ? [`${a.runbook} ${a.target.value}`] : []));
const reasons = (rejected: readonly { reason: string }[]) => rejected.map((r) => r.reason);

describe('containment targets the sender controls', () => {
  it('an external address the source named is contained (the control: the rules below refuse for a reason)', () => {
    expect(contained(decideOn(sampleAlert({ entities: [ip('185.220.101.4')] })).actions)).toEqual(['block-ip 185.220.101.4']);
  });

  it('never an entity extracted from free text, whoever proposes it', () => {
    const alert = sampleAlert({ entities: [ip('185.220.101.4', { origin: 'extracted' })] });
    const made = decideOn(alert, { triage: critical(advice([{ kind: 'RunContainment', runbook: 'block-ip', target: 'ip:185.220.101.4', reason: 'C2' }])) });
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual([
      "target 185.220.101.4 was extracted from the alert's free text, not named by the source product; only entities the source named can be contained",
      "copilot recommendation refused: target 185.220.101.4 was extracted from the alert's free text, not named by the source product; only entities the source named can be contained",
    ]);
  });

  it('an internal address is internal by the configured ranges, whatever the sender flagged', () => {
    const made = decideOn(sampleAlert({ entities: [ip('10.0.1.77', { isInternal: false }), ip('100.64.3.9', { isInternal: false }), ip('fd00::7', { isInternal: false })] }));
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual(['target 10.0.1.77 is an internal address', 'target 100.64.3.9 is an internal address', 'target fd00::7 is an internal address']);
  });

  it('a value that is not valid for its type is refused', () => {
    const made = decideOn(
      sampleAlert({
        entities: [ip('not an ip', { isInternal: false }), { id: 'url:javascript:alert(1)', type: 'url', value: 'javascript:alert(1)', origin: 'source' }],
      }),
      { policy: { ...policy, containment: { ...policy.containment, runbookByEntity: { ip: 'block-ip', url: 'block-url' } } } },
    );
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual(['target not an ip is not an IP address', 'target javascript:alert(1) is not an http(s) URL with a host']);
  });

  it("the runbook must fit the target's type, for the copilot too", () => {
    const alert = sampleAlert({ entities: [ip('185.220.101.4'), { id: 'url:https://evil.example/x', type: 'url', value: 'https://evil.example/x', origin: 'source' }] });
    const made = decideOn(alert, {
      policy: { ...policy, containment: { ...policy.containment, runbookByEntity: {}, allowedRunbooks: ['block-ip', 'block-url', 'isolate-host', 'disable-user'] } },
      triage: critical(
        advice([
          { kind: 'RunContainment', runbook: 'isolate-host', target: 'ip:185.220.101.4', reason: 'x' },
          { kind: 'RunContainment', runbook: 'block-ip', target: 'url:https://evil.example/x', reason: 'x' },
          { kind: 'RunContainment', runbook: 'disable-user', target: 'ip:185.220.101.4', reason: 'x' },
        ]),
      ),
    });
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual([
      'copilot recommendation refused: runbook isolate-host acts on host, not on the ip 185.220.101.4',
      'copilot recommendation refused: runbook block-ip acts on ip, not on the url https://evil.example/x',
      'copilot recommendation refused: runbook disable-user acts on user, not on the ip 185.220.101.4',
    ]);
  });

  it('a policy mapping a runbook to a type it cannot act on is refused at load', () => {
    const bad = DecisionPolicy.safeParse({ ...policy, containment: { ...policy.containment, runbookByEntity: { url: 'block-ip' } } });
    expect(bad.error?.issues.map((i) => i.message)).toEqual(['runbook block-ip cannot act on a url (it acts on ip)']);
  });

  it('identity providers, well-known services and public resolvers are protected, by domain and all its subdomains', () => {
    const entities: Entity[] = [
      ip('8.8.8.8', { isInternal: false }),
      ip('2606:4700:4700::1111'),
      { id: 'url:https://login.microsoftonline.com/common', type: 'url', value: 'https://login.microsoftonline.com/common', origin: 'source' },
      { id: 'url:https://LOGIN.live.com./oauth', type: 'url', value: 'https://LOGIN.live.com./oauth', origin: 'source' },
      { id: 'domain:acme.okta.com', type: 'domain', value: 'acme.okta.com', origin: 'source' },
      { id: 'url:https://stacct.blob.core.windows.net/c?sig=x', type: 'url', value: 'https://stacct.blob.core.windows.net/c?sig=x', origin: 'source' },
    ];
    const wide = { ...policy, containment: { ...policy.containment, maxActionsPerAlert: 32, runbookByEntity: { ip: 'block-ip' as const, url: 'block-url' as const, domain: 'block-url' as const } } };
    const made = decideOn(sampleAlert({ entities }), { policy: wide });
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual([
      'target 8.8.8.8 is a protected address (a public DNS resolver or well-known service)',
      'target 2606:4700:4700::1111 is a protected address (a public DNS resolver or well-known service)',
      'target https://login.microsoftonline.com/common is a protected domain (login.microsoftonline.com: an identity provider or well-known service)',
      'target https://LOGIN.live.com./oauth is a protected domain (login.live.com: an identity provider or well-known service)',
      'target acme.okta.com is a protected domain (okta.com: an identity provider or well-known service)',
      'target https://stacct.blob.core.windows.net/c?sig=x is a protected domain (windows.net: an identity provider or well-known service)',
    ]);
  });

  it("the policy's own domains and ranges are protected", () => {
    const own = {
      ...policy,
      containment: { ...policy.containment, runbookByEntity: { ip: 'block-ip' as const, url: 'block-url' as const }, protected: { domains: ['contoso.com'], networks: ['203.0.113.0/24'] } },
    };
    const made = decideOn(sampleAlert({ entities: [ip('203.0.113.80'), { id: 'url:http://vpn.contoso.com/', type: 'url', value: 'http://vpn.contoso.com/', origin: 'source' }] }), { policy: own });
    expect(contained(made.actions)).toEqual([]);
    expect(reasons(made.rejected)).toEqual([
      'target 203.0.113.80 is a protected address (containment.protected.networks)',
      'target http://vpn.contoso.com/ is a protected domain (contoso.com, containment.protected.domains)',
    ]);
  });

  describe('hosts and users fail closed', () => {
    const dc = asset('ip:10.0.1.77', { hostname: 'dhcpcontoso77', fqdn: 'dhcpcontoso77.contoso.com', ips: '10.0.1.77', tags: 'domain controller, dhcp, never auto-isolate' });

    it('a host tagged never auto-isolate is found under another DNS suffix by its short name', () => {
      const host: Entity = { id: 'host:dhcpcontoso77.other-suffix.example', type: 'host', value: 'dhcpcontoso77.other-suffix.example', origin: 'source' };
      const made = decideOn(sampleAlert({ entities: [host, ip('10.0.1.77')] }), { enrichment: { facts: [dc], missing: [] } });
      expect(contained(made.actions)).toEqual([]);
      expect(reasons(made.rejected)).toContain(
        "host dhcpcontoso77.other-suffix.example is tagged 'never auto-isolate' in asset-files (fact asset:asset-files:ip:10.0.1.77) (matched by short host name via ip:10.0.1.77); contain it by hand if it must be",
      );
    });

    it('a host with no inventory record, or whose inventory source could not answer, is treated as protected', () => {
      const host: Entity = { id: 'host:ws42.contoso.com', type: 'host', value: 'ws42.contoso.com', origin: 'source' };
      const known = asset('host:ws42.contoso.com', { hostname: 'ws42', tags: 'workstation' });
      expect(reasons(decideOn(sampleAlert({ entities: [host] })).rejected)).toEqual(['host ws42.contoso.com is treated as protected: no inventory record (asset fact) describes it']);
      const down = decideOn(sampleAlert({ entities: [host] }), { enrichment: { facts: [known], missing: [{ source: 'servicenow', reason: 'HTTP 503' }] } });
      expect(reasons(down.rejected)).toEqual(['host ws42.contoso.com is treated as protected: inventory source(s) servicenow could not answer, so a protecting tag may be missing']);
      // Threat intelligence knows nothing of our machines: VirusTotal being down does not stop the isolation.
      const tiDown = decideOn(sampleAlert({ entities: [host] }), { enrichment: { facts: [known], missing: [{ source: 'virustotal', reason: 'HTTP 429' }] } });
      expect(contained(tiDown.actions)).toEqual(['isolate-host ws42.contoso.com']);
    });

    it('a user with no directory record is treated as protected', () => {
      const user: Entity = { id: 'user:jane@contoso.com', type: 'user', value: 'jane@contoso.com', origin: 'source' };
      const users = { ...policy, containment: { ...policy.containment, runbookByEntity: { user: 'disable-user' as const }, allowedRunbooks: ['disable-user' as const] } };
      expect(reasons(decideOn(sampleAlert({ entities: [user] }), { policy: users }).rejected)).toEqual(['user jane@contoso.com is treated as protected: no inventory record (user fact) describes it']);
      const fact: Fact = { ...asset('user:jane@contoso.com', { upn: 'jane@contoso.com' }, 'user-files'), kind: 'user' };
      expect(contained(decideOn(sampleAlert({ entities: [user] }), { policy: users, enrichment: { facts: [fact], missing: [] } }).actions)).toEqual(['disable-user jane@contoso.com']);
    });
  });

  it('at most 3 containments per alert by default, the rest refused for the cap', () => {
    const made = decideOn(sampleAlert({ entities: [1, 2, 3, 4, 5].map((i) => ip(`185.220.101.${i}`)) }));
    expect(contained(made.actions)).toEqual(['block-ip 185.220.101.1', 'block-ip 185.220.101.2', 'block-ip 185.220.101.3']);
    expect(reasons(made.rejected)).toEqual([
      'not proposed: at most 3 containment action(s) per alert (containment.maxActionsPerAlert); contain the rest by hand',
      'not proposed: at most 3 containment action(s) per alert (containment.maxActionsPerAlert); contain the rest by hand',
    ]);
  });
});

describe("the copilot's advice, checked against this alert and the policy", () => {
  const input = (triage: Triage, alert: Alert = sampleAlert()) => ({ alert, enrichment: { facts: [], missing: [] }, triage });

  it("a ticket's priority is the policy's for the risk level; the model can neither raise nor lower it", () => {
    const high: Triage = { ...critical(advice([{ kind: 'CreateTicket', priority: 1, reason: 'P1 now' }])), risk: { score: 70, level: 'high', factors: [] } };
    expect(fromCopilot(input(high), [], policy, 'd')).toMatchObject([
      { kind: 'CreateTicket', priority: 2, reason: "Copilot: P1 now; priority 2 is the policy's for risk high, not the model's 1" },
    ]);
    const lowered = critical(advice([{ kind: 'CreateTicket', priority: 5, reason: 'not urgent' }]));
    expect(fromCopilot(input(lowered), [], policy, 'd')).toMatchObject([{ kind: 'CreateTicket', priority: 1 }]);
    const same = critical(advice([{ kind: 'CreateTicket', priority: 1, reason: 'urgent' }]));
    expect(fromCopilot(input(same), [], policy, 'd')).toMatchObject([{ kind: 'CreateTicket', priority: 1, reason: 'Copilot: urgent' }]);
  });

  it("cached advice of a case group is re-checked against each later alert's own entities", () => {
    const first = sampleAlert({ alertId: 'alt-first', entities: [ip('185.220.101.4'), ip('185.220.101.9')] });
    const later = sampleAlert({ alertId: 'alt-later', entities: [ip('185.220.101.9')] });
    const recs: CopilotNote['recommendedActions'] = [
      { kind: 'RunContainment', runbook: 'block-ip', target: 'ip:185.220.101.4', reason: 'C2 beacon' },
      { kind: 'RunContainment', runbook: 'block-ip', target: 'ip:185.220.101.9', reason: 'C2 beacon' },
      { kind: 'GenerateHunt', entityIds: ['ip:185.220.101.4'], reason: 'where else' },
    ];
    const noOwnContainment = { ...policy, containment: { ...policy.containment, runbookByEntity: {} }, hunt: { ...policy.hunt, enabled: true, minLevel: 'critical' as const } };
    const a = decideOn(first, { id: 'tri-a', triage: critical(advice(recs, 'advised')), policy: noOwnContainment });
    expect(contained(a.actions)).toEqual(['block-ip 185.220.101.4', 'block-ip 185.220.101.9']);

    const b = decideOn(later, { id: 'tri-b', triage: critical(advice(recs, 'cached')), policy: noOwnContainment });
    expect(contained(b.actions)).toEqual(['block-ip 185.220.101.9']);
    const kept = b.actions.find((x) => x.kind === 'RunContainment');
    expect(kept?.reason).toBe("Copilot (the case group's cached advice, re-checked for this alert): C2 beacon");
    expect(reasons(b.rejected)).toEqual([
      "copilot recommendation refused: target ip:185.220.101.4 is not an entity of this alert (the advice is cached from an earlier alert of its case group and names that alert's entities)",
    ]);
    // The policy's own hunt (on this alert's entities) stands; the cached one on the first alert's address is skipped as a duplicate.
    expect(b.actions.filter((x) => x.kind === 'GenerateHunt').map((x) => x.kind === 'GenerateHunt' && x.entityIds)).toEqual([['ip:185.220.101.9']]);
    // Without a hunt of the policy's own, the cached hunt naming the first alert's entity is refused, saying why.
    const huntless = { ...noOwnContainment, hunt: { enabled: true, minLevel: 'critical' as const } };
    const applied = applyPolicy(fromCopilot(input(critical(advice(recs, 'cached')), later), [], huntless, 'd'), { ...input(critical(advice(recs, 'cached')), later), internalNetworks: defaultInternalNetworks }, huntless, 'copilot');
    expect(reasons(applied.rejected)).toContain(
      "copilot recommendation refused: unknown entities: ip:185.220.101.4 (the advice is cached from an earlier alert of its case group and names that alert's entities)",
    );
  });
});
