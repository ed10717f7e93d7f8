import { randomBytes } from 'node:crypto';
import { SecretClient, type SecretClientOptions, type SecretProperties } from '@azure/keyvault-secrets';
import { AppError, ErrorCode, parseRetryAfter } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { refused, requestIdOf } from './https-client.ts';

/**
 * `rotate-secret` (issue 14): a new version of a Key Vault secret with a fresh random value, tagged with our
 * request id so a redelivered execute finds it and never rotates twice. Irreversible (no undo: the previous value
 * is what was compromised). Key Vault has no rotate API for secrets (`rotateKey` is for keys), so "rotate" here is
 * `setSecret`; whoever consumes the secret must read its latest version. Never met the real Key Vault.
 */

/** The tag on the version we create: how a redelivery finds its own version. */
export const REQUEST_TAG = 'soc-copilot-request';
/** Key Vault secret names. */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Default size of a new value: 32 random bytes (43 base64url characters). */
export const DEFAULT_SECRET_BYTES = 32;

/** The credential `SecretClient` takes (`DefaultAzureCredential` in production). */
export type KeyVaultCredential = ConstructorParameters<typeof SecretClient>[1];

/** Options of {@link keyVaultRunbooks}. */
export interface KeyVaultRunbookOptions {
  credential: KeyVaultCredential;
  /** The vaults a request may name (`https://<vault>.vault.azure.net`); anything else is refused. */
  vaultUrls: readonly string[];
  /** Random bytes in a new value (16–512); default {@link DEFAULT_SECRET_BYTES}. */
  secretBytes?: number;
  /**
   * Extra `SecretClient` options. Production passes none; tests pass `tlsOptions` (the stand-in's certificate) and
   * `disableChallengeResourceVerification` (a stand-in on 127.0.0.1 is not under `vault.azure.net`).
   */
  clientOptions?: SecretClientOptions;
}

/** The runbooks of this module, keyed by runbook name. */
export function keyVaultRunbooks(opts: KeyVaultRunbookOptions): { 'rotate-secret': RunbookAdapter } {
  return { 'rotate-secret': new KeyVaultRotateSecretRunbook(opts) };
}

/** A vault URL as compared with the allow-list: the lower-cased origin, `https` only, nothing after the host. */
export function normalizeVaultUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin.toLowerCase();
}

interface SecretRef {
  vaultUrl: string;
  secretName: string;
}

/** A version as listed (properties only: the list never carries a value). */
interface VersionInfo {
  version: string;
  createdOn: number;
  enabled: boolean;
  managed: boolean;
  contentType: string | undefined;
  tags: Record<string, string>;
}

const LIST_PERMISSION = 'secrets list (RBAC data action Microsoft.KeyVault/vaults/secrets/readMetadata/action; Key Vault Secrets Officer includes it)';
const SET_PERMISSION = 'secrets set (RBAC data action Microsoft.KeyVault/vaults/secrets/setSecret/action; Key Vault Secrets Officer includes it)';

/** `rotate-secret` against Key Vault's secrets API through `@azure/keyvault-secrets`. */
export class KeyVaultRotateSecretRunbook implements RunbookAdapter {
  readonly #opts: KeyVaultRunbookOptions;
  readonly #vaults: ReadonlySet<string>;
  readonly #bytes: number;
  readonly #clients = new Map<string, SecretClient>();

