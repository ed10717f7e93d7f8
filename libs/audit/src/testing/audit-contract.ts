import { AppError, type Clock, ErrorCode, isAppError, manualClock } from '@soc/runtime';
import type { PutOptions, StateStore } from '@soc/state';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashOf } from '../canonical.ts';
import { auditConfigChange } from '../config-change.ts';
import type { AuditEntry, AuditRecord } from '../port.ts';
import { AUDIT_COLLECTION, AUDIT_HEAD_COLLECTION, StateAuditTrail, auditRecordId } from '../state-audit-trail.ts';

/** What a state factory gets from {@link describeAuditTrailContract}. */
export interface AuditContractContext {
  readonly clock: Clock;
}

/** Builds an empty state store for one test; the suite closes it afterwards. */
export type MakeAuditState = (context: AuditContractContext) => StateStore | Promise<StateStore>;

const instant = (): Promise<void> => Promise.resolve();

function decision(i: number): AuditEntry {
  return { kind: 'decision.made', actor: 'decision', subject: `alt-${i}`, tenantId: 'default', data: { policyVersion: '3', actions: [{ kind: 'notify', id: `a${i}` }], refusals: 0 } };
}

/** A store that passes everything through and remembers how the audit collections were written. */
class WatchedStore implements StateStore {
  readonly writes: { collection: string; id: string; options: PutOptions | undefined }[] = [];
  readonly deletes: string[] = [];
  failPuts: AppError | undefined;
  readonly inner: StateStore;
  constructor(inner: StateStore) {
    this.inner = inner;
  }
  get<T>(collection: string, id: string) {
    return this.inner.get<T>(collection, id);
  }
  async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
    if (this.failPuts) throw this.failPuts;
    this.writes.push({ collection, id, options });
    return this.inner.put(collection, id, value, options);
  }
  delete(collection: string, id: string, options?: Pick<PutOptions, 'ifMatch'>) {
    this.deletes.push(`${collection}/${id}`);
    return this.inner.delete(collection, id, options);
  }
  query<T>(collection: string, query?: Parameters<StateStore['query']>[1]) {
    return this.inner.query<T>(collection, query);
  }
  claimIdempotencyKey(key: string, ttlSeconds: number) {
    return this.inner.claimIdempotencyKey(key, ttlSeconds);
  }
  close() {
    return this.inner.close();
  }
}

/**
 * The behaviour of the audit log on one state adapter: chaining, concurrent writers, fail-closed appends, and the
 * tampering an attacker with write access to the store can do (edit, insert, delete) each named by `verify()`.
 * Run it from each state adapter's test file.
 */
