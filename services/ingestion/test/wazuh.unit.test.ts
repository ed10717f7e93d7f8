import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { normalize } from '../src/sources/normalize.ts';
import { wazuhParser } from '../src/sources/wazuh/index.ts';
import { severityForLevel } from '../src/sources/wazuh/severity.ts';
import { unescapeEventData } from '../src/sources/wazuh/windows.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/wazuh/${name}`, import.meta.url), 'utf8')) as Json;
// Published alerts: Wazuh documentation (sshd, FIM who-data) and a Sysmon process-creation alert (see the fixtures README).
const sshd = fixture('sshd-invalid-user.json');
const sshd2018 = fixture('sshd-invalid-user-2018.json');
const syscheck = fixture('syscheck-whodata-modified.json');
const sysmon = fixture('sysmon-process-create.json');

const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function accept(body: unknown): { alerts: Alert[]; pointers: string[] } {
  const outcome = normalize(wazuhParser, body, ctx);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return { alerts: outcome.alerts, pointers: outcome.drafts.map((d) => d.rawPointer) };
}
const only = (body: unknown): Alert => {
  const { alerts } = accept(body);
  expect(alerts).toHaveLength(1);
  return alerts[0] as Alert;
};
const sourceIds = (a: Alert): string[] => a.entities.filter((e) => e.origin === 'source').map((e) => e.id);
const entity = (a: Alert, id: string) => a.entities.find((e) => e.id === id);

