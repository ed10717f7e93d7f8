import type { TokenCredential } from '@azure/identity';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { type GraphCall, GraphClient, describeCall } from './graph-client.ts';

/**
 * Entra ID runbooks over Microsoft Graph v1.0 (issue 14): `disable-user` (reversible: undo re-enables) and
 * `revoke-sessions` (irreversible). Every call after the first addresses the user by the object id Graph returned,
 * never by alert text; protected accounts and users outside the allowed UPN domains are refused before anything is
 * sent. Never met the real Graph.
 */

/** Options of {@link entraRunbooks}. */
export interface EntraRunbooksOptions {
  /** Production: `DefaultAzureCredential` (workload identity) or `ClientSecretCredential`. */
  credential: TokenCredential;
  /** Default `https://graph.microsoft.com`; a local stand-in on a loopback address in tests. */
  baseUrl?: string;
  /**
   * Principals never disabled nor revoked (the break-glass accounts): UPNs or object ids. Compared with the target
   * as given and with the user Graph resolves it to, so an object id cannot slip past a listed UPN.
   */
  protectedPrincipals: readonly string[];
  /** The tenant's UPN domains the runbooks may act in (`contoso.com`); a user in any other is refused. */
  allowedUpnDomains: readonly string[];
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
  timeoutMs?: number;
  /**
   * How far Graph's clock (and its whole-second `signInSessionsValidFromDateTime`) may lag ours when verify compares
   * it with the time we revoked; default 60 s.
   */
  clockSkewSeconds?: number;
  /** How long after the disable a read still showing `accountEnabled: true` is "not yet" (directory replication); default 120 s. */
  replicationGraceSeconds?: number;
}

/** The runbooks this directory provides, keyed by runbook name. */
export interface EntraRunbooks {
  'disable-user': RunbookAdapter;
  'revoke-sessions': RunbookAdapter;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
/**
 * A UPN as the runbooks accept it: letters, digits and `. _ -` before the `@` (no leading, trailing or doubled dot,
 * at most 64), then a DNS domain. Narrower than Entra ID allows (`'`, `!`, `#`, `^`, `~` are refused, so are guest
 * `#EXT#` names): such a user is addressed by object id instead.
 */
const UPN_LOCAL = /^[A-Za-z0-9_-](?:[A-Za-z0-9_-]|\.(?!\.)){0,62}[A-Za-z0-9_-]$|^[A-Za-z0-9_-]$/;
const TARGET_TYPES = new Set(['user', 'account']);
/** What every read of a user selects. */
const SELECT = '$select=id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime';

/** A target value that may reach a Graph URL: an object id (lower-cased) or a UPN. */
type UserRef = { kind: 'id'; id: string } | { kind: 'upn'; upn: string; domain: string };

/** A UPN or object id checked against the strict patterns; undefined when it is neither. */
export function userRefOf(value: string): UserRef | undefined {
  if (GUID.test(value)) return { kind: 'id', id: value.toLowerCase() };
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return undefined;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (!UPN_LOCAL.test(local) || !DOMAIN.test(domain)) return undefined;
  return { kind: 'upn', upn: value, domain };
}

/** A DNS domain name as `allowedUpnDomains` takes it. */
export function isDomainName(value: string): boolean {
  return DOMAIN.test(value);
}

/** A user as `GET /v1.0/users/{id}?$select=…` returns it (the fields used here). */
interface GraphUser {
  id: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  signInSessionsValidFromDateTime: string | null;
}

const nonRetryable = (code: ErrorCode, message: string, details?: Record<string, unknown>) => new AppError(code, message, { retryable: false, ...(details ? { details } : {}) });

/** The shared part of both runbooks: the target checked, the user resolved and checked, the calls built. */
class EntraUsers {
  readonly client: GraphClient;
  readonly now: () => Date;
  readonly #protected: ReadonlySet<string>;
  readonly #domains: ReadonlySet<string>;