export function describeAuditTrailContract(name: string, makeState: MakeAuditState): void {
  describe(`audit trail contract: ${name}`, () => {
    let clock: ReturnType<typeof manualClock>;
    let state: StateStore;
    let audit: StateAuditTrail;
    const read = async (stream: string, seq: number): Promise<AuditRecord> => {
      const doc = await state.get<AuditRecord>(AUDIT_COLLECTION, auditRecordId(stream, seq));
      if (!doc) throw new Error(`no record ${stream} #${seq}`);
      return doc.value;
    };
    const fill = async (n: number): Promise<void> => {
      for (let i = 1; i <= n; i++) {
        await audit.append(decision(i));
        clock.advance(1000);
      }
    };

    beforeEach(async () => {
      clock = manualClock('2026-03-01T12:00:00.000Z');
      state = await makeState({ clock });
      audit = new StateAuditTrail(state, { clock, sleep: instant });
    });
    afterEach(async () => {
      await state.close();
    });

    it('numbers each stream from 1 and chains every record to the one before it', async () => {
      const r1 = await audit.append(decision(1));
      const r2 = await audit.append(decision(2));
      const k1 = await audit.append({ kind: 'kql.run.started', actor: 'alice', subject: 'kqa-1', data: { queryHash: 'abc' } });
      expect([r1.seq, r2.seq, k1.seq]).toEqual([1, 2, 1]);
      const second = await read('decision', 2);
      expect(second).toMatchObject({ stream: 'decision', seq: 2, kind: 'decision.made', actor: 'decision', subject: 'alt-2', tenantId: 'default', prevHash: r1.hash, hash: r2.hash });
      expect(hashOf(second)).toBe(second.hash);
      expect((await read('kql', 1)).tenantId).toBeNull();
      expect(await audit.verify()).toEqual({
        ok: true,
        count: 3,
        streams: [
          { stream: 'decision', count: 2, lastSeq: 2, lastHash: r2.hash },
          { stream: 'kql', count: 1, lastSeq: 1, lastHash: k1.hash },
        ],
      });
    });

    it('creates each record once, without TTL, and never rewrites or deletes one', async () => {
      const watched = new WatchedStore(state);
      const trail = new StateAuditTrail(watched, { clock, sleep: instant });
      for (let i = 1; i <= 5; i++) await trail.append(decision(i));
      await trail.verify();
      await trail.list({ limit: 5 });
      const records = watched.writes.filter((w) => w.collection === AUDIT_COLLECTION);
      expect(records.map((w) => w.id)).toEqual([1, 2, 3, 4, 5].map((seq) => auditRecordId('decision', seq)));
      expect(records.every((w) => w.options?.ifNoneMatch === '*' && w.options.ttlSeconds === undefined)).toBe(true);
      expect(watched.writes.filter((w) => w.collection === AUDIT_HEAD_COLLECTION).every((w) => w.options?.ttlSeconds === undefined)).toBe(true);
      expect(watched.deletes).toEqual([]);
    });

    it('serialises concurrent writers in separate processes on the sequence: no number twice, no break', async () => {
      // Three trails on one store are three processes: none knows the others' tips.
      const writers = [audit, new StateAuditTrail(state, { clock, sleep: instant }), new StateAuditTrail(state, { clock, sleep: instant })];
      const receipts = await Promise.all(writers.flatMap((w, j) => Array.from({ length: 15 }, (_, i) => w.append(decision(j * 100 + i)))));
      expect(new Set(receipts.map((r) => r.seq)).size).toBe(45);
      expect(Math.max(...receipts.map((r) => r.seq))).toBe(45);
      const verdict = await audit.verify();
      expect(verdict).toMatchObject({ ok: true, count: 45 });
    });

    it('continues the chain after a restart, from the head or, the head gone, from the records', async () => {
      await fill(3);
      const restarted = new StateAuditTrail(state, { clock, sleep: instant });
      expect((await restarted.append(decision(4))).seq).toBe(4);
      await state.delete(AUDIT_HEAD_COLLECTION, 'decision');
      const again = new StateAuditTrail(state, { clock, sleep: instant });
      expect((await again.append(decision(5))).seq).toBe(5);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 5 });
    });

    it('fails closed: a write the store refuses rejects the append with the store error and its retry verdict', async () => {
      const watched = new WatchedStore(state);
      const trail = new StateAuditTrail(watched, { clock, sleep: instant });
      await trail.append(decision(1));
      watched.failPuts = new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'store down', { retryable: true });
      await expect(trail.append(decision(2))).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE, retryable: true });
      watched.failPuts = undefined;
      expect((await trail.append(decision(3))).seq).toBe(2);
      expect(await trail.verify()).toMatchObject({ ok: true, count: 2 });
    });

    it('gives up after bounded attempts when others keep taking the next number, with a retryable error', async () => {
      const watched = new WatchedStore(state);
      watched.failPuts = new AppError(ErrorCode.CONFLICT, 'taken', { retryable: false });
      const trail = new StateAuditTrail(watched, { clock, sleep: instant, maxAttempts: 3 });
      const error: unknown = await trail.append(decision(1)).catch((e: unknown) => e);
      expect(isAppError(error) && error.code === ErrorCode.CONFLICT && error.retryable).toBe(true);
    });

    it('refuses entries that are not plain JSON or too large, without writing', async () => {
      await expect(audit.append({ ...decision(1), data: { n: 1n } })).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
      await expect(audit.append({ ...decision(1), data: { blob: 'x'.repeat(20_000) } })).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
      await expect(audit.append({ ...decision(1), kind: 'nodot' })).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
      expect(await audit.verify()).toEqual({ ok: true, count: 0, streams: [] });
    });

    it('lists recent records newest first and finds the latest of a kind and subject', async () => {
      await fill(4);
      expect((await audit.list({ limit: 3 })).map((r) => r.seq)).toEqual([4, 3, 2]);
      expect((await audit.list({ stream: 'decision', limit: 2 })).map((r) => r.subject)).toEqual(['alt-4', 'alt-3']);
      expect((await audit.latest('decision.made', 'alt-2'))?.seq).toBe(2);
      expect(await audit.latest('decision.made', 'alt-9')).toBeUndefined();
    });

    it('records a configuration change by its hash only, once per change', async () => {
      const policy = 'minScore: 40\nsecret-looking: not-stored';
      const first = await auditConfigChange(audit, { subject: 'decision-policy', content: policy, actor: 'decision', data: { version: '3' } });
      expect(first?.seq).toBe(1);
      expect(await auditConfigChange(audit, { subject: 'decision-policy', content: policy, actor: 'decision' })).toBeUndefined();
      const changed = await auditConfigChange(audit, { subject: 'decision-policy', content: `${policy}\nminScore: 10`, actor: 'decision' });
      expect(changed?.seq).toBe(2);
      const record = await read('config', 2);
      expect(record.data).toMatchObject({ previousSha256: (await read('config', 1)).data['sha256'] });
      expect(JSON.stringify(record)).not.toContain('minScore');
    });

    describe('tampering by someone who can write the store', () => {
      it('names an edited record (content changed, hash kept)', async () => {
        await fill(5);
        const third = await read('decision', 3);
        await state.put(AUDIT_COLLECTION, auditRecordId('decision', 3), { ...third, data: { ...third.data, refusals: 7 } });
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 3, reason: 'edited' } });
      });

      it('names an edited record even when its own hash was recomputed (the next record no longer chains)', async () => {
        await fill(5);
        const { hash: _old, ...third } = await read('decision', 3);
        const forged = { ...third, actor: 'mallory' };
        await state.put(AUDIT_COLLECTION, auditRecordId('decision', 3), { ...forged, hash: hashOf(forged) });
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 4, reason: 'inserted' } });
      });

      it('names the record after an insertion (later records shifted up to make room)', async () => {
        await fill(5);
        for (let seq = 5; seq >= 3; seq--) {
          const record = await read('decision', seq);
          await state.put(AUDIT_COLLECTION, auditRecordId('decision', seq + 1), record);
        }
        const before = await read('decision', 2);
        const unsealed = { ...before, seq: 3, subject: 'alt-forged', prevHash: before.hash };
        const { hash: _h, ...body } = unsealed;
        await state.put(AUDIT_COLLECTION, auditRecordId('decision', 3), { ...body, hash: hashOf(body) });
        // The forged #3 is self-consistent; the displaced record now at #4 says it is #3.
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 4, reason: 'edited' } });
      });

      it('names a record appended by hand that does not chain', async () => {
        await fill(3);
        const body = { ...(await read('decision', 3)), seq: 4, subject: 'alt-forged', prevHash: 'f'.repeat(64) };
        const { hash: _h, ...unsealed } = body;
        await state.put(AUDIT_COLLECTION, auditRecordId('decision', 4), { ...unsealed, hash: hashOf(unsealed) });
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 4, reason: 'inserted' } });
      });

      it('names a deleted record in the middle', async () => {
        await fill(5);
        await state.delete(AUDIT_COLLECTION, auditRecordId('decision', 2));
        expect(await audit.verify()).toMatchObject({ ok: false, count: 1, first: { stream: 'decision', seq: 2, reason: 'deleted' } });
      });

      it('names the first of the deleted last records (the head still names the tail)', async () => {
        await fill(5);
        await state.delete(AUDIT_COLLECTION, auditRecordId('decision', 5));
        await state.delete(AUDIT_COLLECTION, auditRecordId('decision', 4));
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 4, reason: 'deleted' } });
      });

      it('names a truncation that also deleted the head', async () => {
        await fill(3);
        await state.delete(AUDIT_COLLECTION, auditRecordId('decision', 3));
        await state.delete(AUDIT_HEAD_COLLECTION, 'decision');
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 2, reason: 'deleted' } });
      });

      it('names a chain rewritten with recomputed hashes up to the head', async () => {
        await fill(3);
        let prevHash = (await read('decision', 1)).hash;
        for (let seq = 2; seq <= 3; seq++) {
          const { hash: _h, ...record } = await read('decision', seq);
          const forged = { ...record, prevHash, actor: 'mallory' };
          prevHash = hashOf(forged);
          await state.put(AUDIT_COLLECTION, auditRecordId('decision', seq), { ...forged, hash: prevHash });
        }
        expect(await audit.verify()).toMatchObject({ ok: false, first: { stream: 'decision', seq: 3, reason: 'edited' } });
      });
    });
  });
}
