import type { Alert } from '@soc/contracts';
import type { AttackCatalog, AttackConfidence, AttackTactic, AttackTechnique } from './catalog.ts';
import { findTechniqueIds } from './phrase-matcher.ts';

/** Where a mapping came from: the source's own ATT&CK fields, the detection rule, or the alert's text. */
export type AttackBasis = 'source' | 'rule' | 'text';

/** One technique in one tactic, with how sure the mapper is and why. */
export interface AttackMapping {
  /** Tactic display name, e.g. "Credential Access". */
  tactic: string;
  techniqueId: string;
  techniqueName: string;
  /** The parent technique id of a sub-technique. */
  subTechniqueOf?: string;
  confidence: AttackConfidence;
  basis: AttackBasis;
  /** Why, in words: which field named which phrase or id. Never quotes alert text beyond the matched table phrase. */
  evidence: string;
  /** Set when the source gave a technique ATT&CK has deprecated without a replacement. */
  deprecated?: true;
}

/** The parts of an alert the mapper reads; a full `Alert` fits. */
export type AttackMappable = Pick<Alert, 'title'> &
  Partial<Pick<Alert, 'description' | 'rule' | 'attack' | 'labels' | 'entities'>>;

/** Limits on how much attacker-controlled text is scanned. */
export interface MapAttackOptions {
  /** Characters scanned per field (default 32 KiB). */
  maxFieldChars?: number;
  /** Characters scanned over all fields of one alert (default 128 KiB). */
  maxTotalChars?: number;
  /** Mappings returned at most (default 64, the contract's limit). */
  maxMappings?: number;
}

const CONFIDENCE_RANK: Record<AttackConfidence, number> = { high: 0, medium: 1, low: 2 };
const BASIS_RANK: Record<AttackBasis, number> = { source: 0, rule: 1, text: 2 };

interface Field {
  basis: Exclude<AttackBasis, 'source'>;
  label: string;
  text: string;
}

/**
 * Maps an alert to ATT&CK techniques from (1) the ATT&CK ids the source gives, (2) the detection rule's name, id and
 * the labels, (3) the title, description and process command lines. Pure and deterministic; linear in the
 * (capped) text. Tactics come from the catalog; a technique in several tactics gets the tactic the source names,
 * else the one the keyword table pins, else one mapping per tactic. A sub-technique also yields its parent.
 */
