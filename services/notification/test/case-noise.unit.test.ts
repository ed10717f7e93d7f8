import { describe, expect, it } from 'vitest';
import { type GroupDecision, type GroupState, type NoiseEffect, decide, evolve } from '../src/case-noise.ts';

const base: GroupDecision = {
  groupKey: 'grp-1',
  decisionKey: 'alt-1:',
  at: '2026-12-07T03:00:00.000Z',
  level: 'medium',
  verdict: 'needs-more-information',
  entities: ['host:ws-7', 'user:alice'],
  emailTo: ['soc@example.org'],
  chats: [{ channel: 'teams', destination: 'soc-high' }],
};

/** Applies a decision as the handler does: decide, evolve, and the post's reference fed back. */
function apply(state: GroupState | undefined, decision: GroupDecision): { state: GroupState | undefined; effects: NoiseEffect[] } {
  const effects = decide(state, decision);
  let next = state;
  for (const effect of effects) {
    next = evolve(next, effect);
    if (effect.kind === 'PostCard') next = evolve(next, { kind: 'CardPosted', channel: effect.channel, destination: effect.destination, ref: `outbox:${effect.key}` });
  }
  return { state: next, effects };
}

const kinds = (effects: readonly NoiseEffect[]) => effects.map((e) => e.kind);
const alert = (n: number, change: Partial<GroupDecision> = {}): GroupDecision => ({ ...base, decisionKey: `alt-${n}:`, at: `2026-12-07T03:0${n}:00.000Z`, ...change });

describe('the case-group decider (noise control)', () => {
  it('the first alert of a group sends the e-mail and posts the card', () => {
    const { state, effects } = apply(undefined, base);
    expect(effects).toEqual([
      { kind: 'Folded', decision: base },
      { kind: 'SendEmail', key: 'grp-1:email:1', to: ['soc@example.org'], reason: 'first', escalations: [] },
      { kind: 'PostCard', key: 'grp-1:card:teams/soc-high', channel: 'teams', destination: 'soc-high' },
    ]);
    expect(state).toMatchObject({ count: 1, emails: 1, cards: { 'teams/soc-high': 'outbox:grp-1:card:teams/soc-high' } });
  });

  it('a repeat of an unchanged case mails nothing and updates the card in place with count and last seen', () => {
    let { state } = apply(undefined, base);
    for (const n of [2, 3]) ({ state } = apply(state, alert(n)));
    const { state: after, effects } = apply(state, alert(4));
    expect(effects).toEqual([
      { kind: 'Folded', decision: alert(4) },
      { kind: 'UpdateCard', ref: 'outbox:grp-1:card:teams/soc-high', channel: 'teams', destination: 'soc-high' },
    ]);
    expect(after).toMatchObject({ count: 4, emails: 1, firstSeen: base.at, lastSeen: alert(4).at });
  });

  it('a redelivered decision changes nothing and sends nothing', () => {
    const { state } = apply(apply(undefined, base).state, alert(2));
    expect(decide(state, alert(2))).toEqual([]);
    expect(decide(state, base)).toEqual([]);
  });

  it('a higher risk level escalates once: one more e-mail, keyed by the next sequence; the same level again does not', () => {
    let { state } = apply(undefined, base);
    const high = apply(state, alert(2, { level: 'high' }));
    expect(high.effects.find((e) => e.kind === 'SendEmail')).toEqual({
      kind: 'SendEmail',
      key: 'grp-1:email:2',
      to: ['soc@example.org'],
      reason: 'escalation',
      escalations: [{ kind: 'severity', from: 'medium', to: 'high' }],
    });
    state = high.state;
    expect(kinds(apply(state, alert(3, { level: 'high' })).effects)).toEqual(['Folded', 'UpdateCard']);
    expect(kinds(apply(state, alert(3, { level: 'low' })).effects)).toEqual(['Folded', 'UpdateCard']);
  });

  it('the verdict moving to true-positive escalates; a second true positive does not', () => {
    const { state } = apply(undefined, base);
    const tp = apply(state, alert(2, { verdict: 'true-positive' }));
    expect(tp.effects.find((e) => e.kind === 'SendEmail')).toMatchObject({ reason: 'escalation', escalations: [{ kind: 'verdict' }] });
    expect(kinds(apply(tp.state, alert(3, { verdict: 'true-positive' })).effects)).toEqual(['Folded', 'UpdateCard']);
  });

  it('a new source-named entity of note escalates; an entity the group has seen, or of no note, does not', () => {
    const { state } = apply(undefined, base);
    const fresh = apply(state, alert(2, { entities: [...base.entities, 'process:powershell.exe'] }));
    expect(fresh.effects.find((e) => e.kind === 'SendEmail')).toMatchObject({ escalations: [{ kind: 'entity', entities: ['process:powershell.exe'] }] });
    expect(kinds(apply(fresh.state, alert(3, { entities: [...base.entities, 'process:powershell.exe'] })).effects)).toEqual(['Folded', 'UpdateCard']);
    expect(kinds(apply(state, alert(3, { entities: [...base.entities, 'registry:HKLM\\Run'] })).effects)).toEqual(['Folded', 'UpdateCard']);
  });

  it('a group whose first decisions asked for no e-mail mails at the first that does', () => {
    const { state } = apply(undefined, { ...base, emailTo: undefined });
    const effects = decide(state, alert(2));
    expect(effects.find((e) => e.kind === 'SendEmail')).toMatchObject({ key: 'grp-1:email:1', reason: 'first' });
  });

  it('a new chat destination of the group gets its own card', () => {
    const { state } = apply(undefined, base);
    const effects = decide(state, alert(2, { chats: [...base.chats, { channel: 'slack', destination: 'soc-slack' }] }));
    expect(kinds(effects)).toEqual(['Folded', 'UpdateCard', 'PostCard']);
  });
});
