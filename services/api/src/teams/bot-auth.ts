import { type JWK, type JWTPayload, type JWTVerifyGetKey, importJWK, jwtVerify } from 'jose';

/** The Bot Framework's OpenID metadata for tokens the Bot Connector (Teams) sends to a bot. */
export const BOT_FRAMEWORK_OPENID_METADATA = 'https://login.botframework.com/v1/.well-known/openidconfiguration';
/** The issuer of those tokens. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
/** Clock skew allowed on `exp` / `nbf`, as the Bot Framework documents (5 minutes). */
export const BOT_CLOCK_SKEW_SECONDS = 300;

/** A signing key of the Bot Framework's JWKS: a JWK plus the channels it is endorsed for. */
type BotJwk = JWK & { kid?: string; endorsements?: unknown };

/** The Bot Framework's keys could not be read (and none were before): a dependency outage, not a bad token. */
export class KeysUnavailable extends Error {
  constructor(why: string) {
    super(`the Bot Framework signing keys could not be read: ${why.slice(0, 120)}`);
    this.name = 'KeysUnavailable';
  }
}

/** Options of {@link BotFrameworkKeys}. */
export interface BotFrameworkKeysOptions {
  /** Default {@link BOT_FRAMEWORK_OPENID_METADATA}; tests point it at a local stand-in. */
  metadataUrl?: string;
  /** Keys are read again after this long (default 24 h), and at most every 5 minutes for a `kid` not known yet. */
  refreshMs?: number;
  now?: () => number;
  timeoutMs?: number;
}

/**
 * The Bot Framework's signing keys, as its documentation says to find them: the OpenID metadata document names the
 * `jwks_uri`, which lists the keys (each with the channels that endorse it). Cached; an unknown `kid` (a rotation)
 * reads them again, no more than every 5 minutes, so forged `kid`s cannot make us hammer Microsoft.
 */
export class BotFrameworkKeys {
  readonly #metadataUrl: string;
  readonly #refreshMs: number;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  #keys: readonly BotJwk[] = [];
  #readAt = Number.NEGATIVE_INFINITY;
  #triedAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(options: BotFrameworkKeysOptions = {}) {
    this.#metadataUrl = options.metadataUrl ?? BOT_FRAMEWORK_OPENID_METADATA;
    this.#refreshMs = options.refreshMs ?? 24 * 3600_000;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * The key of this id, or undefined when the Bot Framework does not publish it. While the metadata cannot be read,
   * the keys read last still serve (tried again at most every 30 s); with none read yet, it throws.
   */
  async key(kid: string | undefined): Promise<BotJwk | undefined> {
    const now = this.#now();
    const age = now - this.#readAt;
    const find = () => this.#keys.find((k) => k.kid === kid);
    const due = age > this.#refreshMs || (find() === undefined && age > 5 * 60_000);
    // A read under way is joined; a new one starts at most every 30 s (a forged kid or an outage cannot make us hammer Microsoft).
    if (due && (this.#reading !== undefined || now - this.#triedAt > 30_000)) {
      if (this.#reading === undefined) this.#triedAt = now;
      try {
        await this.#refresh();
      } catch (error) {
        if (this.#keys.length === 0) throw new KeysUnavailable((error as Error).message);
      }
    }
    if (this.#keys.length === 0) throw new KeysUnavailable('not read yet');
    return find();
  }

  #refresh(): Promise<void> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    const get = async (url: string) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), redirect: 'error' });
      if (!res.ok) throw new Error(`${new URL(url).host} answered ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const metadata = await get(this.#metadataUrl);
    if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) throw new Error('the OpenID metadata names no jwks_uri');
    const jwks = await get(metadata.jwks_uri);
    if (!Array.isArray(jwks.keys)) throw new Error('the JWKS has no keys');
    this.#keys = jwks.keys.filter((k): k is BotJwk => typeof k === 'object' && k !== null && (k as BotJwk).kty === 'RSA');
    this.#readAt = this.#now();
  }
}

/** What a verified Bot Connector token says. */
export type BotTokenVerdict = { ok: true; payload: JWTPayload } | { ok: false; reason: string; keysUnavailable?: true };

/** Options of {@link verifyBotToken}. */
export interface VerifyBotTokenInput {
  authorization: string | undefined;
  /** The bot's Microsoft App ID: the token's audience. */
  appId: string;
  /** The activity's `serviceUrl`: the token's `serviceurl` claim must equal it. */
  serviceUrl: string;
  /** The activity's `channelId`: a key that lists endorsements must list it. */
  channelId: string;
  keys: BotFrameworkKeys;
  /** Seconds since the epoch for `exp` / `nbf`; default now. */
  currentDate?: Date;
}

/**
 * Validates the `Authorization: Bearer` JWT of a request from the Bot Connector, as the Bot Framework documents
 * ("Authenticate requests from the Bot Connector service to your bot"): signed RS256 by a key of the Bot Framework's
 * OpenID metadata that is endorsed for the activity's channel; issuer `https://api.botframework.com`; audience the
 * bot's app id; within its validity with 5 minutes of clock skew; and its `serviceurl` claim equal to the activity's
 * `serviceUrl`. The reason of a refusal says which check failed, never the token.
 */
export async function verifyBotToken(input: VerifyBotTokenInput): Promise<BotTokenVerdict> {
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(input.authorization ?? '');
  if (m === null) return { ok: false, reason: 'no bearer token' };
  let endorsed = true;
  const getKey: JWTVerifyGetKey = async (header) => {
    const jwk = await input.keys.key(header.kid);
    if (jwk === undefined) throw new Error('unknown signing key');
    // The SDK's rule: a key that lists endorsements must list the activity's channel.
    if (Array.isArray(jwk.endorsements) && !jwk.endorsements.includes(input.channelId)) endorsed = false;
    const { endorsements: _e, ...key } = jwk;
    return importJWK({ ...key, alg: 'RS256' }, 'RS256');
  };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(m[1]!, getKey, {
      issuer: BOT_FRAMEWORK_ISSUER,
      audience: input.appId,
      algorithms: ['RS256'],
      clockTolerance: BOT_CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp'],
      ...(input.currentDate ? { currentDate: input.currentDate } : {}),
    }));
  } catch (error) {
    if (error instanceof KeysUnavailable) return { ok: false, reason: error.message, keysUnavailable: true };
    const { code, claim } = error as { code?: unknown; claim?: unknown };
    if (typeof code !== 'string') return { ok: false, reason: (error as Error).message.slice(0, 80) };
    return { ok: false, reason: typeof claim === 'string' ? `${code}: ${claim}` : code };
  }
  if (!endorsed) return { ok: false, reason: `signing key not endorsed for ${input.channelId}` };
  const claimed = payload.serviceurl ?? payload.serviceUrl;
  if (typeof claimed !== 'string' || trimSlash(claimed) !== trimSlash(input.serviceUrl)) return { ok: false, reason: 'serviceurl claim does not match the activity' };
  return { ok: true, payload };
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
