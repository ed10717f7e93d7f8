import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { normalize } from '../src/sources/normalize.ts';
import { sentinelParser } from '../src/sources/sentinel/index.ts';

type Row = Record<string, unknown>;

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/alerts/sentinel/${name}`, import.meta.url), 'utf8');
const rows: Row[] = fixture('rows.jsonl')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);
const entityGraph = JSON.parse(fixture('entities.json')) as Record<string, Row>;
const incidentTrigger = JSON.parse(fixture('incident-trigger.json')) as Row;

const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function accept(body: unknown): Alert[] {
  const outcome = normalize(sentinelParser, body, ctx);
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.errors.slice(0, 5))}`);
  return outcome.alerts;
}

function refuse(body: unknown): { index: number; path: string; message: string }[] {
  const outcome = normalize(sentinelParser, body, ctx);
  if (outcome.ok) throw new Error('accepted a payload that should be refused');
  return outcome.errors;
}

function row(systemAlertId: string): Row {
  const found = rows.find((r) => r['SystemAlertId'] === systemAlertId);
  if (!found) throw new Error(`no fixture row ${systemAlertId}`);
  return found;
}

const entity = (alert: Alert, id: string) => alert.entities.find((e) => e.id === id);
const fromSource = (alert: Alert) => alert.entities.filter((e) => e.origin === 'source');

