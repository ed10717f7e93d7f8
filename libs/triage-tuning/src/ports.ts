import type { TriageTuning, TuningEntry } from './schema.ts';

/** What triage needs: the tenant's tuning as it stands (undefined when the tenant was never tuned). */
export interface TriageTuningReader {
  current(tenantId: string): Promise<TriageTuning | undefined>;
}

/** One version in a tenant's history, without its entries. */
export interface TuningVersionSummary {
  version: number;
  sha256: string;
  previousSha256: string | null;
  changedBy: string;
  changedAt: string;
  entryCount: number;
}

/** A change as a writer asks for it: the version it read (0 when never tuned) and the whole new set of entries. */
export interface TuningChange {
  tenantId: string;
  expectedVersion: number;
  entries: readonly TuningEntry[];
  /** The authenticated principal: audited as the actor and kept as `changedBy`. */
  principal: string;
  at: Date;
}

/**
 * The tenants' triage tuning, versioned: every change is a new version (the old ones are kept), written only after
 * it is audited as `config.changed`, and only on top of the version the writer read (else a CONFLICT AppError whose
 * details name the current version).
 */
export interface TriageTuningStore extends TriageTuningReader {
  version(tenantId: string, version: number): Promise<TriageTuning | undefined>;
  /** Newest first, at most `limit` (default 100). */
  history(tenantId: string, limit?: number): Promise<TuningVersionSummary[]>;
  change(change: TuningChange): Promise<TriageTuning>;
}
