import { describe, expect, it } from 'vitest';
import { type GroupLifecycleState, type LifecycleCommand, MAX_TRIAGED_MARKS, decide, evolve, groupResolutionOf, initialLifecycle } from '../src/group-lifecycle.ts';

const dispose = (alertId: string, disposition: 'true-positive' | 'benign-positive' | 'false-positive', at: string): LifecycleCommand => ({
  type: 'RecordDisposition',
  alertId,
  disposition,
  analyst: 'a.khan@contoso.com',
  at,
});
const triage = (alertId: string, truePositive: boolean, at: string): LifecycleCommand => ({ type: 'RecordTriage', alertId, truePositive, at });

/** Runs commands through decide and evolve, as the handler does, returning the state and every event type. */
function run(commands: LifecycleCommand[], from: GroupLifecycleState = initialLifecycle()) {
  let state = from;
  const types: string[] = [];
  for (const c of commands) {
    const events = decide(state, c);
    types.push(...events.map((e) => e.type));
    state = events.reduce(evolve, state);
  }
  return { state, types };
}

describe('case group ticket lifecycle (decide / evolve)', () => {
  it('resolves when every dispositioned alert is benign or false positive, with the group disposition and why', () => {
    const { state, types } = run([dispose('alt-1', 'false-positive', '2026-12-07T04:00:00Z')]);
    expect(types).toEqual(['DispositionRecorded', 'GroupResolved']);
    expect(state).toMatchObject({ status: 'resolved', version: 1, resolution: 'false-positive' });
    expect(state.reason).toBe(
      'SOC Copilot resolved this ticket: every dispositioned alert of its case group is benign or a false positive (1 false-positive) and none is a true positive. ' +
        'Last disposition: alert alt-1 marked false-positive by a.khan@contoso.com at 2026-12-07T04:00:00Z.',
    );
    const mixed = run([dispose('alt-1', 'false-positive', '2026-12-07T04:00:00Z'), dispose('alt-2', 'benign-positive', '2026-12-07T04:01:00Z')]);
    // Resolved once: the second benign disposition of a resolved group records it and changes nothing else.
    expect(mixed.types).toEqual(['DispositionRecorded', 'GroupResolved', 'DispositionRecorded']);
    expect(groupResolutionOf(mixed.state.alerts)).toBe('benign-positive');
  });

  it('a group with any true positive stays open; a later true positive reopens a resolved group', () => {
    const open = run([dispose('alt-1', 'true-positive', '2026-12-07T04:00:00Z'), dispose('alt-2', 'false-positive', '2026-12-07T04:01:00Z')]);
    expect(open.types).toEqual(['DispositionRecorded', 'DispositionRecorded']);
    expect(open.state).toMatchObject({ status: 'open', version: 0 });

    const reopened = run([dispose('alt-1', 'benign-positive', '2026-12-07T04:00:00Z'), dispose('alt-2', 'true-positive', '2026-12-07T04:05:00Z')]);
    expect(reopened.types).toEqual(['DispositionRecorded', 'GroupResolved', 'DispositionRecorded', 'GroupReopened']);
    expect(reopened.state).toMatchObject({ status: 'reopened', version: 2 });
    expect(reopened.state.resolution).toBeUndefined();
    expect(reopened.state.reason).toBe(
      'SOC Copilot reopened this ticket: alert alt-2 was marked true-positive by a.khan@contoso.com at 2026-12-07T04:05:00Z; the case group is no longer benign.',
    );
    // The analyst changes the true positive to a false positive: resolved again, a third transition.
    const again = run([dispose('alt-2', 'false-positive', '2026-12-07T04:10:00Z')], reopened.state);
    expect(again.types).toEqual(['DispositionRecorded', 'GroupResolved']);
    expect(again.state).toMatchObject({ status: 'resolved', version: 3, resolution: 'benign-positive' }); // alt-1 is benign
  });

  it('a new alert triaged a true positive reopens a resolved group and keeps it from resolving until dispositioned', () => {
    const resolved = run([dispose('alt-1', 'false-positive', '2026-12-07T04:00:00Z')]).state;
    const reopened = run([triage('alt-9', true, '2026-12-07T04:20:00Z')], resolved);
    expect(reopened.types).toEqual(['TriageRecorded', 'GroupReopened']);
    expect(reopened.state.reason).toContain('alert alt-9 of the case group was triaged a true positive at 2026-12-07T04:20:00Z');
    // Another benign disposition does not resolve it while alt-9 (triaged true positive) has no disposition …
    expect(run([dispose('alt-3', 'benign-positive', '2026-12-07T04:30:00Z')], reopened.state).types).toEqual(['DispositionRecorded']);
    // … the analyst's word on alt-9 overrides triage.
    expect(run([dispose('alt-9', 'benign-positive', '2026-12-07T04:31:00Z')], reopened.state).types).toEqual(['DispositionRecorded', 'GroupResolved']);
    // A verdict that is not a true positive for an alert the group does not know records nothing.
    expect(decide(initialLifecycle(), triage('alt-5', false, '2026-12-07T04:00:00Z'))).toEqual([]);
  });

  it('is idempotent and ignores out-of-order deliveries: a redelivered or older disposition decides nothing', () => {
    const { state } = run([dispose('alt-1', 'false-positive', '2026-12-07T04:00:00Z')]);
    expect(decide(state, dispose('alt-1', 'false-positive', '2026-12-07T04:00:00Z'))).toEqual([]);
    // An older true positive delivered late does not reopen the group the newer disposition resolved.
    expect(decide(state, dispose('alt-1', 'true-positive', '2026-12-07T03:59:00Z'))).toEqual([]);
    expect(decide(state, triage('alt-1', true, '2026-12-07T04:00:00Z')).map((e) => e.type)).toEqual(['TriageRecorded']);
  });

  it(`a storm of true positives is tracked one by one up to ${MAX_TRIAGED_MARKS}, then as "untracked": the document stops growing and the group never resolves by itself`, () => {
    const storm = Array.from({ length: MAX_TRIAGED_MARKS + 50 }, (_, n) => triage(`alt-${n}`, true, `2026-12-07T04:${String(n % 60).padStart(2, '0')}:00Z`));
    const { state, types } = run(storm);
    expect(Object.keys(state.alerts)).toHaveLength(MAX_TRIAGED_MARKS);
    expect(state.untrackedTruePositives).toBe(true);
    expect(types.filter((t) => t === 'TriageOverflowed')).toHaveLength(1);
    // Every tracked alert dispositioned benign: still open, an untracked true positive may have none.
    const benign = Object.keys(state.alerts).map((id) => dispose(id, 'benign-positive', '2026-12-07T05:00:00Z'));
    expect(run(benign, state).state.status).toBe('open');
    expect(groupResolutionOf(state.alerts, true)).toBeUndefined();
  });

  it('a resolved group that overflows with true positives is reopened', () => {
    const marks = Array.from({ length: MAX_TRIAGED_MARKS }, (_, n) => triage(`alt-${n}`, true, '2026-12-07T04:00:00Z'));
    const full = run(marks).state;
    const resolved: GroupLifecycleState = { ...full, status: 'resolved', version: 1, resolution: 'benign-positive' };
    const { state, types } = run([triage('alt-late', true, '2026-12-07T06:00:00Z')], resolved);
    expect(types).toEqual(['TriageOverflowed', 'GroupReopened']);
    expect(state).toMatchObject({ status: 'reopened', version: 2, untrackedTruePositives: true });
  });
});
