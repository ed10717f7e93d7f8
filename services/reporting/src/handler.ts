import type { EventByType } from '@soc/contracts';
import { NOTHING, dispatch, type EventHandler } from '@soc/bus';
import { type StateStore, updateWithRetry } from '@soc/state';
import { REPORT_ROWS } from './adapters/state-report-source.ts';
import { type ReportRow, applyToRow } from './report-row.ts';

/** What the reporting handler needs. */
export interface ReportingDeps {
  store: StateStore;
  /** TTL of report rows; absent keeps them. */
  retentionDays?: number;
}

/**
 * Keeps one report row per alert from its received, triaged and dispositioned events (any order; a redelivery
 * writes nothing). The rows are what {@link StateReportSource} pages through per period.
 */
export function makeReportingHandler(deps: ReportingDeps): EventHandler {
  const ttl = deps.retentionDays ? { ttlSeconds: deps.retentionDays * 86_400 } : {};
  const record = async (event: EventByType<'soc.alert.received.v1' | 'soc.alert.triaged.v1' | 'soc.alert.dispositioned.v1'>) => {
    const alertId = event.type === 'soc.alert.dispositioned.v1' ? event.data.alertId : event.data.alert.alertId;
    await updateWithRetry<ReportRow>(deps.store, REPORT_ROWS, alertId, (current) => applyToRow(current, event), ttl);
    return NOTHING;
  };
  return dispatch('reporting', {
    'soc.alert.received.v1': record,
    'soc.alert.triaged.v1': record,
    'soc.alert.dispositioned.v1': record,
  });
}
