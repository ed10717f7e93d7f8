import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GroupCommand, type GroupDecision, type GroupEvent, type GroupState, type Intent, apply, decide, pendingOf } from '../src/case-noise.ts';

const base: GroupDecision = {
  groupKey: 'grp-1',
  decisionKey: 'alt-1:',
  at: '2026-12-07T03:00:00.000Z',
  level: 'medium',
  verdict: 'needs-more-information',
  entities: ['host:ws-7', 'user:alice'],
  emailTo: ['soc@example.org'],
  chats: [{ channel: 'teams', destination: 'soc-high' }],
  alertId: 'alt-1',
  title: 'Suspicious PowerShell',
};

const run = (state: GroupState | undefined, command: GroupCommand): { state: GroupState | undefined; events: GroupEvent[] } => {
  const events = decide(state, command);
  return { state: apply(state, events), events };
};

/** Handles a decision as the handler does: Notify, then perform and complete each of its pending intents. */
function handle(state: GroupState | undefined, decision: GroupDecision): { state: GroupState | undefined; intents: Intent[] } {
  let next = run(state, { kind: 'Notify', decision }).state;
  const intents: Intent[] = [];
  for (let todo = pendingOf(next, decision.decisionKey); todo.length > 0; todo = pendingOf(next, decision.decisionKey)) {
    const intent = todo[0]!;
    intents.push(intent);
    next = run(next, { kind: 'Complete', key: intent.key, ...(intent.kind === 'post-card' ? { ref: `ref:${intent.key}` } : {}) }).state;
  }
  return { state: next, intents };
}

const kinds = (intents: readonly Intent[]) => intents.map((e) => e.kind);
const alert = (n: number, change: Partial<GroupDecision> = {}): GroupDecision => ({ ...base, decisionKey: `alt-${n}:`, at: `2026-12-07T03:0${n}:00.000Z`, ...change });

