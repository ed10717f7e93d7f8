import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { createSigmaEngine, loadRulesFile } from '@soc/sigma';
import { defenderParser } from '../src/sources/defender/index.ts';
import { normalize } from '../src/sources/normalize.ts';
import { sentinelParser } from '../src/sources/sentinel/index.ts';
import { splunkParser } from '../src/sources/splunk/index.ts';
import type { SourceParser } from '../src/sources/types.ts';

// The whole SigmaHQ corpus (DRL 1.1) through the real engine: what triage matches an alert's source events with.
const engine = createSigmaEngine(loadRulesFile());
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function load(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8')) as unknown;
}

function alertsOf(parser: SourceParser, body: unknown): Alert[] {
  const outcome = normalize(parser, body, ctx);
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.errors)}`);
  return outcome.alerts;
}

/** Ids of the rules that match any of the alert's source events. */
function hits(alert: Alert | undefined): string[] {
  return [...new Set((alert?.sourceEvents ?? []).flatMap((e) => engine.match(e.fields, e.logsources).map((h) => h.id)))].sort();
}

// "Suspicious File Downloaded From Direct IP Via Certutil.EXE" (SigmaHQ, 13e6fe51-d478-4c7e-b0f2-6da9b400a829).
const CERTUTIL_DIRECT_IP = '13e6fe51-d478-4c7e-b0f2-6da9b400a829';

describe('an alert whose evidence shows a certutil download matches the SigmaHQ rule through its source parser', () => {
  const rows = load('sentinel/windows-event-rows.json') as unknown[];
  const cases: [string, SourceParser, unknown][] = [
    ['Sentinel SecurityEvent 4688', sentinelParser, rows[0]],
    ['Sentinel Event (Sysmon, EventData XML)', sentinelParser, rows[1]],
    ['Sentinel Event (Sysmon, rendered description)', sentinelParser, rows[2]],
    ['Sentinel WindowsEvent (Sysmon)', sentinelParser, rows[3]],
    ['Defender Graph alerts_v2 process evidence', defenderParser, load('defender/graph_alert_v2_certutil_constructed.json')],
    ['Splunk ES notable with CIM process fields', splunkParser, load('splunk/es-notable-cim-process-constructed.json')],
  ];
  it.each(cases)('%s', (_name, parser, body) => {
    const [alert] = alertsOf(parser, body);
    expect(hits(alert)).toContain(CERTUTIL_DIRECT_IP);
  });

  it('and the same alert with a benign command line does not', () => {
    const row = { ...(rows[0] as Record<string, unknown>), CommandLine: 'certutil.exe -hashfile C:\\Users\\Administrator\\Downloads\\setup.msi SHA256' };
    expect(hits(alertsOf(sentinelParser, row)[0])).not.toContain(CERTUTIL_DIRECT_IP);
  });
});

describe('an EDR alert in Sentinel matches on the process its entities show', () => {
  it('Mimikatz run from a temp folder (msticpy entity graph) hits a Mimikatz rule', () => {
    const row = {
      SystemAlertId: '11111111-2222-3333-4444-555555555555',
      AlertName: 'Mimikatz credential theft tool',
      AlertSeverity: 'High',
      ProductName: 'Microsoft Defender Advanced Threat Protection',
      Entities: Object.values(load('sentinel/entities.json') as Record<string, unknown>),
    };
    const titles = (alertsOf(sentinelParser, row)[0]?.sourceEvents ?? []).flatMap((e) => engine.match(e.fields, e.logsources).map((h) => h.title));
    expect(titles.some((t) => /mimikatz/iu.test(t))).toBe(true);
  });
});

describe('alerts that carry no raw event get no Sigma input', () => {
  it('Sentinel scheduled-rule and Defender for Cloud rows, a Graph incident without alerts, a notable without process fields', () => {
    const sentinelRows = readFileSync(new URL('../../../test/fixtures/alerts/sentinel/rows.jsonl', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    const alerts = [
      ...alertsOf(sentinelParser, sentinelRows),
      ...alertsOf(defenderParser, load('defender/graph_incident_get_example.json')),
      ...alertsOf(splunkParser, load('splunk/es-notable-event.json')),
      ...alertsOf(splunkParser, load('splunk/es-notables-search-results.json')),
    ];
    expect(alerts.length).toBeGreaterThan(95);
    for (const a of alerts) expect(a.sourceEvents ?? []).toEqual([]);
  });
});
