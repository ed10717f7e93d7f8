import { z } from 'zod';
import { Severity, VerdictClass, currentTypeOf } from '@soc/contracts';

/** The event types a webhook subscriber may ask for (those the `notification-webhooks` subscription receives). */
export const WebhookEventType = z.enum(['soc.decision.made.v2', 'soc.alert.triaged.v1']);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** Standard Webhooks secrets: `whsec_` then base64 of 24–64 random bytes. */
const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** One signing key as written in the file: the secret is named, never inlined. */
const KeyEntry = z.strictObject({
  /** Sent as `webhook-key-id` (with the other active keys, space-separated) so a subscriber knows which to use. */
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'keyId: 1–64 of A–Z a–z 0–9 . _ -'),
  /** Environment variable holding the `whsec_…` secret (a file mounted in SOC_SECRETS_DIR counts). */
  secretEnv: z.string().regex(ENV_NAME, 'secretEnv must be an environment variable name'),
});

/** One subscriber as written in `OUTBOUND_WEBHOOKS_FILE`. */
const SubscriberEntry = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'name: lower-case letters, digits and dashes'),
  url: z.url({ protocol: /^https?$/ }),
  // A type named by an older version (`soc.decision.made.v1`, from files written before version 2) subscribes to the
  // current one: events are upcast on the bus, so only the current version is ever delivered.
  types: z.array(z.string().transform((t) => currentTypeOf(t)).pipe(WebhookEventType)).min(1),
  filter: z
    .strictObject({
      minSeverity: Severity.optional(),
      verdicts: z.array(VerdictClass).min(1).optional(),
      tenants: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({}),
  /** Every active key signs each delivery; during rotation list the new and the old. */
  keys: z.array(KeyEntry).min(1).max(4),
  /** Per-request timeout; at most 15 s, well inside the bus's message lock. */
  timeoutMs: z.number().int().min(100).max(15_000).default(5_000),
});

/** The file: `{ "subscribers": [ … ] }`. */
export const WebhookFile = z.strictObject({ subscribers: z.array(SubscriberEntry).max(64) });

/** A signing key resolved from the environment. */
export interface SigningKey {
  readonly keyId: string;
  /** The HMAC key: the base64 after `whsec_`, decoded. */
  readonly secret: Buffer;
}

/** A subscriber ready to deliver to. */
export interface WebhookSubscriber {
  readonly name: string;
  readonly url: string;
  readonly types: readonly WebhookEventType[];
  readonly filter: { readonly minSeverity?: Severity; readonly verdicts?: readonly VerdictClass[]; readonly tenants?: readonly string[] };
  readonly keys: readonly SigningKey[];
  readonly timeoutMs: number;
}

/** Options of {@link parseWebhookSubscribers}. */
export interface ParseWebhookSubscribersOptions {
  /** Environment the `secretEnv` names are looked up in. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Allows `http:` to loopback hosts (tests only); anything else must be `https:`. */
  readonly allowLoopback: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Validates the webhook file's JSON and resolves each key's secret from the environment. Every problem is returned,
 * named by its path in the file; a secret's value never appears in a message.
 */
export function parseWebhookSubscribers(
  json: unknown,
  options: ParseWebhookSubscribersOptions,
): { ok: true; subscribers: readonly WebhookSubscriber[] } | { ok: false; problems: readonly string[] } {
  const parsed = WebhookFile.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${['subscribers', ...i.path.slice(1)].join('.') || '(root)'}: ${i.message}`) };
  }
  const problems: string[] = [];
  const names = new Set<string>();
  const subscribers = parsed.data.subscribers.map((s, i): WebhookSubscriber => {
    const at = `subscribers.${i}`;
    if (names.has(s.name)) problems.push(`${at}.name: "${s.name}" is used twice`);
    names.add(s.name);
    const url = new URL(s.url);
    if (url.username || url.password) problems.push(`${at}.url: credentials in the URL are not allowed`);
    if (url.protocol !== 'https:' && !(options.allowLoopback && LOOPBACK.has(url.hostname))) {
      problems.push(`${at}.url: must be https (http only to loopback with OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK=true, for tests)`);
    }
    const keys = s.keys.map((k, j) => {
      const value = options.env[k.secretEnv];
      if (value === undefined || value === '') problems.push(`${at}.keys.${j}.secretEnv: ${k.secretEnv} is not set`);
      else if (!WHSEC.test(value) || Buffer.from(value.slice(6), 'base64').length < 24) {
        problems.push(`${at}.keys.${j}.secretEnv: ${k.secretEnv} is not a whsec_ secret of at least 24 base64-encoded bytes`);
      }
      return { keyId: k.keyId, secret: Buffer.from((value ?? '').slice(6), 'base64') };
    });
    return { name: s.name, url: s.url, types: s.types, filter: s.filter, keys, timeoutMs: s.timeoutMs };
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, subscribers };
}
