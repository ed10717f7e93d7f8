import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { RUNBOOKS, bindingHashOf, requestIdFor } from '@soc/containment-requests';
import { caseLink, containmentLink } from '@soc/outbound';
import { adaptiveCardOf, renderTeamsCard } from '../src/adapters/teams/teams-card.ts';
import { defangChat } from '../src/outbound.ts';
import { chatCardOf, subjectOf } from '../src/render.ts';
import type { OutgoingChat } from '../src/ports.ts';
import { decisionFixture } from './support/decision.ts';

const PUBLIC_URL = 'https://soc.example.org';
/** Microsoft's Adaptive Cards SDK (its UMD bundle: the package's ESM build is for bundlers), to parse what we build. */
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;
/** Markdown a TextBlock would render, a Teams mention tag, live indicators and an HTML tag, in every alert field. */
const ATTACK = 'Beacon to evil-c2.com [click here](https://phish.example/login) **urgent** <at>General</at> <img src=x> 198.51.100.7';

/** A decision whose alert text is hostile everywhere a card shows it, as the handler builds and defangs its message. */
function hostileMessage(): { message: OutgoingChat; caseUrl: string } {
  const event = decisionFixture();
  const { alert, triage } = event.data;
  alert.title = ATTACK;
  alert.entities = [{ id: 'url:x', type: 'url', value: 'https://phish.example/login?u=1', origin: 'source' }, ...alert.entities];
  alert.attack = [{ tactic: 'command-and-control', techniqueId: 'T1071', techniqueName: ATTACK }] as typeof alert.attack;
  triage.risk.factors = [{ name: ATTACK, points: 40, evidence: 'e', factIds: [] }, ...triage.risk.factors];
  const caseUrl = caseLink(PUBLIC_URL, alert.alertId);
  const message = defangChat({ idempotencyKey: 'k', channel: 'teams', destination: 'soc', title: subjectOf(alert, triage), text: triage.summary, card: chatCardOf(alert, triage, event.data.actions, { caseUrl }) }, [caseUrl]);
  return { message, caseUrl };
}

/** Every object of a card, depth first. */
function nodesOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(nodesOf);
  if (typeof value !== 'object' || value === null) return [];
  const node = value as Record<string, unknown>;
  return [node, ...Object.values(node).flatMap(nodesOf)];
}