describe('sentinel parser: SecurityAlert rows', () => {
  it('normalises every one of the 95 real rows, each pointing at its record', () => {
    const outcome = normalize(sentinelParser, rows, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors.slice(0, 5)));
    expect(outcome.alerts).toHaveLength(95);
    expect(outcome.drafts.map((d) => d.rawPointer)).toEqual(rows.map((_, i) => `/${i}`));
    expect(outcome.alerts.map((a) => a.source.vendorAlertId)).toEqual(rows.map((r) => r['SystemAlertId']));
    expect(new Set(outcome.alerts.map((a) => a.severity))).toEqual(new Set(['informational', 'low', 'medium', 'high']));
  });

  it('maps a Defender for Cloud alert: host, account with SID, process tree, registry value, VM', () => {
    const [alert] = accept(row('2518547570866947129_1b074412-133c-4ac9-8e3f-24103159b03e'));
    if (!alert) throw new Error('no alert');
    expect(alert).toMatchObject({
      title: 'Suspicious WindowPosition registry value detected',
      severity: 'low',
      status: 'new',
      detectedAt: '2019-01-15T09:15:18.000Z',
      firstSeenAt: '2019-01-15T09:15:13.000Z',
      source: {
        name: 'sentinel',
        vendor: 'Microsoft',
        vendorAlertId: '2518547570866947129_1b074412-133c-4ac9-8e3f-24103159b03e',
      },
      rule: { id: 'Suspicious WindowPosition registry value detected' },
    });
    expect(entity(alert, 'host:msticalertswin1')).toMatchObject({
      type: 'host',
      hostname: 'MSTICALERTSWIN1',
      os: 'Windows',
    });
    expect(entity(alert, 'user:msticalertswin1\\msticadmin')).toMatchObject({
      type: 'user',
      name: 'MSTICAdmin',
      domain: 'MSTICAlertsWin1',
      sid: 'S-1-5-21-996632719-2361334927-4038480536-500',
    });
    expect(entity(alert, 'process:c:\\diagnostics\\usertmp\\reg.exe')).toMatchObject({
      type: 'process',
      name: 'reg.exe',
      commandLine: '.\\reg.exe   add "hkcu\\console" /v windowposition /t reg_dword /d 33554556 /f',
      pid: 0x13a8,
      parentName: 'cmd.exe',
    });
    expect(entity(alert, 'file:c:\\diagnostics\\usertmp\\reg.exe')).toMatchObject({ type: 'file', name: 'reg.exe' });
    expect(entity(alert, 'registry:HKEY_CURRENT_USER\\console\\windowposition')).toMatchObject({
      key: 'HKEY_CURRENT_USER\\console',
      valueName: 'windowposition',
      data: 'System.Byte[]',
    });
    expect(entity(alert, 'registry:HKEY_CURRENT_USER\\console')).toBeDefined();
    expect(
      entity(
        alert,
        'cloud-resource:/subscriptions/40dcc8bf-0478-4f3b-b275-ed0a94f2c013/resourceGroups/ASIHuntOMSWorkspaceRG/providers/Microsoft.Compute/virtualMachines/MSTICAlertsWin1',
      ),
    ).toMatchObject({ provider: 'azure', resourceType: 'Microsoft.Compute/virtualMachines' });
  });

  it('maps an aggregated scheduled-rule alert: IP, host and accounts by name only', () => {
    const [alert] = accept(row('047f47d6-79b7-4502-824b-97abc4905a73'));
    if (!alert) throw new Error('no alert');
    expect(fromSource(alert).map((e) => e.id)).toEqual([
      'ip:75.10.91.22',
      'host:dhcpcontoso77',
      'user:administrator',
      'user:admin',
      'user:user',
    ]);
    expect(entity(alert, 'ip:75.10.91.22')).toMatchObject({ isInternal: false });
    expect(alert.source.vendor).toBe('Alert Rule');
  });

  it('hands ExtendedProperties evidence, not the rule query, to IOC extraction', () => {
    const parsed = sentinelParser.parse(
      [row('98a6dea6-1b64-41d0-938e-0dec24b234ec'), row('047f47d6-79b7-4502-824b-97abc4905a73')],
      ctx,
    );
    if (!parsed.ok) throw new Error('refused');
    const [c2, scheduled] = parsed.drafts;
    expect(c2?.freeText).toEqual(expect.arrayContaining(['183.95.154.13', '1.2.3.4']));
    expect(scheduled?.freeText).toContain('Aggregated');
    expect(scheduled?.freeText?.some((t) => t.includes('SecurityEvent'))).toBe(false);
  });

  it('builds a UPN only from Name and UPNSuffix, and a VM host from its AzureID', () => {
    const withUpn = rows.find((r) => JSON.stringify(r['Entities']).includes('"UPNSuffix"'));
    const [alert] = accept(withUpn);
    expect(alert && entity(alert, 'user:brians@contososi.onmicrosoft.com')).toMatchObject({
      name: 'brians',
      upn: 'brians@ContosoSI.onmicrosoft.com',
    });
    const [vm] = accept(row('98a6dea6-1b64-41d0-938e-0dec24b234ec'));
    expect(vm && entity(vm, 'host:vm1')).toMatchObject({
      deviceId:
        '/subscriptions/212f9889-769e-45ae-ab43-6da33674bd26/resourcegroups/ASCDEMORG/providers/Microsoft.Compute/virtualMachines/vm1',
    });
    expect(vm && entity(vm, 'ip:183.95.154.13')).toBeDefined();
  });

  it('resolves the $id/$ref graph of entities.json: process tree with command line, account SID, host', () => {
    const base = row('2518547570866947129_1b074412-133c-4ac9-8e3f-24103159b03e');
    const [alert] = accept({ ...base, Entities: Object.values(entityGraph) });
    if (!alert) throw new Error('no alert');
    const ids = fromSource(alert).map((e) => e.id);
    expect(ids.slice(0, 6)).toEqual([
      'host:msticalertswin1',
      'file:c:\\windows\\system32\\cmd.exe',
      'process:c:\\windows\\system32\\cmd.exe',
      'user:workgroup\\msticalertswin1$',
      'file:c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp\\mimikatz.exe',
      'process:c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp\\mimikatz.exe',
    ]);
    expect(entity(alert, 'process:c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp\\mimikatz.exe')).toMatchObject({
      name: 'mimikatz.exe',
      commandLine: '.\\mimikatz.exe',
      pid: 0x6b8,
      parentName: 'cmd.exe',
    });
    expect(entity(alert, 'process:c:\\windows\\system32\\cmd.exe')).toMatchObject({ pid: 0x1558 });
    expect(entity(alert, 'user:workgroup\\msticalertswin1$')).toMatchObject({
      name: 'MSTICAlertsWin1$',
      domain: 'WORKGROUP',
      sid: 'S-1-5-20',
    });
  });

  it('lists entities that appear only nested, and survives a $ref to nothing', () => {
    // The cmd.exe process alone: its image file is only inline, its host is a $ref to an entity not sent.
    const [alert] = accept({ ...row('047f47d6-79b7-4502-824b-97abc4905a73'), Entities: [entityGraph['5']] });
    expect(alert && fromSource(alert).map((e) => e.id)).toEqual([
      'process:c:\\windows\\system32\\cmd.exe',
      'file:c:\\windows\\system32\\cmd.exe',
    ]);
  });

  it('cuts a hostile, deeply nested entity graph instead of exhausting the stack', () => {
    let chain: Row = { Type: 'process', CommandLine: 'leaf.exe' };
    for (let i = 0; i < 20_000; i++) chain = { Type: 'process', CommandLine: `p${i}.exe`, ParentProcess: chain };
    const [alert] = accept({ ...row('047f47d6-79b7-4502-824b-97abc4905a73'), Entities: [chain] });
    const processes = alert?.entities.filter((e) => e.type === 'process') ?? [];
    expect(processes.length).toBeGreaterThan(0);
    expect(processes.length).toBeLessThan(100);
    expect(processes[0]).toMatchObject({ value: 'p19999.exe' });
  });

  it('gives the same alert when Entities and ExtendedProperties arrive as JSON text (real exports)', () => {
    const decoded = row('2518547570866947129_1b074412-133c-4ac9-8e3f-24103159b03e');
    const asText = {
      ...decoded,
      Entities: JSON.stringify(decoded['Entities']),
      ExtendedProperties: JSON.stringify(decoded['ExtendedProperties']),
    };
    const [a] = accept(decoded);
    const [b] = accept(asText);
    expect(b).toEqual(a);
    expect(b?.entities.length).toBeGreaterThan(5);
  });

  it('accepts a data-export batch {"records": […]} with pointers into it', () => {
    const picked = rows.slice(0, 3);
    const records = picked.map((r) => ({
      ...r,
      Type: 'SecurityAlert',
      Entities: JSON.stringify(r['Entities']),
      ExtendedProperties: JSON.stringify(r['ExtendedProperties']),
    }));
    const outcome = normalize(sentinelParser, { records }, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    expect(outcome.drafts.map((d) => d.rawPointer)).toEqual(['/records/0', '/records/1', '/records/2']);
    expect(outcome.alerts).toEqual(accept(picked));
  });

  it('maps the current table columns: AlertSeverity, DisplayName, Status, tactics, techniques, analytic rule, link', () => {
    const base = row('047f47d6-79b7-4502-824b-97abc4905a73');
    const ruleId =
      '/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/alertRules/fab3d2d4-747f-46a7-8ef0-9c0be8112bf7';
    const current = {
      ...base,
      Severity: undefined,
      AlertSeverity: 'High',
      DisplayName: 'DC local group addition',
      Status: 'Dismissed',
      ProductName: 'Azure Sentinel',
      AlertLink: 'https://portal.azure.com/#blade/alert/047f47d6',
      Tactics: 'PrivilegeEscalation, Persistence',
      Techniques: '["T1078"]',
      SubTechniques: '["T1078.002"]',
      ExtendedProperties: JSON.stringify({
        'Analytic Rule Ids': JSON.stringify([ruleId]),
        'Analytic Rule Name': 'DC local group addition',
      }),
    };
    const [alert] = accept(current);
    expect(alert).toMatchObject({
      title: 'DC local group addition',
      severity: 'high',
      status: 'suppressed',
      source: { product: 'Azure Sentinel', url: 'https://portal.azure.com/#blade/alert/047f47d6' },
      rule: { id: ruleId, name: 'DC local group addition' },
      attack: [
        { tactic: 'PrivilegeEscalation' },
        { tactic: 'Persistence' },
        { techniqueId: 'T1078' },
        { techniqueId: 'T1078.002' },
      ],
    });
  });

  it('turns old-style custom entities in ExtendedProperties into entities', () => {
    const base = row('42a8b425-1c41-4355-8343-18ad563c43b6');
    const ext = {
      ...(base['ExtendedProperties'] as Row),
      IPCustomEntity: '185.220.101.4',
      AccountCustomEntity: 'CONTOSO\\alice',
      HostCustomEntity: 'ws01.contoso.com',
      URLCustomEntity: 'http://evil.example/payload',
      FileHashCustomEntity: '44d88612fea8a8f36de82e1278abb02f',
    };
    const [alert] = accept({ ...base, ExtendedProperties: ext });
    expect(alert && fromSource(alert).map((e) => e.id)).toEqual([
      'ip:185.220.101.4',
      'host:ws01.contoso.com',
      'user:contoso\\alice',
      'url:http://evil.example/payload',
      'hash:44d88612fea8a8f36de82e1278abb02f',
    ]);
    expect(alert && entity(alert, 'hash:44d88612fea8a8f36de82e1278abb02f')).toMatchObject({ algorithm: 'md5' });
  });
});

