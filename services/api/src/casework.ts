import type { CaseStatus, Disposition } from '@soc/contracts';

/** What the casework decider needs to know about a case (one alert). */
export interface CaseworkState {
  assignee: string | null;
  status: CaseStatus;
  /** The case's latest disposition: a case is resolved only with one. */
  disposition: Disposition | null;
}

/** A new case: nobody has it, nobody has worked it. */
export const NEW_CASE: CaseworkState = { assignee: null, status: 'new', disposition: null };

/** What an analyst asks of a case. `expected` is the caller's view of the current value (a precondition); absent, none. */
export type CaseworkCommand =
  | { kind: 'assign'; assignee: string | null; expected?: string | null; by: string }
  | { kind: 'set-status'; status: CaseStatus; expected?: CaseStatus; reason?: string; by: string };

/** The fact a command establishes (the event's data without the case's ids and time). */
export type CaseworkChange =
  | { kind: 'assigned'; assignee: string | null; previous: string | null; by: string }
  | { kind: 'status-changed'; status: CaseStatus; previous: CaseStatus; by: string; reason?: string };

/** Why a command is refused: a problem name and what the caller should know. */
export interface CaseworkRefusal {
  code: 'assignee-changed' | 'already-assigned' | 'status-changed' | 'disposition-required' | 'case-resolved';
  detail: string;
  /** The current value the caller did not expect (returned so it can decide again). */
  current: string | null;
}

export type CaseworkDecision = { outcome: 'changed'; change: CaseworkChange } | { outcome: 'unchanged' } | { outcome: 'refused'; refusal: CaseworkRefusal };

/**
 * The casework decider: pure, state and command in, a change, nothing, or a refusal out.
 *
 * Assignment: the same assignee again changes nothing. A case held by someone else is taken over (or released) only
 * by naming its current assignee as `expected`, so two analysts taking a case at once cannot both win silently: the
 * second one's "take" meets the first one's assignee and is refused (`already-assigned`), and a stale `expected` is
 * refused too (`assignee-changed`).
 *
 * Status: `new`, `in-progress` and `on-hold` move freely among themselves; `resolved` needs a disposition
 * (`disposition-required`); a resolved case only reopens to `in-progress` (`case-resolved` otherwise).
 */
export function decideCasework(state: CaseworkState, command: CaseworkCommand): CaseworkDecision {
  if (command.kind === 'assign') {
    if (command.expected !== undefined && command.expected !== state.assignee) {
      return refuse('assignee-changed', `The case is assigned to ${state.assignee ?? 'nobody'} now, not ${command.expected ?? 'nobody'}: reload it and decide again.`, state.assignee);
    }
    if (command.assignee === state.assignee) return { outcome: 'unchanged' };
    if (command.expected === undefined && state.assignee !== null && state.assignee !== command.by) {
      return refuse('already-assigned', `The case is assigned to ${state.assignee}: to take it over or release it, send its current assignee as "expected".`, state.assignee);
    }
    return { outcome: 'changed', change: { kind: 'assigned', assignee: command.assignee, previous: state.assignee, by: command.by } };
  }
  if (command.expected !== undefined && command.expected !== state.status) {
    return refuse('status-changed', `The case is ${state.status} now, not ${command.expected}: reload it and decide again.`, state.status);
  }
  if (command.status === state.status) return { outcome: 'unchanged' };
  if (command.status === 'resolved' && state.disposition === null) {
    return refuse('disposition-required', 'A case is resolved with a disposition: record one (POST …/disposition) first.', state.status);
  }
  if (state.status === 'resolved' && command.status !== 'in-progress') {
    return refuse('case-resolved', `A resolved case reopens to in-progress only, not ${command.status}.`, state.status);
  }
  return {
    outcome: 'changed',
    change: { kind: 'status-changed', status: command.status, previous: state.status, by: command.by, ...(command.reason !== undefined ? { reason: command.reason } : {}) },
  };
}

function refuse(code: CaseworkRefusal['code'], detail: string, current: string | null): CaseworkDecision {
  return { outcome: 'refused', refusal: { code, detail, current } };
}

/** The state after a change (what the write-side record holds next). Pure. */
export function applyCasework(state: CaseworkState, change: CaseworkChange): CaseworkState {
  return change.kind === 'assigned' ? { ...state, assignee: change.assignee } : { ...state, status: change.status };
}