describe('the Teams case card (Adaptive Card 1.5)', () => {
  it('shows verdict, severity, score, factors, entities and ATT&CK, with Open case to the case link', () => {
    const { message, caseUrl } = hostileMessage();
    const card = renderTeamsCard(message);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const texts = nodesOf(card).filter((n) => n.type === 'TextRun').map((n) => n.text as string);
    const c = message.card!;
    expect(texts[0]).toBe(`True positive · ${c.severity.toUpperCase()} ${c.score}`);
    expect(texts).toContain(`Risk: ${c.severity} · ${c.score}/100`);
    expect(texts.some((t) => t.startsWith('+40  Beacon to evil-c2[.]com'))).toBe(true);
    expect(texts).toContain('url: hxxps://phish[.]example/login?u=1');
    expect(texts.some((t) => t.startsWith('ATT&CK: T1071 Beacon'))).toBe(true);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open case', url: caseUrl }]);
  });

  it('offers Approve / Deny per pending request as Action.Execute with the request id and binding hash only', () => {
    const event = decisionFixture();
    const { message } = hostileMessage();
    const executes = nodesOf(renderTeamsCard(message)).filter((n) => n.type === 'Action.Execute');
    const containments = event.data.actions.filter((a) => a.kind === 'RunContainment');
    expect(containments.length).toBeGreaterThan(0);
    const expected = containments.flatMap((a) => {
      const requestId = requestIdFor(event.data.alert.alertId, a.runbook, a.target.entityId);
      const data = { requestId, bindingHash: bindingHashOf({ requestId, runbook: a.runbook, target: a.target, arguments: {}, tenantId: event.data.alert.tenantId }) };
      // A runbook that cannot be undone: its Approve sends the card's confirmation toggle along (issue 14).
      const approve = RUNBOOKS[a.runbook].cannotBeUndone !== undefined
        ? { type: 'Action.Execute', title: 'Approve', verb: 'containment.approve-irreversible', data, style: 'positive', associatedInputs: 'auto' }
        : { type: 'Action.Execute', title: 'Approve', verb: 'containment.approve', data, style: 'positive' };
      return [approve, { type: 'Action.Execute', title: 'Deny', verb: 'containment.deny', data, style: 'destructive' }];
    });
    expect(executes).toEqual(expected);
  });

  it('where no bot receives clicks, approvals are a link to the request instead', () => {
    const { message } = hostileMessage();
    const card = adaptiveCardOf(message.title, message.card!, { kind: 'link', approvalUrl: (a) => containmentLink(PUBLIC_URL, a.requestId) });
    const nodes = nodesOf(card);
    expect(nodes.filter((n) => n.type === 'Action.Execute')).toEqual([]);
    const links = nodes.filter((n) => n.type === 'Action.OpenUrl' && n.title !== 'Open case');
    expect(links.map((l) => l.url)).toEqual(message.card!.approvals.map((a) => `${PUBLIC_URL}/api/v1/containment/${a.requestId}`));
  });

  it('no field escapes the defanging: alert text only in TextRuns (no Markdown), no live link, mention or tag', () => {
    const { message, caseUrl } = hostileMessage();
    for (const card of [renderTeamsCard(message), adaptiveCardOf(message.title, message.card!, { kind: 'link', approvalUrl: (a) => containmentLink(PUBLIC_URL, a.requestId) })]) {
      const nodes = nodesOf(card);
      // A TextBlock or a FactSet renders Markdown in Teams: the card has none.
      expect(nodes.filter((n) => n.type === 'TextBlock' || n.type === 'FactSet')).toEqual([]);
      const raw = JSON.stringify(card);
      for (const live of ['evil-c2.com', 'https://phish', 'phish.example', '198.51.100.7', '<at>', '<img', 'jane.doe@contoso.com']) expect([live, raw.includes(live)]).toEqual([live, false]);
      // The only URLs are ours: the case link and the approval links.
      const urls = nodes.filter((n) => 'url' in n).map((n) => n.url as string);
      expect(urls.every((u) => u === caseUrl || u.startsWith(`${PUBLIC_URL}/api/v1/containment/cr-`))).toBe(true);
      // Every string outside a TextRun is ours (element names, titles, verbs, ids), none carries alert text.
      for (const n of nodes.filter((x) => x.type !== 'TextRun')) {
        for (const [k, v] of Object.entries(n)) if (typeof v === 'string' && k !== 'url') expect([k, v.includes('Beacon') || v.includes('[.]')]).toEqual([k, false]);
      }
    }
  });

  it('a message without a case card is its title and text, as TextRuns', () => {
    const card = renderTeamsCard({ idempotencyKey: 'k', channel: 'teams', destination: 'soc', title: 'Weekly report', text: 'see **this** <at>x</at>' });
    expect(nodesOf(card).filter((n) => n.type === 'TextRun').map((n) => n.text)).toEqual(['Weekly report', 'see **this** ‹at›x‹/at›']);
    expect(card.actions).toEqual([]);
  });

  it('Microsoft\'s Adaptive Cards parser reads both forms of the card as version 1.5 without a warning, and keeps every element', () => {
    const { message } = hostileMessage();
    for (const card of [renderTeamsCard(message), adaptiveCardOf(message.title, message.card!, { kind: 'link', approvalUrl: (a) => containmentLink(PUBLIC_URL, a.requestId) })]) {
      const parsed = new AC.AdaptiveCard();
      const context = new AC.SerializationContext(new AC.Version(1, 5));
      parsed.parse(card, context);
      expect(Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message)).toEqual([]);
      // What the SDK serialises back is our card, element for element (`msteams` is Teams' own extension, unknown to it).
      const { msteams: _teams, ...portable } = card;
      expect(parsed.toJSON()).toEqual(portable);
    }
  });
});

describe('the Teams card of a runbook that cannot be undone (issue 14)', () => {
  it('says what cannot be undone and asks for a required toggle its Approve sends along; a reversible one does not', () => {
    const base = { verdict: 'true-positive', severity: 'critical', score: 92, factors: [], entities: [], attack: [], caseUrl: `${PUBLIC_URL}/api/v1/alerts/a`, alertId: 'a' } as const;
    const card = adaptiveCardOf('t', {
      ...base,
      approvals: [
        { requestId: 'cr-irr', bindingHash: 'a'.repeat(64), runbook: 'revoke-sessions', target: 'user u@contoso.com', cannotBeUndone: 'revoked sessions stay revoked' },
        { requestId: 'cr-rev', bindingHash: 'b'.repeat(64), runbook: 'isolate-host', target: 'host ws-1' },
      ],
    });
    const json = JSON.stringify(card);
    expect(json).toContain('Cannot be undone: revoked sessions stay revoked');
    const toggles = card.body.filter((e) => e.type === 'Input.Toggle');
    expect(toggles).toEqual([expect.objectContaining({ id: 'confirmIrreversible:cr-irr', isRequired: true, value: 'false' })]);
    const approves = card.body.flatMap((e) => (e.type === 'ActionSet' ? (e.actions as Record<string, unknown>[]) : [])).filter((a) => a.title === 'Approve');
    expect(approves.map((a) => [a.verb, a.associatedInputs])).toEqual([
      ['containment.approve-irreversible', 'auto'],
      ['containment.approve', undefined],
    ]);
  });
});
