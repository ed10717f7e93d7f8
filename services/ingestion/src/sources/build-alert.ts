import { Alert, type AlertInput, AttackRef, MAX_ENTITY_VALUE_LENGTH, clipText, deriveAlertId, type SourceName } from '@soc/contracts';
import { fitAlert } from './fit-alert.ts';
import { sourceEventsOf } from './source-events.ts';
import type { InternalNetworks } from '@soc/guardrails';
import { type EntityDraft, checkEntities } from '../entities.ts';
import { scanTextForIocs } from '../ioc-scan.ts';
import type { AlertDraft } from './types.ts';

/** Where an alert came from and when it arrived. */
export interface BuildContext {
  tenantId: string;
  /** The sender's stable principal name: part of the alert id, so one sender cannot take another's ids. */
  senderName: string;
  receivedAt: Date;
  /** Key of the stored request body in the raw-reference store; the alert's `rawRef` points into it. */
  rawKey?: string | undefined;
  /** The internal address ranges (`SOC_INTERNAL_NETWORKS`) every IP entity's `isInternal` is set from; default the built-in ones. */
  internalNetworks?: InternalNetworks | undefined;
}

const LIMITS = { title: 1024, description: 32_768, label: 256, labels: 64, attack: 64, entities: 500 } as const;

/** Label slots kept free for the notes this module and `fitAlert` add when they had to leave something out. */
const NOTE_LABELS = 8;


function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && value.length <= 4096 ? value : undefined;
  } catch {
    return undefined;
  }
}

function validAttack(refs: readonly AttackRef[]): AttackRef[] {
  const out: AttackRef[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const parsed = AttackRef.safeParse(ref);
    // A malformed technique id from the product is dropped, the tactic it came with is kept.
    const kept = parsed.success ? parsed.data : AttackRef.safeParse({ tactic: ref.tactic, techniqueName: ref.techniqueName }).data;
    if (!kept || (kept.tactic === undefined && kept.techniqueId === undefined)) continue;
    const key = `${kept.tactic ?? ''}|${kept.techniqueId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(kept);
  }
  return out.slice(0, LIMITS.attack);
}

/** Free text the source did not structure: IOCs in it become `extracted` entities after the source's own. */
function extractedEntities(draft: AlertDraft): EntityDraft[] {
  const texts = [draft.title, draft.description ?? '', ...(draft.freeText ?? [])];
  for (const e of draft.entities) if (e.type === 'process' && typeof e.commandLine === 'string') texts.push(e.commandLine);
  return texts.filter((t) => t !== '').flatMap((t) => scanTextForIocs(t));
}

/**
 * Turns a parser's draft into a common alert: deterministic alert id from tenant, source, sender and vendor id
 * (so a re-send keeps its id), text clamped to the schema's limits instead of refusing a real alert for a long title,
 * entities canonicalised and de-duplicated, then the schema check. Throws the schema's ZodError only for a draft
 * a parser should never have produced.
 */
export function buildAlert(source: SourceName, draft: AlertDraft, ctx: BuildContext): Alert {
  return Alert.parse(alertCandidate(source, draft, ctx));
}

/** {@link buildAlert} without the schema check, for callers that validate the whole event the alert goes into. */
export function alertCandidate(source: SourceName, draft: AlertDraft, ctx: BuildContext): AlertInput {
  const labels = [...new Set((draft.labels ?? []).map((l) => clipText(l, LIMITS.label)).filter((l) => l !== ''))].slice(0, LIMITS.labels - NOTE_LABELS);
  const notes: string[] = [];
  // An indicator is never cut (a cut URL or hash is another indicator): one longer than the contract allows is
  // left out, and the alert says so; its raw body stays in the payload store.
  const checked = checkEntities([...draft.entities, ...extractedEntities(draft)], ctx.internalNetworks);
  const finalized = checked.entities;
  // A value that is not valid for its type is not kept under it (a "not an ip" ip would reach containment): it is
  // left out, and the alert says which types lost how many; the raw body keeps it.
  const invalid = Object.entries(checked.invalid).map(([type, n]) => `${type}=${n}`);
  if (invalid.length > 0) notes.push(`soc:entity-values-invalid:${invalid.join(',')}`);
  const all = finalized.filter((e) => e.value.length <= MAX_ENTITY_VALUE_LENGTH);
  if (all.length < finalized.length) notes.push(`soc:entity-values-too-long:${finalized.length - all.length}`);
  // The source's entities come first, then those extracted from free text: the ones past the limit are dropped.
  if (all.length > LIMITS.entities) notes.push(`soc:entities-over-limit:${all.length - LIMITS.entities}`);
  const sourceEvents = sourceEventsOf(draft.sourceEvents);
  notes.push(...sourceEvents.notes);
  const candidate = {
    schemaVersion: 1 as const,
    alertId: deriveAlertId(ctx.tenantId, source, draft.vendorAlertId, ctx.senderName),
    tenantId: ctx.tenantId,
    // The authenticated principal, never a field of the body: containment refuses this principal's approval.
    sender: ctx.senderName,
    source: {
      name: source,
      product: draft.product === undefined ? undefined : clipText(draft.product, 256),
      vendor: draft.vendor === undefined ? undefined : clipText(draft.vendor, 256),
      // An identity: kept whole; one longer than the contract allows is refused with the reason, never cut.
      vendorAlertId: draft.vendorAlertId,
      url: httpUrl(draft.url),
    },
    title: clipText(draft.title.trim() || '(untitled alert)', LIMITS.title),
    description: clipText(draft.description ?? '', LIMITS.description),
    severity: draft.severity,
    status: draft.status ?? 'new',
    detectedAt: draft.detectedAt ?? ctx.receivedAt.toISOString(),
    firstSeenAt: draft.firstSeenAt,
    lastSeenAt: draft.lastSeenAt,
    modifiedAt: draft.modifiedAt,
    rule: draft.rule && (draft.rule.id !== undefined || draft.rule.name !== undefined)
      ? { id: draft.rule.id, name: draft.rule.name === undefined ? undefined : clipText(draft.rule.name, 1024) }
      : undefined,
    attack: validAttack(draft.attack ?? []),
    entities: all.slice(0, LIMITS.entities),
    labels: [...labels, ...notes],
    sourceEvents: sourceEvents.events,
    rawRef: ctx.rawKey === undefined ? undefined : { store: 'raw', key: `${ctx.rawKey}#${draft.rawPointer}` },
  };
  return fitAlert(candidate);
}
