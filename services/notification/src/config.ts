import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWebhookSubscribers, type WebhookSubscriber } from './webhooks/config.ts';

/** The notification service's own settings. */
const NotificationSettings = z.object({
  NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
  NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
  /** JSON file of outbound decision webhook subscribers (see the README); unset: no webhooks. */
  OUTBOUND_WEBHOOKS_FILE: z.string().min(1).optional(),
  /** Tests only: lets a subscriber URL be plain http to a loopback host. */
  OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/**
 * The settings plus the webhook subscribers, read and validated from `OUTBOUND_WEBHOOKS_FILE` at start-up with their
 * secrets resolved from the environment (the schema sees the whole environment for that, and keeps only these).
 */
export const NotificationConfig = z.looseObject(NotificationSettings.shape).transform((env, ctx) => {
  const { NOTIFY_OUTBOX_DIR, NOTIFY_FROM, OUTBOUND_WEBHOOKS_FILE, OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK } = env;
  const settings = { NOTIFY_OUTBOX_DIR, NOTIFY_FROM, OUTBOUND_WEBHOOKS_FILE, OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK };
  let webhooks: readonly WebhookSubscriber[] = [];
  if (OUTBOUND_WEBHOOKS_FILE !== undefined) {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['OUTBOUND_WEBHOOKS_FILE'], message });
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(OUTBOUND_WEBHOOKS_FILE, 'utf8'));
    } catch (error) {
      problem(`cannot read ${OUTBOUND_WEBHOOKS_FILE} as JSON: ${(error as Error).message}`);
      return z.NEVER;
    }
    const parsed = parseWebhookSubscribers(json, { env: env as Record<string, string | undefined>, allowLoopback: OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK });
    if (!parsed.ok) {
      for (const p of parsed.problems) problem(p);
      return z.NEVER;
    }
    webhooks = parsed.subscribers;
  }
  return { ...settings, webhooks };
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
