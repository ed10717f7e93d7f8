import { describe, expect, it } from 'vitest';
import { principalsDescription } from '../src/principals-audit.ts';

describe('principalsDescription', () => {
  it('is the same for the same names in any order, and changes when a role changes', () => {
    const a = principalsDescription({ tokenNames: ['siem', 'alice'], approvers: ['alice'], hunters: ['bob', 'alice'] });
    expect(principalsDescription({ tokenNames: ['alice', 'siem', 'siem'], approvers: ['alice'], hunters: ['alice', 'bob'] })).toBe(a);
    expect(principalsDescription({ tokenNames: ['siem', 'alice'], approvers: ['alice', 'siem'], hunters: ['bob', 'alice'] })).not.toBe(a);
    expect(JSON.parse(a)).toEqual({ tokens: ['alice', 'siem'], approvers: ['alice'], hunters: ['alice', 'bob'] });
  });
});
