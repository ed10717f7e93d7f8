import { DatabaseSync } from 'node:sqlite';
import { hashOf } from '../canonical.ts';
import type { AuditRecord } from '../port.ts';
import { AUDIT_COLLECTION, auditRecordId } from '../state-audit-trail.ts';

/** What an attacker with write access to the SQLite state file does to one record of a stream. */
export type SqliteTamper = 'edit' | 'insert' | 'delete';

/**
 * Tampers with the audit log directly in a SQLite state file, as someone holding the file would (no store, no
 * etags): `edit` changes record `seq`'s actor and keeps its hash; `insert` forges a self-consistent record at `seq`
 * chained to its predecessor and shifts the later records up, recomputing their hashes (their `prevHash` still
 * names the record they followed); `delete` removes record `seq`. For tests of `verify` and `soc audit verify`.
 */
export function tamperSqliteAudit(path: string, action: SqliteTamper, stream: string, seq: number): void {
  const db = new DatabaseSync(path);
  try {
    const read = (n: number): AuditRecord | undefined => {
      const row = db.prepare('SELECT value FROM documents WHERE collection = ? AND id = ?').get(AUDIT_COLLECTION, auditRecordId(stream, n)) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as AuditRecord) : undefined;
    };
    const write = (record: AuditRecord): void => {
      db.prepare('INSERT INTO documents (collection, id, value, etag, expires_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value, etag = excluded.etag').run(
        AUDIT_COLLECTION,
        auditRecordId(stream, record.seq),
        JSON.stringify(record),
        `forged-${record.seq}-${Math.random()}`,
      );
    };
    const target = read(seq);
    if (action === 'delete') {
      db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(AUDIT_COLLECTION, auditRecordId(stream, seq));
      return;
    }
    if (target === undefined) throw new Error(`no record ${stream} #${seq} to ${action}`);
    if (action === 'edit') {
      write({ ...target, actor: 'mallory' });
      return;
    }
    let last = seq;
    while (read(last + 1) !== undefined) last++;
    for (let n = last; n >= seq; n--) {
      const { hash: _old, ...moved } = read(n) as AuditRecord;
      const shifted = { ...moved, seq: n + 1 };
      write({ ...shifted, hash: hashOf(shifted) });
    }
    const prevHash = read(seq - 1)?.hash ?? target.prevHash;
    const { hash: _h, ...body } = { ...target, subject: 'forged', actor: 'mallory', prevHash };
    write({ ...body, hash: hashOf(body) });
  } finally {
    db.close();
  }
}
