import { z } from 'zod';
import { Alert, AttackRef, EntityType, Severity, deriveAlertId } from '@soc/contracts';
import { type EntityDraft, finalizeEntities } from '../entities.ts';

/**
 * The documented generic JSON alert (version 1): what any product or script can POST to
 * `/api/v1/alerts/generic`. Only `id`, `title` and `severity` are required.
 */
export const GenericAlertV1 = z
  .object({
    /** The alert's id in the sending system; re-sending the same id is idempotent. */
    id: z.string().min(1).max(512),
    title: z.string().min(1).max(1024),
    description: z.string().max(32_768).optional(),
    severity: z.union([Severity, z.enum(['Informational', 'Low', 'Medium', 'High', 'Critical', 'info'])]),
    status: z.enum(['new', 'in_progress', 'suppressed', 'resolved']).optional(),
    /** ISO 8601 with offset; defaults to the time of receipt. */
    detectedAt: z.iso.datetime({ offset: true }).optional(),
    firstSeenAt: z.iso.datetime({ offset: true }).optional(),
    lastSeenAt: z.iso.datetime({ offset: true }).optional(),
    product: z.string().max(256).optional(),
    vendor: z.string().max(256).optional(),
    url: z.url({ protocol: /^https?$/ }).max(4096).optional(),
    rule: z.object({ id: z.string().max(512).optional(), name: z.string().max(1024).optional() }).optional(),
    tactics: z.array(z.string().max(128)).max(32).optional(),
    techniques: z.array(AttackRef.shape.techniqueId.unwrap()).max(64).optional(),
    labels: z.array(z.string().max(256)).max(64).optional(),
    entities: z
      .array(
        z.looseObject({
          type: EntityType,
          value: z.string().min(1).max(2048),
        }),
      )
      .max(500)
      .optional(),
  })
  .strict();
export type GenericAlertV1 = z.infer<typeof GenericAlertV1>;

/** Context a normaliser needs: whose alert, and when it arrived (the default detection time). */
export interface NormalizeContext {
  tenantId: string;
  receivedAt: Date;
}

/** Normalises a validated generic alert into the common alert schema. Pure. */
export function normalizeGeneric(input: GenericAlertV1, ctx: NormalizeContext): Alert {
  const severity = input.severity === 'info' ? 'informational' : (input.severity.toLowerCase() as Severity);
  const techniques = (input.techniques ?? []).map((techniqueId) => ({ techniqueId }));
  const tactics = (input.tactics ?? []).map((tactic) => ({ tactic }));
  const drafts = (input.entities ?? []).map((e) => e as unknown as EntityDraft);
  const candidate = {
    schemaVersion: 1 as const,
    alertId: deriveAlertId(ctx.tenantId, 'generic', input.id),
    tenantId: ctx.tenantId,
    source: {
      name: 'generic' as const,
      product: input.product,
      vendor: input.vendor,
      vendorAlertId: input.id,
      url: input.url,
    },
    title: input.title,
    description: input.description ?? '',
    severity,
    status: input.status ?? 'new',
    detectedAt: input.detectedAt ?? ctx.receivedAt.toISOString(),
    firstSeenAt: input.firstSeenAt,
    lastSeenAt: input.lastSeenAt,
    rule: input.rule,
    attack: [...tactics, ...techniques],
    entities: finalizeEntities(drafts),
    labels: input.labels ?? [],
  };
  // Entity extras are free-form in the generic format; the common schema decides what survives.
  return Alert.parse(candidate);
}
