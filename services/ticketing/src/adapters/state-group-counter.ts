import { createHash } from 'node:crypto';
import { type StateStore, updateWithRetry } from '@soc/state';
import type { GroupCounter, GroupTally } from '../ports.ts';

/** The collection of ticketing's case-group tallies. */
export const TICKET_GROUPS_COLLECTION = 'ticket-groups';
const TTL_SECONDS = 30 * 24 * 3600;
/** Decision keys remembered per group, for redeliveries. */
const MAX_SEEN = 500;

interface Doc {
  count: number;
  lastSeen: string;
  /** The first decision key of each alert seen, newest last. */
  alerts: { id: string; decision: string }[];
  /** Decision keys applied, newest last. */
  seen: string[];
}

const short = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 16);

/** The tally as documents `<tenant>:<group>`, read-modify-written with the store's etag (`updateWithRetry`). */
export class StateGroupCounter implements GroupCounter {
  private readonly state: StateStore;
  constructor(state: StateStore) {
    this.state = state;
  }

  async add(tenantId: string, groupKey: string, fullAlertId: string, fullDecisionKey: string, at: string): Promise<GroupTally> {
    // Kept short and fixed-length: the document holds up to 500 of each and is read and written per decision.
    const alertId = short(fullAlertId);
    const decisionKey = short(fullDecisionKey);
    const doc = await updateWithRetry<Doc>(
      this.state,
      TICKET_GROUPS_COLLECTION,
      `${tenantId}:${groupKey}`,
      (current) => {
        if (current?.seen.includes(decisionKey)) return undefined;
        const lastSeen = current && current.lastSeen > at ? current.lastSeen : at;
        const known = current?.alerts.some((a) => a.id === alertId) ?? false;
        return {
          count: (current?.count ?? 0) + (known ? 0 : 1),
          lastSeen,
          alerts: known ? (current?.alerts ?? []) : [...(current?.alerts ?? []), { id: alertId, decision: decisionKey }].slice(-MAX_SEEN),
          seen: [...(current?.seen ?? []), decisionKey].slice(-MAX_SEEN),
        };
      },
      { ttlSeconds: TTL_SECONDS },
    );
    const first = doc?.alerts.find((a) => a.id === alertId);
    return { count: doc?.count ?? 1, lastSeen: doc?.lastSeen ?? at, revision: first !== undefined && first.decision !== decisionKey };
  }
}
