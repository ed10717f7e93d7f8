import { type Alert, type Enrichment, type Entity, type Fact, type RiskFactor, type Triage, type VerdictClass, clipText } from '@soc/contracts';
import { ATTACK_CONFIDENCE_SCORE, type AttackCatalog, type AttackMapping as MappedTechnique, loadAttackCatalog, mapAttack } from './attack/index.ts';
import { type PlaybookIndex, type PlaybookQuery, type PlaybookSearchResult, cachedPlaybookIndex, createPlaybookIndex, loadPlaybooks } from './playbooks/index.ts';
import { type BehaviourFinding, type BehaviourKind, STRONG_BEHAVIOURS, findBehaviours, withBehaviourAttack } from './behaviour.ts';
import { type SigmaFinding, bundledSigmaEngine, citeHit, fetchedByOf, findSigmaHits, hitTechniques, levelRank, withFetchedEvents, withSigmaAttack } from './sigma.ts';
import type { SigmaEngine } from '@soc/sigma';
import type { TriageWeights } from './weights.ts';

/** What the engine knows besides the alert: the ATT&CK catalog, the playbooks and the Sigma rules. Loaded once at start-up. */
export interface TriageKnowledge {
  attack: AttackCatalog;
  playbooks: PlaybookIndex;
  /** The compiled SigmaHQ corpus; without it no Sigma factor is scored. */
  sigma?: SigmaEngine;
}

/** The bundled ATT&CK data, playbooks and Sigma rules (compiled once per process); a malformed file stops start-up with its name. */
export function loadTriageKnowledge(): TriageKnowledge {
  return { attack: loadAttackCatalog(), playbooks: cachedPlaybookIndex(createPlaybookIndex(loadPlaybooks())), sigma: bundledSigmaEngine() };
}

/** Name and version of this engine, recorded on every verdict so a score can be traced to its rules. */
export const ENGINE_VERSION = '1.9.0';

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

/**
 * Whether a fact is about an entity the source product named. Extracted entities come from free text the attacker
 * may have written (`ping 10.0.9.1` in a description), so a fact about one may raise suspicion (a threat-intel hit)
 * but never lower the score or move the verdict toward benign: no allowlist hit, low criticality, low user risk or
 * analyst history of such an entity counts against the alert. Facts of no entity (rule, tenant) are not entity facts.
 */
function sourceNamedFacts(alert: Alert): (f: Fact) => boolean {
  const named = new Set(alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id));
  return (f) => f.entityId !== undefined && named.has(f.entityId);
}

