import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_ESCALATION_MINUTES, VerdictClass } from '@soc/contracts';
import { ContainmentPolicy, DEFAULT_POLICY_URL, RiskLevel } from '@soc/guardrails';

const Level = RiskLevel;

export type Level = z.infer<typeof Level>;

/** Chat destinations by name: each must be declared in `chat.destinations` (checked when the policy loads). */
const ChatNames = z.array(z.string().min(1).max(128)).max(20);

/**
 * Re-notification of an unacknowledged case: at `minLevel` (default critical) and above, a decision carries an
 * `Escalate` action saying "if this case group is not acknowledged within `afterMinutes`, notify these next".
 */
export const EscalationPolicy = z
  .object({
    minLevel: Level.default('critical'),
    afterMinutes: z.number().int().min(1).max(MAX_ESCALATION_MINUTES),
    email: z.object({ to: z.array(z.email()).min(1).max(50) }).strict().optional(),
    chat: ChatNames.min(1).optional(),
  })
  .strict()
  .refine((e) => e.email !== undefined || e.chat !== undefined, { message: 'an escalation needs email.to or chat destinations to notify' });
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

/**
 * One routing rule: when an alert matches (every criterion given must hold; a list matches any of its entries; an
 * empty match matches every alert), its notifications go to these destinations instead of the defaults. A channel
 * the route leaves out keeps the default (`email.to`, every `chat.destinations`); an empty list sends none.
 */
export const RoutePolicy = z
  .object({
    /** For people and reasons: "route 2 (contoso-critical)". */
    name: z.string().min(1).max(64).optional(),
    match: z
      .object({
        /** Alert `tenantId`s. */
        tenants: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
        /** The alert's detection rule: its `rule.id` or its `rule.name`, exactly. */
        rules: z.array(z.string().min(1).max(1024)).min(1).max(100).optional(),
        /** The triage risk level at least. */
        minLevel: Level.optional(),
      })
      .strict(),
    email: z.object({ to: z.array(z.email()).max(50) }).strict().optional(),
    chat: ChatNames.optional(),
    /** Replaces the global `escalation` for alerts of this route. */
    escalation: EscalationPolicy.optional(),
  })
  .strict();
export type RoutePolicy = z.infer<typeof RoutePolicy>;

/** The decision policy: which actions are allowed, when, and to which destinations. Versioned, loaded from a file. */
export const DecisionPolicy = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    suppress: z.object({ verdicts: z.array(VerdictClass), minLikelihood: z.number().min(0).max(1) }),
    email: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      to: z.array(z.email()).max(50),
      /** Every recipient must be in one of these domains, whoever recommends the email. */
      allowedDomains: z.array(z.string().min(1)),
      /**
       * The throttle window of a case group's e-mail (noise control): alerts of the group that do not escalate send no
       * e-mail, and are summed up in one digest at the end of the window (none: no digest). 1 to 1440 minutes.
       */
      digestMinutes: z.number().int().min(1).max(1440).optional(),
    }),
    chat: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      destinations: z.array(z.object({ name: z.string().min(1), channel: z.enum(['teams', 'slack']) })),
    }),
    ticket: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      system: z.enum(['local', 'servicenow']),
      priorityByLevel: z.record(Level, z.number().int().min(1).max(5)),
    }),
    /** When containment is proposed and the targets it may never touch (schema and checks: `@soc/guardrails`). */
    containment: ContainmentPolicy,
    hunt: z.object({ enabled: z.boolean(), minLevel: Level }),
    /**
     * The LLM copilot's recommended actions. They pass the same checks as the policy's own, plus: the copilot can
     * never suppress (suppression follows the deterministic verdict), and destinations always come from this policy.
     */
    copilot: z.object({ acceptRecommendations: z.boolean() }).default({ acceptRecommendations: true }),
    /** Destinations by tenant, rule and severity: the first matching route wins; none matching keeps the defaults. */
    routes: z.array(RoutePolicy).max(100).optional(),
    /** Escalation for alerts whose route has none of its own. */
    escalation: EscalationPolicy.optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    // Destinations are named in one place: a route or escalation may only pick among them, so a typo stops start-up.
    const declared = new Set(policy.chat.destinations.map((d) => d.name));
    const domains = policy.email.allowedDomains.map((d) => d.toLowerCase());
    const checkChat = (names: readonly string[] | undefined, path: (string | number)[]) =>
      names?.forEach((name, i) => {
        if (!declared.has(name))
          ctx.addIssue({ code: 'custom', path: [...path, i], message: `chat destination "${name}" is not declared in chat.destinations (declared: ${[...declared].join(', ') || 'none'})` });
      });
    const checkEmail = (to: readonly string[] | undefined, path: (string | number)[]) =>
      to?.forEach((address, i) => {
        if (!domains.some((d) => address.toLowerCase().endsWith(`@${d}`)))
          ctx.addIssue({ code: 'custom', path: [...path, i], message: `recipient ${address} is outside email.allowedDomains (${domains.join(', ') || 'none'})` });
      });
    const checkEscalation = (e: EscalationPolicy | undefined, path: (string | number)[]) => {
      checkChat(e?.chat, [...path, 'chat']);
      checkEmail(e?.email?.to, [...path, 'email', 'to']);
    };
    policy.routes?.forEach((route, r) => {
      checkChat(route.chat, ['routes', r, 'chat']);
      checkEmail(route.email?.to, ['routes', r, 'email', 'to']);
      checkEscalation(route.escalation, ['routes', r, 'escalation']);
    });
    checkEscalation(policy.escalation, ['escalation']);
  });
export type DecisionPolicy = z.infer<typeof DecisionPolicy>;

/** The bundled policy file (kept with the guardrails, whose containment section the containment service reads too). */
export const DEFAULT_POLICY_PATH = DEFAULT_POLICY_URL;

/** Reads and validates a policy file; a bad file stops start-up with the reasons. */
export function loadPolicy(path: string | URL = DEFAULT_POLICY_PATH): DecisionPolicy {
  const parsed = DecisionPolicy.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `Invalid decision policy ${String(path)}: ${describePolicyIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Every problem of a policy, each with its path (`routes.1.chat.0: chat destination "x" is not declared …`). */
export function describePolicyIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

const RANK: Readonly<Record<Level, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** True when `level` is at least `min`. */
export function atLeast(level: Level, min: Level): boolean {
  return RANK[level] >= RANK[min];
}
