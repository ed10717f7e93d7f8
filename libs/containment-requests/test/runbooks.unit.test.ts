import { ContainmentRunbook } from '@soc/contracts';
import { describe, expect, it } from 'vitest';
import { RUNBOOKS, isReversible, runbookView } from '../src/index.ts';

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
