import { readFileSync } from 'node:fs';
import type { EntityType } from '@soc/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPlaybookIndex,
  loadPlaybooks,
  type PlaybookIndex,
  type PlaybookSearchResult,
  type TechniqueDocument,
} from '../src/playbooks/index.ts';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8');

// Real data, see test/fixtures/README.md and test/fixtures/playbooks/README.md.
const techniques = JSON.parse(fixture('playbooks/attack-techniques.json')) as TechniqueDocument[];
interface SentinelRule {
  id: string;
  name: string;
  tactics: string[];
  techniques: string[];
}
const rules = fixture('playbooks/sentinel-rules.jsonl')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as SentinelRule);
interface GenericAlert {
  title: string;
  description: string;
  entities: { type: EntityType }[];
}
const alerts = fixture('generic-alerts.jsonl')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as GenericAlert);

const playbooks = loadPlaybooks();
const idOf = (match: PlaybookSearchResult | undefined): string | undefined =>
  match === undefined ? undefined : match.kind === 'playbook' ? match.playbookId : match.techniqueId;
const rule = (idPrefix: string): SentinelRule => {
  const found = rules.find((r) => r.id.startsWith(idPrefix));
  if (!found) throw new Error(`fixture rule ${idPrefix} missing`);
  return found;
};
const alert = (title: string): GenericAlert => {
  const found = alerts.find((a) => a.title === title);
  if (!found) throw new Error(`fixture alert "${title}" missing`);
  return found;
};
const alertQuery = (a: GenericAlert) => ({
  text: `${a.title}\n${a.description}`,
  entityTypes: a.entities.map((e) => e.type),
});

let index: PlaybookIndex;
beforeAll(() => {
  index = createPlaybookIndex(playbooks);
  index.addTechniques(techniques);
});

