import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapLogAnalyticsRow } from '../src/index.ts';

// Real rows of the Attack Range lab (see test/fixtures/alerts/sentinel/README.md): SecurityEvent 4688 and Sysmon 1 in Event.
const [securityEvent, sysmonXmlRow] = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/alerts/sentinel/windows-event-rows.json', import.meta.url), 'utf8'),
) as [Record<string, unknown>, Record<string, unknown>];

/** A row as the query API returns it from a `union`: every column of both tables, null where the row has none. */
function asUnionRow(row: Record<string, unknown>, table: string): Record<string, unknown> {
  const columns = [...new Set([...Object.keys(securityEvent), ...Object.keys(sysmonXmlRow), 'Type', 'EventID'])];
  return Object.fromEntries(columns.map((c) => [c, c === 'Type' ? table : (row[c] ?? null)]));
}

describe('mapLogAnalyticsRow', () => {
  it('maps SecurityEvent 4688 and Sysmon Event rows, null union columns included, onto Sigma fields', () => {
    const security = mapLogAnalyticsRow(asUnionRow(securityEvent, 'SecurityEvent'));
    const sysmon = mapLogAnalyticsRow(asUnionRow({ ...sysmonXmlRow, EventID: 1 }, 'Event'));
    if (!security.ok || !sysmon.ok) throw new Error(JSON.stringify([security, sysmon]));
    expect(security.value.logsources[0]).toEqual({ product: 'windows', category: 'process_creation', service: 'security' });
    expect(security.value.fields).toMatchObject({ Image: 'C:\\Windows\\System32\\certutil.exe', EventID: 4688, Channel: 'Security' });
    expect(sysmon.value.table).toBe('Event');
    expect(sysmon.value.logsources[0]).toEqual({ product: 'windows', category: 'process_creation', service: 'sysmon' });
    expect(sysmon.value.fields).toMatchObject({ Image: 'C:\\Windows\\System32\\certutil.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', EventID: 1 });
    // Null columns of the other table and row bookkeeping are not fields.
    expect(Object.values(security.value.fields)).not.toContain(null);
    for (const column of ['TenantId', 'TimeGenerated', 'Type', 'EventData', 'Source']) expect(sysmon.value.fields).not.toHaveProperty(column);
  });

  it('names every column that keeps a row from being an event', () => {
    const result = mapLogAnalyticsRow({ Type: 'Event', EventID: 'x', EventData: '<EventData><Data Name="a">' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.column)).toEqual(['EventID', 'EventLog', 'EventData']);
    expect(mapLogAnalyticsRow({ Type: 'Syslog', EventID: 1, Channel: 'x' })).toMatchObject({ ok: false, problems: [{ column: 'Type' }] });
  });
});