/** Every named factor with its points and the evidence behind it. Pure. */
export function scoreFactors(alert: Alert, enrichment: Enrichment, w: TriageWeights, attack: readonly MappedTechnique[] = [], behaviours: readonly BehaviourFinding[] = findBehaviours(alert), sigma: readonly SigmaFinding[] = []): RiskFactor[] {
  const fromSource = sourceNamedFacts(alert);
  const factors: RiskFactor[] = [
    {
      name: 'source-severity',
      points: w.severityBase[alert.severity],
      evidence: `The source rated the alert ${alert.severity}`,
      factIds: [],
    },
  ];

  const historyFacts = enrichment.facts.filter((f) => f.kind === 'history' && f.attributes.scope !== 'tenant');
  const priorSightings = historyFacts.reduce((n, f) => n + numberAttr(f, 'priorAlertCount'), 0);
  if (priorSightings > 0) {
    factors.push({
      name: 'entity-history',
      points: Math.min(w.entityHistory.max, priorSightings * w.entityHistory.pointsPerPriorAlert),
      evidence: `Entities of this alert appeared ${priorSightings} time(s) in earlier alerts`,
      factIds: historyFacts.slice(0, MAX_CITED).map((f) => f.id),
    });
  }

  const ruleFact = enrichment.facts.find((f) => f.kind === 'rule-history');
  const rulePrior = ruleFact ? numberAttr(ruleFact, 'priorAlertCount') : 0;
  if (ruleFact && rulePrior >= w.noisyRule.minPriorAlerts) {
    factors.push({
      name: 'noisy-rule',
      points: w.noisyRule.points,
      evidence: `The rule fired ${rulePrior} times before: frequent detections are more often benign`,
      factIds: [ruleFact.id],
    });
  } else if (ruleFact && rulePrior >= w.recurringRule.minPriorAlerts) {
    factors.push({
      name: 'recurring-rule',
      points: w.recurringRule.points,
      evidence: `The rule fired ${rulePrior} times before`,
      factIds: [ruleFact.id],
    });
  }

  const externalIps = alert.entities.filter((e) => e.type === 'ip' && e.isInternal === false);
  if (externalIps.length > 0) {
    factors.push({
      name: 'external-ip',
      points: Math.min(w.externalIp.max, externalIps.length * w.externalIp.pointsEach),
      evidence: clip(`External address(es) involved: ${externalIps.map((e) => e.value).join(', ')}`),
      factIds: [],
    });
  }

  const intelFacts = enrichment.facts.filter((f) => f.kind === 'threat-intel' && (f.attributes.verdict === 'malicious' || f.attributes.verdict === 'suspicious'));
  if (intelFacts.length > 0) {
    const points = intelFacts.reduce((n, f) => n + (f.attributes.verdict === 'malicious' ? w.threatIntel.maliciousPoints : w.threatIntel.suspiciousPoints) * (f.confidence ?? 1), 0);
    factors.push({
      name: 'threat-intel',
      points: Math.round(Math.min(w.threatIntel.max, points)),
      evidence: clip(intelFacts.map((f) => f.statement).slice(0, 5).join('; ')),
      factIds: intelFacts.slice(0, MAX_CITED).map((f) => f.id),
    });
  }

  const assetFacts = enrichment.facts.filter((f) => f.kind === 'asset' && isCriticality(f.attributes.criticality) && (fromSource(f) || w.assetCriticality[f.attributes.criticality] > 0));
  const topCriticality = CRITICALITY_ORDER.findLast((c) => assetFacts.some((f) => f.attributes.criticality === c));
  if (topCriticality !== undefined && w.assetCriticality[topCriticality] !== 0) {
    const top = assetFacts.filter((f) => f.attributes.criticality === topCriticality);
    factors.push({
      name: 'asset-criticality',
      points: w.assetCriticality[topCriticality],
      evidence: clip(`Asset criticality ${topCriticality}: ${top.map((f) => f.statement).slice(0, 3).join('; ')}`),
      factIds: top.slice(0, MAX_CITED).map((f) => f.id),
    });
  }

  const userFacts = enrichment.facts.filter((f) => f.kind === 'user');
  const privileged = userFacts.filter((f) => f.attributes.privileged === true);
  if (privileged.length > 0) {
    factors.push({
      name: 'privileged-user',
      points: w.privilegedUser.points,
      evidence: clip(`Privileged account(s) involved: ${privileged.map((f) => `${f.entityId ?? f.source}${typeof f.attributes.privilegedGroups === 'string' && f.attributes.privilegedGroups !== '' ? ` (${f.attributes.privilegedGroups})` : ''}`).join(', ')}`),
      factIds: privileged.slice(0, MAX_CITED).map((f) => f.id),
    });
  }
  // A user risk level that would lower the score counts only for a source-named account.
  const topRisk = RISK_ORDER.findLast((r) => userFacts.some((f) => f.attributes.riskLevel === r && (w.userRisk[r] > 0 || fromSource(f))));
  if (topRisk !== undefined && w.userRisk[topRisk] !== 0) {
    const risky = userFacts.filter((f) => f.attributes.riskLevel === topRisk && (w.userRisk[topRisk] > 0 || fromSource(f)));
    factors.push({
      name: 'user-risk',
      points: w.userRisk[topRisk],
      evidence: clip(`User risk level ${topRisk} per ${[...new Set(risky.map((f) => f.source))].join(', ')}: ${risky.map((f) => f.entityId ?? f.id).join(', ')}`),
      factIds: risky.slice(0, MAX_CITED).map((f) => f.id),
    });
  }

  // An allowlist entry is a human's statement that this activity is expected: it lowers the score, which moves
  // the likelihoods from true positive toward benign positive. Only for entities the source named: an address
  // written into the description must not silence a detection.
  const allowlisted = enrichment.facts.filter((f) => f.kind === 'allowlist' && fromSource(f));
  if (allowlisted.length > 0) {
    factors.push({
      name: 'allowlisted',
      points: w.allowlisted.points,
      evidence: clip(`Allowlisted: ${allowlisted.map((f) => `${f.entityId ?? 'entity'} — ${typeof f.attributes.reason === 'string' ? f.attributes.reason : f.statement}${typeof f.attributes.expiresAt === 'string' ? ` (until ${f.attributes.expiresAt})` : ''}`).join('; ')}`),
      factIds: allowlisted.slice(0, MAX_CITED).map((f) => f.id),
    });
  }

  factors.push(...behaviourFactors(behaviours, w));
  factors.push(...sigmaFactors(sigma, w));

  const analyst = analystHistoryFactor(enrichment.facts, w, fromSource);
  if (analyst) factors.push(analyst);

  // Low-confidence text matches inform the analyst but do not move the score.
  const confident = new Map<string, MappedTechnique>();
  for (const m of attack) if (m.confidence !== 'low' && !confident.has(m.techniqueId)) confident.set(m.techniqueId, m);
  if (confident.size > 0) {
    factors.push({
      name: 'attack-technique',
      points: w.attackTechnique.points,
      evidence: clip(`Mapped to ATT&CK ${[...confident.values()].map((m) => `${m.techniqueId} (${m.basis})`).join(', ')}`),
      factIds: [],
    });
  }
  return factors;
}

const BEHAVIOUR_POINTS: Readonly<Record<BehaviourKind, keyof Omit<TriageWeights['behaviour'], 'max'>>> = {
  'encoded-command': 'encodedCommand',
  'download-cradle': 'downloadCradle',
  'lolbin-network': 'lolbinNetwork',
  'office-or-browser-child': 'officeOrBrowserChild',
  'credential-dumping': 'credentialDumping',
  'service-or-wmi-child': 'serviceOrWmiChild',
  'user-writable-path': 'userWritablePath',
  'script-host-staging': 'scriptHostStaging',
  persistence: 'persistence',
  'discovery-burst': 'discoveryBurst',
};

/**
 * One factor per behaviour the alert's processes show, citing what was seen and its ATT&CK ids. Together they add at
 * most `behaviour.max`: the strongest count first, a factor past the cap keeps its evidence with the points left.
 */
