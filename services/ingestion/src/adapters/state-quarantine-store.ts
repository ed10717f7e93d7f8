import type { StateStore } from '@soc/state';
import type { QuarantineEntry, QuarantineStore } from '../ports.ts';

const COLLECTION = 'ingest-quarantine';

/** {@link QuarantineStore} on the state store; entries expire after the retention period. */
export class StateQuarantineStore implements QuarantineStore {
  private readonly state: StateStore;
  private readonly ttlSeconds: number;

  constructor(state: StateStore, retentionDays: number) {
    this.state = state;
    this.ttlSeconds = Math.round(retentionDays * 86_400);
  }

  async put(entry: QuarantineEntry): Promise<void> {
    await this.state.put(COLLECTION, entry.id, entry, { ttlSeconds: this.ttlSeconds });
  }

  async get(id: string): Promise<QuarantineEntry | undefined> {
    return (await this.state.get<QuarantineEntry>(COLLECTION, id))?.value;
  }

  async list(options: { status?: QuarantineEntry['status']; source?: string; limit: number }): Promise<QuarantineEntry[]> {
    const where: Record<string, string> = {};
    if (options.status !== undefined) where.status = options.status;
    if (options.source !== undefined) where.source = options.source;
    const rows = await this.state.query<QuarantineEntry>(COLLECTION, { where, orderBy: { field: 'receivedAt', direction: 'desc' }, limit: options.limit });
    return rows.map((r) => r.value);
  }
}
