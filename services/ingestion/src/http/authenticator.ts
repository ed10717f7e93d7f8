import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { type BearerToken, tokenMatcher } from '@soc/http';
import type { ResolvedCredential } from './credentials.ts';
import { ReplayGuard } from './replay-guard.ts';

/** What a request shows before its body is read. */
export interface CredentialsShown {
  authorization?: string | undefined;
  signature?: string | undefined;
  timestamp?: string | undefined;
  nonce?: string | undefined;
  queryToken?: string | undefined;
  /** The request's method, part of what an HMAC signature covers; `POST` when absent. */
  method?: string | undefined;
}

/**
 * `principal` names the sender as recorded (Entra: `<credential>:<client id>`); `name` is the credential's configured
 * name, the sender's stable identity that alert ids derive from (it survives a rotation of the secret or token).
 */
export type AuthResult = { ok: true; principal: string; name: string; tenantId?: string | undefined } | { ok: false; reason: string; retryAfterSeconds?: number };
/** Header credentials are settled before the body is read; an HMAC signature needs the body. */
export type AuthStep = AuthResult | { ok: 'needs-body'; verify: (rawBody: Buffer) => AuthResult };

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const SIGNATURE = /^(v1|sha256)=([0-9a-fA-F]{64})$/;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The string an HMAC signature (v1) covers: version, time, a one-time nonce, method, the alert endpoint's path
 * (which names the source) and the raw body, so a signature is good for one request to one endpoint only.
 * The path is always `/api/v1/alerts/<source>`, whatever prefix a proxy in front adds, and never a query string.
 */
export function signingInputV1(parts: { timestamp: string; nonce: string; method: string; source: string }): string {
  return `v1:${parts.timestamp}:${parts.nonce}:${parts.method.toUpperCase()}:/api/v1/alerts/${parts.source}:`;
}
const MAX_TOKEN_LENGTH = 8192;

interface EntraVerifier {
  name: string;
  sources: readonly string[] | undefined;
  tenantId: string | undefined;
  keys: JWTVerifyGetKey;
  issuer: string | string[];
  audience: string | string[];
  allowedClients: ReadonlySet<string>;
  maxLifetimeSeconds: number;
}

const allows = (sources: readonly string[] | undefined, source: string): boolean => sources === undefined || sources.includes(source);

/**
 * Authenticates alert senders per source: bearer tokens (per-source ones, compared in constant time; never the
 * platform's API tokens: senders only send), HMAC-SHA-256 signatures over method, path, a one-time nonce and the body
 * ({@link signingInputV1}) with a bounded clock skew and a replay cache, and Microsoft Entra
 * ID access tokens verified against a JWKS (file or URI), issuer, audience and an allow-list of client ids.
 * Reasons name what was wrong, never what was sent.
 */
export class SenderAuthenticator {
  private readonly match: ((presented: string) => string | undefined) | undefined;
  private readonly bearerSources = new Map<string, readonly string[] | undefined>();
  /** The tenant of each credential name that names one (the sender's customer; never the payload's word). */
  private readonly tenants = new Map<string, string>();
  private readonly queryTokenNames = new Set<string>();
  private readonly hmac: { name: string; key: KeyObject; sources: readonly string[] | undefined; maxSkewSeconds: number; allowLegacySignatures: boolean }[] = [];
  private readonly replays: ReplayGuard;
  private readonly entra: EntraVerifier[] = [];
  private readonly now: () => number;

