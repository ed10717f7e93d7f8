import { describe, expect, it } from 'vitest';
import { type CaseworkState, NEW_CASE, applyCasework, decideCasework } from '../src/casework.ts';

const held = (assignee: string | null, extra: Partial<CaseworkState> = {}): CaseworkState => ({ ...NEW_CASE, assignee, ...extra });

describe('decideCasework: assignment', () => {
  it('an unassigned case is taken by the caller, or given to another analyst', () => {
    expect(decideCasework(NEW_CASE, { kind: 'assign', assignee: 'ana', by: 'ana' })).toEqual({ outcome: 'changed', change: { kind: 'assigned', assignee: 'ana', previous: null, by: 'ana' } });
    expect(decideCasework(NEW_CASE, { kind: 'assign', assignee: 'bob', by: 'ana' })).toMatchObject({ outcome: 'changed', change: { assignee: 'bob', previous: null, by: 'ana' } });
  });

  it('the same assignee again changes nothing', () => {
    expect(decideCasework(held('ana'), { kind: 'assign', assignee: 'ana', by: 'ana' })).toEqual({ outcome: 'unchanged' });
    expect(decideCasework(NEW_CASE, { kind: 'assign', assignee: null, by: 'ana' })).toEqual({ outcome: 'unchanged' });
  });

  it('a case held by someone else is not taken silently: the second "take" is refused, naming the holder', () => {
    expect(decideCasework(held('bob'), { kind: 'assign', assignee: 'ana', by: 'ana' })).toEqual({
      outcome: 'refused',
      refusal: { code: 'already-assigned', current: 'bob', detail: expect.stringContaining('expected') as string },
    });
    expect(decideCasework(held('bob'), { kind: 'assign', assignee: null, by: 'ana' })).toMatchObject({ outcome: 'refused', refusal: { code: 'already-assigned' } });
  });

  it('naming the current assignee as expected takes over or releases; a stale expectation is refused', () => {
    expect(decideCasework(held('bob'), { kind: 'assign', assignee: 'ana', expected: 'bob', by: 'ana' })).toMatchObject({ outcome: 'changed', change: { assignee: 'ana', previous: 'bob' } });
    expect(decideCasework(held('bob'), { kind: 'assign', assignee: null, expected: 'bob', by: 'ana' })).toMatchObject({ outcome: 'changed', change: { assignee: null, previous: 'bob' } });
    expect(decideCasework(held('carol'), { kind: 'assign', assignee: 'ana', expected: 'bob', by: 'ana' })).toMatchObject({ outcome: 'refused', refusal: { code: 'assignee-changed', current: 'carol' } });
    expect(decideCasework(held('carol'), { kind: 'assign', assignee: 'ana', expected: null, by: 'ana' })).toMatchObject({ outcome: 'refused', refusal: { code: 'assignee-changed' } });
  });

  it('the holder may hand the case over or release it without naming themselves', () => {
    expect(decideCasework(held('ana'), { kind: 'assign', assignee: 'bob', by: 'ana' })).toMatchObject({ outcome: 'changed', change: { assignee: 'bob', previous: 'ana' } });
    expect(decideCasework(held('ana'), { kind: 'assign', assignee: null, by: 'ana' })).toMatchObject({ outcome: 'changed', change: { assignee: null, previous: 'ana' } });
  });
});

describe('decideCasework: status', () => {
  const to = (state: CaseworkState, status: CaseworkState['status'], expected?: CaseworkState['status']) =>
    decideCasework(state, { kind: 'set-status', status, ...(expected ? { expected } : {}), by: 'ana' });

  it('new, in-progress and on-hold move freely; the same status again changes nothing', () => {
    expect(to(NEW_CASE, 'in-progress')).toEqual({ outcome: 'changed', change: { kind: 'status-changed', status: 'in-progress', previous: 'new', by: 'ana' } });
    expect(to(held(null, { status: 'in-progress' }), 'on-hold')).toMatchObject({ outcome: 'changed', change: { status: 'on-hold', previous: 'in-progress' } });
    expect(to(held(null, { status: 'on-hold' }), 'new')).toMatchObject({ outcome: 'changed' });
    expect(to(held(null, { status: 'on-hold' }), 'on-hold')).toEqual({ outcome: 'unchanged' });
  });

  it('carries the reason', () => {
    expect(decideCasework(NEW_CASE, { kind: 'set-status', status: 'on-hold', reason: 'waiting for the user', by: 'ana' })).toMatchObject({ change: { reason: 'waiting for the user' } });
  });

  it('resolved needs a disposition', () => {
    expect(to(held(null, { status: 'in-progress' }), 'resolved')).toMatchObject({ outcome: 'refused', refusal: { code: 'disposition-required', current: 'in-progress' } });
    expect(to(held(null, { status: 'in-progress', disposition: 'false-positive' }), 'resolved')).toMatchObject({ outcome: 'changed', change: { status: 'resolved' } });
  });

  it('a resolved case reopens to in-progress only', () => {
    const resolved = held(null, { status: 'resolved', disposition: 'true-positive' });
    expect(to(resolved, 'on-hold')).toMatchObject({ outcome: 'refused', refusal: { code: 'case-resolved' } });
    expect(to(resolved, 'new')).toMatchObject({ outcome: 'refused', refusal: { code: 'case-resolved' } });
    expect(to(resolved, 'in-progress')).toMatchObject({ outcome: 'changed', change: { previous: 'resolved' } });
  });

  it('a stale expected status is refused', () => {
    expect(to(held(null, { status: 'on-hold' }), 'in-progress', 'new')).toMatchObject({ outcome: 'refused', refusal: { code: 'status-changed', current: 'on-hold' } });
    expect(to(held(null, { status: 'on-hold' }), 'in-progress', 'on-hold')).toMatchObject({ outcome: 'changed' });
  });
});

describe('applyCasework', () => {
  it('gives the state after a change', () => {
    expect(applyCasework(NEW_CASE, { kind: 'assigned', assignee: 'ana', previous: null, by: 'ana' })).toEqual({ ...NEW_CASE, assignee: 'ana' });
    expect(applyCasework(held('ana'), { kind: 'status-changed', status: 'on-hold', previous: 'new', by: 'ana' })).toEqual({ ...NEW_CASE, assignee: 'ana', status: 'on-hold' });
  });
});
