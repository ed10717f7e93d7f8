import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Real `SecurityAlert` rows (Microsoft's demo workspace, via msticpy; see test/fixtures/alerts/sentinel/README.md) as
 * a Log Analytics query API table: what `SecurityAlert | project …` returns.
 */
const ROWS_FILE = fileURLToPath(new URL('../../../../test/fixtures/alerts/sentinel/rows.jsonl', import.meta.url));

export const SECURITY_ALERT_COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'AlertName', type: 'string' },
  { name: 'AlertSeverity', type: 'string' },
  { name: 'ProviderName', type: 'string' },
  { name: 'SystemAlertId', type: 'string' },
  { name: 'Entities', type: 'dynamic' },
] as const;

interface Row {
  TimeGenerated: string;
  AlertName: string;
  Severity: string;
  ProviderName: string;
  SystemAlertId: string;
  Entities: unknown;
}

export function securityAlertRows(): Row[] {
  return readFileSync(ROWS_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
}

/** The wire table: datetimes as ISO strings, dynamic columns as JSON text (as Log Analytics sends them). */
export function securityAlertTable(rows: readonly Row[] = securityAlertRows()): { name: string; columns: { name: string; type: string }[]; rows: unknown[][] } {
  return {
    name: 'PrimaryResult',
    columns: SECURITY_ALERT_COLUMNS.map((c) => ({ ...c })),
    rows: rows.map((r) => [new Date(`${r.TimeGenerated.replace(' ', 'T')}Z`).toISOString(), r.AlertName, r.Severity, r.ProviderName, r.SystemAlertId, JSON.stringify(r.Entities)]),
  };
}
