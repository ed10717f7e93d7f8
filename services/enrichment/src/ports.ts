import type { Alert, Disposition } from '@soc/contracts';

/** How analysts dispositioned earlier alerts of an entity, a rule or a tenant; each weighed by its age (so fractional). */
export interface DispositionCounts {
  truePositives: number;
  benignPositives: number;
  falsePositives: number;
}

/** Earlier sightings of one entity. */
export interface EntitySighting {
  entityId: string;
  /** Alerts that named this entity before the current one. */
  priorAlertCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Most recent earlier alert ids, newest first (bounded). */
  recentAlertIds: string[];
  /** Analysts' dispositions of earlier alerts naming this entity. */
  dispositions?: DispositionCounts;
}

/** Earlier firings of the alert's detection rule. */
export interface RuleSighting {
  ruleKey: string;
  priorAlertCount: number;
  lastSeenAt: string;
  /** Analysts' dispositions of earlier alerts of this rule. */
  dispositions?: DispositionCounts;
  /**
   * The alert's event shape (contracts' `eventShapeOf`) and analysts' dispositions of earlier alerts of this rule
   * with the same shape; absent when the alert shows no shape.
   */
  shape?: { shape: string; dispositions?: DispositionCounts };
}

/** What history knows about an alert's entities and rule, excluding the alert itself. */
export interface HistorySnapshot {
  entities: EntitySighting[];
  rule: RuleSighting | undefined;
  /** Analysts' dispositions of the tenant's earlier alerts (a prior for rules and entities not judged yet). */
  tenant?: { tenantId: string; dispositions: DispositionCounts };
}

/** An analyst's disposition of one alert, as history records it. */
export interface DispositionRecord {
  alertId: string;
  tenantId: string;
  ruleKey: string;
  /** The alert's event shape when it has one: the disposition is counted per rule and shape as well. */
  shape?: string;
  entityIds: readonly string[];
  disposition: Disposition;
  at: string;
}

/** History of the same entities and rule across alerts. */
export interface AlertHistory {
  /** What history knows about the alert's entities, rule and tenant, its dispositions weighed by their age at `now`. */
  lookup(alert: Alert, now: Date): Promise<HistorySnapshot>;
  /** Records the alert's sightings; recording the same alert twice changes nothing. */
  record(alert: Alert, at: Date): Promise<void>;
  /** Counts an analyst's disposition per rule, entity and tenant; the same one again changes nothing, a changed one moves the count. */
  recordDisposition(record: DispositionRecord): Promise<void>;
}
