import { DefaultAzureCredential } from '@azure/identity';
import { z } from 'zod';
import type { RunbookAdapter } from '../../ports.ts';
import { defenderForServersRunbooks } from './defender-servers-runbook.ts';
import { type BearerCredential, SUBSCRIPTION_ID } from './https-client.ts';
import { configRefusal } from './keyvault-config.ts';

/** The environment of `onboard-defender`. */
export const DefenderForServersEnv = z.object({
  /** Comma-separated subscription ids on which Defender for Servers Plan 2 may be turned on. */
  DEFENDER_FOR_SERVERS_SUBSCRIPTIONS: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(SUBSCRIPTION_ID, 'a subscription id is a GUID')).min(1, 'name at least one subscription')),
});

/** `onboard-defender` from the environment; ARM calls use `DefaultAzureCredential` unless a credential is given. */
export function defenderForServersRunbooksFromEnv(env: Record<string, string | undefined>, deps: { credential?: BearerCredential } = {}): { 'onboard-defender': RunbookAdapter } {
  const parsed = DefenderForServersEnv.safeParse(env);
  if (!parsed.success) throw configRefusal('onboard-defender configuration', parsed.error);
  return defenderForServersRunbooks({ credential: deps.credential ?? new DefaultAzureCredential(), subscriptionIds: parsed.data.DEFENDER_FOR_SERVERS_SUBSCRIPTIONS });
}
