import type { StateStore } from '@soc/state';
import { MAX_QUERY_LIMIT } from '@soc/state';
import { FactsAccumulator } from '../facts.ts';
import { hoursOf } from '../period.ts';
import type { ReportFacts, ReportPeriod, ReportSource } from '../ports.ts';
import { type ReportRow, SHARDS } from '../report-row.ts';

/** The collection of per-alert report rows (written by the reporting handler). */
export const REPORT_ROWS = 'report-rows';

/**
 * Report facts from the project's own state store: the rows reporting keeps per alert, read an hour at a time
 * (`receivedHour`); an hour that fills a page is re-read by minute, and a full minute by minute and shard. At most
 * one page (1000 rows) is in memory at a time; beyond 16,000 alerts in one minute the facts say they are partial.
 */
export class StateReportSource implements ReportSource {
  private readonly store: StateStore;
  constructor(store: StateStore) {
    this.store = store;
  }

  async collect(period: ReportPeriod): Promise<ReportFacts> {
    const acc = new FactsAccumulator(period);
    for (const hour of hoursOf(period)) {
      const rows = await this.page({ receivedHour: hour });
      if (rows.length < MAX_QUERY_LIMIT) {
        acc.add(rows);
        continue;
      }
      for (let m = 0; m < 60; m++) await this.collectMinute(acc, `${hour}:${String(m).padStart(2, '0')}`);
    }
    return acc.facts('state-store');
  }

  private async collectMinute(acc: FactsAccumulator, minute: string): Promise<void> {
    const rows = await this.page({ receivedMinute: minute });
    if (rows.length < MAX_QUERY_LIMIT) return acc.add(rows);
    for (let shard = 0; shard < SHARDS; shard++) {
      const part = await this.page({ receivedMinute: minute, shard });
      if (part.length >= MAX_QUERY_LIMIT) acc.note(`More than ${MAX_QUERY_LIMIT * SHARDS} alerts in the minute ${minute}Z: its figures are partial.`);
      acc.add(part);
    }
  }

  private async page(where: Record<string, string | number>): Promise<ReportRow[]> {
    const docs = await this.store.query<ReportRow>(REPORT_ROWS, { where, limit: MAX_QUERY_LIMIT });
    return docs.map((d) => d.value);
  }
}
