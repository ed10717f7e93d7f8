import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore } from '@soc/state';
import { describeAuditTrailContract } from '@soc/audit/testing';
import { afterAll } from 'vitest';

// Real files, with and without group commit: the audit's ordering must not depend on how writes are batched.
const dir = mkdtempSync(join(tmpdir(), 'soc-audit-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeAuditTrailContract('sqlite state', ({ clock }) => new SqliteStateStore({ path: join(dir, `state-${++n}.db`), clock, purgeIntervalMs: 0 }));
describeAuditTrailContract(
  'sqlite state, batchWrites: false',
  ({ clock }) => new SqliteStateStore({ path: join(dir, `state-${++n}.db`), clock, purgeIntervalMs: 0, batchWrites: false }),
);