describe('findPlaybooks', () => {
  it('puts phishing first for a phishing-link alert with a URL and a mailbox', () => {
    const cisco = rule('2e5158e1'); // "Cisco SEG - Potential phishing link", T1566
    const [first, ...rest] = index.findPlaybooks(
      {
        text: cisco.name,
        techniques: cisco.techniques,
        tactics: cisco.tactics,
        entityTypes: ['url', 'mailbox', 'user'],
      },
      3,
    );
    expect(first?.kind).toBe('playbook');
    expect(idOf(first)).toBe('phishing');
    expect(first?.matchedOn).toEqual(
      expect.arrayContaining([
        'technique:T1566',
        'tactic:initial-access',
        'keyword:phish',
        'entity:url',
        'entity:mailbox',
      ]),
    );
    // Its steps are the playbook's investigation steps, in order.
    expect(first?.steps).toEqual(playbooks.find((p) => p.id === 'phishing')?.steps);
    expect(first?.steps[0]).toMatch(/^Scope the campaign in EmailEvents/);
    // What follows are the ATT&CK phishing techniques, not another playbook.
    expect(rest.map(idOf)).toEqual(['T1566', 'T1566.002']);
  });

  it('routes a 4625 failed-logon storm and the real "Successful RDP brute force attack" alert to brute force', () => {
    const storm = index.findPlaybooks({
      text: 'Storm of SecurityEvent 4625 failed logons against many accounts',
      entityTypes: ['ip', 'host'],
    });
    expect(idOf(storm[0])).toBe('brute-force');
    expect(storm[0]?.matchedOn).toContain('keyword:4625');

    const [first] = index.findPlaybooks(alertQuery(alert('Successful RDP brute force attack')), 1);
    expect(idOf(first)).toBe('brute-force');
    expect(first?.matchedOn).toEqual(
      expect.arrayContaining(['keyword:brute', 'keyword:force', 'keyword:rdp', 'entity:host']),
    );
  });

  it('routes T1078 with "impossible travel" to suspicious sign-in', () => {
    const [first, second] = index.findPlaybooks(
      { techniques: ['T1078'], text: 'Impossible travel activity', entityTypes: ['user', 'ip'] },
      2,
    );
    expect(idOf(first)).toBe('suspicious-sign-in');
    expect(first?.matchedOn).toEqual(
      expect.arrayContaining(['technique:T1078', 'keyword:impossible', 'keyword:travel']),
    );
    // privilege-escalation also lists T1078 sub-techniques but is far behind, below the noise cut-off.
    expect(second?.kind).toBe('technique');
  });

  it.each([['T1048'], ['T1567'], ['T1567.002'], ['T1048.003']])('routes %s alone to data exfiltration', (technique) => {
    const [first] = index.findPlaybooks({ techniques: [technique] }, 1);
    expect(idOf(first)).toBe('data-exfiltration');
    expect(first?.matchedOn).toContain(`technique:${technique.slice(0, 5)}`);
  });

  it('routes mimikatz / LSASS dumping to the malware-endpoint playbook (the host is what gets contained)', () => {
    const [first] = index.findPlaybooks({ text: 'mimikatz sekurlsa::logonpasswords read lsass memory' }, 1);
    expect(idOf(first)).toBe('malware-endpoint');
    expect(first?.matchedOn).toEqual(expect.arrayContaining(['keyword:mimikatz', 'keyword:lsass']));

    const dumping = rule('a7b9df32'); // "Dumping LSASS Process Into a File", T1003.001
    const ranked = index.findPlaybooks(
      { text: dumping.name, techniques: dumping.techniques, tactics: dumping.tactics },
      2,
    );
    expect(ranked.map(idOf)).toEqual(['malware-endpoint', 'T1003.001']);

    expect(idOf(index.findPlaybooks(alertQuery(alert('Possible credential dumping detected')), 1)[0])).toBe(
      'malware-endpoint',
    );
  });

  // Real Sentinel analytic rules (Azure-Sentinel, Aug 2022): name, tactics and techniques as the rule declares them.
  it.each([
    ['2e5158e1', 'phishing'],
    ['9e7b3811', 'phishing'],
    ['f6a51e2c', 'phishing'],
    ['6a2e2ff4', 'brute-force'],
    ['e00f72ab', 'brute-force'],
    ['28b42356', 'brute-force'],
    ['e1ce0eab', 'brute-force'],
    ['a3df4a32', 'suspicious-sign-in'],
    ['3617d76d', 'suspicious-sign-in'],
    ['55073036', 'suspicious-sign-in'],
    ['a22740ec', 'suspicious-sign-in'],
    ['f7b6ddef', 'data-exfiltration'],
    ['bda5a2bd', 'data-exfiltration'],
    ['6267ce44', 'data-exfiltration'],
    ['eda260eb', 'data-exfiltration'],
    ['a7b9df32', 'malware-endpoint'],
    ['269435e3', 'privilege-escalation'],
    ['aa1eff90', 'privilege-escalation'],
    ['f80d951a', 'privilege-escalation'],
  ])('Sentinel rule %s → %s', (idPrefix, expected) => {
    const r = rule(idPrefix);
    const [first] = index.findPlaybooks({ text: r.name, techniques: r.techniques, tactics: r.tactics }, 1);
    expect({ rule: r.name, playbook: idOf(first) }).toEqual({ rule: r.name, playbook: expected });
  });

  // Real Azure Security Center / Sentinel alerts from test/fixtures/generic-alerts.jsonl: title, description, entities.
  it.each([
    ['Suspicious Account Creation Detected', 'privilege-escalation'],
    ['DC local group addition - Demo', 'privilege-escalation'],
    ['Global domain trust creation - Demo', 'privilege-escalation'],
    ['Ransomware indicators detected', 'malware-endpoint'],
    ['Detected Petya ransomware indicators', 'malware-endpoint'],
    ['Suspicious Volume Shadow Copy Activity', 'malware-endpoint'],
    ['Detected obfuscated command line.', 'malware-endpoint'],
    ['Suspicious download using Certutil detected', 'malware-endpoint'],
    ['Network communication with a malicious machine detected', 'malware-endpoint'],
    ['Digital currency mining related behavior detected', 'malware-endpoint'],
    ['Suspicious Powershell Activity Detected', 'malware-endpoint'],
  ])('alert "%s" → %s', (title, expected) => {
    expect(idOf(index.findPlaybooks(alertQuery(alert(title)), 1)[0])).toBe(expected);
  });

  it('falls back to ATT&CK techniques when no playbook fits', () => {
    const ranked = index.findPlaybooks({ text: 'Kerberoasting', tactics: [] }, 3);
    expect(ranked.every((m) => m.kind === 'technique')).toBe(true);
    expect(idOf(ranked[0])).toBe('T1558.003');
    expect(ranked[0]?.title).toBe('Kerberoasting');
    expect(ranked[0]?.matchedOn).toContain('title:kerberoast');
    // The procedure text, without ATT&CK's citation markers.
    expect(ranked[0]?.steps[0]).toMatch(/^Adversaries may abuse a valid Kerberos ticket-granting ticket/);
    expect(ranked[0]?.steps[0]).not.toContain('(Citation:');

    // Without technique documents there is nothing to say.
    expect(createPlaybookIndex(playbooks).findPlaybooks({ text: 'Kerberoasting' })).toEqual([]);
  });

  it('normalises tactic spellings and ignores malformed technique ids', () => {
    const [first] = index.findPlaybooks(
      { tactics: ['CredentialAccess'], techniques: ['t1110.003', 'T99', 'T1110.0034'] },
      1,
    );
    expect(idOf(first)).toBe('brute-force');
    expect(first?.matchedOn).toEqual(['tactic:credential-access', 'technique:T1110', 'technique:T1110.003']);
    expect(idOf(index.findPlaybooks({ tactics: ['Exfiltration'] }, 1)[0])).toBe('data-exfiltration');
  });

  it('reads technique ids written in the text', () => {
    expect(idOf(index.findPlaybooks({ text: 'Rule mapped to T1621' }, 1)[0])).toBe('suspicious-sign-in');
  });

  it('returns nothing for an entity type alone, an empty query or a non-positive limit', () => {
    expect(index.findPlaybooks({ entityTypes: ['host', 'user'] })).toEqual([]);
    expect(index.findPlaybooks({})).toEqual([]);
    expect(index.findPlaybooks({ text: 'the of and' })).toEqual([]);
    expect(index.findPlaybooks({ text: 'phishing' }, 0)).toEqual([]);
  });

  it('orders equal scores by id and answers the same way every time', () => {
    const phishing = playbooks.find((p) => p.id === 'phishing');
    if (!phishing) throw new Error('phishing playbook missing');
    const twins = createPlaybookIndex([
      { ...phishing, id: 'phishing-b', file: 'phishing-b.md' },
      { ...phishing, id: 'phishing-a', file: 'phishing-a.md' },
    ]);
    const ranked = twins.findPlaybooks({ text: 'phishing link', techniques: ['T1566.002'] });
    expect(ranked.map(idOf)).toEqual(['phishing-a', 'phishing-b']);
    expect(ranked[0]?.score).toBe(ranked[1]?.score);
    expect(twins.findPlaybooks({ text: 'phishing link', techniques: ['T1566.002'] })).toEqual(ranked);
  });

  it('stays bounded and correct on hostile input', () => {
    const text = `Phishing link clicked ${'a'.repeat(500_000)} ${Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ')}`;
    const techniqueFlood = Array.from({ length: 100_000 }, (_, i) =>
      i === 0 ? 'T1566.002' : `T${'9'.repeat(i % 50)}`,
    );
    const [first] = index.findPlaybooks({ text, techniques: techniqueFlood }, 1);
    expect(idOf(first)).toBe('phishing');
  });
});

describe('addTechniques', () => {
  it('indexes every ATT&CK v18.1 technique once, and replaces on a second add', () => {
    const fresh = createPlaybookIndex(playbooks);
    fresh.addTechniques(techniques);
    fresh.addTechniques(techniques.slice(0, 10));
    expect(fresh.size).toEqual({ playbooks: 6, techniques: 691 });
  });

  it('rejects a technique that is not one', () => {
    const fresh = createPlaybookIndex(playbooks);
    const valid = techniques[0];
    if (!valid) throw new Error('fixture empty');
    expect(() => fresh.addTechniques([valid, { id: 'X1', name: 'nope', description: '' }])).toThrow(/id/);
    expect(fresh.size.techniques).toBe(0);
  });
});
