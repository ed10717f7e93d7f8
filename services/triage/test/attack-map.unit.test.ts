import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AttackMappable, type AttackMapping, loadAttackCatalog, mapAttack } from '../src/attack/index.ts';

const catalog = loadAttackCatalog();
const brief = (ms: AttackMapping[]): string[] =>
  ms.map((m) => `${m.techniqueId}|${m.tactic}|${m.confidence}|${m.basis}`);

interface GenericRow {
  id: string;
  title: string;
  description?: string;
  rule?: { id?: string; name?: string };
  entities?: Array<{ type: string; value: string; commandLine?: string }>;
}

// The 95 real Sentinel SecurityAlert rows (msticpy sample) in the generic alert format.
const rows = new Map(
  readFileSync(new URL('../../../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GenericRow)
    .map((r) => [r.id, r]),
);

/** The fields the mapper reads, as the generic source normalises them. */
function realAlert(id: string): AttackMappable {
  const r = rows.get(id);
  if (!r) throw new Error(`fixture row ${id} missing`);
  return {
    title: r.title,
    description: r.description ?? '',
    ...(r.rule ? { rule: r.rule } : {}),
    entities: (r.entities ?? [])
      .filter((e) => e.type === 'process')
      .map((e) => ({
        id: `process:${e.value}`,
        type: 'process' as const,
        value: e.value,
        origin: 'source' as const,
        ...(e.commandLine ? { commandLine: e.commandLine } : {}),
      })),
  };
}

describe('mapAttack: what the source gives', () => {
  it('keeps a known sub-technique with the tactic the source names, and implies its parent', () => {
    const ms = mapAttack({ title: 'alert', attack: [{ techniqueId: 'T1059.001', tactic: 'Execution' }] }, catalog);
    expect(ms).toEqual([
      {
        tactic: 'Execution',
        techniqueId: 'T1059',
        techniqueName: 'Command and Scripting Interpreter',
        confidence: 'high',
        basis: 'source',
        evidence: 'parent of T1059.001; the source names T1059.001',
      },
      {
        tactic: 'Execution',
        techniqueId: 'T1059.001',
        techniqueName: 'PowerShell',
        subTechniqueOf: 'T1059',
        confidence: 'high',
        basis: 'source',
        evidence: 'the source names T1059.001',
      },
    ]);
  });

  it('drops ids the Enterprise catalog does not know (ICS ids, typos)', () => {
    expect(
      mapAttack({ title: 'alert', attack: [{ techniqueId: 'T0858' }, { techniqueId: 'T9999.001' }] }, catalog),
    ).toEqual([]);
  });

  it('maps a revoked id to its replacement at medium confidence and flags a deprecated one', () => {
    const ms = mapAttack({ title: 'alert', attack: [{ techniqueId: 'T1086' }, { techniqueId: 'T1043' }] }, catalog);
    expect(brief(ms)).toEqual([
      'T1059|Execution|medium|source',
      'T1059.001|Execution|medium|source',
      'T1043|Command and Control|low|source',
    ]);
    expect(ms[2]).toMatchObject({ techniqueName: 'Commonly Used Port', deprecated: true });
    expect(ms[1]?.evidence).toBe('the source names T1086 (PowerShell), revoked in ATT&CK and replaced by T1059.001');
  });

  it('lists each tactic of a multi-tactic technique unless the source names one', () => {
    expect(brief(mapAttack({ title: 'alert', attack: [{ techniqueId: 'T1078' }] }, catalog))).toEqual([
      'T1078|Initial Access|high|source',
      'T1078|Persistence|high|source',
      'T1078|Privilege Escalation|high|source',
      'T1078|Defense Evasion|high|source',
    ]);
    expect(
      brief(mapAttack({ title: 'alert', attack: [{ techniqueId: 'T1078' }, { tactic: 'InitialAccess' }] }, catalog)),
    ).toEqual(['T1078|Initial Access|high|source']);
  });

  it('prefers a tactic the source names over the one the keyword table pins', () => {
    expect(brief(mapAttack({ title: 'Scheduled task created' }, catalog))).toEqual([
      'T1053|Persistence|medium|text',
      'T1053.005|Persistence|medium|text',
    ]);
    expect(brief(mapAttack({ title: 'Scheduled task created', attack: [{ tactic: 'Execution' }] }, catalog))).toEqual([
      'T1053|Execution|medium|text',
      'T1053.005|Execution|medium|text',
    ]);
  });

  it('reads ids and tactics from Sigma-style labels as the rule basis', () => {
    expect(
      brief(mapAttack({ title: 'alert', labels: ['attack.t1021.002', 'attack.lateral_movement'] }, catalog)),
    ).toEqual(['T1021|Lateral Movement|high|rule', 'T1021.002|Lateral Movement|high|rule']);
  });

  it('keeps the strongest basis when the source, the rule and the text agree', () => {
    const ms = mapAttack(
      { title: 'mimikatz run', rule: { name: 'Mimikatz' }, attack: [{ techniqueId: 'T1003.001' }] },
      catalog,
    );
    expect(brief(ms)).toEqual(['T1003|Credential Access|high|source', 'T1003.001|Credential Access|high|source']);
  });
});

describe('mapAttack: real Sentinel alerts (msticpy SecurityAlert sample)', () => {
  it('Mimikatz named in the description → LSASS Memory', () => {
    const ms = mapAttack(realAlert('a32adc3f-43f7-4e5d-b833-98baa71c2f51'), catalog);
    expect(brief(ms)).toEqual(['T1003|Credential Access|high|text', 'T1003.001|Credential Access|high|text']);
    expect(ms[1]?.evidence).toBe('description mentions "mimikatz"');
  });

  it('certutil -urlcache download → Ingress Tool Transfer; the description’s "decode" → Deobfuscate/Decode', () => {
    const ms = mapAttack(realAlert('2518547714805546049_03e7bf17-8f77-42ca-8ac1-af8258f4d1ca'), catalog);
    expect(brief(ms)).toEqual(['T1105|Command and Control|high|rule', 'T1140|Defense Evasion|high|text']);
    expect(ms[0]?.evidence).toBe('rule name mentions "certutil" with "download"');
  });

  it('vssadmin delete shadows → Inhibit System Recovery (and the ransomware the description names)', () => {
    expect(brief(mapAttack(realAlert('2518547570836431794_b9d79b27-d725-4a87-b7ec-6fc9ec591e8c'), catalog))).toEqual([
      'T1486|Impact|high|text',
      'T1490|Impact|high|text',
    ]);
  });

  it('regsvr32 scrobj.dll AppLocker bypass → Regsvr32 from the command line', () => {
    const ms = mapAttack(realAlert('2518547570924760670_9868ed7d-397e-4aa4-8dbd-5a1c5f736c1e'), catalog);
    expect(brief(ms)).toEqual(['T1218|Defense Evasion|high|text', 'T1218.010|Defense Evasion|high|text']);
    expect(ms[1]?.evidence).toBe('process command line mentions "regsvr32"');
  });

  it('net user … /add → Create Account: Local Account, plus the look-alike name the description points out', () => {
    expect(brief(mapAttack(realAlert('2518547714966107270_3c380601-b5ad-4fff-9cdb-24528a3a19fd'), catalog))).toEqual([
      'T1136|Persistence|medium|rule',
      'T1136.001|Persistence|high|text',
      'T1036|Defense Evasion|medium|text',
    ]);
  });

  it('RDP brute force → Brute Force and Remote Desktop Protocol', () => {
    expect(brief(mapAttack(realAlert('3b2b5ecc-ec29-4703-9450-29b29b937fd8'), catalog))).toEqual([
      'T1021|Lateral Movement|medium|rule',
      'T1021.001|Lateral Movement|medium|rule',
      'T1110|Credential Access|medium|rule',
    ]);
  });

  it('obfuscated PowerShell download cradle → Obfuscation, PowerShell, Ingress Tool Transfer', () => {
    expect(brief(mapAttack(realAlert('2518547714871530079_77211491-86de-4295-82bc-38e332fe1112'), catalog))).toEqual([
      'T1027|Defense Evasion|medium|rule',
      'T1059|Execution|medium|text',
      'T1059.001|Execution|medium|text',
      'T1105|Command and Control|medium|text',
    ]);
  });

  it('domain trust creation → Trust Modification, pinned to Defense Evasion', () => {
    expect(brief(mapAttack(realAlert('401f2680-cc05-4e6f-a1f6-69cff2055cd9'), catalog))).toEqual([
      'T1484|Defense Evasion|medium|rule',
      'T1484.002|Defense Evasion|medium|rule',
    ]);
  });

  it('currency mining → Compute Hijacking', () => {
    expect(brief(mapAttack(realAlert('2518547282892925953_35c8d588-ddf7-46b5-a0bf-f47023f9343c'), catalog))).toEqual([
      'T1496|Impact|high|rule',
      'T1496.001|Impact|high|rule',
    ]);
  });

  it('maps nothing when the alert names no tool or behaviour it knows', () => {
    expect(mapAttack(realAlert('2518547714880519889_9d6d471a-c94f-4706-b0ff-b2f0301495aa'), catalog)).toEqual([]);
    expect(mapAttack(realAlert('b5786d68-7f5e-4be1-92e6-e255010d1d8c'), catalog)).toEqual([]);
  });

  it('returns at most 64 mappings, each naming a catalog technique', () => {
    for (const id of rows.keys()) {
      const ms = mapAttack(realAlert(id), catalog);
      expect(ms.length).toBeLessThanOrEqual(64);
      for (const m of ms) expect(catalog.technique(m.techniqueId)?.name).toBe(m.techniqueName);
    }
  });
});
