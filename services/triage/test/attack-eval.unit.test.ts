import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AttackMapping, loadAttackCatalog, mapAttack } from '../src/attack/index.ts';

// Ground truth: the tactics and techniques Microsoft declared on 1,135 Sentinel analytic rules and hunting queries
// (Azure/Azure-Sentinel, Aug 2022). The mapper sees only each rule's name, as if it were an alert title (the corpus
// carries no descriptions). Scores are micro-averaged over rules, at the parent-technique level (T1110.003 counts as
// T1110, since most rules declare parents) and, stricter, on exact ids.
interface RuleRow {
  id: string;
  kind: 'analytic' | 'hunting';
  name: string;
  techniques: Array<string | null>;
}

const catalog = loadAttackCatalog();
const rules = readFileSync(new URL('../../../test/fixtures/attack/sentinel-rule-attack.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as RuleRow);

const parentOf = (id: string): string => id.slice(0, 5);
const CONF_RANK = { high: 0, medium: 1, low: 2 } as const;

interface Score {
  rules: number;
  covered: number;
  precision: number;
  recall: number;
}

function score(minConfidence: AttackMapping['confidence'], level: 'parent' | 'exact'): Score {
  const norm = level === 'parent' ? parentOf : (id: string) => id;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let n = 0;
  let covered = 0;
  for (const r of rules) {
    const truth = new Set<string>();
    for (const t of r.techniques) {
      const current = t === null ? undefined : (catalog.technique(t) ?? catalog.retired(t)?.replacedBy);
      if (current) truth.add(norm(current.id));
    }
    if (truth.size === 0) continue; // nothing declared, or only ICS / unknown ids
    n++;
    const predicted = new Set(
      mapAttack({ title: r.name }, catalog)
        .filter((m) => !m.deprecated && CONF_RANK[m.confidence] <= CONF_RANK[minConfidence])
        .map((m) => norm(m.techniqueId)),
    );
    if (predicted.size > 0) covered++;
    for (const p of predicted)
      if (truth.has(p)) tp++;
      else fp++;
    for (const t of truth) if (!predicted.has(t)) fn++;
  }
  return { rules: n, covered, precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

const fmt = (x: number): string => x.toFixed(3);
const all = score('low', 'parent');
const confident = score('medium', 'parent');
const exact = score('low', 'exact');

describe('ATT&CK mapping of 785 Sentinel rule names against their declared techniques', () => {
  it(`all confidences, parent level: precision ${fmt(all.precision)}, recall ${fmt(all.recall)} on ${all.covered} mapped rules`, () => {
    expect(all.rules).toBe(785);
    expect(all.precision).toBeGreaterThanOrEqual(0.55);
    expect(all.recall).toBeGreaterThanOrEqual(0.17);
  });

  it(`medium and high only, parent level: precision ${fmt(confident.precision)}, recall ${fmt(confident.recall)}`, () => {
    expect(confident.precision).toBeGreaterThanOrEqual(0.59);
    expect(confident.precision).toBeGreaterThan(all.precision);
    expect(confident.recall).toBeGreaterThanOrEqual(0.12);
  });

  it(`exact ids: precision ${fmt(exact.precision)}, recall ${fmt(exact.recall)}`, () => {
    expect(exact.precision).toBeGreaterThanOrEqual(0.35);
    expect(exact.recall).toBeGreaterThanOrEqual(0.14);
  });

  it('maps rules that name their behaviour to the declared technique', () => {
    const ids = (name: string): string[] => mapAttack({ title: name }, catalog).map((m) => m.techniqueId);
    expect(ids('Password Spraying')).toEqual(['T1110', 'T1110.003']);
    expect(ids('Rundll32 (LOLBins and LOLScripts, Normalized Process Events)')).toEqual(['T1218', 'T1218.011']);
    expect(ids('Remote Desktop Protocol - SharpRDP')).toEqual(['T1021', 'T1021.001']);
    expect(ids('SMB/Windows Admin Shares')).toEqual(['T1021', 'T1021.002']);
    expect(ids('Registry Persistence via AppInit DLLs Modification')).toEqual(['T1546', 'T1546.010']);
  });
});
