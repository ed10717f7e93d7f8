import { z } from 'zod';
import { MAX_ENTITY_VALUE_LENGTH } from './alert.ts';

/**
 * The strict action contract. The triage engine or the LLM may only recommend these; the decision policy
 * validates every field (thresholds, connectors, destinations, runbooks) before an action is emitted.
 */
const ActionBase = {
  /** Deterministic from the decision and the action, so a redelivered decision repeats no side effect. */
  actionId: z.string().min(1).max(256),
  reason: z.string().max(1024),
};

export const SendEmailAction = z.object({
  ...ActionBase,
  kind: z.literal('SendEmail'),
  to: z.array(z.email()).min(1).max(50),
  template: z.enum(['alert-summary']),
});
export const PostChatAction = z.object({
  ...ActionBase,
  kind: z.literal('PostChat'),
  channel: z.enum(['teams', 'slack']),
  /** A destination name from configuration, never a URL taken from alert content. */
  destination: z.string().min(1).max(128),
});
export const CreateTicketAction = z.object({
  ...ActionBase,
  kind: z.literal('CreateTicket'),
  system: z.enum(['local', 'servicenow']),
  priority: z.number().int().min(1).max(5),
  assignmentGroup: z.string().max(128).optional(),
});
export const ContainmentRunbook = z.enum(['block-ip', 'block-url', 'isolate-host', 'nsg-block-port', 'rotate-secret', 'disable-user']);
export type ContainmentRunbook = z.infer<typeof ContainmentRunbook>;
export const RunContainmentAction = z.object({
  ...ActionBase,
  kind: z.literal('RunContainment'),
  runbook: ContainmentRunbook,
  /** The entity acted on; it must be one of the alert's entities. */
  target: z.object({ entityId: z.string().min(1), type: z.string(), value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH) }),
  /** Containment never runs without a recorded human approval. */
  requiresApproval: z.literal(true),
});
export const GenerateHuntAction = z.object({
  ...ActionBase,
  kind: z.literal('GenerateHunt'),
  entityIds: z.array(z.string()).max(50),
});
export const SuppressAction = z.object({
  ...ActionBase,
  kind: z.literal('Suppress'),
  until: z.iso.datetime({ offset: true }).optional(),
});

/** Any action of the contract. */
export const Action = z.discriminatedUnion('kind', [
  SendEmailAction,
  PostChatAction,
  CreateTicketAction,
  RunContainmentAction,
  GenerateHuntAction,
  SuppressAction,
]);
export type Action = z.infer<typeof Action>;
export type ActionKind = Action['kind'];
