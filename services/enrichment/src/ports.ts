import type { Alert } from '@soc/contracts';

/** Earlier sightings of one entity. */
export interface EntitySighting {
  entityId: string;
  /** Alerts that named this entity before the current one. */
  priorAlertCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Most recent earlier alert ids, newest first (bounded). */
  recentAlertIds: string[];
}

/** Earlier firings of the alert's detection rule. */
export interface RuleSighting {
  ruleKey: string;
  priorAlertCount: number;
  lastSeenAt: string;
}

/** What history knows about an alert's entities and rule, excluding the alert itself. */
export interface HistorySnapshot {
  entities: EntitySighting[];
  rule: RuleSighting | undefined;
}

/** History of the same entities and rule across alerts. */
export interface AlertHistory {
  lookup(alert: Alert): Promise<HistorySnapshot>;
  /** Records the alert's sightings; recording the same alert twice changes nothing. */
  record(alert: Alert, at: Date): Promise<void>;
}