export function mapAttack(
  alert: AttackMappable,
  catalog: AttackCatalog,
  options: MapAttackOptions = {},
): AttackMapping[] {
  const maxField = options.maxFieldChars ?? 32 * 1024;
  let budget = options.maxTotalChars ?? 128 * 1024;
  const out = new Map<string, AttackMapping>();

  // Tactics the source names, alone or beside a technique, and tactic-like labels (`attack.credential_access`).
  const sourceTactics = new Set<AttackTactic>();
  for (const ref of alert.attack ?? []) {
    const t = ref.tactic === undefined ? undefined : catalog.tactic(ref.tactic);
    if (t) sourceTactics.add(t);
  }
  for (const label of alert.labels ?? []) {
    const t = catalog.tactic(label.replace(/^attack[._:-]/i, ''));
    if (t) sourceTactics.add(t);
  }

  const tacticsFor = (
    tech: { tactics: readonly AttackTactic[] },
    own?: AttackTactic,
    pinned?: AttackTactic,
  ): AttackTactic[] => {
    if (own && tech.tactics.includes(own)) return [own];
    const named = tech.tactics.filter((t) => sourceTactics.has(t));
    if (named.length > 0) return named;
    if (pinned && tech.tactics.includes(pinned)) return [pinned];
    return [...tech.tactics];
  };

  const add = (m: AttackMapping): void => {
    const key = `${m.techniqueId}|${m.tactic}`;
    const prev = out.get(key);
    if (!prev || rank(m) < rank(prev)) out.set(key, m);
  };

  const emit = (
    tech: AttackTechnique,
    basis: AttackBasis,
    confidence: AttackConfidence,
    evidence: string,
    tactics: { own?: AttackTactic; pinned?: AttackTactic } = {},
  ): void => {
    for (const tactic of tacticsFor(tech, tactics.own, tactics.pinned)) {
      add({ tactic: tactic.name, ...identity(tech), confidence, basis, evidence });
    }
    const parent = tech.parentId === undefined ? undefined : catalog.technique(tech.parentId);
    if (parent) {
      for (const tactic of tacticsFor(parent, tactics.own, tactics.pinned)) {
        add({
          tactic: tactic.name,
          ...identity(parent),
          confidence,
          basis,
          evidence: `parent of ${tech.id}; ${evidence}`,
        });
      }
    }
  };

  // (1) The source's own ATT&CK references.
  for (const ref of alert.attack ?? []) {
    if (ref.techniqueId === undefined) continue;
    const own = ref.tactic === undefined ? undefined : catalog.tactic(ref.tactic);
    const tactics = own ? { own } : {};
    const current = catalog.technique(ref.techniqueId);
    if (current) {
      emit(current, 'source', 'high', `the source names ${current.id}`, tactics);
      continue;
    }
    const retired = catalog.retired(ref.techniqueId);
    if (retired?.replacedBy) {
      emit(
        retired.replacedBy,
        'source',
        'medium',
        `the source names ${retired.id} (${retired.name}), revoked in ATT&CK and replaced by ${retired.replacedBy.id}`,
        tactics,
      );
    } else if (retired) {
      for (const tactic of tacticsFor(retired, own)) {
        add({
          tactic: tactic.name,
          techniqueId: retired.id,
          techniqueName: retired.name,
          confidence: 'low',
          basis: 'source',
          evidence: `the source names ${retired.id} (${retired.name}), deprecated in ATT&CK without a replacement`,
          deprecated: true,
        });
      }
    }
    // Unknown ids (other matrices, typos) are dropped.
  }

  // (2) and (3): the rule, labels, title, description and command lines, in that order of trust.
  const fields: Field[] = [];
  if (alert.rule?.name) fields.push({ basis: 'rule', label: 'rule name', text: alert.rule.name });
  if (alert.rule?.id) fields.push({ basis: 'rule', label: 'rule id', text: alert.rule.id });
  for (const label of alert.labels ?? []) fields.push({ basis: 'rule', label: 'label', text: label });
  fields.push({ basis: 'text', label: 'title', text: alert.title });
  if (alert.description) fields.push({ basis: 'text', label: 'description', text: alert.description });
  for (const e of alert.entities ?? []) {
    if (e.type === 'process' && e.commandLine)
      fields.push({ basis: 'text', label: 'process command line', text: e.commandLine });
  }

  for (const field of fields) {
    if (budget <= 0) break;
    const text = field.text.slice(0, Math.min(maxField, budget));
    budget -= text.length;

    for (const id of findTechniqueIds(text)) {
      const current = catalog.technique(id);
      const tech = current ?? catalog.retired(id)?.replacedBy;
      if (!tech) continue;
      const via = current ? '' : ` (revoked ${id})`;
      emit(tech, field.basis, field.basis === 'rule' ? 'high' : 'medium', `${field.label} cites ${id}${via}`);
    }

    const found = catalog.matcher.find(text);
    if (found.size === 0) continue;
    const byKeyword = new Set<string>();
    for (const rule of catalog.keywordRules) {
      const hit = rule.match.find((p) => found.has(p));
      if (hit === undefined) continue;
      const also = rule.requires?.find((p) => found.has(p));
      if (rule.requires && also === undefined) continue;
      if (rule.unless?.some((p) => found.has(p))) continue;
      const evidence = `${field.label} mentions "${catalog.phrases[hit]}"${also === undefined ? '' : ` with "${catalog.phrases[also]}"`}`;
      for (const tech of rule.techniques) {
        emit(tech, field.basis, rule.confidence, evidence, rule.tactic ? { pinned: rule.tactic } : {});
        byKeyword.add(tech.id);
      }
    }
    // A technique the keyword table already placed (with its pinned tactic) is not re-added by its bare name.
    for (const p of found) {
      const tech = catalog.namePhrases.get(p);
      if (tech && !byKeyword.has(tech.id))
        emit(tech, field.basis, 'medium', `${field.label} names the technique "${catalog.phrases[p]}"`);
    }
  }

  const tacticOrder = new Map(catalog.tactics.map((t, i) => [t.name, i]));
  const byTactic = (m: AttackMapping): number => tacticOrder.get(m.tactic) ?? tacticOrder.size;
  return [...out.values()]
    .sort((a, b) => rank(a) - rank(b) || compareIds(a.techniqueId, b.techniqueId) || byTactic(a) - byTactic(b))
    .slice(0, options.maxMappings ?? 64);
}

const identity = (t: AttackTechnique): Pick<AttackMapping, 'techniqueId' | 'techniqueName' | 'subTechniqueOf'> => ({
  techniqueId: t.id,
  techniqueName: t.name,
  ...(t.parentId ? { subTechniqueOf: t.parentId } : {}),
});

const rank = (m: AttackMapping): number => BASIS_RANK[m.basis] * 3 + CONFIDENCE_RANK[m.confidence];

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A numeric confidence for the contract's `AttackMapping.confidence` (0–1). */
export const ATTACK_CONFIDENCE_SCORE: Readonly<Record<AttackConfidence, number>> = { high: 0.9, medium: 0.6, low: 0.3 };
