import { describe, expect, it } from 'vitest';
import { ownClosureComment, statusBeforeOwnClosure } from '../src/index.ts';

describe('SOC Copilot\'s own closing comment (ADR 0009: our write-back never comes back as a change)', () => {
  it('names the status before closing, and only our comment is read so', () => {
    const comment = ownClosureComment('SOC Copilot disposition: benign-positive by a.khan at 2026-12-07T05:00:00Z (SOC Copilot alert alt-1).', 'Active');
    expect(comment).toBe('SOC Copilot disposition: benign-positive by a.khan at 2026-12-07T05:00:00Z (SOC Copilot alert alt-1). Status before closing: Active.');
    expect(statusBeforeOwnClosure(comment)).toBe('Active');
    expect(statusBeforeOwnClosure('Not a malicious activity. Status before closing: Active.')).toBeUndefined();
    expect(statusBeforeOwnClosure(`${comment}\nedited by an analyst`)).toBeUndefined();
    expect(statusBeforeOwnClosure(undefined)).toBeUndefined();
    // Line breaks in the text are folded, so the comment stays one recognisable line.
    expect(statusBeforeOwnClosure(ownClosureComment('SOC Copilot disposition: x\ny', 'New'))).toBe('New');
  });
});