function behaviourFactors(findings: readonly BehaviourFinding[], w: TriageWeights): RiskFactor[] {
  let left = w.behaviour.max;
  return [...findings]
    .sort((a, b) => w.behaviour[BEHAVIOUR_POINTS[b.kind]] - w.behaviour[BEHAVIOUR_POINTS[a.kind]])
    .map((f) => {
      const full = w.behaviour[BEHAVIOUR_POINTS[f.kind]];
      const points = Math.min(full, left);
      left -= points;
      const capped = points < full ? ` (capped: behaviour factors add at most ${w.behaviour.max})` : '';
      return { name: `behaviour-${f.kind}`, points, evidence: clip(`${f.evidence} [ATT&CK ${f.techniques.map(([id]) => id).join(', ')}]${capped}`), factIds: [] };
    });
}

const SIGMA_LEVELS = ['critical', 'high', 'medium', 'low', 'informational'] as const;
const sigmaPoints = (level: string, w: TriageWeights): number => {
  const l = SIGMA_LEVELS.find((x) => x === level);
  return l === undefined ? w.sigma.informational : w.sigma[l];
};

/**
 * One factor `sigma-<level>` per SigmaHQ rule that matches the alert's process or registry entities, the highest
 * level first, at most `sigma.listed` of them, together at most `sigma.max` points. Each cites the rule (title, id,
 * level, status, author: DRL 1.1 attribution) and its ATT&CK ids; the last names the hits not listed.
 */
function sigmaFactors(findings: readonly SigmaFinding[], w: TriageWeights): RiskFactor[] {
  let left = w.sigma.max;
  const listed = findings.slice(0, w.sigma.listed);
  return listed.map((f, i) => {
    const full = sigmaPoints(f.hit.level, w);
    const points = Math.min(full, left);
    left -= points;
    const techniques = hitTechniques(f.hit);
    const capped = points < full ? ` (capped: Sigma factors add at most ${w.sigma.max})` : '';
    const more = i === listed.length - 1 && findings.length > listed.length ? `; ${findings.length - listed.length} more Sigma rules matched, not listed` : '';
    const fetched = f.fetchedBy === undefined ? '' : ` on an event of the host fetched by query ${f.fetchedBy}`;
    return { name: `sigma-${SIGMA_LEVELS.find((x) => x === f.hit.level) ?? 'informational'}`, points, evidence: clip(`${citeHit(f.hit)}${fetched}${techniques.length > 0 ? ` [ATT&CK ${techniques.join(', ')}]` : ''}${capped}${more}`), factIds: [] };
  });
}

type DispositionCounts = { truePositives: number; benignPositives: number; falsePositives: number };

function dispositionCounts(facts: readonly Fact[]): DispositionCounts & { total: number } {
  const c = { truePositives: 0, benignPositives: 0, falsePositives: 0 };
  for (const f of facts) {
    c.truePositives += numberAttr(f, 'truePositives');
    c.benignPositives += numberAttr(f, 'benignPositives');
    c.falsePositives += numberAttr(f, 'falsePositives');
  }
  return { ...c, total: c.truePositives + c.benignPositives + c.falsePositives };
}

/** What a rule's dispositions say about this alert: the rule and event shape's, else the rule's at a lower weight. */
interface RulePrior {
  /** Counts as weighed: a rule-level fallback's benign and false positives times `shape.ruleFallbackWeight`. */
  counts: DispositionCounts & { total: number };
  label: string;
}

/**
 * The rule scope's prior from the rule-history fact: the dispositions of earlier alerts of this rule with this event
 * shape (`shape`, `shape*` attributes, contracts' `eventShapeOf`) once at least `shape.minDispositions` were judged;
 * else the rule's over every shape with its benign and false positives weighted `shape.ruleFallbackWeight` (the
 * benign noise of one process lineage says less about another); an alert without a shape has the rule's as they
 * are (the rule alone is its key).
 */
function rulePriorOf(fact: Fact, w: TriageWeights): RulePrior {
  const rule = dispositionCounts([fact]);
  const shape = fact.attributes.shape;
  if (typeof shape !== 'string') return { counts: rule, label: 'rule' };
  const c = { truePositives: numberAttr(fact, 'shapeTruePositives'), benignPositives: numberAttr(fact, 'shapeBenignPositives'), falsePositives: numberAttr(fact, 'shapeFalsePositives') };
  const total = c.truePositives + c.benignPositives + c.falsePositives;
  const shown = clipText(shape, 120);
  if (total >= w.analystHistory.shape.minDispositions) return { counts: { ...c, total }, label: `rule and event shape ${shown}` };
  // Only the dismissals are discounted: an attack confirmed under another lineage of the rule still argues for
  // looking, while that lineage's benign noise says little about this one (the lab's buried attacks).
  const f = w.analystHistory.shape.ruleFallbackWeight;
  const discounted = { truePositives: rule.truePositives, benignPositives: rule.benignPositives * f, falsePositives: rule.falsePositives * f };
  return {
    counts: { ...discounted, total: discounted.truePositives + discounted.benignPositives + discounted.falsePositives },
    label: `rule over all event shapes, its benign and false positives weighted ${f} (event shape ${shown} has ${total} judged, fewer than ${w.analystHistory.shape.minDispositions})`,
  };
}

/**
 * Analysts' earlier dispositions as a prior, per scope — the rule (per event shape when enough were judged), the
 * alert's entities (pooled), the tenant — each as its net confirmed rate, shrunk toward zero while few alerts were
 * judged: repeat false and benign positives lower the score (toward the benign and false-positive likelihoods),
 * confirmed attacks raise it.
 */
