import { z } from 'zod';
import { canonicalJson, contentHashOf } from '@soc/audit';

/**
 * The behaviour kinds triage names (`behaviour-<kind>` factors). Kept here so the API can refuse an exception for a
 * kind triage does not know; triage's tests check this list against its own `BehaviourKind`.
 */
export const TUNABLE_BEHAVIOURS = [
  'encoded-command',
  'download-cradle',
  'lolbin-network',
  'office-or-browser-child',
  'credential-dumping',
  'service-or-wmi-child',
  'user-writable-path',
  'script-host-staging',
  'persistence',
  'discovery-burst',
] as const;

/** At most this many entries per tenant: tuning is for exceptions, not for rewriting the engine. */
export const MAX_TUNING_ENTRIES = 200;
/** An `endswith` value shorter than this would except almost everything (`.exe`), so it is refused. */
export const MIN_ENDSWITH_CHARS = 8;

const EntryId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u, 'letters, digits, dot, dash, underscore; at most 64');
/** A SigmaHQ rule id (a UUID in the corpus; other ids are kept as written, case-insensitively). */
const SigmaRuleId = z.string().trim().min(1).max(64).transform((s) => s.toLowerCase());
/** A field in Sigma's taxonomy as triage maps events and entities onto it: `Image`, `CommandLine`, `ParentImage` … */
const SigmaField = z.string().regex(/^[A-Za-z][A-Za-z0-9_.]{0,63}$/u, 'a Sigma field name such as Image, CommandLine, ParentImage');

const common = {
  id: EntryId,
  /** Why the entry exists, for the analyst who sees what it hid. */
  reason: z.string().trim().min(1).max(1024),
  /** Who asked for it (the API fills in the principal when absent). */
  author: z.string().trim().min(1).max(128),
  /** After this instant the entry no longer applies (it stays in the document until removed). */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
};

/** Disables the analysts' history (rule prior, noisy/recurring rule) of one source rule for the tenant. */
export const RuleInfluenceEntry = z.object({ ...common, kind: z.literal('rule-influence'), source: z.string().trim().min(1).max(64), ruleId: z.string().trim().min(1).max(256) }).strict();
export type RuleInfluenceEntry = z.infer<typeof RuleInfluenceEntry>;

/** Disables one Sigma rule's influence for the tenant. */
export const SigmaRuleEntry = z.object({ ...common, kind: z.literal('sigma-rule'), sigmaRuleId: SigmaRuleId }).strict();
export type SigmaRuleEntry = z.infer<typeof SigmaRuleEntry>;

/**
 * A field-value exception: the Sigma rule or the behaviour does not count when the field (Sigma taxonomy) of the
 * alert's events equals or ends with the value (case-insensitive, as Sigma compares).
 */
export const ExceptionEntry = z
  .object({
    ...common,
    kind: z.literal('exception'),
    sigmaRuleId: SigmaRuleId.optional(),
    behaviour: z.enum(TUNABLE_BEHAVIOURS).optional(),
    field: SigmaField,
    match: z.enum(['equals', 'endswith']),
    value: z.string().min(1).max(1024),
  })
  .strict();
export type ExceptionEntry = z.infer<typeof ExceptionEntry>;

/** One tuning entry. */
export const TuningEntry = z.discriminatedUnion('kind', [RuleInfluenceEntry, SigmaRuleEntry, ExceptionEntry]);
export type TuningEntry = z.infer<typeof TuningEntry>;

/** An entry as a writer sends it: the author may be left to the authenticated principal. */
export const TuningEntryInput = z.discriminatedUnion('kind', [
  RuleInfluenceEntry.extend({ author: common.author.optional() }),
  SigmaRuleEntry.extend({ author: common.author.optional() }),
  ExceptionEntry.extend({ author: common.author.optional() }),
]);
export type TuningEntryInput = z.infer<typeof TuningEntryInput>;

/** One version of a tenant's triage tuning, as stored: never rewritten, the next change is the next version. */
export const TriageTuning = z.object({
  tenantId: z.string().min(1).max(128),
  /** 1, 2, … per tenant, without gaps; 0 is "never tuned" and is never stored. */
  version: z.number().int().positive(),
  /** SHA-256 (hex) of the canonical JSON of `entries` ({@link tuningHashOf}). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/u),
  /** The hash of the version before, null for version 1. */
  previousSha256: z.string().regex(/^[0-9a-f]{64}$/u).nullable(),
  changedBy: z.string().min(1).max(128),
  changedAt: z.iso.datetime({ offset: true }),
  entries: z.array(TuningEntry).max(MAX_TUNING_ENTRIES),
});
export type TriageTuning = z.infer<typeof TriageTuning>;

/** The hash a version is known by: SHA-256 of its entries' canonical JSON (field order does not matter). */
export function tuningHashOf(entries: readonly TuningEntry[]): string {
  return contentHashOf(canonicalJson(entries));
}

/**
 * What is wrong with a set of entries beyond their shape, one sentence each (empty when they may be stored):
 * duplicate ids, an exception naming neither or both a Sigma rule and a behaviour, an `endswith` too short to be
 * specific, an expiry already past. Pure.
 */
export function tuningProblems(entries: readonly TuningEntry[], now: Date): string[] {
  const problems: string[] = [];
  if (entries.length > MAX_TUNING_ENTRIES) problems.push(`at most ${MAX_TUNING_ENTRIES} entries (got ${entries.length})`);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const at = `entries[${i}] (${e.id})`;
    if (seen.has(e.id)) problems.push(`${at}: the id is used by an earlier entry`);
    seen.add(e.id);
    if (e.expiresAt !== undefined && Date.parse(e.expiresAt) <= now.getTime()) problems.push(`${at}: expiresAt ${e.expiresAt} is already past`);
    if (e.kind !== 'exception') return;
    if ((e.sigmaRuleId === undefined) === (e.behaviour === undefined)) problems.push(`${at}: an exception names exactly one of sigmaRuleId or behaviour`);
    if (e.match === 'endswith' && e.value.length < MIN_ENDSWITH_CHARS) problems.push(`${at}: an endswith value of fewer than ${MIN_ENDSWITH_CHARS} characters ("${e.value}") would except almost everything; name the folder too (e.g. \\Tools\\corp-backup.exe)`);
  });
  return problems;
}

/** Whether an entry applies at `at`: it has no expiry or its expiry is later. */
export const isEntryActive = (entry: TuningEntry, at: Date): boolean => entry.expiresAt === undefined || Date.parse(entry.expiresAt) > at.getTime();
