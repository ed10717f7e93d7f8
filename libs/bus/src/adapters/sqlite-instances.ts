import type { DatabaseSync } from 'node:sqlite';
import { hostname } from 'node:os';
import { DeliveryState } from './sqlite-schema.ts';

/** Bus instances open in this process: a row with this process's pid but another id is a dead predecessor's. */
const liveHere = new Set<string>();

/** Whether a process of this host with `pid` runs: signal 0 checks without sending anything. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it is just not ours
  }
}

/**
 * Records this bus instance in the file and frees the locks of instances of this host whose process is gone.
 *
 * Without it a message that a killed process held stays invisible until its lock expires (30 s by default): after
 * a crash and restart, those alerts would wait that long while newer ones flow. A row is a dead instance's when its
 * host is ours and its pid is not running, or is our own pid under another id that this process did not open (a
 * container restarts with the same pid). Anything else — another host sharing the file, a pid reused by an
 * unrelated process — is left to lock expiry, the safe default. Freed deliveries keep their delivery count: the
 * killed attempt counts, as a lost lock does on Service Bus. Runs in one `BEGIN IMMEDIATE`. Returns how many
 * deliveries were freed.
 */
export function registerBusInstance(db: DatabaseSync, instanceId: string, now: number): number {
  const host = hostname();
  let freed = 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    const rows = db.prepare('SELECT instance_id, pid FROM bus_instances WHERE host = ?').all(host) as { instance_id: string; pid: number }[];
    const free = db.prepare(`UPDATE bus_deliveries SET lock_token = NULL, visible_at = ? WHERE state = ${DeliveryState.active} AND lock_token >= ? AND lock_token < ?`);
    const forget = db.prepare('DELETE FROM bus_instances WHERE instance_id = ?');
    for (const row of rows) {
      const dead = row.pid === process.pid ? !liveHere.has(row.instance_id) : !isRunning(row.pid);
      if (!dead) continue;
      // Tokens are `<instance id>:<n>`; ';' follows ':' in code-point order, so this range is exactly the prefix.
      freed += Number(free.run(now, `${row.instance_id}:`, `${row.instance_id};`).changes);
      forget.run(row.instance_id);
    }
    db.prepare('INSERT INTO bus_instances (instance_id, host, pid, started_at) VALUES (?, ?, ?, ?)').run(instanceId, host, process.pid, now);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
  liveHere.add(instanceId);
  return freed;
}

/** Removes this instance's row on a clean close (its locks were all settled or abandoned by then). */
export function unregisterBusInstance(db: DatabaseSync, instanceId: string): void {
  liveHere.delete(instanceId);
  db.prepare('DELETE FROM bus_instances WHERE instance_id = ?').run(instanceId);
}