  constructor(opts: EntraRunbooksOptions) {
    this.client = new GraphClient({ credential: opts.credential, ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.now ? { now: opts.now } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    this.now = opts.now ?? (() => new Date());
    const principals = opts.protectedPrincipals.map((p) => p.trim()).filter((p) => p !== '');
    for (const p of principals) {
      if (userRefOf(p) === undefined && !p.includes('@')) throw nonRetryable(ErrorCode.CONFIGURATION_INVALID, 'a protected principal is neither a UPN nor an object id');
    }
    this.#protected = new Set(principals.map((p) => p.toLowerCase()));
    const domains = opts.allowedUpnDomains.map((d) => d.trim().toLowerCase()).filter((d) => d !== '');
    if (domains.length === 0 || domains.some((d) => !DOMAIN.test(d))) throw nonRetryable(ErrorCode.CONFIGURATION_INVALID, 'the allowed UPN domains must be one or more DNS domain names');
    this.#domains = new Set(domains);
  }

  /** The request's target, refused before any call when it is not a user, not a strict UPN or object id, or not allowed. */
  targetOf(request: ContainmentRequest, runbook: string): UserRef {
    if (!TARGET_TYPES.has(request.target.type)) {
      throw nonRetryable(ErrorCode.VALIDATION_FAILED, `${runbook} acts on a user; the target is a ${request.target.type.slice(0, 32).replace(/[^\w.-]/g, '?')}`);
    }
    const ref = userRefOf(request.target.value);
    if (ref === undefined) {
      throw nonRetryable(ErrorCode.VALIDATION_FAILED, `${runbook}: the target is neither a user principal name (letters, digits, . _ - before the @) nor an Entra object id; address the user by object id`);
    }
    this.#check(runbook, ref.kind === 'id' ? ref.id : ref.upn, ref.kind === 'upn' ? ref.domain : undefined);
    return ref;
  }

  /** `GET /v1.0/users/{id or upn}?$select=…`, then the resolved user checked against the protected list and domains. */
  async resolve(ref: UserRef, runbook: string): Promise<GraphUser> {
    const user = await this.read(ref.kind === 'id' ? ref.id : ref.upn);
    const at = user.userPrincipalName.lastIndexOf('@');
    this.#check(runbook, user.id, at > 0 ? user.userPrincipalName.slice(at + 1).toLowerCase() : '');
    this.#check(runbook, user.userPrincipalName, undefined);
    return user;
  }

  /** `GET /v1.0/users/{key}?$select=…` (key: an object id or a checked UPN). */
  async read(key: string): Promise<GraphUser> {
    const body = await this.client.send<Partial<Record<keyof GraphUser, unknown>> | undefined>(this.readCall(key), 'User.Read.All');
    const validFrom = body?.signInSessionsValidFromDateTime;
    if (typeof body?.id !== 'string' || !GUID.test(body.id) || typeof body.userPrincipalName !== 'string' || typeof body.accountEnabled !== 'boolean' || (validFrom !== null && validFrom !== undefined && typeof validFrom !== 'string')) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Graph answered the user read without id, userPrincipalName or accountEnabled', { retryable: false });
    }
    const user = { id: body.id.toLowerCase(), userPrincipalName: body.userPrincipalName, accountEnabled: body.accountEnabled, signInSessionsValidFromDateTime: typeof validFrom === 'string' ? validFrom : null };
    // Graph answers for the user asked for; anything else is not acted on.
    if (key.toLowerCase() !== (GUID.test(key) ? user.id : user.userPrincipalName.toLowerCase())) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Graph answered the read of ${key} with another user (${user.id}); nothing was changed`, { retryable: false });
    }
    return user;
  }

  readCall(key: string): GraphCall {
    // The key passed the strict UPN or object id pattern; `@` stays literal, as in Graph's `/users/{userPrincipalName}`.
    return { method: 'GET', path: `/v1.0/users/${encodeURIComponent(key).replaceAll('%40', '@')}?${SELECT}` };
  }

  accountEnabledCall(id: string, enabled: boolean): GraphCall {
    return { method: 'PATCH', path: `/v1.0/users/${id}`, body: { accountEnabled: enabled } };
  }

  revokeCall(id: string): GraphCall {
    return { method: 'POST', path: `/v1.0/users/${id}/revokeSignInSessions` };
  }

  /**
   * `POST /v1.0/users/{id}/revokeSignInSessions`, unless Graph already shows a revocation at or after this
   * request's execution started (an earlier delivery of the same execute made it, or someone else did since — the
   * sessions are revoked either way): then nothing is sent.
   * Revoking again would be harmless too (it only moves `signInSessionsValidFromDateTime` forward).
   */
  async revoke(request: ContainmentRequest, user: GraphUser): Promise<{ at: string; revocation: 'posted' | 'found' }> {
    const started = request.executionStartedAt !== undefined ? Date.parse(request.executionStartedAt) : Number.NaN;
    const validFrom = user.signInSessionsValidFromDateTime !== null ? Date.parse(user.signInSessionsValidFromDateTime) : Number.NaN;
    if (!Number.isNaN(started) && !Number.isNaN(validFrom) && validFrom >= wholeSecond(started)) {
      return { at: new Date(validFrom).toISOString(), revocation: 'found' };
    }
    const at = this.now().toISOString();
    const answer = await this.client.send<{ value?: unknown } | undefined>(this.revokeCall(user.id), 'User.RevokeSessions.All');
    if (answer?.value !== true) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Graph did not confirm revokeSignInSessions for ${user.id} (value ${JSON.stringify(answer?.value ?? null)})`, { retryable: true });
    }
    return { at, revocation: 'posted' };
  }