function analystHistoryFactor(facts: readonly Fact[], w: TriageWeights, fromSource: (f: Fact) => boolean): RiskFactor | undefined {
  // An extracted entity's history counts only when analysts confirmed it more than they dismissed it.
  const raises = (f: Fact): boolean => { const c = dispositionCounts([f]); return c.truePositives > c.benignPositives + c.falsePositives; };
  const ruleFact = facts.find((f) => f.kind === 'rule-history');
  const rule = ruleFact ? rulePriorOf(ruleFact, w) : undefined;
  const pooled = (label: string, points: number, of: Fact[]) => ({ label, points, facts: of, counts: dispositionCounts(of) });
  const scopes = [
    ...(ruleFact && rule ? [{ label: rule.label, points: w.analystHistory.rulePoints, facts: [ruleFact], counts: rule.counts }] : []),
    pooled('entities', w.analystHistory.entityPoints, facts.filter((f) => f.kind === 'history' && f.attributes.scope !== 'tenant' && dispositionCounts([f]).total > 0 && (fromSource(f) || raises(f)))),
    pooled('tenant', w.analystHistory.tenantPoints, facts.filter((f) => f.kind === 'history' && f.attributes.scope === 'tenant' && dispositionCounts([f]).total > 0)),
  ].filter((scope) => scope.counts.total > 0);
  if (scopes.length === 0) return undefined;
  let raw = 0;
  const parts: string[] = [];
  for (const scope of scopes) {
    const c = scope.counts;
    raw += (scope.points * (c.truePositives - c.benignPositives - c.falsePositives)) / (c.total + w.analystHistory.pseudoCount);
    parts.push(`${scope.label} ${shown(c.truePositives)} true / ${shown(c.benignPositives)} benign / ${shown(c.falsePositives)} false positive(s)`);
  }
  return {
    name: 'analyst-history',
    points: Math.round(clamp(raw, -w.analystHistory.max, w.analystHistory.max)),
    evidence: clip(`Analysts' dispositions of earlier alerts — ${parts.join('; ')}`),
    factIds: scopes.flatMap((scope) => scope.facts.slice(0, MAX_CITED).map((f) => f.id)),
  };
}

const CRITICALITY_ORDER = ['low', 'medium', 'high', 'critical'] as const;
const RISK_ORDER = ['low', 'medium', 'high'] as const;
const isCriticality = (v: unknown): v is (typeof CRITICALITY_ORDER)[number] => CRITICALITY_ORDER.some((c) => c === v);
const clip = (s: string): string => clipText(s, 2048);
/** A disposition count weighed by age (fractional), as people read it: to one decimal. */
const shown = (n: number): number => Math.round(n * 10) / 10;
/** Facts a factor cites: the first few (the rest are in the enrichment), so a factor's size does not grow with the alert. */
const MAX_CITED = 32;

function numberAttr(fact: Fact, key: string): number {
  const v = fact.attributes[key];
  return typeof v === 'number' ? v : 0;
}

function levelOf(score: number, w: TriageWeights): Triage['risk']['level'] {
  if (score >= w.levels.critical) return 'critical';
  if (score >= w.levels.high) return 'high';
  if (score >= w.levels.medium) return 'medium';
  return 'low';
}

/** Likelihoods from the score: a logistic for true positive, the rest split by how noisy the rule is. */
/**
 * How the non-true-positive mass splits between false and benign positive: the analysts' own benign / false
 * dispositions on this rule, these entities and this tenant, smoothed toward the configured share (a rule analysts
 * keep closing as false positive is predicted false positive, not benign).
 */
function falsePositiveShare(factors: RiskFactor[], enrichment: Enrichment, w: TriageWeights, fromSource: (f: Fact) => boolean): number {
  const noisy = factors.some((f) => f.name === 'noisy-rule');
  const base = noisy ? w.verdict.noisyRuleFalsePositiveShare : w.verdict.falsePositiveShare;
  const d = w.verdict.dispositions;
  let benign = 0;
  let falsePositives = 0;
  for (const f of enrichment.facts) {
    if (f.kind === 'rule-history') {
      const rule = rulePriorOf(f, w);
      benign += d.ruleWeight * rule.counts.benignPositives;
      falsePositives += d.ruleWeight * rule.counts.falsePositives;
      continue;
    }
    const weight = f.kind === 'history' ? (f.attributes.scope === 'tenant' ? d.tenantWeight : fromSource(f) ? d.entityWeight : 0) : 0;
    if (weight === 0) continue;
    benign += weight * numberAttr(f, 'benignPositives');
    falsePositives += weight * numberAttr(f, 'falsePositives');
  }
  return (falsePositives + d.prior * base) / (benign + falsePositives + d.prior);
}

/** Entity types whose source-named presence gives an alert something to judge (what the event touched). */
const JUDGEABLE_ENTITIES: ReadonlySet<Entity['type']> = new Set(['process', 'file', 'registry', 'url', 'ip']);

/**
 * Whether an alert carries too little to judge, so its verdict is `needs-more-information`: no source event, no
 * process, file, registry key, URL or IP address the source named, no behaviour or Sigma finding, no threat-intel
 * answer (any verdict, "nothing known" included) and no history (no sighting or disposition of its entities, rule or
 * tenant). Then only the source's title and severity speak, and calling it benign or an attack would be a guess.
 * Extracted entities do not count, nor an intel answer or history about one unless it raises suspicion: the alert's
 * author could otherwise make any alert judgeable, and so callable benign, by writing an address into it. Pure.
 */
