import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AttackCatalogFile,
  AttackKeywordsFile,
  AttackRevokedFile,
  DEFAULT_ATTACK_DATA_DIR,
  buildAttackCatalog,
  loadAttackCatalog,
  mapAttack,
} from '../src/attack/index.ts';
import { compilePhrases, findTechniqueIds, tokenize } from '../src/attack/phrase-matcher.ts';

const catalog = loadAttackCatalog();
const readData = (name: string): unknown => JSON.parse(readFileSync(new URL(name, DEFAULT_ATTACK_DATA_DIR), 'utf8'));
const data = () => ({
  catalog: AttackCatalogFile.parse(readData('catalog.json')),
  revoked: AttackRevokedFile.parse(readData('revoked.json')),
  keywords: AttackKeywordsFile.parse(readData('keywords.json')),
});

describe('bundled ATT&CK catalog', () => {
  it('holds ATT&CK v18.1 Enterprise: 691 techniques and sub-techniques in 14 tactics, with the MITRE notice', () => {
    const file = data().catalog;
    expect(catalog.attackVersion).toBe('18.1');
    expect(file.techniques).toHaveLength(691);
    expect(catalog.tactics.map((t) => t.id)).toEqual([
      'TA0043',
      'TA0042',
      'TA0001',
      'TA0002',
      'TA0003',
      'TA0004',
      'TA0005',
      'TA0006',
      'TA0007',
      'TA0008',
      'TA0009',
      'TA0011',
      'TA0010',
      'TA0040',
    ]);
    expect(file.notice).toContain('The MITRE Corporation');
  });

  it('knows a sub-technique, its parent and its tactics', () => {
    const t = catalog.technique('t1003.001');
    expect(t).toMatchObject({ id: 'T1003.001', name: 'LSASS Memory', parentId: 'T1003' });
    expect(t?.tactics.map((x) => x.name)).toEqual(['Credential Access']);
    expect(catalog.technique('T1078')?.tactics.map((x) => x.shortname)).toEqual([
      'initial-access',
      'persistence',
      'privilege-escalation',
      'defense-evasion',
    ]);
    expect(catalog.technique('T1086')).toBeUndefined();
  });

  it('resolves tactics written the ways sources write them', () => {
    for (const ref of ['CredentialAccess', 'credential-access', 'Credential Access', 'TA0006', 'credential_access']) {
      expect(catalog.tactic(ref)?.name).toBe('Credential Access');
    }
    expect(catalog.tactic('CommandandControl')?.id).toBe('TA0011');
    expect(catalog.tactic('Command and control')?.id).toBe('TA0011');
    expect(catalog.tactic('Ransomware')).toBeUndefined();
  });

  it('maps revoked ids to their replacement and keeps deprecated ones without', () => {
    expect(catalog.retired('T1086')?.replacedBy?.id).toBe('T1059.001');
    expect(catalog.retired('T1574.002')?.replacedBy?.id).toBe('T1574.001');
    expect(catalog.retired('T1094')?.replacedBy?.id).toBe('T1095');
    const port = catalog.retired('T1043');
    expect(port?.replacedBy).toBeUndefined();
    expect(port?.tactics.map((t) => t.name)).toEqual(['Command and Control']);
  });

  it('refuses a keyword table that names a technique the catalog does not have', () => {
    const d = data();
    d.keywords.keywords.push({ match: ['frobnicate'], techniques: ['T1999'], confidence: 'high' });
    expect(() => buildAttackCatalog(d)).toThrow(/unknown technique T1999 in keywords\[\d+\]/);
  });

  it('refuses a keyword that pins a tactic its technique is not in', () => {
    const d = data();
    d.keywords.keywords.push({
      match: ['frobnicate'],
      techniques: ['T1490'],
      tactic: 'persistence',
      confidence: 'high',
    });
    expect(() => buildAttackCatalog(d)).toThrow(/pins a tactic/);
  });

  it('refuses a revocation that points at an unknown technique', () => {
    const d = data();
    d.revoked.techniques['T1001.999'] = { name: 'Nope', replacedBy: 'T9999' };
    expect(() => buildAttackCatalog(d)).toThrow(/unknown technique T9999/);
  });
});

describe('phrase matching', () => {
  it('splits text into lower-case word tokens, ignoring "exe" and a plural s', () => {
    expect(tokenize('C:\\Windows\\System32\\certutil.exe -urlcache -split -f http://x/')).toEqual([
      'c',
      'window',
      'system32',
      'certutil',
      'urlcache',
      'split',
      'f',
      'http',
      'x',
    ]);
    expect(tokenize('Scheduled Tasks; lsass access')).toEqual(['scheduled', 'task', 'lsass', 'access']);
  });

  it('matches whole words only, case-insensitively', () => {
    const m = compilePhrases(['mimikatz', 'delete shadows', 'vssadmin']);
    expect([...m.find('C:\\Tools\\MIMIKATZ.exe')]).toEqual([0]);
    expect([...m.find('notmimikatz and mimikatzz')]).toEqual([]);
    expect([...m.find('vssadmin.exe Delete Shadows /all')].sort()).toEqual([1, 2]);
    expect([...m.find('delete  the shadows')]).toEqual([]);
  });

  it('finds technique ids written in text, not inside longer tokens', () => {
    expect(findTechniqueIds('see T1059.001, t1003 and attack.t1110.003; not XT1234, T12345 or T1059.0011')).toEqual([
      'T1059.001',
      'T1003',
      'T1110.003',
      'T1059',
    ]);
  });

  it('scans at most 32 KiB of a field: a tool named beyond it is not seen', () => {
    const filler = 'lorem ipsum '.repeat(3000); // 36,000 characters
    expect(mapAttack({ title: 'x', description: `mimikatz ${filler}` }, catalog).map((m) => m.techniqueId)).toEqual([
      'T1003',
      'T1003.001',
    ]);
    expect(mapAttack({ title: 'x', description: `${filler} mimikatz` }, catalog)).toEqual([]);
  });

  it('stops after the total budget across fields (200 command lines of 1,000 characters)', () => {
    const entities = Array.from({ length: 200 }, (_, i) => ({
      id: `process:${i}`,
      type: 'process' as const,
      value: `p${i}`,
      origin: 'source' as const,
      commandLine: `${'a '.repeat(500)}${i === 199 ? 'vssadmin delete shadows' : ''}`,
    }));
    expect(mapAttack({ title: 'x', entities }, catalog)).toEqual([]);
    expect(
      mapAttack({ title: 'x', entities }, catalog, { maxTotalChars: 1_000_000 }).map((m) => m.techniqueId),
    ).toEqual(['T1490']);
  });

  it('handles hostile repetition: a megabyte of id-like and phrase-prefix text yields only what is there', () => {
    const hostile = 'T1059.'.repeat(50_000) + 'lsass '.repeat(100_000);
    expect(findTechniqueIds(hostile)).toEqual(['T1059']);
    expect(
      mapAttack({ title: 'x', description: hostile }, catalog, {
        maxFieldChars: 2_000_000,
        maxTotalChars: 2_000_000,
      }).map((m) => `${m.techniqueId}|${m.tactic}`),
    ).toEqual(['T1059|Execution']);
  });
});