  #check(runbook: string, principal: string, domain: string | undefined): void {
    if (this.#protected.has(principal.toLowerCase())) {
      throw nonRetryable(ErrorCode.POLICY_VIOLATION, `${runbook} refused: ${principal} is a protected account (ENTRA_PROTECTED_PRINCIPALS, e.g. break-glass); automation never disables it or revokes its sessions`, { protected: true });
    }
    if (domain !== undefined && !this.#domains.has(domain)) {
      throw nonRetryable(ErrorCode.POLICY_VIOLATION, `${runbook} refused: ${principal} is not in an allowed UPN domain (ENTRA_ALLOWED_UPN_DOMAINS: ${[...this.#domains].join(', ')})`, { domain });
    }
  }
}

function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function effectOf(effect: RunbookEffect, runbook: string, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = effect[k];
    if (typeof v !== 'string') throw nonRetryable(ErrorCode.VALIDATION_FAILED, `the recorded effect is not one ${runbook} wrote (no ${k})`);
    out[k] = v;
  }
  if (!GUID.test(out.objectId ?? '')) throw nonRetryable(ErrorCode.VALIDATION_FAILED, `the recorded effect of ${runbook} holds no object id`);
  return out;
}

function userLabel(user: { userPrincipalName: string; id: string }): string {
  return `${user.userPrincipalName} (object id ${user.id})`;
}

/**
 * `disable-user`: `PATCH /v1.0/users/{id}` `{"accountEnabled":false}`, then `POST …/revokeSignInSessions`.
 *
 * Ours or someone else's: Graph keeps no note of who disabled an account (and writing one would need more than
 * `User.EnableDisableAccount.All`), so the effect records what execute found: `previousAccountEnabled: "true"` and
 * `disabled: "by-this-request"` only when this execute's PATCH turned an enabled account off. A user found already
 * disabled — by someone else, or by an earlier delivery of this execute whose answer was lost — is recorded
 * `previousAccountEnabled: "false"`, `disabled: "already-disabled"`, and undo will not re-enable it: when in doubt
 * the user stays disabled and a human re-enables by hand.
 */
class DisableUserRunbook implements RunbookAdapter {
  readonly #users: EntraUsers;
  readonly #graceMs: number;