  constructor(options: { credentials: readonly ResolvedCredential[]; now: () => number; replayCacheSize?: number | undefined }) {
    this.now = options.now;
    this.replays = new ReplayGuard({ maxEntriesPerCredential: options.replayCacheSize ?? 100_000, now: options.now });
    const bearer: BearerToken[] = [];
    for (const c of options.credentials) {
      if (c.tenantId !== undefined) this.tenants.set(c.name, c.tenantId);
      switch (c.kind) {
        case 'bearer':
          bearer.push({ name: c.name, token: c.token });
          this.bearerSources.set(c.name, c.sources);
          if (c.allowQueryToken) this.queryTokenNames.add(c.name);
          break;
        case 'hmac':
          this.hmac.push({ name: c.name, key: createSecretKey(Buffer.from(c.secret, 'utf8')), sources: c.sources, maxSkewSeconds: c.maxSkewSeconds, allowLegacySignatures: c.allowLegacySignatures });
          break;
        case 'entra':
          this.entra.push({
            name: c.name,
            sources: c.sources,
            tenantId: c.tenantId,
            keys: c.jwksFile !== undefined ? createLocalJWKSet(JSON.parse(readFileSync(c.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]) : createRemoteJWKSet(new URL(c.jwksUri ?? '')),
            issuer: c.issuer,
            audience: c.audience,
            allowedClients: new Set(c.allowedClients),
            maxLifetimeSeconds: c.maxTokenLifetimeSeconds,
          });
          break;
      }
    }
    this.match = bearer.length > 0 ? tokenMatcher(bearer) : undefined;
  }

  /** True when no credential of any kind can post to this source (misconfiguration shows as 401 with this reason). */
  hasCredentialsFor(source: string): boolean {
    return [...this.bearerSources.values()].some((s) => allows(s, source)) || this.hmac.some((h) => allows(h.sources, source)) || this.entra.some((e) => allows(e.sources, source));
  }

  async check(shown: CredentialsShown, source: string): Promise<AuthStep> {
    if (shown.authorization !== undefined) {
      const token = shown.authorization.length > MAX_TOKEN_LENGTH ? undefined : BEARER.exec(shown.authorization)?.[1];
      if (token === undefined) return { ok: false, reason: 'The Authorization header is not a Bearer token.' };
      return JWT_SHAPE.test(token) && this.entra.length > 0 ? this.checkJwt(token, source) : this.checkBearer(token, source);
    }
    if (shown.signature !== undefined) return this.checkSignatureHeaders(shown, source);
    if (shown.queryToken !== undefined) {
      const result = this.checkBearer(shown.queryToken, source);
      return result.ok && !this.queryTokenNames.has(result.principal) ? { ok: false, reason: 'This token may not be sent in the URL; use the Authorization header.' } : result;
    }
    return { ok: false, reason: 'Send credentials: Authorization: Bearer <token>, or X-Soc-Timestamp, X-Soc-Nonce and X-Soc-Signature.' };
  }

  private checkBearer(token: string, source: string): AuthResult {
    const principal = token.length > MAX_TOKEN_LENGTH ? undefined : this.match?.(token);
    if (principal === undefined) return { ok: false, reason: 'The bearer token is not valid.' };
    if (!allows(this.bearerSources.get(principal), source)) return { ok: false, reason: `This token may not post ${source} alerts.` };
    return { ok: true, principal, name: principal, tenantId: this.tenants.get(principal) };
  }

  private async checkJwt(token: string, source: string): Promise<AuthResult> {
    const candidates = this.entra.filter((e) => allows(e.sources, source));
    if (candidates.length === 0) return { ok: false, reason: `No Entra ID credential is configured for ${source}.` };
    let reason = 'The Entra ID token is not valid.';
    for (const v of candidates) {
      try {
        // A token without exp would be good forever once leaked; jose checks exp only when present unless required.
        const { payload } = await jwtVerify(token, v.keys, { issuer: v.issuer, audience: v.audience, currentDate: new Date(this.now()), clockTolerance: 120, requiredClaims: ['exp'] });
        const lifetime = lifetimeOf(payload, this.now() / 1000);
        if (lifetime > v.maxLifetimeSeconds) {
          reason = `The Entra ID token lives too long (exp is more than maxTokenLifetimeSeconds, ${v.maxLifetimeSeconds} s, after its iat or now).`;
          continue;
        }
        const client = [payload.oid, payload.azp, payload.appid].find((id): id is string => typeof id === 'string' && v.allowedClients.has(id));
        if (client === undefined) {
          reason = 'The Entra ID token is valid, but its client is not allowed to post alerts (allowedClients).';
          continue;
        }
        return { ok: true, principal: `${v.name}:${client}`, name: v.name, tenantId: v.tenantId };
      } catch (error) {
        reason = `The Entra ID token is not valid (${jwtReason(error)}).`;
      }
    }
    return { ok: false, reason };
  }

  private checkSignatureHeaders(shown: CredentialsShown, source: string): AuthStep {
    const [, version, signature] = SIGNATURE.exec(shown.signature ?? '') ?? [];
    if (signature === undefined) return { ok: false, reason: 'X-Soc-Signature must be v1=<64 hex digits>.' };
    const isLegacy = version === 'sha256';
    const timestamp = shown.timestamp ?? '';
    if (!/^\d{9,11}$/.test(timestamp)) return { ok: false, reason: 'X-Soc-Timestamp must be the signing time in Unix seconds.' };
    const nonce = shown.nonce ?? '';
    if (!isLegacy && !NONCE.test(nonce)) return { ok: false, reason: 'X-Soc-Nonce must be a new random value for each request: 16 to 128 letters, digits, - or _.' };
    const skew = Math.abs(this.now() / 1000 - Number(timestamp));
    const forSource = this.hmac.filter((h) => allows(h.sources, source) && (!isLegacy || h.allowLegacySignatures));
    const candidates = forSource.filter((h) => skew <= h.maxSkewSeconds);
    if (candidates.length === 0) {
      if (isLegacy && this.hmac.some((h) => allows(h.sources, source)))
        return { ok: false, reason: 'Signatures over "<timestamp>.<body>" (sha256=) are no longer accepted: sign v1 (method, path, nonce and body; see the ingestion README).' };
      return { ok: false, reason: forSource.length > 0 ? 'X-Soc-Timestamp is too far from the current time; sign each request when sending it.' : `No HMAC credential is configured for ${source}.` };
    }
    const presented = Buffer.from(signature, 'hex');
    const prefix = isLegacy ? `${timestamp}.` : signingInputV1({ timestamp, nonce, method: shown.method ?? 'POST', source });
    return {
      ok: 'needs-body',
      verify: (rawBody) => {
        let matched: (typeof candidates)[number] | undefined;
        // Every candidate is checked, so timing does not tell which secret (if any) matched.
        for (const h of candidates) {
          const expected = createHmac('sha256', h.key).update(prefix).update(rawBody).digest();
          if (timingSafeEqual(expected, presented)) matched ??= h;
        }
        if (matched === undefined) return { ok: false, reason: 'The HMAC signature does not match this request (method, path, nonce and body).' };
        // Remembered until its timestamp is no longer accepted; the legacy form has no nonce, its signature is one.
        const until = (Number(timestamp) + matched.maxSkewSeconds) * 1000;
        switch (this.replays.admit(matched.name, isLegacy ? `sha256=${signature.toLowerCase()}` : nonce, until)) {
          case 'replayed':
            return { ok: false, reason: 'This signed request was already used (its X-Soc-Nonce was seen); sign each request anew with a new nonce.' };
          case 'full':
            return { ok: false, reason: 'Too many signed requests from this sender within the clock-skew window to check them for replays.', retryAfterSeconds: 1 };
          case 'fresh':
            return { ok: true, principal: matched.name, name: matched.name, tenantId: this.tenants.get(matched.name) };
        }
      },
    };
  }
}

function jwtReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as { claim?: unknown; reason?: unknown };
      return reason === 'missing' ? `claim ${String(claim)} is missing` : `claim ${String(claim)} does not match`;
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'signed with an unknown key';
    default:
      return typeof code === 'string' ? code : 'malformed';
  }
}

/** How long a verified token is good for: from its issue time (or now, without iat) to its expiry, in seconds. */
function lifetimeOf(payload: { exp?: number | undefined; iat?: number | undefined }, nowSeconds: number): number {
  const exp = payload.exp ?? Number.POSITIVE_INFINITY;
  return Math.max(exp - nowSeconds, typeof payload.iat === 'number' ? exp - payload.iat : 0);
}
