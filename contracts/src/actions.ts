import { z } from 'zod';
import { MAX_ENTITY_VALUE_LENGTH } from './alert.ts';
import { MAX_DELIVERY_DELAY_MS } from './envelope.ts';

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
  /**
   * The policy's digest window (`email.digestMinutes`): later alerts of the case group that send no e-mail of their
   * own are summed up in one digest e-mail at the end of the window. Added to version 1 as optional; none: no digest.
   */
  digestMinutes: z.number().int().min(1).max(1440).optional(),
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
/** The runbooks of version 1 events (frozen: `soc.decision.made.v1` and the containment events' v1 carry these). */
export const ContainmentRunbookV1 = z.enum(['block-ip', 'block-url', 'isolate-host', 'nsg-block-port', 'rotate-secret', 'disable-user']);
/**
 * Every runbook (issue 14 added `revoke-sessions`, the storage runbooks, `run-logic-app` and `onboard-defender`, in
 * the version 2 events). A superset of {@link ContainmentRunbookV1}, so a v1 event upcasts unchanged.
 */
export const ContainmentRunbook = z.enum([
  ...ContainmentRunbookV1.options,
  'revoke-sessions',
  'block-storage-public-access',
  'rotate-storage-keys',
  'run-logic-app',
  'onboard-defender',
]);
export type ContainmentRunbook = z.infer<typeof ContainmentRunbook>;
/** A runbook's arguments (the port of an NSG rule, a Logic App's name): names and values the policy set, never alert text. */
export const RunbookArguments = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/), z.string().max(256))
  .refine((a) => Object.keys(a).length <= 16, 'at most 16 runbook arguments');
export type RunbookArguments = z.infer<typeof RunbookArguments>;
const containmentTarget = z.object({ entityId: z.string().min(1), type: z.string(), value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH) });
/** RunContainment as version 1 events carry it (frozen). */
export const RunContainmentActionV1 = z.object({
  ...ActionBase,
  kind: z.literal('RunContainment'),
  runbook: ContainmentRunbookV1,
  /** The entity acted on; it must be one of the alert's entities. */
  target: containmentTarget,
  /** Containment never runs without a recorded human approval. */
  requiresApproval: z.literal(true),
});
export const RunContainmentAction = z.object({
  ...ActionBase,
  kind: z.literal('RunContainment'),
  runbook: ContainmentRunbook,
  /** The entity acted on; it must be one of the alert's entities. */
  target: containmentTarget,
  /** The runbook's arguments from the policy (bound into the approval's hash); none when it takes none. */
  arguments: RunbookArguments.optional(),
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

/** Any action of version 1 events (frozen: RunContainment with the v1 runbooks, no arguments). */
export const ActionV1 = z.discriminatedUnion('kind', [
  SendEmailAction,
  PostChatAction,
  CreateTicketAction,
  RunContainmentActionV1,
  GenerateHuntAction,
  SuppressAction,
]);

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

/** Longest an escalation may wait: the bus defers a delivery at most 7 days (`MAX_DELIVERY_DELAY_MS`). */
export const MAX_ESCALATION_MINUTES = MAX_DELIVERY_DELAY_MS / 60_000;

/**
 * Policy-only action: "if this case group is not acknowledged within `afterMinutes`, notify these next
 * destinations". Only the decision policy's own escalation rules produce it — never triage or the LLM copilot — so
 * it is deliberately *not* a member of {@link Action} (what may be recommended): a decision carries it in its own
 * optional field, `escalation` (`soc.decision.made.v1`), which consumers that do not escalate never see.
 * Destinations are the policy's (recipients inside its allowed domains, chat destinations by configured name).
 */
export const EscalateAction = z
  .object({
    ...ActionBase,
    kind: z.literal('Escalate'),
    afterMinutes: z.number().int().min(1).max(MAX_ESCALATION_MINUTES),
    email: z.object({ to: z.array(z.email()).min(1).max(50) }).optional(),
    chat: z.array(PostChatAction.pick({ channel: true, destination: true })).min(1).max(20).optional(),
  })
  .refine((a) => a.email !== undefined || a.chat !== undefined, { message: 'an escalation notifies someone: email, chat or both' });
export type EscalateAction = z.infer<typeof EscalateAction>;
export type ContainmentRunbookV1 = z.infer<typeof ContainmentRunbookV1>;