describe('wazuhParser: published alerts', () => {
  it('maps the sshd invalid-user alert: source address and user, agent host, level, ATT&CK, compliance labels', () => {
    const alert = only(sshd);
    expect(alert.source).toMatchObject({
      name: 'wazuh',
      product: 'Wazuh',
      vendor: 'Wazuh',
      vendorAlertId: 'wazuh/wazuh-manager-master-0:1571166477.30198',
    });
    expect(alert.title).toBe('sshd: Attempt to login using a non-existent user');
    expect(alert.description).toBe(
      'Oct 15 21:07:56 linux-agent sshd[29205]: Invalid user blimey from 18.18.18.18 port 48928',
    );
    expect(alert.severity).toBe('low');
    expect(alert.detectedAt).toBe('2019-10-15T19:07:57.741Z');
    expect(alert.rule).toEqual({ id: '5710', name: 'sshd: Attempt to login using a non-existent user' });
    expect(alert.attack).toEqual([
      { tactic: 'Credential Access' },
      { techniqueId: 'T1110', techniqueName: 'Brute Force' },
    ]);
    expect(sourceIds(alert)).toEqual(['host:linux-agent', 'ip:18.18.18.18', 'user:blimey']);
    expect(entity(alert, 'ip:18.18.18.18')).toMatchObject({ role: 'actor', isInternal: false });
    expect(entity(alert, 'user:blimey')).toMatchObject({ role: 'actor' });
    expect(entity(alert, 'host:linux-agent')?.role).toBeUndefined();
    expect(alert.labels).toEqual(
      expect.arrayContaining([
        'sshd',
        'authentication_failed',
        'pci_dss:10.2.4',
        'nist_800_53:AC.7',
        'tsc:CC6.1',
        'wazuh_agent:001',
      ]),
    );
  });

  it('maps the older (Wazuh 3.x) sshd alert without cluster or ATT&CK', () => {
    const alert = only(sshd2018);
    expect(alert.source.vendorAlertId).toBe('wazuh-server:1516814147.264745');
    expect(alert.detectedAt).toBe('2018-01-24T17:15:47.000Z');
    expect(alert.attack).toEqual([]);
    expect(sourceIds(alert)).toEqual(['host:linux-agent', 'ip:208.103.56.41', 'user:blimey']);
  });

  it('maps a Sysmon process creation: process with command line and parent, image digests, user, FQDN of the agent', () => {
    const alert = only(sysmon);
    expect(alert.source.vendorAlertId).toBe('tactical:1634973338.510123480');
    expect(alert.severity).toBe('medium');
    expect(alert.detectedAt).toBe('2021-10-23T07:15:38.119Z');
    expect(alert.attack).toEqual([
      { tactic: 'Defense Evasion' },
      { techniqueId: 'T1036', techniqueName: 'Masquerading' },
    ]);
    expect(alert.description.startsWith('Process Create:\r\nRuleName: technique_id=T1204')).toBe(true);
    expect(sourceIds(alert)).toEqual([
      'host:desktop-nclalbr',
      'ip:192.168.252.120',
      'process:C:\\Program Files\\Sublime Text\\sublime_text.exe',
      'process:C:\\Windows\\explorer.exe',
      'hash:ed96eead6232e2a1591ecd5b0b3544f98f5e3de1',
      'hash:4b9e87d1547a4fc9e47d6a6d8dc5e381',
      'hash:0479327e7136fa14f69d231d1b38cf654421073c8a0166bf6690a3d2c0b14ffa',
      'file:C:\\Program Files\\Sublime Text\\sublime_text.exe',
      'user:myorg\\jromero',
    ]);
    expect(entity(alert, 'host:desktop-nclalbr')).toMatchObject({
      hostname: 'DESKTOP-NCLALBR',
      fqdn: 'DESKTOP-NCLALBR.MYORG.ORG',
    });
    // eventdata is escaped twice in the alert; the entities carry the real path and command line.
    expect(entity(alert, 'process:C:\\Program Files\\Sublime Text\\sublime_text.exe')).toMatchObject({
      name: 'sublime_text.exe',
      commandLine: '"C:\\Program Files\\Sublime Text\\sublime_text.exe"',
      pid: 2356,
      parentName: 'explorer.exe',
    });
    expect(entity(alert, 'process:C:\\Windows\\explorer.exe')).toMatchObject({
      role: 'related',
      commandLine: 'C:\\Windows\\Explorer.EXE',
      pid: 12888,
    });
    expect(entity(alert, 'file:C:\\Program Files\\Sublime Text\\sublime_text.exe')).toMatchObject({
      hashes: [
        { algorithm: 'sha1', value: 'ed96eead6232e2a1591ecd5b0b3544f98f5e3de1' },
        { algorithm: 'md5', value: '4b9e87d1547a4fc9e47d6a6d8dc5e381' },
        { algorithm: 'sha256', value: '0479327e7136fa14f69d231d1b38cf654421073c8a0166bf6690a3d2c0b14ffa' },
      ],
    });
    expect(entity(alert, 'user:myorg\\jromero')).toMatchObject({ role: 'actor', domain: 'MYORG', name: 'jromero' });
  });

  it('maps a FIM who-data change: the file with its new digests, who changed it and with which process', () => {
    const alert = only(syscheck);
    expect(alert.source.vendorAlertId).toBe('vpc-wazuh-manager:1531224328.283446');
    expect(alert.title).toBe('Integrity checksum changed.');
    expect(alert.severity).toBe('medium');
    expect(alert.description).toBe('File /etc/hosts.allow modified\n10a11,12\n> 10.0.12.34');
    expect(sourceIds(alert)).toEqual([
      'host:vpc-agent-debian',
      'ip:10.0.0.121',
      'hash:acb2289fba96e77cee0a2c3889b49643',
      'hash:b87a0e558ca67073573861b26e3265fa0ab35d20',
      'hash:bfa1c0ec3ebfaac71378cb62101135577521eb200c64d6ee8650efe75160978c',
      'file:/etc/hosts.allow',
      'user:smith',
      'user:root',
      'process:/bin/nano',
    ]);
    expect(entity(alert, 'file:/etc/hosts.allow')).toMatchObject({
      name: 'hosts.allow',
      hashes: expect.arrayContaining([
        { algorithm: 'sha256', value: 'bfa1c0ec3ebfaac71378cb62101135577521eb200c64d6ee8650efe75160978c' },
      ]),
    });
    expect(entity(alert, 'process:/bin/nano')).toMatchObject({ role: 'actor', name: 'nano', pid: 82845 });
    expect(entity(alert, 'user:smith')).toMatchObject({ role: 'actor' });
  });
});

