import type { TenantGrant } from '@soc/http';
import { type StateStore, updateWithRetry } from '@soc/state';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { CaseEventDoc } from '../case-view.ts';
import type { CaseStore, CaseSummary } from '../ports.ts';
import { mergeSummary } from '../projector.ts';

/** The collection of the case events (one immutable document per event); the live change feed reads it too. */
export const CASE_EVENTS_COLLECTION = 'case-events';
const EVENTS = CASE_EVENTS_COLLECTION;
const SUMMARIES = 'cases';

const isConflict = (e: unknown): boolean => isAppError(e) && e.code === ErrorCode.CONFLICT;

/** The case view in the state store: an immutable document per event, a summary per case. */
export class StateCaseStore implements CaseStore {
  private readonly store: StateStore;
  private readonly retentionSeconds: number | undefined;
  constructor(store: StateStore, options: { retentionDays?: number } = {}) {
    this.store = store;
    this.retentionSeconds = options.retentionDays ? options.retentionDays * 86_400 : undefined;
  }

  private ttl(): { ttlSeconds?: number } {
    return this.retentionSeconds ? { ttlSeconds: this.retentionSeconds } : {};
  }

  async append(doc: CaseEventDoc): Promise<void> {
    try {
      await this.store.put(EVENTS, doc.eventId, doc, { ifNoneMatch: '*', ...this.ttl() });
    } catch (error) {
      if (!isConflict(error)) throw error; // already recorded: a redelivery
    }
  }

  async events(alertId: string): Promise<CaseEventDoc[]> {
    const byAlert = await this.byAlertId(alertId);
    const correlationId = byAlert[0]?.correlationid;
    // Events that arrived before their journey's first event were filed under the correlation id.
    const early = correlationId ? await this.byAlertId(`correlation:${correlationId}`) : [];
    return [...byAlert, ...early];
  }

  private async byAlertId(alertId: string): Promise<CaseEventDoc[]> {
    const docs = await this.store.query<CaseEventDoc>(EVENTS, { where: { alertId }, orderBy: { field: 'time', direction: 'asc' }, limit: 1000 });
    return docs.map((d) => d.value);
  }

  async findRequest(requestId: string): Promise<CaseEventDoc | undefined> {
    // Stored as the version it arrived in: a request announced before version 2 is found too.
    for (const type of ['soc.containment.requested.v2', 'soc.containment.requested.v1']) {
      const docs = await this.store.query<CaseEventDoc>(EVENTS, { where: { requestId, type }, limit: 1 });
      if (docs[0] !== undefined) return docs[0].value;
    }
    return undefined;
  }

  async putSummary(summary: CaseSummary, replace: boolean): Promise<void> {
    if (!replace) {
      try {
        await this.store.put(SUMMARIES, summary.alertId, summary, { ifNoneMatch: '*', ...this.ttl() });
        return;
      } catch (error) {
        if (!isConflict(error)) throw error; // a decision or a redelivery got there first: merge below
      }
    }
    await updateWithRetry<CaseSummary>(
      this.store,
      SUMMARIES,
      summary.alertId,
      (current) => mergeSummary(current, summary, replace),
      this.ttl(),
    );
  }

  async summary(alertId: string): Promise<CaseSummary | undefined> {
    return (await this.store.get<CaseSummary>(SUMMARIES, alertId))?.value;
  }

  async listUndecided(query: { limit: number }): Promise<CaseSummary[]> {
    const docs = await this.store.query<CaseSummary>(SUMMARIES, {
      where: { stage: 'received' },
      orderBy: { field: 'receivedAt', direction: 'asc' },
      limit: query.limit,
    });
    return docs.map((d) => d.value);
  }

  async listSummaries(query: { limit: number; severity?: string; tenants: TenantGrant }): Promise<CaseSummary[]> {
    // One query per tenant (equality filters only), merged newest first: a principal never reads another tenant's rows.
    const perTenant = await Promise.all(
      (query.tenants === '*' ? [undefined] : query.tenants).map((tenantId) =>
        this.store.query<CaseSummary>(SUMMARIES, {
          where: { ...(tenantId !== undefined ? { tenantId } : {}), ...(query.severity ? { severity: query.severity } : {}) },
          orderBy: { field: 'receivedAt', direction: 'desc' },
          limit: query.limit,
        }),
      ),
    );
    const all = perTenant.flat().map((d) => d.value);
    if (perTenant.length > 1) all.sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
    return all.slice(0, query.limit);
  }
}