describe('the case-group decider (noise control)', () => {
  it('the first alert of a group reserves the e-mail and the card, and only its handler performs them', () => {
    const { state, events } = run(undefined, { kind: 'Notify', decision: base });
    expect(events).toEqual([
      { kind: 'Folded', decision: base },
      { kind: 'Reserved', intent: { kind: 'email', key: 'grp-1:email:1', decisionKey: 'alt-1:', to: ['soc@example.org'], reason: 'first', escalations: [] } },
      { kind: 'Reserved', intent: { kind: 'post-card', key: 'grp-1:card:teams/soc-high', decisionKey: 'alt-1:', channel: 'teams', destination: 'soc-high', count: 1 } },
    ]);
    expect(pendingOf(state, 'alt-1:').map((i) => i.key)).toEqual(['grp-1:email:1', 'grp-1:card:teams/soc-high']);
    expect(pendingOf(state, 'alt-2:')).toEqual([]);
    const done = handle(undefined, base).state;
    expect(done).toMatchObject({ count: 1, emails: 1, pending: [], cards: { 'teams/soc-high': { ref: 'ref:grp-1:card:teams/soc-high' } } });
  });

  it('a repeat of an unchanged case mails nothing and updates the card in place with count and last seen', () => {
    let { state } = handle(undefined, base);
    for (const n of [2, 3]) ({ state } = handle(state, alert(n)));
    const after = handle(state, alert(4));
    expect(after.intents).toEqual([{ kind: 'update-card', key: 'ref:grp-1:card:teams/soc-high#alt-4:', decisionKey: 'alt-4:', channel: 'teams', destination: 'soc-high', ref: 'ref:grp-1:card:teams/soc-high' }]);
    expect(after.state).toMatchObject({ count: 4, emails: 1, firstSeen: base.at, lastSeen: alert(4).at, pending: [] });
  });

  it('a redelivered decision changes nothing and sends nothing once its intents are done', () => {
    const { state } = handle(handle(undefined, base).state, alert(2));
    expect(decide(state, { kind: 'Notify', decision: alert(2) })).toEqual([]);
    expect(decide(state, { kind: 'Notify', decision: base })).toEqual([]);
    expect(pendingOf(state, 'alt-2:')).toEqual([]);
  });

  it('a crash after the reservation: the redelivered decision finds its intents still pending and performs them', () => {
    const reserved = run(undefined, { kind: 'Notify', decision: base }).state;
    // The handler died before sending: the redelivery decides nothing new, and its intents are still there to perform.
    expect(decide(reserved, { kind: 'Notify', decision: base })).toEqual([]);
    expect(handle(reserved, base).intents.map((i) => i.key)).toEqual(['grp-1:email:1', 'grp-1:card:teams/soc-high']);
    // Completing twice (a redelivery racing the original) records it once.
    const once = run(reserved, { kind: 'Complete', key: 'grp-1:email:1' }).state;
    expect(decide(once, { kind: 'Complete', key: 'grp-1:email:1' })).toEqual([]);
  });

  it('a higher risk level escalates once: one more e-mail, keyed by the next sequence; the same level again does not', () => {
    let { state } = handle(undefined, base);
    const high = handle(state, alert(2, { level: 'high' }));
    expect(high.intents.find((e) => e.kind === 'email')).toEqual({
      kind: 'email',
      key: 'grp-1:email:2',
      decisionKey: 'alt-2:',
      to: ['soc@example.org'],
      reason: 'escalation',
      escalations: [{ kind: 'severity', from: 'medium', to: 'high' }],
    });
    state = high.state;
    expect(kinds(handle(state, alert(3, { level: 'high' })).intents)).toEqual(['update-card']);
    expect(kinds(handle(state, alert(3, { level: 'low' })).intents)).toEqual(['update-card']);
  });

  it('the verdict moving to true-positive escalates; a second true positive does not', () => {
    const { state } = handle(undefined, base);
    const tp = handle(state, alert(2, { verdict: 'true-positive' }));
    expect(tp.intents.find((e) => e.kind === 'email')).toMatchObject({ reason: 'escalation', escalations: [{ kind: 'verdict' }] });
    expect(kinds(handle(tp.state, alert(3, { verdict: 'true-positive' })).intents)).toEqual(['update-card']);
  });

  it('a new source-named entity of note escalates; an entity the group has seen, or of no note, does not', () => {
    const { state } = handle(undefined, base);
    const fresh = handle(state, alert(2, { entities: [...base.entities, 'process:powershell.exe'] }));
    expect(fresh.intents.find((e) => e.kind === 'email')).toMatchObject({ escalations: [{ kind: 'entity', entities: ['process:powershell.exe'] }] });
    expect(kinds(handle(fresh.state, alert(3, { entities: [...base.entities, 'process:powershell.exe'] })).intents)).toEqual(['update-card']);
    expect(kinds(handle(state, alert(3, { entities: [...base.entities, 'registry:HKLM\\Run'] })).intents)).toEqual(['update-card']);
  });

  it('a group whose first decisions asked for no e-mail mails at the first that does', () => {
    const { state } = handle(undefined, { ...base, emailTo: undefined });
    expect(handle(state, alert(2)).intents.find((e) => e.kind === 'email')).toMatchObject({ key: 'grp-1:email:1', reason: 'first' });
  });

  it('a new chat destination of the group gets its own card', () => {
    const { state } = handle(undefined, base);
    expect(kinds(handle(state, alert(2, { chats: [...base.chats, { channel: 'slack', destination: 'soc-slack' }] })).intents)).toEqual(['update-card', 'post-card']);
  });

  it('alerts folded while the first card is being posted: no second card, and the poster refreshes it once with the latest count', () => {
    const reserved = run(undefined, { kind: 'Notify', decision: base }).state;
    const second = run(reserved, { kind: 'Notify', decision: alert(2) });
    expect(second.events.map((e) => e.kind)).toEqual(['Folded']);
    const third = run(second.state, { kind: 'Notify', decision: alert(3) }).state;
    // alt-1 posts its card: completing the post reserves one refresh for alt-1, since the group grew meanwhile.
    const afterMail = run(third, { kind: 'Complete', key: 'grp-1:email:1' }).state;
    const posted = run(afterMail, { kind: 'Complete', key: 'grp-1:card:teams/soc-high', ref: 'slack:C1/1.1' });
    expect(posted.events).toEqual([
      { kind: 'Completed', key: 'grp-1:card:teams/soc-high', ref: 'slack:C1/1.1' },
      { kind: 'Reserved', intent: { kind: 'update-card', key: 'slack:C1/1.1#alt-1:#3', decisionKey: 'alt-1:', channel: 'teams', destination: 'soc-high', ref: 'slack:C1/1.1' } },
    ]);
    expect(posted.state?.cards).toEqual({ 'teams/soc-high': { ref: 'slack:C1/1.1' } });
  });

  /**
   * The defect this decider fixes: two decisions of a new group handled at once both decided "first e-mail", and the
   * loser's send went out under the winner's key, so an e-mail described another alert than the one it was filed
   * under. Any interleaving of concurrent handlers over a store with conditional writes must send each key once,
   * by the decision that reserved it, and leave nothing pending.
   */
  it('under any interleaving of concurrent handlers, each send is performed once, by the decision that reserved it', () => {
    const decisionArb = fc.record({
      level: fc.constantFrom('low', 'medium', 'high', 'critical' as const),
      verdict: fc.constantFrom('true-positive', 'benign-positive', 'needs-more-information' as const),
      extra: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(decisionArb, { minLength: 2, maxLength: 6 }), fc.array(fc.nat(), { minLength: 200, maxLength: 200 }), (specs, schedule) => {
        const decisions = specs.map((s, i) => alert(i + 1, { level: s.level, verdict: s.verdict, entities: s.extra ? [...base.entities, `ip:10.0.0.${i}`] : base.entities }));
        const store = { state: undefined as GroupState | undefined, version: 0 };
        const sent = new Map<string, string>();
        // Each handler is a small state machine: read, then write conditionally (or retry), then perform + complete.
        type Step = { phase: 'notify' | 'perform' | 'done'; read?: { state: GroupState | undefined; version: number } };
        const actors: Step[] = decisions.map(() => ({ phase: 'notify' }));
        const cas = (actor: Step, command: GroupCommand): boolean => {
          if (!actor.read) {
            actor.read = { state: store.state, version: store.version };
            return false;
          }
          const { state, version } = actor.read;
          actor.read = undefined;
          const events = decide(state, command);
          if (events.length === 0) return true;
          if (version !== store.version) return false; // lost the race: read again
          store.state = apply(state, events);
          store.version++;
          return true;
        };
        let tick = 0;
        while (actors.some((a) => a.phase !== 'done')) {
          const live = actors.map((a, i) => [a, i] as const).filter(([a]) => a.phase !== 'done');
          const [actor, i] = live[(schedule[tick++ % schedule.length] ?? 0) % live.length]!;
          const d = decisions[i]!;
          if (actor.phase === 'notify') {
            if (cas(actor, { kind: 'Notify', decision: d })) actor.phase = 'perform';
            continue;
          }
          const intent = pendingOf(store.state, d.decisionKey)[0];
          if (!intent) {
            actor.phase = 'done';
            continue;
          }
          if (!actor.read) {
            const owner = sent.get(intent.key);
            expect(owner === undefined || owner === d.decisionKey).toBe(true);
            if (intent.kind !== 'update-card') sent.set(intent.key, d.decisionKey);
          }
          cas(actor, { kind: 'Complete', key: intent.key, ...(intent.kind === 'post-card' ? { ref: `ref:${intent.key}` } : {}) });
        }
        expect(store.state?.pending).toEqual([]);
        expect(store.state?.count).toBe(decisions.length);
        const emails = [...sent.keys()].filter((k) => k.includes(':email:'));
        expect(emails.sort()).toEqual(Array.from({ length: store.state?.emails ?? 0 }, (_, n) => `grp-1:email:${n + 1}`).sort());
        expect(emails.length).toBeGreaterThanOrEqual(1);
        expect([...sent.keys()].filter((k) => k.includes(':card:'))).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the case group\'s timers: digest and unacknowledged escalation', () => {
  const windowed = (n: number, change: Partial<GroupDecision> = {}) => alert(n, { digestMinutes: 60, ...change });
  const timers = (intents: readonly Intent[]) => intents.filter((i) => i.kind === 'schedule');

  it('the first e-mail opens the digest window: one timer at its end, however many alerts fold in', () => {
    const first = handle(undefined, windowed(1));
    expect(timers(first.intents)).toEqual([{ kind: 'schedule', key: 'grp-1:due:digest:2026-12-07T04:01:00.000Z', decisionKey: 'alt-1:', due: 'digest', at: '2026-12-07T04:01:00.000Z' }]);
    const second = handle(first.state, windowed(2));
    expect(timers(second.intents)).toEqual([]);
    expect(second.state).toMatchObject({ sinceEmail: 1, digestDueAt: '2026-12-07T04:01:00.000Z' });
  });

  it('at the window\'s end: one digest e-mail summing up the alerts since the last e-mail, and the next window', () => {
    let { state } = handle(undefined, windowed(1));
    for (const n of [2, 3, 4]) ({ state } = handle(state, windowed(n)));
    const due = run(state, { kind: 'Due', due: 'digest', at: '2026-12-07T04:01:00.000Z', key: 'timer-1' });
    expect(due.events).toEqual([
      { kind: 'Reserved', intent: { kind: 'email', key: 'grp-1:email:2', decisionKey: 'timer-1', to: ['soc@example.org'], reason: 'digest', escalations: [], since: 3 } },
      { kind: 'Reserved', intent: { kind: 'schedule', key: 'grp-1:due:digest:2026-12-07T05:01:00.000Z', decisionKey: 'timer-1', due: 'digest', at: '2026-12-07T05:01:00.000Z' } },
    ]);
    expect(due.state).toMatchObject({ sinceEmail: 0, emails: 2, digestDueAt: '2026-12-07T05:01:00.000Z' });
    // The same timer delivered again after its e-mail was reserved: nothing more.
    expect(decide(due.state, { kind: 'Due', due: 'digest', at: '2026-12-07T04:01:00.000Z', key: 'timer-1' })).toEqual([]);
  });

  it('a quiet window closes without an e-mail, and the next alert opens a new one', () => {
    const { state } = handle(undefined, windowed(1));
    const idle = run(state, { kind: 'Due', due: 'digest', at: '2026-12-07T04:01:00.000Z', key: 'timer-1' });
    expect(idle.events).toEqual([{ kind: 'DigestIdle' }]);
    const later = handle(idle.state, windowed(5));
    expect(timers(later.intents)).toEqual([{ kind: 'schedule', key: 'grp-1:due:digest:2026-12-07T04:05:00.000Z', decisionKey: 'alt-5:', due: 'digest', at: '2026-12-07T04:05:00.000Z' }]);
  });

  it('an escalation e-mail inside the window restarts nothing and resets what the digest sums up', () => {
    let { state } = handle(undefined, windowed(1));
    ({ state } = handle(state, windowed(2)));
    const high = handle(state, windowed(3, { level: 'high' }));
    expect(kinds(high.intents)).toEqual(['email', 'update-card']);
    expect(high.state).toMatchObject({ sinceEmail: 0, digestDueAt: '2026-12-07T04:01:00.000Z' });
    expect(run(high.state, { kind: 'Due', due: 'digest', at: '2026-12-07T04:01:00.000Z', key: 't' }).events).toEqual([{ kind: 'DigestIdle' }]);
  });

  it('without a window (no digestMinutes) no timer is set', () => {
    expect(timers(handle(undefined, base).intents)).toEqual([]);
  });

  const plan = { afterMinutes: 15, to: ['oncall@example.org'], chats: [{ channel: 'slack' as const, destination: 'soc-leads' }] };

  it('an unacknowledged case escalates once, when due, to the next destinations', () => {
    const first = handle(undefined, alert(1, { level: 'critical', escalation: plan }));
    expect(timers(first.intents)).toEqual([{ kind: 'schedule', key: 'grp-1:due:escalation:2026-12-07T03:16:00.000Z', decisionKey: 'alt-1:', due: 'escalation', at: '2026-12-07T03:16:00.000Z' }]);
    // A later decision with the same plan sets no second timer.
    const second = handle(first.state, alert(2, { level: 'critical', escalation: plan }));
    expect(timers(second.intents)).toEqual([]);
    const due = run(second.state, { kind: 'Due', due: 'escalation', at: '2026-12-07T03:16:00.000Z', key: 'esc' });
    expect(due.events).toEqual([
      { kind: 'EscalationFired' },
      { kind: 'Reserved', intent: { kind: 'email', key: 'grp-1:email:2', decisionKey: 'esc', to: ['oncall@example.org'], reason: 'unacknowledged', escalations: [] } },
      { kind: 'Reserved', intent: { kind: 'post-card', key: 'grp-1:card:slack/soc-leads', decisionKey: 'esc', channel: 'slack', destination: 'soc-leads', count: 2 } },
    ]);
    expect(decide(due.state, { kind: 'Due', due: 'escalation', at: '2026-12-07T03:16:00.000Z', key: 'esc' })).toEqual([]);
  });

  it('an acknowledged case does not escalate; a timer for another time does nothing', () => {
    const { state } = handle(undefined, alert(1, { level: 'critical', escalation: plan }));
    expect(run(state, { kind: 'Due', due: 'escalation', at: '2026-12-07T09:00:00.000Z', key: 'other' }).events).toEqual([]);
    const acked = run(state, { kind: 'Acknowledge', by: 'alice', at: '2026-12-07T03:05:00.000Z' });
    expect(acked.events).toEqual([{ kind: 'Acknowledged', by: 'alice', at: '2026-12-07T03:05:00.000Z' }]);
    expect(decide(acked.state, { kind: 'Due', due: 'escalation', at: '2026-12-07T03:16:00.000Z', key: 'esc' })).toEqual([]);
    expect(decide(acked.state, { kind: 'Acknowledge', by: 'bob', at: '2026-12-07T03:06:00.000Z' })).toEqual([]);
  });

  it('a card the group already has at an escalation destination is updated, not posted again', () => {
    const { state } = handle(undefined, alert(1, { level: 'critical', escalation: { afterMinutes: 15, chats: [{ channel: 'teams', destination: 'soc-high' }] } }));
    const due = run(state, { kind: 'Due', due: 'escalation', at: '2026-12-07T03:16:00.000Z', key: 'esc' });
    expect(due.events.map((e) => (e.kind === 'Reserved' ? e.intent.kind : e.kind))).toEqual(['EscalationFired', 'update-card']);
  });
});