describe('sentinel parser: incidents', () => {
  const props = (incidentTrigger['object'] as Row)['properties'] as Row;
  const incidentId = (incidentTrigger['object'] as Row)['id'] as string;

  it('maps the incident trigger body to one alert with the incident and its related entities', () => {
    const outcome = normalize(sentinelParser, incidentTrigger, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    const [alert] = outcome.alerts;
    if (!alert) throw new Error('no alert');
    expect(outcome.drafts[0]?.rawPointer).toBe('');
    expect(alert).toMatchObject({
      title: 'My incident',
      description: 'This is a demo incident',
      severity: 'high',
      status: 'resolved',
      detectedAt: '2019-01-01T13:15:30.000Z',
      firstSeenAt: '2019-01-01T13:00:30.000Z',
      lastSeenAt: '2019-01-01T13:05:30.000Z',
      source: {
        name: 'sentinel',
        product: 'Azure Sentinel',
        vendor: 'Microsoft',
        vendorAlertId: incidentId,
        url: props['incidentUrl'],
      },
      rule: { id: (props['relatedAnalyticRuleIds'] as string[])[0] },
      attack: [{ tactic: 'InitialAccess' }, { tactic: 'Persistence' }],
    });
    expect(entity(alert, 'user:administrator@contoso')).toMatchObject({
      name: 'administrator',
      domain: 'domain',
      upn: 'administrator@contoso',
      sid: 'S-1-5-18',
      objectId: 'f7033626-2572-46b1-bba0-06646f4f95b3',
    });
    expect(entity(alert, 'host:vm1.contoso')).toMatchObject({
      hostname: 'vm1',
      fqdn: 'vm1.contoso',
      os: 'Windows 1.0',
      deviceId:
        '/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.Compute/virtualMachines/vm1',
    });
    expect(entity(alert, 'file:C:\\Windows\\System32\\cmd.exe')).toMatchObject({
      name: 'cmd.exe',
      hashes: [{ algorithm: 'sha256', value: '50D858E0985ECC7F60418AAF0CC5AB587F42C2570A884095A9E8CCACD0F6545C' }],
    });
    expect(entity(alert, 'hash:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c')).toMatchObject({
      algorithm: 'sha256',
    });
    expect(entity(alert, 'process:C:\\Windows\\System32\\cmd.exe')).toMatchObject({
      name: 'cmd.exe',
      commandLine: '"cmd"',
      pid: 0x2aa48,
    });
    expect(entity(alert, 'ip:10.3.2.8')).toMatchObject({ isInternal: true });
    expect(entity(alert, 'url:https://bing.com')).toBeDefined();
    expect(entity(alert, 'registry:HKEY_LOCAL_MACHINE\\SOFTWARE\\Name')).toMatchObject({
      key: 'HKEY_LOCAL_MACHINE\\SOFTWARE',
      valueName: 'Name',
      data: 'Data',
    });
    expect(entity(alert, 'mailbox:emailaddress1')).toMatchObject({ displayName: 'display name' });
    expect(entity(alert, 'user:upn1')).toMatchObject({ upn: 'upn1', objectId: '18cc8fdc-e169-4451-983a-bd027db286eb' });
    expect(
      entity(
        alert,
        'cloud-resource:/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.Compute/virtualMachines/vm1',
      ),
    ).toMatchObject({
      provider: 'azure',
      resourceType: 'Microsoft.Compute/virtualMachines',
    });
  });

  it('gives the same alert for the bare incident the REST API returns, alone or in a {"value": […]} list', () => {
    const [fromTrigger] = accept(incidentTrigger);
    const bare = incidentTrigger['object'];
    expect(accept(bare)).toEqual([fromTrigger]);
    const outcome = normalize(sentinelParser, { value: [bare, bare] }, ctx);
    expect(outcome.ok && outcome.drafts.map((d) => d.rawPointer)).toEqual(['/value/0', '/value/1']);
  });

  it('maps a SecurityIncident row (data export) to the same alert id as the trigger for that incident', () => {
    // The published incident laid out in the SecurityIncident table's columns, dynamic columns as JSON text.
    const exported = {
      Type: 'SecurityIncident',
      TenantId: 'c8c99641-985d-4e4e-8e91-fb3466cd0e5b',
      TimeGenerated: '2019-01-01T13:15:31Z',
      IncidentName: (incidentTrigger['object'] as Row)['name'],
      IncidentNumber: props['incidentNumber'],
      Title: props['title'],
      Description: props['description'],
      Severity: props['severity'],
      Status: props['status'],
      Classification: props['classification'],
      ProviderName: props['providerName'],
      CreatedTime: props['createdTimeUtc'],
      FirstActivityTime: props['firstActivityTimeUtc'],
      LastActivityTime: props['lastActivityTimeUtc'],
      IncidentUrl: props['incidentUrl'],
      AdditionalData: JSON.stringify(props['additionalData']),
      RelatedAnalyticRuleIds: JSON.stringify(props['relatedAnalyticRuleIds']),
      Labels: JSON.stringify([{ labelName: 'exported', labelType: 'User' }]),
    };
    const [fromTrigger] = accept(incidentTrigger);
    const outcome = normalize(sentinelParser, { records: [exported, rows[0]] }, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    const [incident, alert] = outcome.alerts;
    expect(incident).toMatchObject({
      alertId: fromTrigger?.alertId,
      title: 'My incident',
      severity: 'high',
      status: 'resolved',
      detectedAt: '2019-01-01T13:15:30.000Z',
      labels: ['exported'],
      attack: [{ tactic: 'InitialAccess' }, { tactic: 'Persistence' }],
      source: { vendorAlertId: incidentId, url: props['incidentUrl'] },
    });
    expect(alert?.source.vendorAlertId).toBe(rows[0]?.['SystemAlertId']);
  });

  it('takes labels from the incident labels and status Active as in progress', () => {
    const labelled = {
      ...incidentTrigger,
      object: {
        ...(incidentTrigger['object'] as Row),
        properties: { ...props, status: 'Active', labels: [{ labelName: 'phishing', labelType: 'User' }] },
      },
    };
    const [alert] = accept(labelled);
    expect(alert).toMatchObject({ labels: ['phishing'], status: 'in_progress' });
  });
});

describe('sentinel parser: refusals', () => {
  it('refuses a body of the wrong shape at (root), naming the shapes accepted', () => {
    for (const body of [42, 'text', null, {}, { hello: 'world' }]) {
      const errors = refuse(body);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ index: 0, path: '(root)' });
      expect(errors[0]?.message).toContain('SecurityAlert');
      expect(errors[0]?.message).toContain('incident');
    }
  });

  it('refuses an incident without a title, with an unknown severity or an unreadable time, field by field', () => {
    const object = incidentTrigger['object'] as Row;
    const props = { ...(object['properties'] as Row), title: undefined, severity: 'Urgent', createdTimeUtc: 'soon' };
    const errors = refuse({ ...incidentTrigger, object: { ...object, properties: props } });
    expect(errors.map((e) => e.path)).toEqual([
      'object.properties.title',
      'object.properties.severity',
      'object.properties.createdTimeUtc',
    ]);
    expect(errors[1]?.message).toContain('Informational, Low, Medium, High');
    expect(refuse({ ...incidentTrigger, objectSchemaType: 'Alert' })[0]).toMatchObject({ path: 'objectSchemaType' });
    expect(refuse({ ...incidentTrigger, object: { id: object['id'] } })[0]).toMatchObject({
      path: 'object.properties',
    });
  });

  it('refuses a SecurityAlert row with its faults and points at the record in the batch', () => {
    const good = rows[0];
    const bad = {
      ...rows[1],
      Severity: 'Severe',
      SystemAlertId: undefined,
      Entities: '[{"$id": "1",',
      TimeGenerated: 'yesterday',
    };
    const errors = refuse([good, bad, 7, { Type: 'SigninLogs', TimeGenerated: '2024-01-01T00:00:00Z' }]);
    expect(errors.filter((e) => e.index === 1).map((e) => e.path)).toEqual([
      'SystemAlertId',
      'Severity',
      'TimeGenerated',
      'Entities',
    ]);
    expect(errors.find((e) => e.index === 2)).toMatchObject({ path: '(root)' });
    expect(errors.find((e) => e.index === 3)).toMatchObject({ path: 'Type' });
    expect(errors.some((e) => e.index === 0)).toBe(false);
  });

  it('refuses an empty batch', () => {
    expect(refuse([])[0]).toMatchObject({ path: '(root)' });
    expect(refuse({ records: [] })[0]).toMatchObject({ path: '(root)' });
  });
});