function carriesTooLittle(alert: Alert, enrichment: Enrichment, behaviours: readonly BehaviourFinding[], sigma: readonly SigmaFinding[], fromSource: (f: Fact) => boolean): boolean {
  // Fetched events make an alert judgeable only through what they show (a Sigma hit): that nothing shows in the
  // host's nearby events says nothing about the alert's own.
  if ((alert.sourceEvents ?? []).some((e) => fetchedByOf(e) === undefined) || behaviours.length > 0 || sigma.length > 0) return false;
  if (alert.entities.some((e) => e.origin !== 'extracted' && JUDGEABLE_ENTITIES.has(e.type))) return false;
  const speaks = (f: Fact): boolean => {
    if (f.kind === 'threat-intel') return fromSource(f) || f.attributes.verdict === 'malicious' || f.attributes.verdict === 'suspicious';
    if (f.kind === 'rule-history') return true;
    return f.kind === 'history' && (f.entityId === undefined || fromSource(f));
  };
  return !enrichment.facts.some(speaks);
}

/**
 * The verdict: true positive from `verdict.truePositiveFrom` true-positive likelihood, else the larger of benign and
 * false positive (the split from analysts' dispositions); `needs-more-information` only for an alert that carries
 * too little to judge ({@link carriesTooLittle}), whatever its likelihoods.
 */
function verdictOf(score: number, factors: RiskFactor[], enrichment: Enrichment, w: TriageWeights, fromSource: (f: Fact) => boolean, tooLittle: boolean): Triage['verdict'] {
  const tp = 1 / (1 + Math.exp(-w.verdict.steepness * (score - w.verdict.midpoint)));
  const fpShare = falsePositiveShare(factors, enrichment, w, fromSource);
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  const likelihoods = {
    truePositive: round(tp),
    falsePositive: round((1 - tp) * fpShare),
    benignPositive: round((1 - tp) * (1 - fpShare)),
  };
  const cls: VerdictClass = tooLittle
    ? 'needs-more-information'
    : tp >= w.verdict.truePositiveFrom
      ? 'true-positive'
      : likelihoods.falsePositive > likelihoods.benignPositive
        ? 'false-positive'
        : 'benign-positive';
  return { class: cls, likelihoods };
}

/** Factors that come from the history of the rule, the entities and the tenant rather than from the alert itself. */
const HISTORY_FACTORS: ReadonlySet<string> = new Set(['noisy-rule', 'recurring-rule', 'entity-history', 'analyst-history', 'history-contradicts-evidence']);
const STRONG_SEVERITIES: ReadonlySet<Alert['severity']> = new Set(['high', 'critical']);

interface EvidenceFloor {
  /** The score of the alert's own factors (everything but history), below which history may not push it. */
  score: number;
  /** The verdict those factors alone give; history may not turn it into a benign or false positive. */
  verdict: Triage['verdict'];
  reasons: string[];
  /** The reasons that are what the event itself shows (strong behaviours, Sigma, malicious intel), not the source's rating. */
  eventReasons: string[];
  factIds: string[];
}

/**
 * The floor an alert's own evidence sets, when it carries a strong indicator: the source rated it high or critical,
 * or threat intel found an entity the source named malicious. Then the score of its non-history factors is a floor
 * for the score, and their verdict one for the verdict; without a strong indicator history moves the alert freely
 * (within its caps). Pure.
 */
function evidenceFloor(
  alert: Alert,
  enrichment: Enrichment,
  factors: readonly RiskFactor[],
  w: TriageWeights,
  fromSource: (f: Fact) => boolean,
  behaviours: readonly BehaviourFinding[],
  sigma: readonly SigmaFinding[],
  tooLittle: boolean,
): EvidenceFloor | undefined {
  const eventReasons: string[] = [];
  // What the event itself shows: a credential dump or a download cradle is not made benign by a rule's history.
  const strong = behaviours.filter((b) => STRONG_BEHAVIOURS.has(b.kind)).map((b) => b.kind);
  if (strong.length > 0) eventReasons.push(`the event shows ${strong.join(', ')}`);
  // A high or critical Sigma rule matching a process or registry key the source named is evidence of the same kind.
  const strongSigma = sigma.filter((s) => s.fromSource && levelRank(s.hit.level) >= levelRank('high'));
  if (strongSigma.length > 0) eventReasons.push(`Sigma ${strongSigma.slice(0, 3).map((s) => `«${clipText(s.hit.title, 80)}» (${s.hit.level})`).join(', ')} matched the event`);
  // A medium Sigma hit on the raw event the source carries is evidence that the benign noise of the rule's *other*
  // event shapes never judged: it may not bury it (analysts' dispositions of this very shape may, once there are enough).
  if (strongSigma.length === 0 && (alert.sourceEvents?.length ?? 0) > 0 && !shapeJudged(enrichment, w)) {
    const medium = sigma.filter((s) => s.fromSource && s.hit.level === 'medium');
    if (medium.length > 0) eventReasons.push(`Sigma «${clipText(medium[0]!.hit.title, 80)}» (medium) matched the raw event, whose event shape analysts have not judged`);
  }
  const malicious = enrichment.facts.filter((f) => f.kind === 'threat-intel' && f.attributes.verdict === 'malicious' && fromSource(f));
  if (malicious.length > 0) eventReasons.push(`threat intel found ${malicious.slice(0, 3).map((f) => f.entityId).join(', ')} malicious`);
  const reasons = [...(STRONG_SEVERITIES.has(alert.severity) ? [`the source rated it ${alert.severity}`] : []), ...eventReasons];
  if (reasons.length === 0) return undefined;
  const own = factors.filter((f) => !HISTORY_FACTORS.has(f.name));
  const score = Math.round(clamp(own.reduce((n, f) => n + f.points, 0), 0, 100));
  const noHistory: Enrichment = { facts: enrichment.facts.filter((f) => f.kind !== 'history' && f.kind !== 'rule-history'), missing: enrichment.missing };
  return { score, verdict: verdictOf(score, own, noHistory, w, fromSource, tooLittle), reasons, eventReasons, factIds: malicious.slice(0, MAX_CITED).map((f) => f.id) };
}

