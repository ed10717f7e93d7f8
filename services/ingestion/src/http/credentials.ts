import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SourceName } from '@soc/contracts';
import { TENANT_ID_PATTERN } from '@soc/http';
import { AppError, ErrorCode } from '@soc/runtime';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits, . _ : - (it names the sender in logs and events)');
const Sources = z.array(SourceName).min(1).optional().describe('Sources this credential may post to; all when absent');
/**
 * MSSP mode: the customer whose alerts this sender posts. Every alert it sends belongs to this tenant, whatever its
 * payload says; the deployment's SOC_TENANT_ID when absent.
 */
const TenantId = z.string().regex(TENANT_ID_PATTERN, 'a tenant id is 1-64 letters, digits, . _ or -, starting with a letter or digit').optional();
/** A secret given inline or, better, as a file (a Key Vault secret mounted by the CSI driver, a Kubernetes secret). */
const Secret = (min: number) => z.union([z.object({ value: z.string().min(min) }).strict(), z.object({ file: z.string().min(1) }).strict()]);

export const BearerCredential = z.object({
  kind: z.literal('bearer'),
  name: Name,
  token: Secret(16),
  sources: Sources,
  tenantId: TenantId,
  /** For products that cannot set headers (Splunk's webhook action): accept the token as `?token=`. */
  allowQueryToken: z.boolean().default(false),
});
export const HmacCredential = z.object({
  kind: z.literal('hmac'),
  name: Name,
  secret: Secret(32),
  sources: Sources,
  tenantId: TenantId,
  /** Accepted clock skew of `X-Soc-Timestamp`; bounds how long a captured request can be replayed. */
  maxSkewSeconds: z.number().int().min(10).max(3600).default(300),
  /**
   * Also accept the deprecated `sha256=` signature over `<timestamp>.<body>` (no method, path or nonce), for a
   * migration period. Off by default; such requests are still refused when sent twice.
   */
  allowLegacySignatures: z.boolean().default(false),
});
export const EntraCredential = z
  .object({
    kind: z.literal('entra'),
    name: Name,
    /** A JWKS document on disk (offline, air-gapped, tests) … */
    jwksFile: z.string().min(1).optional(),
    /** … or Entra ID's keys endpoint, e.g. https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys. */
    jwksUri: z.url({ protocol: /^https$/ }).optional(),
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Object ids or app ids (`oid`, `azp`, `appid`) allowed to call, e.g. the Logic App's managed identity. */
    allowedClients: z.array(z.string().min(1)).min(1),
    sources: Sources,
    tenantId: TenantId,
    /**
     * Longest lifetime accepted: a token's exp may be at most this far after its iat, and after now. Entra ID access
     * tokens live 60–90 minutes, managed identities' about 24 h, continuous-access-evaluation ones up to 28 h: the
     * default admits those and no more. Tokens without exp are refused.
     */
    maxTokenLifetimeSeconds: z.number().int().min(300).max(7 * 24 * 3600).default(28 * 3600),
  })
  .refine((c) => (c.jwksFile === undefined) !== (c.jwksUri === undefined), { message: 'Give exactly one of jwksFile or jwksUri' });

export const Credential = z.union([BearerCredential, HmacCredential, EntraCredential]);
export type Credential = z.infer<typeof Credential>;

/** `INGEST_AUTH_FILE`: who may send alerts to which source. */
export const IngestAuthFile = z
  .object({
    credentials: z.array(Credential).default([]),
    /**
     * Retired: API tokens never post alerts (senders only send, analysts never send). `false` is still accepted;
     * `true` stops the start with how to give the sender its own credential.
     */
    acceptApiTokens: z.literal(false, { error: 'API tokens can no longer post alerts: give the sender its own credential in this file (kind bearer, hmac or entra) and remove acceptApiTokens' }).optional(),
  })
  .strict();
export type IngestAuthFile = z.infer<typeof IngestAuthFile>;

/** A credential with its secrets resolved, ready for the authenticator. */
export type ResolvedCredential =
  | (Omit<z.infer<typeof BearerCredential>, 'token'> & { token: string })
  | (Omit<z.infer<typeof HmacCredential>, 'secret'> & { secret: string })
  | z.infer<typeof EntraCredential>;

function invalid(message: string): AppError {
  return new AppError(ErrorCode.CONFIGURATION_INVALID, `INGEST_AUTH_FILE: ${message}`, { retryable: false });
}

function resolveSecret(secret: { value: string } | { file: string }, what: string, min: number): string {
  if ('value' in secret) return secret.value;
  let value: string;
  try {
    value = readFileSync(secret.file, 'utf8').trim();
  } catch {
    throw invalid(`${what}: cannot read the secret file ${secret.file}`);
  }
  if (value.length < min) throw invalid(`${what}: the secret in ${secret.file} is shorter than ${min} characters`);
  return value;
}

/** Reads and checks the credentials file; every problem is a configuration error naming the credential, never a secret. */
export function loadIngestAuth(path: string): { credentials: ResolvedCredential[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalid(`cannot read ${path} as JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = IngestAuthFile.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  // The name is the sender's identity (part of its alert ids). Two entries of one name are one sender rotating its
  // secret, so they must be alike (kind, sources, tenant); anything else would let two senders share ids.
  const names = new Map<string, string>();
  const credentials = parsed.data.credentials.map((c): ResolvedCredential => {
    const shape = JSON.stringify([c.kind, [...(c.sources ?? ['*'])].sort(), c.tenantId ?? null]);
    const seen = names.get(c.name);
    if (seen !== undefined && seen !== shape) {
      throw invalid(`credential name "${c.name}" is used twice with a different kind or sources, or another tenantId (entries of one name are one sender rotating its secret: same kind, sources and tenant)`);
    }
    names.set(c.name, shape);
    switch (c.kind) {
      case 'bearer':
        return { ...c, token: resolveSecret(c.token, `credential "${c.name}"`, 16) };
      case 'hmac':
        return { ...c, secret: resolveSecret(c.secret, `credential "${c.name}"`, 32) };
      case 'entra':
        return c;
    }
  });
  return { credentials };
}