  constructor(opts: KeyVaultRunbookOptions) {
    const vaults = opts.vaultUrls.map((v) => {
      const url = normalizeVaultUrl(v);
      if (!url) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Key Vault URL ${JSON.stringify(v)} is not an https origin`, { retryable: false });
      return url;
    });
    if (vaults.length === 0) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'rotate-secret needs at least one allowed Key Vault URL', { retryable: false });
    const bytes = opts.secretBytes ?? DEFAULT_SECRET_BYTES;
    if (!Number.isInteger(bytes) || bytes < 16 || bytes > 512) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'a new secret value has 16 to 512 random bytes', { retryable: false });
    this.#opts = opts;
    this.#vaults = new Set(vaults);
    this.#bytes = bytes;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const requestId = requestIdOf(request);
    const ref = this.#secretOf(request);
    const versions = await this.#versions(ref);
    const ours = versions.find((v) => v.tags[REQUEST_TAG] === requestId);
    if (ours) return `${where(ref)} was already rotated by this request: version ${ours.version}; nothing more would change`;
    const current = currentOf(ref, versions);
    const tags = { ...current.tags, [REQUEST_TAG]: requestId };
    return (
      `would add a new version to ${where(ref)} (PUT ${ref.vaultUrl}/secrets/${ref.secretName}): a new random value ` +
      `(${this.#bytes} bytes, base64url, ${base64urlLength(this.#bytes)} characters), content type ${JSON.stringify(current.contentType ?? null)}, ` +
      `tags ${JSON.stringify(tags)}, enabled, no expiry; it replaces current version ${current.version}. Irreversible: the current value cannot be restored; ` +
      'whatever uses the secret must read its latest version'
    );
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const requestId = requestIdOf(request);
    const ref = this.#secretOf(request);
    const versions = await this.#versions(ref);
    const ours = versions.find((v) => v.tags[REQUEST_TAG] === requestId);
    if (ours) {
      // A redelivery after the PUT went through: our version exists; the one before it by creation is the previous.
      const before = versions.filter((v) => v.version !== ours.version && v.createdOn <= ours.createdOn).sort((a, b) => b.createdOn - a.createdOn)[0];
      return {
        summary: `${where(ref)} was already rotated by this request: version ${ours.version}`,
        effect: { vaultUrl: ref.vaultUrl, secretName: ref.secretName, version: ours.version, previousVersion: before?.version ?? '', origin: 'redelivered' },
      };
    }
    const current = currentOf(ref, versions);
    let created: SecretProperties;
    try {
      const value = randomBytes(this.#bytes).toString('base64url');
      created = (
        await this.#client(ref.vaultUrl).setSecret(ref.secretName, value, {
          enabled: true,
          tags: { ...current.tags, [REQUEST_TAG]: requestId },
          ...(current.contentType !== undefined ? { contentType: current.contentType } : {}),
        })
      ).properties;
    } catch (error) {
      throw keyVaultError(error, `Key Vault PUT /secrets/${ref.secretName}`, SET_PERMISSION);
    }
    if (!created.version) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Key Vault set ${ref.secretName} answered without a version id`, { retryable: false });
    return {
      summary: `rotated ${where(ref)}: new version ${created.version} replaces ${current.version} (the value is in the vault only)`,
      effect: { vaultUrl: ref.vaultUrl, secretName: ref.secretName, version: created.version, previousVersion: current.version, origin: 'created' },
    };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    requestIdOf(request);
    const ref = this.#effectRef(effect);
    const version = effect.version ?? '';
    if (!/^[0-9a-zA-Z]{1,64}$/.test(version)) throw refused('the recorded effect has no valid secret version');
    let versions: VersionInfo[];
    try {
      versions = await this.#versions(ref);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) return { outcome: 'not-in-effect', finding: `${where(ref)} no longer exists` };
      throw error;
    }
    const ours = versions.find((v) => v.version === version);
    if (!ours) return { outcome: 'not-in-effect', finding: `${where(ref)} has no version ${version}` };
    if (!ours.enabled) return { outcome: 'not-in-effect', finding: `version ${version} of ${where(ref)} is disabled` };
    const newest = Math.max(...versions.map((v) => v.createdOn));
    const rivals = versions.filter((v) => v.version !== version && v.createdOn === ours.createdOn);
    if (ours.createdOn === newest && rivals.length === 0) return { outcome: 'in-effect', finding: `version ${version} is the latest version of ${where(ref)}` };
    if (ours.createdOn === newest) {
      return { outcome: 'not-in-effect', finding: `version ${version} and ${rivals.map((r) => r.version).join(', ')} of ${where(ref)} were created in the same second: which is latest cannot be told from the list; check by hand` };
    }
    const newer = versions.filter((v) => v.createdOn > ours.createdOn).sort((a, b) => b.createdOn - a.createdOn)[0];
    // A later rotation replaced ours: the compromised value is still not current.
    return { outcome: 'in-effect', finding: `a newer version ${newer?.version ?? '?'} has replaced ours (${version}) as the latest of ${where(ref)}; the version before our rotation is not current` };
  }

  #client(vaultUrl: string): SecretClient {
    let client = this.#clients.get(vaultUrl);
    if (!client) {
      // No retries in the SDK: the bus retries a retryable error (honouring Retry-After) without holding a delivery.
      client = new SecretClient(vaultUrl, this.#opts.credential, { retryOptions: { maxRetries: 0 }, ...this.#opts.clientOptions });
      this.#clients.set(vaultUrl, client);
    }
    return client;
  }

  async #versions(ref: SecretRef): Promise<VersionInfo[]> {
    const out: VersionInfo[] = [];
    try {
      for await (const p of this.#client(ref.vaultUrl).listPropertiesOfSecretVersions(ref.secretName)) {
        if (!p.version) continue;
        out.push({
          version: p.version,
          createdOn: p.createdOn?.getTime() ?? 0,
          enabled: p.enabled !== false,
          managed: p.managed === true,
          contentType: p.contentType,
          tags: { ...p.tags },
        });
      }
    } catch (error) {
      throw keyVaultError(error, `Key Vault GET /secrets/${ref.secretName}/versions`, LIST_PERMISSION);
    }
    return out;
  }

  #secretOf(request: ContainmentRequest): SecretRef {
    const args = request.arguments;
    let vault: string | undefined = args.vault;
    let name: string | undefined = args.secret;
    if (name === undefined) {
      // The target is a secret identifier: https://<vault>/secrets/<name>[/<version>] (the version is ignored).
      const m = /^(https:\/\/[^/?#]+)\/secrets\/([^/?#]+)(?:\/[0-9a-zA-Z]{1,64})?\/?$/.exec(request.target.value.trim());
      if (!m) throw refused('rotate-secret needs the arguments vault and secret, or a target https://<vault>/secrets/<name>');
      vault ??= m[1];
      name = m[2];
    }
    if (vault === undefined) {
      if (this.#vaults.size !== 1) throw refused('rotate-secret needs the argument vault: more than one vault is allowed');
      vault = [...this.#vaults][0];
    }
    const vaultUrl = vault === undefined ? undefined : normalizeVaultUrl(vault);
    if (!vaultUrl || !this.#vaults.has(vaultUrl)) throw refused('the vault is not one rotate-secret may change (KEYVAULT_URLS)');
    if (!SECRET_NAME.test(name ?? '')) throw refused('a Key Vault secret name is 1 to 127 letters, digits and -');
    return { vaultUrl, secretName: name as string };
  }

  #effectRef(effect: RunbookEffect): SecretRef {
    const vaultUrl = normalizeVaultUrl(effect.vaultUrl ?? '');
    if (!vaultUrl || !this.#vaults.has(vaultUrl)) throw refused('the recorded effect names a vault rotate-secret may not touch');
    if (!SECRET_NAME.test(effect.secretName ?? '')) throw refused('the recorded effect has no valid secret name');
    return { vaultUrl, secretName: effect.secretName as string };
  }
}

function where(ref: SecretRef): string {
  return `secret ${ref.secretName} in ${ref.vaultUrl}`;
}

function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** The latest version (Key Vault's "current": the newest by creation); refuses a missing or certificate-backed secret. */
function currentOf(ref: SecretRef, versions: readonly VersionInfo[]): VersionInfo {
  const current = [...versions].sort((a, b) => b.createdOn - a.createdOn)[0];
  if (!current) throw new AppError(ErrorCode.NOT_FOUND, `${where(ref)} does not exist: nothing to rotate`, { retryable: false });
  if (current.managed) throw refused(`${where(ref)} backs a certificate (managed): rotate the certificate instead`);
  return current;
}

/**
 * An SDK error as an {@link AppError}. Only the status, Key Vault's error code and message are kept: the SDK's error
 * also holds the request, whose body is the new value, so it is never attached as a cause.
 */
export function keyVaultError(error: unknown, what: string, permission: string): AppError {
  if (error instanceof AppError) return error;
  const e = error as { name?: unknown; statusCode?: unknown; code?: unknown; message?: unknown; response?: { headers?: { get(name: string): string | undefined } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code.slice(0, 64) : '';
  if (status === undefined) {
    if (typeof e.message === 'string' && e.message.startsWith('The challenge resource')) {
      return new AppError(ErrorCode.CONFIGURATION_INVALID, `${what}: the vault's authentication challenge names another domain than the vault URL (a vault URL that is not a Key Vault?)`, { retryable: false });
    }
    return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} unreachable${code ? ` (${code})` : ''}`, { retryable: true });
  }
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').slice(0, 300) : '';
  const said = `${what} answered ${status}${code || message ? ` (${[code, message].filter(Boolean).join(': ')})` : ''}`;
  if (status === 429 || status >= 500) {
    const after = parseRetryAfter(e.response?.headers?.get('retry-after'), new Date());
    return new AppError(status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, said, { retryable: true, details: { status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) } });
  }
  if (status === 401 || status === 403) {
    return new AppError(status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN, `${said}; the identity needs ${permission}`, { retryable: false, details: { status, code, permission } });
  }
  if (status === 404) return new AppError(ErrorCode.NOT_FOUND, `${said}: the secret does not exist`, { retryable: false, details: { status, code } });
  return new AppError(ErrorCode.VALIDATION_FAILED, said, { retryable: false, details: { status, code } });
}
