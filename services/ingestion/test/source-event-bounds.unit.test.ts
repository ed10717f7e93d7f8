import { describe, expect, it } from 'vitest';
import { Alert, MAX_ALERT_BYTES, MAX_SOURCE_EVENTS, type SourceEvent, alertRevisionKey, jsonBytes } from '@soc/contracts';
import { buildAlert } from '../src/sources/build-alert.ts';
import type { AlertDraft } from '../src/sources/types.ts';

const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-12-07T10:00:00Z') };
const processEvent = (commandLine: string, i = 0): SourceEvent => ({
  logsources: [{ product: 'windows', category: 'process_creation', service: 'sysmon' }],
  fields: { EventID: 1, Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: commandLine, ProcessId: 4000 + i },
  pointer: `/events/${i}`,
});
const draft = (sourceEvents: SourceEvent[], extra: Partial<AlertDraft> = {}): AlertDraft => ({
  vendorAlertId: 'a-1',
  title: 'Sysmon - Event 1: Process creation',
  severity: 'medium',
  entities: [{ type: 'host', value: 'ws-01' }],
  sourceEvents,
  rawPointer: '',
  ...extra,
});

describe('source events at the edge (contract: at most 16, values as long as a command line)', () => {
  it('keeps the parser\'s events whole and in order, with their pointers', () => {
    const alert = buildAlert('wazuh', draft([processEvent('powershell -enc SQBFAFgA', 0), processEvent('whoami /all', 1)]), ctx);
    expect(alert.sourceEvents?.map((e) => e.fields.CommandLine)).toEqual(['powershell -enc SQBFAFgA', 'whoami /all']);
    expect(alert.sourceEvents?.[1]?.pointer).toBe('/events/1');
    expect(alert.labels).toEqual([]);
  });

  it('leaves out events past 16 and says how many', () => {
    const alert = buildAlert('wazuh', draft(Array.from({ length: 20 }, (_, i) => processEvent(`cmd /c echo ${i}`, i))), ctx);
    expect(alert.sourceEvents).toHaveLength(MAX_SOURCE_EVENTS);
    expect(alert.sourceEvents?.[15]?.fields.CommandLine).toBe('cmd /c echo 15');
    expect(alert.labels).toContain('soc:source-events-over-limit:4');
  });

  it('cuts a value longer than a command line may be with a marker, saying so, instead of refusing the alert', () => {
    const alert = buildAlert('wazuh', draft([processEvent(`powershell ${'A'.repeat(40_000)}`)]), ctx);
    const line = alert.sourceEvents?.[0]?.fields.CommandLine as string;
    expect(line.length).toBe(32_768);
    expect(line.endsWith('…')).toBe(true);
    expect(alert.labels).toContain('soc:source-event-values-clipped:1');
  });

  it('an alert of sixteen 30 KB command lines fits its budget: event values are cut, the source\'s entities stay', () => {
    const events = Array.from({ length: 16 }, (_, i) => processEvent(`powershell -nop -w hidden -c ${String(i).repeat(30_000)}`, i));
    const entities = [{ type: 'host' as const, value: 'ws-01' }, { type: 'user' as const, value: 'alice@contoso.com' }];
    const alert = buildAlert('wazuh', draft(events, { entities }), ctx);
    expect(jsonBytes(alert)).toBeLessThanOrEqual(MAX_ALERT_BYTES);
    expect(Alert.safeParse(alert).success).toBe(true);
    expect(alert.entities.map((e) => e.value)).toEqual(['ws-01', 'alice@contoso.com']);
    expect(alert.sourceEvents?.length).toBeGreaterThan(0);
    expect((alert.sourceEvents?.[0]?.fields.CommandLine as string).startsWith('powershell -nop -w hidden -c 0000')).toBe(true);
    expect(alert.labels).toContain('soc:text-clipped-to-fit');
  });

  it('events are content: changed events make a new revision; no events keeps the key alerts had before events existed', () => {
    const base = { title: 't', severity: 'low' as const, entities: [] };
    expect(alertRevisionKey({ ...base, sourceEvents: [] })).toBe(alertRevisionKey(base));
    expect(alertRevisionKey({ ...base, sourceEvents: [processEvent('a')] })).not.toBe(alertRevisionKey({ ...base, sourceEvents: [processEvent('b')] }));
    expect(alertRevisionKey({ ...base, sourceEvents: [processEvent('a')] })).not.toBe(alertRevisionKey(base));
  });
});
