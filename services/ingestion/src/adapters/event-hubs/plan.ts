import type { SourceName } from '@soc/contracts';
import { describeRecord, sourceOfRecord } from './records.ts';

/** Records of one event for one source: one `ingest` call with body `{"records":[…]}`. */
export interface IngestGroup {
  source: SourceName;
  records: unknown[];
}

/** Records of one event that no source reads, kept in quarantine together with the reason. */
export interface UnroutedGroup {
  /** What the records say they are (`Type 'SecurityEvent'`, `category 'AdvancedHunting-DeviceEvents'` …). */
  kind: string;
  records: unknown[];
  reason: string;
}

export interface EventPlan {
  ingest: IngestGroup[];
  unrouted: UnroutedGroup[];
}

export interface PlanOptions {
  /** Source of records that name no source we know (a hub that carries one product). */
  defaultSource?: SourceName | undefined;
  /** Most records per `ingest` call, so one event never exceeds the ingestor's batch limit. */
  maxRecordsPerIngest: number;
}

/**
 * Sources whose parser joins records of one body (Defender's AlertInfo with its AlertEvidence rows): their
 * records of one event are never split across calls.
 */
const JOINED_SOURCES: ReadonlySet<SourceName> = new Set(['defender']);

const ROUTES_HELP =
  "Event Hubs routes Type SecurityAlert/SecurityIncident to 'sentinel', Type CommonSecurityLog to 'cef' and category AdvancedHunting-Alert* to 'defender'; set EVENTHUB_DEFAULT_SOURCE for a hub that carries one product";

/**
 * Groups the records of one event by the source that reads them, in order of first appearance and keeping each
 * source's records in event order; records no source reads are grouped by what they say they are.
 */
export function planEvent(records: readonly unknown[], options: PlanOptions): EventPlan {
  const bySource = new Map<SourceName, unknown[]>();
  const byKind = new Map<string, { records: unknown[]; positions: number[] }>();
  records.forEach((value, position) => {
    const source = sourceOfRecord(value) ?? options.defaultSource;
    if (source !== undefined) {
      appendTo(bySource, source, value);
      return;
    }
    const kind = describeRecord(value);
    const group = byKind.get(kind) ?? { records: [], positions: [] };
    group.records.push(value);
    group.positions.push(position);
    byKind.set(kind, group);
  });

  const ingest: IngestGroup[] = [];
  for (const [source, grouped] of bySource) {
    const size = JOINED_SOURCES.has(source) ? grouped.length : Math.max(1, options.maxRecordsPerIngest);
    for (let start = 0; start < grouped.length; start += size)
      ingest.push({ source, records: grouped.slice(start, start + size) });
  }
  const unrouted = [...byKind].map(([kind, group]) => ({
    kind,
    records: group.records,
    reason: `No source reads ${group.records.length === 1 ? 'a record' : `${group.records.length} records`} of ${kind} (event record ${positionsText(group.positions)}): ${ROUTES_HELP}`,
  }));
  return { ingest, unrouted };
}

function appendTo<K>(map: Map<K, unknown[]>, key: K, value: unknown): void {
  const existing = map.get(key);
  if (existing === undefined) map.set(key, [value]);
  else existing.push(value);
}

function positionsText(positions: readonly number[]): string {
  const shown = positions.slice(0, 10).join(', ');
  return positions.length > 10 ? `${shown} … ${positions.length - 10} more` : shown;
}
