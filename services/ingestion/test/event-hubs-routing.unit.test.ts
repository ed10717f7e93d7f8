import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeRecord, planEvent, recordsOf, sourceOfRecord } from '../src/adapters/event-hubs/index.ts';

const exportBatch = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/alerts/eventhubs/sentinel-data-export-batch.json', import.meta.url),
    'utf8',
  ),
) as {
  records: Record<string, unknown>[];
};
const [alertA, crowdStrikeA, claroty, alertB, crowdStrikeB] = exportBatch.records;

/** Defender XDR streaming API envelope (time, tenantId, operationName, category, properties) as documented. */
function defenderRecord(category: string, properties: Record<string, unknown>): Record<string, unknown> {
  return {
    time: '2025-04-11T21:07:42.7816566Z',
    tenantId: '2008f78a-ebba-4182-8f80-7d9a0aec27a5',
    operationName: 'Publish',
    category,
    properties,
  };
}
const alertInfo = defenderRecord('AdvancedHunting-AlertInfo', {
  AlertId: 'da638470263467301556_-1163823126',
  Title: 'Suspicious PowerShell command line',
  Severity: 'Medium',
});
const alertEvidence = defenderRecord('AdvancedHunting-AlertEvidence', {
  AlertId: 'da638470263467301556_-1163823126',
  EntityType: 'Process',
  FileName: 'powershell.exe',
});
const deviceEvent = defenderRecord('AdvancedHunting-DeviceEvents', {
  ActionType: 'AntivirusDetection',
  DeviceName: 'ws-042.contoso.com',
});

describe('sourceOfRecord', () => {
  it('routes Sentinel data export rows by their table', () => {
    expect(alertA?.['Type']).toBe('SecurityAlert');
    expect(sourceOfRecord(alertA)).toBe('sentinel');
    expect(sourceOfRecord({ Type: 'SecurityIncident', IncidentNumber: 42, Title: 'Multi-stage attack' })).toBe(
      'sentinel',
    );
    expect(crowdStrikeA?.['Type']).toBe('CommonSecurityLog');
    expect(sourceOfRecord(crowdStrikeA)).toBe('cef');
  });

  it('routes Defender XDR streaming alert records by category, and no other category', () => {
    expect(sourceOfRecord(alertInfo)).toBe('defender');
    expect(sourceOfRecord(alertEvidence)).toBe('defender');
    expect(sourceOfRecord(deviceEvent)).toBeUndefined();
  });

  it('names no source for other tables, unnamed rows and non-objects', () => {
    expect(sourceOfRecord({ Type: 'SecurityEvent', EventID: 4625 })).toBeUndefined();
    expect(sourceOfRecord(claroty)).toBeUndefined();
    expect(sourceOfRecord('CEF:0|Claroty|CTD|2.7.0|Baseline|None|Unapproved|')).toBeUndefined();
    expect(sourceOfRecord(null)).toBeUndefined();
    expect(sourceOfRecord([alertA])).toBeUndefined();
  });

  it('describes what a record says it is', () => {
    expect(describeRecord({ Type: 'SecurityEvent' })).toBe("Type 'SecurityEvent'");
    expect(describeRecord(deviceEvent)).toBe("category 'AdvancedHunting-DeviceEvents'");
    expect(describeRecord(claroty)).toBe('a record with neither Type nor category');
    expect(describeRecord(7)).toBe('a number record');
  });
});

describe('recordsOf', () => {
  it('reads {"records":[…]} batches, arrays and single records', () => {
    expect(recordsOf(exportBatch)).toHaveLength(5);
    expect(recordsOf([alertA, alertB])).toEqual([alertA, alertB]);
    expect(recordsOf(alertA)).toEqual([alertA]);
  });

  it('refuses bodies that are not records', () => {
    expect(recordsOf('text')).toBeUndefined();
    expect(recordsOf(12)).toBeUndefined();
    expect(recordsOf(null)).toBeUndefined();
  });
});

describe('planEvent', () => {
  it('groups a data export batch by source, in event order, and sets aside what no source reads', () => {
    const plan = planEvent(exportBatch.records, { maxRecordsPerIngest: 1000 });
    expect(plan.ingest).toEqual([
      { source: 'sentinel', records: [alertA, alertB] },
      { source: 'cef', records: [crowdStrikeA, crowdStrikeB] },
    ]);
    expect(plan.unrouted).toHaveLength(1);
    expect(plan.unrouted[0]?.records).toEqual([claroty]);
    expect(plan.unrouted[0]?.reason).toContain('a record with neither Type nor category (event record 2)');
    expect(plan.unrouted[0]?.reason).toContain('EVENTHUB_DEFAULT_SOURCE');
  });

  it('sends records of unknown kind to the default source when the hub has one', () => {
    const plan = planEvent(exportBatch.records, { defaultSource: 'cef', maxRecordsPerIngest: 1000 });
    expect(plan.unrouted).toEqual([]);
    expect(plan.ingest).toEqual([
      { source: 'sentinel', records: [alertA, alertB] },
      { source: 'cef', records: [crowdStrikeA, claroty, crowdStrikeB] },
    ]);
  });

  it('keeps Defender AlertInfo and AlertEvidence of one event together, and names unrouted categories', () => {
    const plan = planEvent([alertInfo, deviceEvent, alertEvidence, deviceEvent], { maxRecordsPerIngest: 1 });
    expect(plan.ingest).toEqual([{ source: 'defender', records: [alertInfo, alertEvidence] }]);
    expect(plan.unrouted).toEqual([
      {
        kind: "category 'AdvancedHunting-DeviceEvents'",
        records: [deviceEvent, deviceEvent],
        reason: expect.stringContaining("2 records of category 'AdvancedHunting-DeviceEvents' (event record 1, 3)"),
      },
    ]);
  });

  it('splits other sources to the ingestor batch limit', () => {
    const plan = planEvent([alertA, alertB, alertA], { maxRecordsPerIngest: 2 });
    expect(plan.ingest).toEqual([
      { source: 'sentinel', records: [alertA, alertB] },
      { source: 'sentinel', records: [alertA] },
    ]);
  });
});
