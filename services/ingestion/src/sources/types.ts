import type { AlertStatus, AttackRef, Severity, SourceEvent, SourceName } from '@soc/contracts';
import type { EntityDraft } from '../entities.ts';

/**
 * One alert as a source parser maps it from the product's payload, before the common steps every source shares
 * (alert id, IOC extraction from free text, entity canonicalisation and de-duplication, length clamps, schema
 * check — see `build-alert.ts`). Parsers fill what the product says and nothing they would have to guess.
 */
export interface AlertDraft {
  /** The alert's id in its source product (incident id, alert id, notable event id, CEF event id …). */
  vendorAlertId: string;
  product?: string | undefined;
  vendor?: string | undefined;
  /** Deep link to the alert in its console; anything but http(s) is dropped. */
  url?: string | undefined;
  title: string;
  description?: string | undefined;
  severity: Severity;
  status?: AlertStatus | undefined;
  /** ISO 8601 with offset (use `toIso`); defaults to the time of receipt. */
  detectedAt?: string | undefined;
  firstSeenAt?: string | undefined;
  lastSeenAt?: string | undefined;
  /** When the source last changed the alert (ISO 8601): orders its revisions; never part of its content. */
  modifiedAt?: string | undefined;
  rule?: { id?: string | undefined; name?: string | undefined } | undefined;
  /** Tactics and techniques the product itself names; invalid technique ids are dropped, not refused. */
  attack?: AttackRef[] | undefined;
  /** Entities the product names, in the order it names them (the first of duplicates wins). */
  entities: EntityDraft[];
  labels?: string[] | undefined;
  /**
   * The raw events the record carries, mapped onto Sigma's taxonomy (`Image`, `CommandLine`, `EventID` …) with
   * their logsources; the edge bounds them (`sourceEventsOf`). None when the record carries no raw event.
   */
  sourceEvents?: SourceEvent[] | undefined;
  /** More free text to scan for IOCs; the title, description and process command lines are always scanned. */
  freeText?: string[] | undefined;
  /**
   * RFC 6901 JSON pointer of this alert's record inside the request body (`""` for a single-object body,
   * `/3` for the fourth array element, `/records/0` …; for text bodies `/lines/<n>` with n counted from 0).
   * With the stored body it is the alert's raw reference, so fields the common schema has no place for are kept.
   */
  rawPointer: string;
}

/** A reason a payload was refused: `index` is the record's position in a batch, `path` the field inside it. */
export interface FieldError {
  index: number;
  path: string;
  message: string;
}

export type ParseResult = { ok: true; drafts: AlertDraft[] } | { ok: false; errors: FieldError[] };

/** One record of a batch mapped to a draft, or every reason it cannot be. */
export type RecordOutcome = { ok: true; draft: AlertDraft } | { ok: false; errors: FieldError[] };

/** A batch's result from its records' outcomes: every draft, or every error of every refused record. */
export function collectOutcomes(outcomes: readonly RecordOutcome[]): ParseResult {
  const drafts: AlertDraft[] = [];
  const errors: FieldError[] = [];
  for (const o of outcomes) {
    if (o.ok) drafts.push(o.draft);
    else errors.push(...o.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, drafts };
}

/** What a parser may know besides the body. */
export interface ParseContext {
  receivedAt: Date;
}

/**
 * A source adapter: a pure function from a request body to alert drafts. JSON bodies arrive parsed
 * (`unknown`); text bodies (CEF/syslog) arrive as a string. A parser never throws on bad input: it returns
 * every field error it found so the sender can fix the payload (a throw is a bug and surfaces as a 500).
 */
export interface SourceParser {
  readonly name: SourceName;
  /** Media types the endpoint accepts, e.g. `['application/json']` or `['text/plain', 'application/json']`. */
  readonly mediaTypes: readonly string[];
  parse(body: unknown, ctx: ParseContext): ParseResult;
}
