import type { StateStore } from '@soc/state';
import type { QuarantineCounter } from '../ports.ts';

/** Ingestion's quarantine collection (`StateQuarantineStore` in services/ingestion): ingestion owns it; this only reads. */
const COLLECTION = 'ingest-quarantine';

/** The fields of a quarantine entry the count reads. */
interface QuarantineEntryHead {
  receivedAt: string;
  /** The sender's tenant when not the deployment's. */
  tenantId?: string;
  status: 'quarantined' | 'replayed';
}

/**
 * {@link QuarantineCounter} on the state store: one bounded query (newest receipt first, at most `limit` entries),
 * counted in the window. Past the bound the count says `truncated`.
 */
export class StateQuarantineCounter implements QuarantineCounter {
  private readonly state: StateStore;
  constructor(state: StateStore) {
    this.state = state;
  }

  async count(window: { from: Date; to: Date; limit: number; sees?: (tenant: string | undefined) => boolean }): Promise<{ payloads: number; replayed: number; truncated: boolean }> {
    const rows = await this.state.query<QuarantineEntryHead>(COLLECTION, { orderBy: { field: 'receivedAt', direction: 'desc' }, limit: window.limit });
    const from = window.from.getTime();
    const to = window.to.getTime();
    const inWindow = rows.map((r) => r.value).filter((e) => {
      const at = Date.parse(e.receivedAt);
      return at >= from && at < to && (window.sees === undefined || window.sees(e.tenantId));
    });
    const oldest = rows.at(-1);
    return {
      payloads: inWindow.length,
      replayed: inWindow.filter((e) => e.status === 'replayed').length,
      truncated: rows.length >= window.limit && oldest !== undefined && Date.parse(oldest.value.receivedAt) >= from,
    };
  }
}