describe('wazuhParser: body shapes', () => {
  it('reads alerts.json text (one alert per line, blank lines skipped) with a pointer per line', () => {
    const lines = `${JSON.stringify(sshd)}\n\n${JSON.stringify(syscheck)}\n`;
    const { alerts, pointers } = accept(lines);
    expect(pointers).toEqual(['/lines/0', '/lines/2']);
    expect(alerts.map((a) => a.rule?.id)).toEqual(['5710', '550']);
  });

  it('reads arrays, indexer documents and search responses', () => {
    expect(accept([sshd, sysmon]).pointers).toEqual(['/0', '/1']);
    expect(accept({ _index: 'wazuh-alerts-4.x-2019.10.15', _source: sshd }).pointers).toEqual(['/_source']);
    const search = accept({ hits: { hits: [{ _source: sshd }, { _source: syscheck }] } });
    expect(search.pointers).toEqual(['/hits/hits/0/_source', '/hits/hits/1/_source']);
    expect(search.alerts[1]?.title).toBe('Integrity checksum changed.');
  });

  it('gives a re-sent alert the same id, and the same alert id from another manager another one', () => {
    expect(only(JSON.parse(JSON.stringify(sshd))).alertId).toBe(only(sshd).alertId);
    expect(only({ ...sshd, manager: { name: 'wazuh-manager-worker-1' } }).alertId).not.toBe(only(sshd).alertId);
  });
});

describe('Wazuh rule level to severity', () => {
  // Wazuh dashboard bands (critical ≥15, high 12–14, medium 7–11, low 0–6) with 0–3 as informational.
  it.each([
    [0, 'informational'],
    [3, 'informational'],
    [4, 'low'],
    [6, 'low'],
    [7, 'medium'],
    [11, 'medium'],
    [12, 'high'],
    [14, 'high'],
    [15, 'critical'],
    [16, 'critical'],
  ])('level %i is %s', (level, severity) => {
    expect(severityForLevel(level)).toBe(severity);
    expect(only({ ...sshd, rule: { ...(sshd.rule as Json), level } }).severity).toBe(severity);
  });
});

describe('Windows eventdata escaping', () => {
  it('unescapes values whose every backslash is paired and keeps plain ones', () => {
    expect(unescapeEventData('C:\\\\Windows\\\\explorer.exe')).toBe('C:\\Windows\\explorer.exe');
    expect(unescapeEventData('\\"C:\\\\dir\\\\\\" /x')).toBe('"C:\\dir\\" /x');
    expect(unescapeEventData('C:\\Windows\\explorer.exe')).toBe('C:\\Windows\\explorer.exe');
    expect(unescapeEventData('\\\\\\\\fs01\\\\share')).toBe('\\\\fs01\\share');
    expect(unescapeEventData('\\\\fs01\\share')).toBe('\\\\fs01\\share');
  });
});

describe('wazuhParser: refusals', () => {
  const errorsOf = (body: unknown) => {
    const parsed = wazuhParser.parse(body, { receivedAt: ctx.receivedAt });
    if (parsed.ok) throw new Error('accepted');
    return parsed.errors;
  };

  it.each([null, 42, {}, { hits: { total: 0 } }])('refuses %j at (root), naming the accepted shapes', (body) => {
    expect(errorsOf(body)).toEqual([
      expect.objectContaining({ index: 0, path: '(root)', message: expect.stringContaining('Wazuh alert') }),
    ]);
  });

  it('names each wrong field, and the record of a batch it belongs to', () => {
    expect(errorsOf({ rule: 'x' }).map((e) => e.path)).toEqual(['rule', 'id']);
    expect(errorsOf({ ...sshd, rule: { ...(sshd.rule as Json), level: 99 } }).map((e) => e.path)).toEqual([
      'rule.level',
    ]);
    expect(errorsOf({ ...sshd, timestamp: 'yesterday' }).map((e) => e.path)).toEqual(['timestamp']);
    expect(errorsOf([sshd, { ...sshd, id: undefined }])).toEqual([expect.objectContaining({ index: 1, path: 'id' })]);
    expect(errorsOf(`${JSON.stringify(sshd)}\n{not json`)).toEqual([
      expect.objectContaining({ index: 1, path: '(root)', message: expect.stringContaining('Line 2 is not JSON') }),
    ]);
    expect(errorsOf({ hits: { hits: [{ _source: sshd }, {}] } })).toEqual([
      expect.objectContaining({ path: 'hits.hits.1._source' }),
    ]);
  });

  it('never throws, whatever the body', () => {
    const alertish = fc.record({
      rule: fc.anything(),
      id: fc.anything(),
      timestamp: fc.anything(),
      agent: fc.anything(),
      data: fc.anything(),
      syscheck: fc.anything(),
    });
    fc.assert(
      fc.property(fc.oneof(fc.anything(), alertish, fc.string()), (body) => {
        expect(() => normalize(wazuhParser, body, ctx)).not.toThrow();
      }),
    );
  });
});
