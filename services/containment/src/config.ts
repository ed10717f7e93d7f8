import { z } from 'zod';
import { ContainmentRunbook } from '@soc/contracts';

const runbookList = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const names = v.split(',').map((n) => n.trim()).filter((n) => n !== '');
    const out: ContainmentRunbook[] = [];
    for (const name of names) {
      const parsed = ContainmentRunbook.safeParse(name);
      if (parsed.success) out.push(parsed.data);
      else ctx.addIssue({ code: 'custom', message: `unknown runbook "${name}" (runbooks: ${ContainmentRunbook.options.join(', ')})` });
    }
    return out;
  });

/**
 * The containment service's own settings. Loose: the other variables stay on the parsed object, so each real
 * runbook enabled in CONTAINMENT_EXECUTE_RUNBOOKS reads and checks its own (`adapters/<runbook family>/…FromEnv`).
 */
export const ContainmentConfig = z
  .looseObject({
    /** Fractions are allowed (0.05 = 3 s) so tests can watch a request expire. */
    CONTAINMENT_APPROVAL_TTL_MINUTES: z.coerce.number().min(1 / 60).max(7 * 24 * 60).default(240),
    /** `true` (the default): every runbook is a dry run. `false`: the runbooks of CONTAINMENT_EXECUTE_RUNBOOKS execute for real. */
    CONTAINMENT_DRY_RUN: z.enum(['true', 'false']).default('true'),
    /** With CONTAINMENT_DRY_RUN=false, the runbooks that execute for real (comma-separated); every other stays a dry run. */
    CONTAINMENT_EXECUTE_RUNBOOKS: runbookList,
    /**
     * Runbooks that stay a dry run but plan against their real API (read-only lookups: the device, the rule, the
     * secret they would act on), so the approver sees exactly what a real run would change. Their settings are needed
     * as for execution; a staging step before CONTAINMENT_EXECUTE_RUNBOOKS. Runbooks that execute always plan.
     */
    CONTAINMENT_PLAN_RUNBOOKS: runbookList,
    /**
     * The decision policy file (the same variable and file as the decision service's): its `containment` section gives
     * the four-eyes runbooks, the hourly blast-radius caps and the target rules the pre-execution re-check applies.
     * Default the bundled policy.
     */
    DECISION_POLICY_FILE: z.string().min(1).optional(),
    /** Defender for Endpoint (isolate-host, block-ip, block-url): an app registration with Machine.Read.All, Machine.Isolate, Ti.ReadWrite.All. */
    DEFENDER_TENANT_ID: z.string().min(1).optional(),
    DEFENDER_CLIENT_ID: z.string().min(1).optional(),
    /** A mounted file holding the client secret (never the variable itself: it would show in the process environment). */
    DEFENDER_CLIENT_SECRET_FILE: z.string().min(1).optional(),
    DEFENDER_API_BASE_URL: z.url().optional(),
    /** The Entra ID authority; tests point it at a local stand-in. */
    DEFENDER_AUTHORITY_HOST: z.url().optional(),
    DEFENDER_ISOLATION_TYPE: z.enum(['Selective', 'Full']).default('Selective'),
    /**
     * How a real execution is checked while its API reports it pending: the first re-check after this many seconds,
     * then twice as long each time up to twenty times it, for at most CONTAINMENT_VERIFY_MAX_CHECKS checks.
     */
    CONTAINMENT_VERIFY_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
    CONTAINMENT_VERIFY_MAX_CHECKS: z.coerce.number().int().min(1).max(100).default(20),
  })
  .superRefine((c, ctx) => {
    if (c.CONTAINMENT_DRY_RUN === 'false' && c.CONTAINMENT_EXECUTE_RUNBOOKS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['CONTAINMENT_EXECUTE_RUNBOOKS'], message: 'CONTAINMENT_DRY_RUN=false executes only the runbooks listed here: name at least one (or keep the dry run)' });
    }
    if (c.CONTAINMENT_DRY_RUN === 'true' && c.CONTAINMENT_EXECUTE_RUNBOOKS.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['CONTAINMENT_EXECUTE_RUNBOOKS'], message: 'runbooks are listed for real execution but CONTAINMENT_DRY_RUN is true: set it to false to execute them' });
    }
    const defender = [c.DEFENDER_TENANT_ID, c.DEFENDER_CLIENT_ID, c.DEFENDER_CLIENT_SECRET_FILE];
    if (defender.some((v) => v !== undefined) && defender.some((v) => v === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['DEFENDER_CLIENT_ID'], message: 'Defender needs DEFENDER_TENANT_ID, DEFENDER_CLIENT_ID and DEFENDER_CLIENT_SECRET_FILE together' });
    }
  });
export type ContainmentConfig = z.infer<typeof ContainmentConfig>;
