import { type Alert, DEFAULT_DISPOSITION_HALF_LIFE_DAYS, type Disposition, type Fact, MAX_JUDGED_ALERTS, boundedId, clipText, decayedDispositions, eventShapeOf } from '@soc/contracts';

/** Sightings and analyst dispositions of one entity, rule or tenant. */
interface Tally {
  alerts: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** The judged alerts, newest first, at most `MAX_JUDGED_ALERTS` (as enrichment's documents keep them). */
  judged: { disposition: Disposition; at: string }[];
}

/**
 * The rule key enrichment keeps history under (`ruleKeyOf` in @soc/enrichment, which triage may not import):
 * the source name and the rule id, else its name, else the title, lower-cased.
 */
export function ruleKeyOf(alert: Alert): string {
  return `${alert.source.name}:${alert.rule?.id ?? alert.rule?.name ?? alert.title}`.toLowerCase();
}

/** Enrichment's key of an entity's history (`entityHistoryKey` in @soc/enrichment): entity history stays within its tenant. */
const entityHistoryKey = (tenantId: string, entityId: string): string => JSON.stringify([tenantId, entityId]);

/** Enrichment's key of a rule and event shape (`ruleShapeKey` in @soc/enrichment). */
const ruleShapeKey = (ruleKey: string, shape: string): string => JSON.stringify([ruleKey, shape]);

/**
 * What enrichment would know after the alerts and dispositions seen so far, in memory: per entity, per rule, per rule
 * and event shape and per tenant the number of earlier alerts and the analysts' dispositions, each weighed by its age
 * with the half-life enrichment uses (`decayedDispositions`). `factsFor` states it as the facts enrichment emits
 * (`history`, `rule-history` and the tenant prior, with `priorAlertCount`, `truePositives`, `benignPositives`,
 * `falsePositives` and the rule's `shape*` counts); `record` feeds one alert's label back, as an analyst's
 * disposition would.
 */
export class FeedbackMemory {
  private readonly entities = new Map<string, Tally>();
  private readonly rules = new Map<string, Tally>();
  private readonly tenants = new Map<string, Tally>();
  /** Per rule and event shape (`eventShapeOf`), keyed as enrichment's `ruleShapeKey`; only dispositions count. */
  private readonly shapes = new Map<string, Tally>();
  private readonly halfLifeDays: number;
  private readonly poolRulesAcrossTenants: boolean;

  /**
   * `halfLifeDays` as enrichment's `HISTORY_HALF_LIFE_DAYS`; `poolRulesAcrossTenants` as its
   * `HISTORY_POOL_RULES_ACROSS_TENANTS` (default off: a rule's counts are the tenant's own).
   */
  constructor(options: { halfLifeDays?: number; poolRulesAcrossTenants?: boolean } = {}) {
    this.halfLifeDays = options.halfLifeDays ?? DEFAULT_DISPOSITION_HALF_LIFE_DAYS;
    this.poolRulesAcrossTenants = options.poolRulesAcrossTenants ?? false;
  }

  /** Enrichment's `ruleHistoryKey`: the rule key pooled across tenants, else the tenant's own. */
  private ruleHistoryKey(tenantId: string, ruleKey: string): string {
    return this.poolRulesAcrossTenants ? ruleKey : JSON.stringify([tenantId, ruleKey]);
  }

  /** Facts about earlier alerts for `alert`, observed at `at`. */
  factsFor(alert: Alert, at: string): Fact[] {
    const facts: Fact[] = [];
    const now = new Date(at);
    const counts = (t: Tally) => decayedDispositions(t.judged, now, this.halfLifeDays);
    for (const entity of alert.entities) {
      const t = this.entities.get(entityHistoryKey(alert.tenantId, entity.id));
      if (!t) continue;
      facts.push({
        id: boundedId('history:', entity.id),
        kind: 'history',
        entityId: entity.id,
        source: 'soc-history',
        observedAt: at,
        confidence: 1,
        statement: `${clipText(entity.id, 512)} appeared in ${t.alerts} earlier alert(s), first ${t.firstSeenAt}, last ${t.lastSeenAt}`,
        attributes: { priorAlertCount: t.alerts, firstSeenAt: t.firstSeenAt, lastSeenAt: t.lastSeenAt, ...counts(t) },
      });
    }
    const ruleKey = ruleKeyOf(alert);
    const ruleDoc = this.ruleHistoryKey(alert.tenantId, ruleKey);
    const rule = this.rules.get(ruleDoc);
    const shape = eventShapeOf(alert);
    if (rule) {
      const tally = shape === undefined ? undefined : this.shapes.get(ruleShapeKey(ruleDoc, shape));
      const byShape = tally ? counts(tally) : undefined;
      facts.push({
        id: boundedId('rule-history:', ruleKey),
        kind: 'rule-history',
        source: 'soc-history',
        observedAt: at,
        confidence: 1,
        statement: `This detection fired ${rule.alerts} time(s) before, last ${rule.lastSeenAt}`,
        attributes: {
          priorAlertCount: rule.alerts,
          lastSeenAt: rule.lastSeenAt,
          ...counts(rule),
          ...(shape === undefined ? {} : { shape, shapeTruePositives: byShape?.truePositives ?? 0, shapeBenignPositives: byShape?.benignPositives ?? 0, shapeFalsePositives: byShape?.falsePositives ?? 0 }),
        },
      });
    }
    const tenant = this.tenants.get(alert.tenantId);
    if (tenant) {
      facts.push({
        id: boundedId('tenant-history:', alert.tenantId),
        kind: 'history',
        source: 'soc-history',
        observedAt: at,
        confidence: 1,
        statement: `Analysts of tenant ${alert.tenantId} dispositioned ${tenant.judged.length} earlier alert(s)`,
        attributes: { scope: 'tenant', ...counts(tenant) },
      });
    }
    return facts;
  }

  /**
   * Records the alert as seen at `at` and, when given, the analyst's disposition of it (without one, only the
   * sighting: what enrichment knows when nobody dispositions alerts, i.e. zero-shot).
   */
  record(alert: Alert, label: Disposition | undefined, at: string): void {
    const add = (map: Map<string, Tally>, key: string, judged = true): void => {
      const t = map.get(key) ?? { alerts: 0, firstSeenAt: at, lastSeenAt: at, judged: [] };
      t.alerts += 1;
      if (at < t.firstSeenAt) t.firstSeenAt = at;
      if (at > t.lastSeenAt) t.lastSeenAt = at;
      if (label !== undefined && judged) {
        t.judged.unshift({ disposition: label, at });
        if (t.judged.length > MAX_JUDGED_ALERTS) t.judged.length = MAX_JUDGED_ALERTS;
      }
      map.set(key, t);
    };
    // Every entity is sighted, but a disposition counts only for the entities the source named: the analyst API
    // sends only those (an entity extracted from free text is the alert writer's choice).
    const named = new Set(alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id));
    for (const id of new Set(alert.entities.map((e) => e.id))) add(this.entities, entityHistoryKey(alert.tenantId, id), named.has(id));
    const ruleDoc = this.ruleHistoryKey(alert.tenantId, ruleKeyOf(alert));
    add(this.rules, ruleDoc);
    add(this.tenants, alert.tenantId);
    const shape = eventShapeOf(alert);
    if (label !== undefined && shape !== undefined) add(this.shapes, ruleShapeKey(ruleDoc, shape));
  }
}

