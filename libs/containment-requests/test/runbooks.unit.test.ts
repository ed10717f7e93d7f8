import { ContainmentRunbook } from '@soc/contracts';
import { describe, expect, it } from 'vitest';
import { RUNBOOKS, isReversible, isUndoable, runbookView } from '../src/index.ts';

describe('the runbook catalogue', () => {
  it('knows every runbook of the contract, and every irreversible one says what cannot be undone', () => {
    expect(Object.keys(RUNBOOKS).sort()).toEqual([...ContainmentRunbook.options].sort());
    for (const runbook of ContainmentRunbook.options) {
      const info = RUNBOOKS[runbook];
      if (info.reversible) expect(info.undo, runbook).toBeTruthy();
      else expect(info.cannotBeUndone, runbook).toBeTruthy();
      expect(info.does('T')).toContain('T');
    }
  });

  it('isolation and indicators can be undone; a secret rotation cannot; disabling a user can, but its revoked sessions cannot', () => {
    expect(isReversible('isolate-host')).toBe(true);
    expect(isReversible('block-ip')).toBe(true);
    expect(isReversible('rotate-secret')).toBe(false);
    expect(runbookView('disable-user', 'jdoe@contoso.com')).toMatchObject({ reversible: true, undo: 're-enable sign-in', cannotBeUndone: expect.stringContaining('revoked sessions') });
  });
});

describe('isUndoable (issue 14)', () => {
  it('a reversible runbook always; an irreversible one only when its execution said an undo is available', () => {
    expect(isUndoable({ runbook: 'isolate-host' })).toBe(true);
    expect(isUndoable({ runbook: 'run-logic-app', effect: { workflow: 'w', runId: 'r' } })).toBe(false);
    expect(isUndoable({ runbook: 'run-logic-app', effect: { workflow: 'w', runId: 'r', undo: 'available' } })).toBe(true);
    expect(isUndoable({ runbook: 'rotate-secret' })).toBe(false);
  });
});