/** Whether analysts judged enough alerts of this rule with this event shape for the shape's own prior to apply. */
function shapeJudged(enrichment: Enrichment, w: TriageWeights): boolean {
  const rule = enrichment.facts.find((f) => f.kind === 'rule-history');
  if (rule === undefined || typeof rule.attributes.shape !== 'string') return false;
  const judged = numberAttr(rule, 'shapeTruePositives') + numberAttr(rule, 'shapeBenignPositives') + numberAttr(rule, 'shapeFalsePositives');
  return judged >= w.analystHistory.shape.minDispositions;
}

/**
 * When analysts' history pulls toward benign but the event itself shows strong evidence (`eventReasons`), the
 * history is the thing in doubt, not the event: a factor that cancels the `analyst-history` pull (positive points,
 * never negative), so the score is what the alert's own evidence and sightings say, as without any disposition, and
 * says so. The lab's attacks buried by the same rule's benign noise are this case. Pure.
 */
function historyContradiction(factors: readonly RiskFactor[], enrichment: Enrichment, floor: EvidenceFloor): RiskFactor | undefined {
  const analyst = factors.find((f) => f.name === 'analyst-history');
  if (floor.eventReasons.length === 0 || !analyst || analyst.points >= 0) return undefined;
  const rule = enrichment.facts.find((f) => f.kind === 'rule-history');
  const closed = rule ? shown(numberAttr(rule, 'benignPositives') + numberAttr(rule, 'falsePositives')) : 0;
  const history = closed > 0 ? `Analysts closed ${closed} earlier alert(s) of this rule as benign or false positive` : `Analysts' dispositions of this alert's entities and tenant lean benign`;
  return {
    name: 'history-contradicts-evidence',
    points: -analyst.points,
    evidence: clip(`${history} (analyst-history ${analyst.points}), but ${floor.eventReasons.join('; ')}; escalated: the history's pull is cancelled and the verdict is the evidence's`),
    factIds: [...floor.factIds, ...analyst.factIds].slice(0, MAX_CITED),
  };
}

const BENIGN_LEANING: ReadonlySet<VerdictClass> = new Set(['benign-positive', 'false-positive']);

/** The verdict with history, unless history turned the evidence's verdict into a benign or false positive. */
function floorVerdict(withHistory: Triage['verdict'], evidence: Triage['verdict']): Triage['verdict'] {
  return BENIGN_LEANING.has(withHistory.class) && !BENIGN_LEANING.has(evidence.class) ? evidence : withHistory;
}

const STEPS: Partial<Record<Entity['type'], (e: Entity) => string>> = {
  host: (e) => `Review process, network and logon activity on host ${e.value} around the detection time`,
  user: (e) => `Check recent sign-ins, MFA events and privilege changes for account ${e.value}`,
  ip: (e) => `Look up ${e.value} in threat intelligence and find other hosts that communicated with it`,
  hash: (e) => `Check the reputation of hash ${e.value} and search for it across endpoints`,
  file: (e) => `Locate file ${e.value} on affected endpoints and check its signature and prevalence`,
  process: (e) => `Inspect the process tree and command line of ${e.value}`,
  url: (e) => `Check who else accessed ${e.value} and its reputation`,
  domain: (e) => `Check DNS and proxy logs for other lookups of ${e.value}`,
  mailbox: (e) => `Review recent mail flow and inbox rules for ${e.value}`,
};

const PLAYBOOK_STEPS = 8;

/** What the playbook index is asked for an alert: its techniques, tactics, entity types and text. */
export function playbookQueryOf(alert: Alert, attack: readonly MappedTechnique[]): PlaybookQuery {
  return {
    techniques: [...new Set(attack.map((m) => m.techniqueId))],
    tactics: [...new Set(attack.map((m) => m.tactic))],
    entityTypes: [...new Set(alert.entities.map((e) => e.type))],
    text: [alert.title, alert.rule?.name ?? '', alert.description].join('\n'),
    entityValues: alert.entities.map((e) => e.value),
  };
}

/** The best-fitting playbook's investigation steps, each naming the playbook they come from. */
function playbookSteps(found: readonly PlaybookSearchResult[]): string[] {
  const [best] = found;
  if (best?.kind !== 'playbook') return [];
  return best.steps.slice(0, PLAYBOOK_STEPS).map((step) => `[${best.title}] ${step}`);
}

