import { z } from 'zod';
import { type Clock } from '@soc/runtime';
import { configuredBase, requestJson, unexpectedShape } from '../http-json.ts';
import { objectIdKey, upnKey } from './keys.ts';
import type { UserDirectory, UserKey, UserMatch, UserRecord, UserRiskLevel } from './ports.ts';

/** Gives a bearer token for Microsoft Graph; in production `DefaultAzureCredential` (managed or workload identity). */
export interface TokenProvider {
  getToken(): Promise<string>;
}

/**
 * Built-in Entra ID roles that can take over the tenant or its identities (role template ids are the same in every
 * tenant; see "Microsoft Entra built-in roles"). A member of any of them is privileged.
 */
export const PRIVILEGED_ROLE_TEMPLATES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': 'Privileged Authentication Administrator',
  '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
  'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
  '29232cdf-9323-42fd-ade2-1d097af3e4de': 'Exchange Administrator',
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': 'SharePoint Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': 'Authentication Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2': 'Hybrid Identity Administrator',
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': 'Conditional Access Administrator',
  '3a2c62db-5318-420d-8d74-23affee5d9d5': 'Intune Administrator',
  'fdd7a751-b60b-444a-984c-02652fe8fa1c': 'Groups Administrator',
  '966707d0-3269-4727-9be2-8c3a10f19b9d': 'Password Administrator',
};

/** On-premises groups that are privileged when synchronised to Entra ID (AD protected groups). */
export const DEFAULT_PRIVILEGED_GROUPS = [
  'Domain Admins',
  'Enterprise Admins',
  'Schema Admins',
  'Administrators',
  'Account Operators',
  'Backup Operators',
  'Server Operators',
  'Print Operators',
];

const s = z.string().max(1024);
/** The `user` fields selected, with `manager` expanded (GET /v1.0/users/{id | userPrincipalName}). */
export const GraphUser = z.object({
  id: z.string().regex(/^[0-9a-fA-F-]{36}$/),
  userPrincipalName: s.nullish(),
  displayName: s.nullish(),
  department: s.nullish(),
  jobTitle: s.nullish(),
  accountEnabled: z.boolean().nullish(),
  onPremisesSamAccountName: s.nullish(),
  manager: z.object({ displayName: s.nullish(), userPrincipalName: s.nullish() }).nullish(),
});
/** A directoryObject of `memberOf`: groups, directory roles, administrative units. */
export const GraphDirectoryObject = z.object({
  '@odata.type': s.optional(),
  id: s.optional(),
  displayName: s.nullish(),
  roleTemplateId: s.nullish(),
});
export const GraphCollection = z.object({
  value: z.array(z.unknown()).max(1000),
  '@odata.nextLink': z.string().max(4096).optional(),
});
/** `riskyUser` (GET /v1.0/identityProtection/riskyUsers/{id}). */
export const GraphRiskyUser = z.object({
  id: s,
  riskLevel: s.nullish(),
  riskState: s.nullish(),
  riskDetail: s.nullish(),
});

/** Options of {@link GraphUserDirectory}; all from configuration, never from alert content. */
export interface GraphUserDirectoryOptions {
  tokens: TokenProvider;
  clock: Clock;
  /** Default `https://graph.microsoft.com` (national clouds have their own). */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Group display names that make a member privileged (case-insensitive). Default {@link DEFAULT_PRIVILEGED_GROUPS}. */
  privilegedGroups?: readonly string[];
  /** `memberOf` pages read at most. Default 5 (of up to 100 objects each by default). */
  maxMemberOfPages?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Default 2 MiB. */
  maxResponseBytes?: number;
}

const USER_SELECT =
  '$select=id,userPrincipalName,displayName,department,jobTitle,accountEnabled,onPremisesSamAccountName&$expand=manager($select=displayName,userPrincipalName)';
const RISK_LEVELS: readonly UserRiskLevel[] = ['none', 'low', 'medium', 'high'];

/**
 * Entra ID users through Microsoft Graph v1.0: `GET /users/{upn | id}` (department, job title, manager),
 * `GET /users/{id}/memberOf` (privileged groups and directory roles) and `GET /identityProtection/riskyUsers/{id}`
 * (risk level; 404 is "no risk", 403 — no Entra ID P2 or no IdentityRiskyUser.Read.All — is `unknown`). Only UPN
 * and object-id keys are looked up; the key is one percent-encoded path segment that always contains `@` or is a
 * GUID, so it can neither be a dot segment nor leave `/v1.0/users/`. `@odata.nextLink` is followed only on the
 * configured origin. 404 and 400 on the user mean "not known".
 */
