import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('test run temporary directory (test/setup/temp-dir.ts)', () => {
  it('gives every worker a temporary directory of its own run, which the run removes at its end', () => {
    expect(basename(tmpdir())).toMatch(/^soc-test-run-/);
    expect(dirname(tmpdir())).not.toMatch(/soc-test-run-/);
  });
});
