import { z } from 'zod';
import { AttackRef, EntityType, MAX_ENTITY_VALUE_LENGTH, MAX_VENDOR_ID_LENGTH, Severity } from '@soc/contracts';
import type { EntityDraft } from '../entities.ts';
import type { AlertDraft, FieldError, SourceParser } from './types.ts';

/**
 * The documented generic JSON alert (version 1): what any product or script can POST to
 * `/api/v1/alerts/generic`. Only `id`, `title` and `severity` are required.
 */
export const GenericAlertV1 = z
  .object({
    /** The alert's id in the sending system; re-sending the same id is idempotent. */
    id: z.string().min(1).max(MAX_VENDOR_ID_LENGTH),
    title: z.string().min(1).max(1024),
    description: z.string().max(32_768).optional(),
    severity: z.union([Severity, z.enum(['Informational', 'Low', 'Medium', 'High', 'Critical', 'info'])]),
    status: z.enum(['new', 'in_progress', 'suppressed', 'resolved']).optional(),
    /** ISO 8601 with offset; defaults to the time of receipt. */
    detectedAt: z.iso.datetime({ offset: true }).optional(),
    firstSeenAt: z.iso.datetime({ offset: true }).optional(),
    lastSeenAt: z.iso.datetime({ offset: true }).optional(),
    /** When the sending system last changed the alert: orders re-sent versions (revisions); not content. */
    modifiedAt: z.iso.datetime({ offset: true }).optional(),
    product: z.string().max(256).optional(),
    vendor: z.string().max(256).optional(),
    url: z.url({ protocol: /^https?$/ }).max(4096).optional(),
    rule: z.object({ id: z.string().max(MAX_VENDOR_ID_LENGTH).optional(), name: z.string().max(1024).optional() }).optional(),
    tactics: z.array(z.string().max(128)).max(32).optional(),
    techniques: z.array(AttackRef.shape.techniqueId.unwrap()).max(64).optional(),
    labels: z.array(z.string().max(256)).max(64).optional(),
    entities: z
      .array(
        z.looseObject({
          type: EntityType,
          value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH),
        }),
      )
      .max(500)
      .optional(),
  })
  .strict();
export type GenericAlertV1 = z.infer<typeof GenericAlertV1>;

function fieldErrors(index: number, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ index, path: i.path.join('.') || '(root)', message: i.message }));
}

/** Maps a validated generic alert to a draft. Entity extras are free-form here; the common schema decides what survives. */
function draftOf(input: GenericAlertV1, rawPointer: string): AlertDraft {
  return {
    vendorAlertId: input.id,
    product: input.product,
    vendor: input.vendor,
    url: input.url,
    title: input.title,
    description: input.description,
    severity: input.severity === 'info' ? 'informational' : (input.severity.toLowerCase() as Severity),
    status: input.status,
    detectedAt: input.detectedAt,
    firstSeenAt: input.firstSeenAt,
    lastSeenAt: input.lastSeenAt,
    modifiedAt: input.modifiedAt,
    rule: input.rule,
    attack: [...(input.tactics ?? []).map((tactic) => ({ tactic })), ...(input.techniques ?? []).map((techniqueId) => ({ techniqueId }))],
    entities: (input.entities ?? []).map((e) => e as unknown as EntityDraft),
    labels: input.labels,
    rawPointer,
  };
}

/** The documented generic JSON alert: one object or an array of them. */
export const genericParser: SourceParser = {
  name: 'generic',
  mediaTypes: ['application/json'],
  parse(body) {
    const items = Array.isArray(body) ? body : [body];
    const errors: FieldError[] = [];
    const drafts: AlertDraft[] = [];
    items.forEach((item, index) => {
      const parsed = GenericAlertV1.safeParse(item);
      if (parsed.success) drafts.push(draftOf(parsed.data, Array.isArray(body) ? `/${index}` : ''));
      else errors.push(...fieldErrors(index, parsed.error));
    });
    return errors.length > 0 ? { ok: false, errors } : { ok: true, drafts };
  },
};
