import type { AlertRevision } from '@soc/contracts';
import type { TenantGrant } from '@soc/http';
import type { CaseStatus } from '@soc/contracts';
import type { CaseGroup, GroupObservation, LeadCasework } from './case-group.ts';
import type { CaseEventDoc } from './case-view.ts';

/** The one-line view of a case, for lists. */
export interface CaseSummary {
  alertId: string;
  /** The alert's tenant (its sender's); absent on summaries written before tenants were recorded (SOC_TENANT_ID's). */
  tenantId?: string;
  correlationId: string;
  title: string;
  severity: string;
  source: string;
  receivedAt: string;
  stage: 'received' | 'decided';
  riskScore: number | null;
  riskLevel: string | null;
  verdict: string | null;
  actions: string[];
  /** The revision the summary shows (the newest one projected); an older one delivered late never replaces it. */
  revision?: AlertRevision | null;
}

/** The case view's storage: events per alert and summaries. */
export interface CaseStore {
  /** Stores an event of a case; storing the same event twice changes nothing. */
  append(doc: CaseEventDoc): Promise<void>;
  events(alertId: string): Promise<CaseEventDoc[]>;
  /** The stored `soc.containment.requested.v2` for a request id. */
  findRequest(requestId: string): Promise<CaseEventDoc | undefined>;
  /** Creates the summary, or merges into it (see `mergeSummary`: decisions overwrite their revision's received stub, a newer revision overwrites an older one). */
  putSummary(summary: CaseSummary, replace: boolean): Promise<void>;
  /** Newest receipt first; only the cases of `tenants` (`*`: all; a legacy summary without tenant is listed to `*` only). */
  listSummaries(query: { limit: number; severity?: string; tenants: TenantGrant }): Promise<CaseSummary[]>;
  /** The summary of one case, if it has one. */
  summary(alertId: string): Promise<CaseSummary | undefined>;
  /** Summaries of cases with no decision yet, oldest receipt first (the journey watchdog reads them). */
  listUndecided(query: { limit: number }): Promise<CaseSummary[]>;
}

/** Case groups: near-identical alerts (same `caseGroupKey`) within a window, as one case with a count. */
export interface CaseGroupStore {
  /**
   * Files an observation under its alert's group (joining the key's open group within the window, or opening one)
   * and returns the group afterwards. Safe to repeat and to run concurrently: an alert is counted once.
   */
  observe(obs: GroupObservation): Promise<CaseGroup>;
  get(groupId: string): Promise<CaseGroup | undefined>;
  /** The group an alert belongs to, if it has been grouped. */
  groupOf(alertId: string): Promise<CaseGroup | undefined>;
  /** Groups by latest activity, newest first; only the groups of `tenants` (`*`: all). */
  list(query: { limit: number; severity?: string; tenants: TenantGrant }): Promise<CaseGroup[]>;
  /** Records an alert's assignment or status on its group when the alert is the group's lead (first) alert; else nothing. */
  recordLeadCasework(change: LeadCasework): Promise<void>;
}

/** The casework of one alert as the API's write side holds it: what the decider decides on, with its version. */
export interface CaseworkRecord {
  assignee: string | null;
  status: CaseStatus;
}

/**
 * The write side of casework: one record per alert, changed only by compare-and-set, so two analysts changing a case
 * at once cannot both win (the second write fails and its command is decided again against the first's result).
 */
export interface CaseworkStore {
  read(alertId: string): Promise<{ record: CaseworkRecord; etag: string } | undefined>;
  /** Writes the record if its version is still `etag` (undefined: only if there is none); false when another write came first. */
  write(alertId: string, record: CaseworkRecord, etag: string | undefined): Promise<string | false>;
}

/** Quarantined payloads (ingestion's record, read only) received in a window, for the KPIs. */
export interface QuarantineCounter {
  /**
   * Payloads quarantined with a receipt in `[from, to)` (replayed ones included), reading at most `limit` entries,
   * newest first; only those of the tenants `sees` accepts (an entry names its sender's tenant, or none: the
   * deployment's), all when absent.
   */
  count(window: { from: Date; to: Date; limit: number; sees?: (tenant: string | undefined) => boolean }): Promise<{ payloads: number; replayed: number; truncated: boolean }>;
}
