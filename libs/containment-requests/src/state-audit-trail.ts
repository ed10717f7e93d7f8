import { hash, randomUUID } from 'node:crypto';
import type { Clock } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { AuditEntry, AuditTrail } from './ports.ts';

const COLLECTION = 'containment-audit';

/**
 * Audit entries written once each to the state store (`ifNoneMatch`), never rewritten; not hash-chained. A stand-in
 * until issue 11's chained audit log (libs/audit) is wired in its place through the same {@link AuditTrail} port.
 */
export class StateAuditTrail implements AuditTrail {
  private readonly store: StateStore;
  private readonly clock: Clock;
  private seq = 0;
  constructor(store: StateStore, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  async append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    const at = this.clock.now().toISOString();
    const record = { ...entry, at };
    const digest = hash('sha256', JSON.stringify(record), 'hex');
    await this.store.put(COLLECTION, `${at}-${randomUUID()}`, { ...record, hash: digest }, { ifNoneMatch: '*' });
    return { seq: ++this.seq, hash: digest };
  }
}