export class GraphUserDirectory implements UserDirectory {
  readonly name = 'graph';
  readonly #base: URL;
  readonly #tokens: TokenProvider;
  readonly #clock: Clock;
  readonly #fetch: typeof globalThis.fetch;
  readonly #groups: Set<string>;
  readonly #maxPages: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(opts: GraphUserDirectoryOptions) {
    this.#base = new URL('v1.0/', configuredBase(opts.baseUrl ?? 'https://graph.microsoft.com', 'Microsoft Graph'));
    this.#tokens = opts.tokens;
    this.#clock = opts.clock;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#groups = new Set((opts.privilegedGroups ?? DEFAULT_PRIVILEGED_GROUPS).map((g) => g.toLowerCase()));
    this.#maxPages = Math.max(1, opts.maxMemberOfPages ?? 5);
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxBytes = opts.maxResponseBytes ?? 2 * 1024 * 1024;
  }

  /** The user request URL for a key, or undefined for a key Graph cannot be asked about (exposed for the SSRF tests). */
  userUrl(key: UserKey): URL | undefined {
    const canonical =
      key.type === 'upn' ? upnKey(key.value) : key.type === 'objectId' ? objectIdKey(key.value) : undefined;
    if (canonical?.value !== key.value) return undefined;
    return new URL(`users/${encodeURIComponent(key.value)}?${USER_SELECT}`, this.#base);
  }

  async lookup(keys: readonly UserKey[]): Promise<UserMatch[]> {
    const matches: UserMatch[] = [];
    // An alert often names a user by UPN and object id; one answer serves both.
    const byId = new Map<string, UserRecord | undefined>();
    const ordered = [...keys].sort((a, b) => (a.type === 'upn' ? 0 : 1) - (b.type === 'upn' ? 0 : 1));
    for (const key of ordered) {
      if (key.type === 'objectId' && byId.has(key.value)) {
        const known = byId.get(key.value);
        if (known) matches.push({ key: key.key, user: known });
        continue;
      }
      const url = this.userUrl(key);
      if (!url) continue;
      const user = await this.#user(url);
      if (user?.objectId !== undefined) byId.set(user.objectId, user);
      if (user) matches.push({ key: key.key, user });
    }
    return matches;
  }

  async #get(url: URL, what: string, passStatuses: readonly number[] = []): Promise<{ status: number; body: unknown }> {
    const token = await this.#tokens.getToken();
    return requestJson(url, {
      fetch: this.#fetch,
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
      what,
      passStatuses,
    });
  }

  async #user(url: URL): Promise<UserRecord | undefined> {
    const what = 'Microsoft Graph user lookup';
    const { status, body } = await this.#get(url, what, [400, 404]);
    if (status !== 200) return undefined;
    const parsed = GraphUser.safeParse(body);
    if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
    const u = parsed.data;
    const id = u.id.toLowerCase();
    const [privilegedGroups, risk] = await Promise.all([this.#privilegedGroups(id), this.#risk(id)]);
    const fetchedAt = this.#clock.now().toISOString();
    const manager = u.manager?.userPrincipalName ?? u.manager?.displayName ?? undefined;
    const upn = u.userPrincipalName ? upnKey(u.userPrincipalName)?.value : undefined;
    const account = u.onPremisesSamAccountName?.toLowerCase();
    return {
      ...(upn ? { upn } : {}),
      objectId: id,
      ...(account ? { account } : {}),
      ...(u.displayName ? { displayName: u.displayName } : {}),
      ...(u.department ? { department: u.department } : {}),
      ...(u.jobTitle ? { jobTitle: u.jobTitle } : {}),
      ...(manager ? { manager } : {}),
      ...(typeof u.accountEnabled === 'boolean' ? { accountEnabled: u.accountEnabled } : {}),
      privileged: privilegedGroups.length > 0,
      privilegedGroups,
      riskLevel: risk.level,
      ...(risk.state ? { riskState: risk.state } : {}),
      provenance: { source: 'graph', fetchedAt, cacheHit: false, reference: `graph:users/${id}` },
    };
  }

  async #privilegedGroups(id: string): Promise<string[]> {
    const what = 'Microsoft Graph memberOf lookup';
    const found: string[] = [];
    let url: URL | undefined = new URL(`users/${encodeURIComponent(id)}/memberOf`, this.#base);
    for (let page = 0; url && page < this.#maxPages; page++) {
      const { body } = await this.#get(url, what);
      const parsed = GraphCollection.safeParse(body);
      if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
      for (const item of parsed.data.value) {
        const o = GraphDirectoryObject.safeParse(item);
        if (!o.success) continue;
        const type = o.data['@odata.type'];
        const role = o.data.roleTemplateId ? PRIVILEGED_ROLE_TEMPLATES[o.data.roleTemplateId.toLowerCase()] : undefined;
        if (type === '#microsoft.graph.directoryRole' && role) found.push(o.data.displayName ?? role);
        else if (
          type === '#microsoft.graph.group' &&
          o.data.displayName &&
          this.#groups.has(o.data.displayName.toLowerCase())
        )
          found.push(o.data.displayName);
      }
      url = this.#sameOrigin(parsed.data['@odata.nextLink']);
    }
    return [...new Set(found)];
  }

  /** A next link Graph gave, only when it stays on the configured origin and API version. */
  #sameOrigin(link: string | undefined): URL | undefined {
    if (link === undefined) return undefined;
    try {
      const next = new URL(link);
      return next.origin === this.#base.origin && next.pathname.startsWith(this.#base.pathname) ? next : undefined;
    } catch {
      return undefined;
    }
  }

  async #risk(id: string): Promise<{ level: UserRiskLevel; state?: string }> {
    const what = 'Microsoft Graph riskyUsers lookup';
    const { status, body } = await this.#get(
      new URL(`identityProtection/riskyUsers/${encodeURIComponent(id)}`, this.#base),
      what,
      [403, 404],
    );
    if (status === 404) return { level: 'none' };
    if (status === 403) return { level: 'unknown' };
    const parsed = GraphRiskyUser.safeParse(body);
    if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
    const level = RISK_LEVELS.find((l) => l === parsed.data.riskLevel) ?? 'unknown';
    return { level, ...(parsed.data.riskState ? { state: parsed.data.riskState } : {}) };
  }
}