  constructor(users: EntraUsers, graceSeconds: number) {
    this.#users = users;
    this.#graceMs = graceSeconds * 1000;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const user = await this.#users.resolve(this.#users.targetOf(request, 'disable-user'), 'disable-user');
    const revoke = describeCall(this.#users.revokeCall(user.id));
    if (!user.accountEnabled) {
      return `DRY RUN disable-user: ${userLabel(user)} is already disabled (accountEnabled false): execute would not change it (and undo would not re-enable it); it would send ${revoke} (revokes every refresh token and session; not undone)`;
    }
    return `DRY RUN disable-user: ${userLabel(user)} has accountEnabled true; execute would send ${describeCall(this.#users.accountEnabledCall(user.id, false))} (accountEnabled true → false), then ${revoke} (revokes every refresh token and session; undo re-enables the account but not the sessions)`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const user = await this.#users.resolve(this.#users.targetOf(request, 'disable-user'), 'disable-user');
    const executedAt = this.#users.now().toISOString();
    const wasEnabled = user.accountEnabled;
    if (wasEnabled) {
      await this.#users.client.send<undefined>(this.#users.accountEnabledCall(user.id, false), 'User.EnableDisableAccount.All', PRIVILEGED_HINT);
    }
    let revoked: { at: string; revocation: 'posted' | 'found' };
    try {
      revoked = await this.#users.revoke(request, user);
    } catch (error) {
      if (!wasEnabled || !(error instanceof AppError)) throw error;
      // The account is off by our PATCH; say so, since a retry will find it disabled and cannot know it was ours.
      throw new AppError(error.code, `disabled ${userLabel(user)} (accountEnabled true → false) but revoking its sessions failed: ${error.message}. A retry revokes the sessions but records the account as already disabled, so undo would not re-enable it: re-enable by hand if needed`, {
        retryable: error.retryable,
        cause: error,
        details: { ...error.details, objectId: user.id, accountDisabledByThisRequest: true },
      });
    }
    const effect: Record<string, string> = {
      objectId: user.id,
      userPrincipalName: user.userPrincipalName,
      previousAccountEnabled: String(wasEnabled),
      disabled: wasEnabled ? 'by-this-request' : 'already-disabled',
      executedAt,
      sessionsRevokedAt: revoked.at,
      revocation: revoked.revocation,
    };
    const sessions = revoked.revocation === 'posted' ? 'revoked its sign-in sessions' : `its sign-in sessions were already revoked at ${revoked.at}, after this request started executing (an earlier delivery of it, or someone else)`;
    const summary = wasEnabled
      ? `disabled ${userLabel(user)} in Entra ID (accountEnabled true → false) and ${sessions}`
      : `${userLabel(user)} was already disabled in Entra ID (not by this request as far as Graph shows; undo will not re-enable it); ${sessions}`;
    return { summary, effect };
  }

  async verify(_request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    const e = effectOf(effect, 'disable-user', ['objectId', 'executedAt']);
    const user = await this.#users.read(e.objectId as string);
    if (!user.accountEnabled) return { outcome: 'in-effect', finding: `Graph reports ${userLabel(user)} accountEnabled false` };
    const since = this.#users.now().getTime() - Date.parse(e.executedAt as string);
    if (since >= 0 && since < this.#graceMs) {
      return { outcome: 'not-yet', finding: `Graph still reports ${userLabel(user)} accountEnabled true ${Math.round(since / 1000)} s after the disable (directory replication); check again` };
    }
    return { outcome: 'not-in-effect', finding: `Graph reports ${userLabel(user)} accountEnabled true: the account is enabled again (re-enabled by someone, or the disable did not hold)` };
  }

  /**
   * `PATCH /v1.0/users/{id}` `{"accountEnabled":true}`, only when execute found the account enabled and disabled it
   * itself. The revoked sessions stay revoked: the user signs in again. An account already enabled is left alone.
   */
  async undo(_request: ContainmentRequest, effect: RunbookEffect): Promise<string> {
    const e = effectOf(effect, 'disable-user', ['objectId', 'userPrincipalName', 'previousAccountEnabled']);
    if (e.previousAccountEnabled !== 'true') {
      throw nonRetryable(ErrorCode.PRECONDITION_FAILED, `${e.userPrincipalName} (object id ${e.objectId}) was already disabled when this request ran, not by it; undo does not re-enable it: re-enable it by hand in Entra ID if it should be`);
    }
    const user = await this.#users.read(e.objectId as string);
    if (user.accountEnabled) return `${userLabel(user)} is already enabled; nothing sent (its sign-in sessions stay revoked)`;
    await this.#users.client.send<undefined>(this.#users.accountEnabledCall(user.id, true), 'User.EnableDisableAccount.All', PRIVILEGED_HINT);
    return `re-enabled ${userLabel(user)} in Entra ID (accountEnabled false → true); its sign-in sessions stay revoked: the user must sign in again`;
  }
}

const PRIVILEGED_HINT = ' (and, to disable a user holding a privileged administrator role, the Privileged Authentication Administrator role)';

/**
 * `revoke-sessions` (irreversible: no undo): `POST /v1.0/users/{id}/revokeSignInSessions`. Verify reads
 * `signInSessionsValidFromDateTime`: at or after the time we revoked (less the clock skew allowed) is in effect.
 */
class RevokeSessionsRunbook implements RunbookAdapter {
  readonly #users: EntraUsers;
  readonly #skewMs: number;