/** Next investigation steps: the fitting playbook's, then the alert's own entities' (bounded, deterministic order). */
export function nextSteps(alert: Alert, fromPlaybook: readonly string[] = []): string[] {
  const steps = [...fromPlaybook, ...alert.entities.flatMap((e) => {
    const step = STEPS[e.type];
    return step ? [step(e)] : [];
  })].map((s) => clipText(s, 1024));
  if (alert.source.url) steps.push(`Open the alert in ${alert.source.product ?? 'its source'} for the raw events`);
  if (steps.length === 0) steps.push('Open the alert in its source product and identify the affected host and account');
  return steps.slice(0, 20);
}

function summaryOf(alert: Alert, score: number, level: string, factors: RiskFactor[], verdict: Triage['verdict']): string {
  const counts = new Map<string, number>();
  for (const e of alert.entities) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const involved = [...counts].map(([t, n]) => `${n} ${t}${n > 1 ? 's' : ''}`).join(', ') || 'no extracted entities';
  const top = [...factors]
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, 3)
    .map((f) => `${f.name} ${f.points >= 0 ? '+' : ''}${f.points}`)
    .join(', ');
  const from = alert.source.product ?? alert.source.name;
  return clipText(`${alert.severity[0]?.toUpperCase()}${alert.severity.slice(1)}-severity alert "${alert.title}" from ${from} involving ${involved}. Risk ${score}/100 (${level}); main factors: ${top}. Most likely ${verdict.class} (true positive ${Math.round(verdict.likelihoods.truePositive * 100)}%).`, 8192);
}

/** The alert's ATT&CK mapping: the source's, the rule's and the text's (`mapAttack`) with its behaviours' techniques. Pure. */
export function mapAlertAttack(alert: Alert, catalog: AttackCatalog, behaviours: readonly BehaviourFinding[] = findBehaviours(alert), sigma: readonly SigmaFinding[] = []): MappedTechnique[] {
  return withSigmaAttack(withBehaviourAttack(mapAttack(alert, catalog), behaviours, catalog), sigma, catalog);
}

/**
 * The ATT&CK mapping and the playbooks a retriever found for it, when the playbook lookup happened outside the
 * engine (an asynchronous retriever such as Azure AI Search); without it the engine asks the embedded index.
 */
export interface PlaybookLookup {
  attack: readonly MappedTechnique[];
  playbooks: readonly PlaybookSearchResult[];
  /** What the event shows, found for the mapping: reused by the scoring instead of matched a second time. */
  behaviours?: readonly BehaviourFinding[];
  sigma?: readonly SigmaFinding[];
}

const SIGMA_TARGET_LEVELS = ['critical', 'high', 'medium'] as const;
/** Factors from earlier sightings (not dispositions) of the alert's rule and entities. */
const SIGHTING_FACTORS: ReadonlySet<string> = new Set(['entity-history', 'recurring-rule']);

/** A short description of the raw events' logsources, e.g. `windows/process_creation (sysmon)`. */
function describeEvents(events: readonly NonNullable<Alert['sourceEvents']>[number][]): string {
  const names = [...new Set(events.map((e) => { const l = e.logsources[e.logsources.length > 1 ? 1 : 0] ?? e.logsources[0]; return [l?.product, l?.category ?? l?.service].filter(Boolean).join('/') + (l?.category && l.service ? ` (${l.service})` : ''); }))];
  const queries = [...new Set(events.flatMap((e) => { const by = fetchedByOf(e); return by === undefined ? [] : [by]; }))];
  return clipText(`${names.slice(0, 4).join(', ')}${queries.length > 0 ? `; fetched by query ${queries.join(', ')}` : ''}`, 240);
}

/**
 * What the alert's raw events show, weighed against the source rule's severity — as a senior analyst reads the
 * command line and the parent process before the rule's label. Only for alerts that carry raw events
 * (`sourceEvents`); none for others (an incident, a notable without CIM fields), so they are neither raised nor
 * lowered.
 * - A Sigma hit of level critical, high or medium (on the source's own event) or a strong behaviour sets a target
 *   score (`eventEvidence.<level>`, `strongBehaviour`): an alert whose own factors score less is lifted to it
 *   (`event-evidence`), so an attack the SIEM filed under a low-level rule is still called.
 * - A logged event (not a detection product's evidence record, which lists only what the product chose to show)
 *   that enough Sigma rules read (`minApplicableRules` for its logsources) and none of level medium or above
 *   matched, showing no strong behaviour, keeps only a share of the rule's severity points
 *   (`event-shows-nothing-suspicious`): benign activity firing a high-level SIEM rule is not escalated on the label.
 * Pure.
 */
