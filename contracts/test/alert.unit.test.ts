import { describe, expect, it } from 'vitest';
import { Alert, AttackRef, Entity, SEVERITY_ID, Severity, type AlertInput } from '../src/index.ts';

const minimal: AlertInput = {
  schemaVersion: 1,
  alertId: 'alt-612d703b-3346-b0a1-3fc1-d5670a9b3668',
  tenantId: 'contoso',
  source: { name: 'sentinel', vendorAlertId: '0ec0497d-d4bc-46f4-9339-d74656796b4e' },
  title: 'Suspicious PowerShell command line',
  severity: 'high',
  detectedAt: '2025-03-18T09:14:02Z',
};

describe('Alert', () => {
  it('defaults entities, attack and labels to [], description to "" and status to new', () => {
    const alert = Alert.parse(minimal);
    expect(alert.entities).toEqual([]);
    expect(alert.attack).toEqual([]);
    expect(alert.labels).toEqual([]);
    expect(alert.description).toBe('');
    expect(alert.status).toBe('new');
  });

  it('requires an offset on timestamps', () => {
    expect(Alert.safeParse({ ...minimal, detectedAt: '2025-03-18T09:14:02' }).success).toBe(false);
    expect(Alert.safeParse({ ...minimal, detectedAt: '2025-03-18T10:14:02+01:00' }).success).toBe(true);
  });

  it('accepts only schema version 1 and known sources', () => {
    expect(Alert.safeParse({ ...minimal, schemaVersion: 2 }).success).toBe(false);
    expect(Alert.safeParse({ ...minimal, source: { ...minimal.source, name: 'qradar' } }).success).toBe(false);
  });

  it('keeps the deep link to http(s), since analysts open it from the console', () => {
    const withUrl = (url: string) => Alert.safeParse({ ...minimal, source: { ...minimal.source, url } }).success;
    expect(withUrl('https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/x')).toBe(true);
    expect(withUrl('javascript:alert(1)')).toBe(false);
    expect(withUrl('data:text/html,<script>alert(1)</script>')).toBe(false);
  });

  it('maps severities to OCSF severity_id 1–5', () => {
    expect(Severity.options.map((s) => SEVERITY_ID[s])).toEqual([1, 2, 3, 4, 5]);
  });

  it('checks ATT&CK technique ids', () => {
    expect(AttackRef.safeParse({ techniqueId: 'T1059.001' }).success).toBe(true);
    expect(AttackRef.safeParse({ techniqueId: 'T1059' }).success).toBe(true);
    expect(AttackRef.safeParse({ techniqueId: 'T1059.1' }).success).toBe(false);
    expect(AttackRef.safeParse({ techniqueId: 'execution' }).success).toBe(false);
  });
});

describe('Entity', () => {
  it('picks the variant by type and keeps its own fields', () => {
    const entity = Entity.parse({ id: 'ip:203.0.113.45', type: 'ip', value: '203.0.113.45', isInternal: false });
    expect(entity).toEqual({
      id: 'ip:203.0.113.45',
      type: 'ip',
      value: '203.0.113.45',
      isInternal: false,
      origin: 'source',
    });
    if (entity.type !== 'ip') throw new Error('expected an ip entity');
    expect(entity.isInternal).toBe(false);
  });

  it("drops another variant's fields", () => {
    const entity = Entity.parse({ id: 'ip:10.20.31.45', type: 'ip', value: '10.20.31.45', hostname: 'ws-fin-042' });
    expect(entity).not.toHaveProperty('hostname');
  });

  it('parses a process with its command line', () => {
    const entity = Entity.parse({
      id: 'process:powershell.exe',
      type: 'process',
      value: 'powershell.exe',
      origin: 'extracted',
      commandLine: 'powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand SQBFAFgA',
      pid: 7412,
      parentName: 'WINWORD.EXE',
    });
    expect(entity).toMatchObject({ type: 'process', origin: 'extracted', pid: 7412, parentName: 'WINWORD.EXE' });
  });

  it('rejects an unknown type at the discriminator', () => {
    const result = Entity.safeParse({ id: 'ipv4:10.0.0.1', type: 'ipv4', value: '10.0.0.1' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['type']);
  });

  it("checks the variant's required fields: a hash needs its algorithm", () => {
    const hash = {
      id: 'hash:8bac75af',
      type: 'hash',
      value: '8bac75af9e5bb073ca42b5d70fe1977d92347c7aa81987622830b22bb7d39df5',
    };
    expect(Entity.safeParse(hash).success).toBe(false);
    expect(Entity.safeParse({ ...hash, algorithm: 'sha256' }).success).toBe(true);
    expect(Entity.safeParse({ ...hash, algorithm: 'crc32' }).success).toBe(false);
  });

  it('rejects an empty value', () => {
    expect(Entity.safeParse({ id: 'user:', type: 'user', value: '' }).success).toBe(false);
  });
});