  constructor(users: EntraUsers, skewSeconds: number) {
    this.#users = users;
    this.#skewMs = skewSeconds * 1000;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const user = await this.#users.resolve(this.#users.targetOf(request, 'revoke-sessions'), 'revoke-sessions');
    return `DRY RUN revoke-sessions: execute would send ${describeCall(this.#users.revokeCall(user.id))} for ${userLabel(user)} (sessions valid from ${user.signInSessionsValidFromDateTime ?? 'unknown'} now); every refresh token and session cookie is invalidated and the user must sign in again. Irreversible: there is no undo`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const user = await this.#users.resolve(this.#users.targetOf(request, 'revoke-sessions'), 'revoke-sessions');
    const revoked = await this.#users.revoke(request, user);
    return {
      summary:
        revoked.revocation === 'posted'
          ? `revoked the sign-in sessions of ${userLabel(user)} in Entra ID (irreversible)`
          : `the sign-in sessions of ${userLabel(user)} were already revoked at ${revoked.at}, after this request started executing (an earlier delivery of it, or someone else); nothing sent`,
      effect: { objectId: user.id, userPrincipalName: user.userPrincipalName, sessionsRevokedAt: revoked.at, revocation: revoked.revocation },
    };
  }

  async verify(_request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    const e = effectOf(effect, 'revoke-sessions', ['objectId', 'sessionsRevokedAt']);
    const revokedAt = Date.parse(e.sessionsRevokedAt as string);
    if (Number.isNaN(revokedAt)) throw nonRetryable(ErrorCode.VALIDATION_FAILED, 'the recorded effect of revoke-sessions holds no revocation time');
    const user = await this.#users.read(e.objectId as string);
    const validFrom = user.signInSessionsValidFromDateTime !== null ? Date.parse(user.signInSessionsValidFromDateTime) : Number.NaN;
    if (!Number.isNaN(validFrom) && validFrom >= revokedAt - this.#skewMs) {
      return { outcome: 'in-effect', finding: `Graph reports sessions of ${userLabel(user)} valid only from ${user.signInSessionsValidFromDateTime} (revoked at ${e.sessionsRevokedAt})` };
    }
    return { outcome: 'not-yet', finding: `Graph reports sessions of ${userLabel(user)} valid from ${user.signInSessionsValidFromDateTime ?? 'no time'}, before the revocation at ${e.sessionsRevokedAt}; check again` };
  }
}

/** The Entra ID runbooks, keyed by runbook name. */
export function entraRunbooks(opts: EntraRunbooksOptions): EntraRunbooks {
  const users = new EntraUsers(opts);
  return {
    'disable-user': new DisableUserRunbook(users, opts.replicationGraceSeconds ?? 120),
    'revoke-sessions': new RevokeSessionsRunbook(users, opts.clockSkewSeconds ?? 60),
  };
}