export function eventEvidenceFactor(
  alert: Alert,
  scored: readonly RiskFactor[],
  behaviours: readonly BehaviourFinding[],
  sigma: readonly SigmaFinding[],
  w: TriageWeights,
  engine: SigmaEngine | undefined,
): RiskFactor | undefined {
  const events = alert.sourceEvents ?? [];
  if (events.length === 0 || engine === undefined) return undefined;
  const e = w.eventEvidence;
  const own = Math.round(scored.filter((f) => !HISTORY_FACTORS.has(f.name)).reduce((n, f) => n + f.points, 0));
  const reasons: string[] = [];
  let target = 0;
  const strong = behaviours.filter((b) => STRONG_BEHAVIOURS.has(b.kind));
  if (strong.length > 0) {
    target = e.strongBehaviour;
    reasons.push(`it shows ${[...new Set(strong.map((b) => b.kind))].join(', ')}`);
  }
  const best = sigma.filter((f) => f.fromSource).find((f) => levelRank(f.hit.level) >= levelRank('medium'));
  const level = best === undefined ? undefined : SIGMA_TARGET_LEVELS.find((l) => l === best.hit.level);
  if (best !== undefined && level !== undefined) {
    if (e[level] > target) target = e[level];
    reasons.push(`Sigma «${clipText(best.hit.title, 100)}» (${best.hit.level}) matched it`);
  }
  if (reasons.length > 0) {
    if (own >= target) return undefined;
    return { name: 'event-evidence', points: target - own, evidence: clip(`The raw event (${describeEvents(events)}) is evidence of its own — ${reasons.join('; ')}: scored at least ${target} whatever the source rule's ${alert.severity} severity`), factIds: [] };
  }
  // An evidence record shows what its product chose to show, and an event enrichment fetched is the host's event near
  // the alert's time, not proven to be the one that fired it: what either does not show says nothing.
  if (events.some((ev) => ev.evidence === true || fetchedByOf(ev) !== undefined)) return undefined;
  const applicable = engine.applicability(events.flatMap((ev) => ev.logsources)).applicable;
  if (applicable < e.minApplicableRules) return undefined;
  const severity = scored.find((f) => f.name === 'source-severity')?.points ?? 0;
  // Sightings say the rule and entities were seen before, not that this event is hostile: the same unremarkable
  // event recurring on a host is routine, so they do not lift it either.
  const sightings = scored.filter((f) => SIGHTING_FACTORS.has(f.name) && f.points > 0).reduce((n, f) => n + f.points, 0);
  const cut = Math.round(severity * (1 - e.nothingFoundSeverityShare) + sightings);
  if (cut <= 0) return undefined;
  return {
    name: 'event-shows-nothing-suspicious',
    points: -cut,
    evidence: clip(`The raw event${events.length > 1 ? 's' : ''} (${describeEvents(events)}) read by ${applicable} Sigma rules: none of level medium or above matched and no strong behaviour shows, so the source rule's ${alert.severity} severity counts ${Math.round(e.nothingFoundSeverityShare * 100)} %${sightings > 0 ? ' and earlier sightings of the rule and entities add nothing' : ''}`),
    factIds: [],
  };
}

/** The deterministic triage of an enriched alert: score, verdict, summary, next steps, ATT&CK. Pure. */
export function triageAlert(received: Alert, enrichment: Enrichment, weights: TriageWeights, knowledge: TriageKnowledge, looked?: PlaybookLookup): Triage {
  // An alert without a raw event is read with the events enrichment fetched for it, if any.
  const alert = withFetchedEvents(received, enrichment);
  const behaviours = looked?.behaviours ?? findBehaviours(alert);
  const sigma = looked?.sigma ?? findSigmaHits(alert, knowledge.sigma);
  const mapped = looked?.attack ?? mapAlertAttack(alert, knowledge.attack, behaviours, sigma);
  const playbooks = looked?.playbooks ?? knowledge.playbooks.findPlaybooks(playbookQueryOf(alert, mapped), 1);
  const fromSource = sourceNamedFacts(alert);
  const scoredOnly = scoreFactors(alert, enrichment, weights, mapped, behaviours, sigma);
  const fromEvent = eventEvidenceFactor(alert, scoredOnly, behaviours, sigma, weights, knowledge.sigma);
  const scored = fromEvent ? [...scoredOnly, fromEvent] : scoredOnly;
  const tooLittle = carriesTooLittle(alert, enrichment, behaviours, sigma, fromSource);
  const floor = evidenceFloor(alert, enrichment, scored, weights, fromSource, behaviours, sigma, tooLittle);
  const contradiction = floor ? historyContradiction(scored, enrichment, floor) : undefined;
  const withContradiction = contradiction ? [...scored, contradiction] : scored;
  const raw = withContradiction.reduce((n, f) => n + f.points, 0);
  // History may lower an alert only down to what its own strong evidence says; the lift is a factor, so the
  // factors still sum to the score.
  const factors = floor && Math.round(clamp(raw, 0, 100)) < floor.score
    ? [...withContradiction, { name: 'evidence-floor', points: floor.score - raw, evidence: clip(`Analysts' history of the rule, entities and tenant may not lower this alert below its own evidence (${floor.reasons.join('; ')}): floor ${floor.score}`), factIds: floor.factIds }]
    : withContradiction;
  const score = Math.round(clamp(factors.reduce((n, f) => n + f.points, 0), 0, 100));
  const level = levelOf(score, weights);
  const withHistory = verdictOf(score, factors, enrichment, weights, fromSource, tooLittle);
  // A contradicted history does not get to decide the class: the evidence's verdict stands unless history's is a true positive.
  const verdict = !floor ? withHistory : contradiction && withHistory.class !== 'true-positive' ? floor.verdict : floorVerdict(withHistory, floor.verdict);
  return {
    engine: { name: 'deterministic', version: `${ENGINE_VERSION}+weights.${weights.version}` },
    risk: { score, level, factors },
    verdict,
    summary: summaryOf(alert, score, level, factors, verdict),
    nextSteps: nextSteps(alert, playbookSteps(playbooks)),
    attack: mapped.map((m) => ({ tactic: m.tactic, techniqueId: m.techniqueId, techniqueName: m.techniqueName, confidence: ATTACK_CONFIDENCE_SCORE[m.confidence], basis: m.basis })),
  };
}
