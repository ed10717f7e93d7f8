import type { StorageAccount } from '@azure/arm-storage';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { type ArmClients, type ArmPermission, armCall } from './arm-client.ts';
import { type ArmResource, type ArmScope, inScope, parseStorageAccountId, requestHash, resourceIdOf } from './arm-ids.ts';

/**
 * Storage account runbooks over `@azure/arm-storage`:
 * - `block-storage-public-access`: `GET` the account, then `PATCH` it with `allowBlobPublicAccess: false` and
 *   `publicNetworkAccess: "Disabled"`, the previous values recorded in the effect and in a tag named after the
 *   request (`soc-copilot-<hash>`), so a redelivered execute finds what was there before its own change; verify reads
 *   them back; undo puts the previous values back and removes the tag.
 * - `rotate-storage-keys` (irreversible): `POST …/regenerateKey {keyName}`; the effect records the key name and its new
 *   creation time, never a key value; verify reads `keyCreationTime` from the account's properties (no `listKeys`:
 *   it would fetch the key values and need one more permission). No undo: the old key is gone.
 */

const STORAGE = { provider: 'Microsoft.Storage', type: 'storageAccounts' } as const;
const READ: ArmPermission = { role: 'Storage Account Contributor', action: 'Microsoft.Storage/storageAccounts/read' };
const WRITE: ArmPermission = { role: 'Storage Account Contributor', action: 'Microsoft.Storage/storageAccounts/write' };
const REGENERATE: ArmPermission = { role: 'Storage Account Contributor', action: 'Microsoft.Storage/storageAccounts/regeneratekey/action' };
const PUBLIC_NETWORK_ACCESS = /^(Enabled|Disabled|SecuredByPerimeter|unset)$/;

/** Options of the storage runbooks. */
export interface StorageRunbookOptions {
  clients: ArmClients;
  /** Where a target storage account may be: subscriptions or resource groups (from configuration). */
  scopes: readonly ArmScope[];
}

function invalid(runbook: string, message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, `${runbook}: ${message}`, { retryable: false });
}

/** The storage account a request targets, checked strictly and against the configured scopes. */
function accountOf(runbook: string, request: ContainmentRequest, scopes: readonly ArmScope[]): ArmResource {
  if (request.target.type !== 'cloud-resource') throw invalid(runbook, `the target must be a storage account resource id (type "cloud-resource"), not "${request.target.type}"`);
  const account = parseStorageAccountId(request.target.value);
  if (!scopes.some((s) => inScope(account, s))) throw invalid(runbook, `storage account ${account.name} is outside the subscriptions and resource groups this service may change`);
  return account;
}

function checkArguments(runbook: string, request: ContainmentRequest, allowed: readonly string[]): void {
  const unknown = Object.keys(request.arguments).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw invalid(runbook, `unknown argument(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}${allowed.length > 0 ? ` (arguments: ${allowed.join(', ')})` : ' (it takes none)'}`);
}

export function storageAccountIdOf(account: ArmResource): string {
  return resourceIdOf(account, STORAGE.provider, STORAGE.type);
}

async function getAccount(clients: ArmClients, account: ArmResource): Promise<StorageAccount> {
  return armCall(`GET storage account ${account.name}`, READ, () => clients.now, () => clients.storage(account.subscriptionId).storageAccounts.getProperties(account.resourceGroup, account.name));
}

/** The recorded previous settings: `true`/`false`/`unset` and `Enabled`/`Disabled`/`SecuredByPerimeter`/`unset`. */
interface Previous {
  allowBlobPublicAccess: 'true' | 'false' | 'unset';
  publicNetworkAccess: string;
}

function previousOf(acc: StorageAccount): Previous {
  const blob = acc.allowBlobPublicAccess;
  const pna = acc.publicNetworkAccess;
  return {
    allowBlobPublicAccess: blob === undefined || blob === null ? 'unset' : blob ? 'true' : 'false',
    publicNetworkAccess: typeof pna === 'string' && PUBLIC_NETWORK_ACCESS.test(pna) ? pna : 'unset',
  };
}

function tagValueOf(previous: Previous): string {
  return `allowBlobPublicAccess=${previous.allowBlobPublicAccess};publicNetworkAccess=${previous.publicNetworkAccess}`;
}

function previousFromTag(value: string | undefined): Previous | undefined {
  const m = /^allowBlobPublicAccess=(true|false|unset);publicNetworkAccess=(Enabled|Disabled|SecuredByPerimeter|unset)$/.exec(value ?? '');
  return m ? { allowBlobPublicAccess: m[1] as Previous['allowBlobPublicAccess'], publicNetworkAccess: m[2] as string } : undefined;
}

function isBlocked(acc: StorageAccount): boolean {
  return acc.allowBlobPublicAccess === false && acc.publicNetworkAccess === 'Disabled';
}

/** The tag that records, on the account itself, what a request's execute found before it changed anything. */
export function previousTagOf(requestId: string): string {
  return `soc-copilot-${requestHash(requestId)}`;
}

class BlockStoragePublicAccess implements RunbookAdapter {
  readonly #opts: StorageRunbookOptions;
  constructor(opts: StorageRunbookOptions) {
    this.#opts = opts;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const account = this.#account(request);
    const acc = await getAccount(this.#opts.clients, account);
    const tag = previousTagOf(request.requestId);
    const now = previousOf(acc);
    if (isBlocked(acc)) {
      return `block-storage-public-access: ${storageAccountIdOf(account)} already has allowBlobPublicAccess=false and publicNetworkAccess=Disabled; execute would change nothing`;
    }
    const body = { tags: { ...(acc.tags ?? {}), [tag]: previousFromTag(acc.tags?.[tag]) ? (acc.tags?.[tag] as string) : tagValueOf(now) }, properties: { allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' } };
    return `block-storage-public-access: would PATCH ${storageAccountIdOf(account)} ${JSON.stringify(body)} (now allowBlobPublicAccess=${now.allowBlobPublicAccess}, publicNetworkAccess=${now.publicNetworkAccess}; every anonymous blob read and every request from a public network stops)`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const account = this.#account(request);
    const clients = this.#opts.clients;
    const acc = await getAccount(clients, account);
    const tag = previousTagOf(request.requestId);
    const recorded = previousFromTag(acc.tags?.[tag]);
    const id = storageAccountIdOf(account);
    if (recorded === undefined && isBlocked(acc)) {
      return {
        summary: `storage account ${account.name} already blocked public access (allowBlobPublicAccess=false, publicNetworkAccess=Disabled); nothing changed`,
        effect: { storageAccountId: id, previousAllowBlobPublicAccess: 'false', previousPublicNetworkAccess: 'Disabled', origin: 'already-blocked' },
      };
    }
    // A redelivery finds the tag its earlier execute wrote: what was there before is in it, not in today's values.
    const previous = recorded ?? previousOf(acc);
    if (!recorded || !isBlocked(acc)) {
      await armCall(`PATCH storage account ${account.name}`, WRITE, () => clients.now, () =>
        clients.storage(account.subscriptionId).storageAccounts.update(account.resourceGroup, account.name, {
          tags: { ...(acc.tags ?? {}), [tag]: tagValueOf(previous) },
          allowBlobPublicAccess: false,
          publicNetworkAccess: 'Disabled',
        }),
      );
    }
    return {
      summary: `${recorded ? 'found (redelivery) blocked' : 'blocked'} public access on storage account ${account.name} (was allowBlobPublicAccess=${previous.allowBlobPublicAccess}, publicNetworkAccess=${previous.publicNetworkAccess})`,
      effect: { storageAccountId: id, previousAllowBlobPublicAccess: previous.allowBlobPublicAccess, previousPublicNetworkAccess: previous.publicNetworkAccess, origin: recorded ? 'redelivered' : 'created' },
    };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    const account = this.#effectAccount(request, effect);
    const acc = await getAccount(this.#opts.clients, account);
    const now = previousOf(acc);
    const finding = `storage account ${account.name}: allowBlobPublicAccess=${now.allowBlobPublicAccess}, publicNetworkAccess=${now.publicNetworkAccess}, provisioningState=${acc.provisioningState ?? 'unknown'}`;
    if (isBlocked(acc)) return { outcome: 'in-effect', finding };
    if (acc.provisioningState !== undefined && acc.provisioningState !== 'Succeeded') return { outcome: 'not-yet', finding };
    return { outcome: 'not-in-effect', finding };
  }

  async undo(request: ContainmentRequest, effect: RunbookEffect): Promise<string> {
    const account = this.#effectAccount(request, effect);
    if (effect['origin'] === 'already-blocked') return `storage account ${account.name} was already blocked before this request; nothing to restore`;
    const previous = previousFromTag(`allowBlobPublicAccess=${effect['previousAllowBlobPublicAccess'] ?? ''};publicNetworkAccess=${effect['previousPublicNetworkAccess'] ?? ''}`);
    if (!previous) throw invalid('block-storage-public-access', 'the recorded effect holds no readable previous settings');
    const clients = this.#opts.clients;
    const acc = await getAccount(clients, account);
    const tag = previousTagOf(request.requestId);
    const tags = Object.fromEntries(Object.entries(acc.tags ?? {}).filter(([k]) => k !== tag));
    // "unset" public network access behaves as Enabled (the firewall rules decide); "unset" blob public access reads
    // as false under the current API, so it is left false.
    const publicNetworkAccess = previous.publicNetworkAccess === 'unset' ? 'Enabled' : previous.publicNetworkAccess;
    await armCall(`PATCH storage account ${account.name}`, WRITE, () => clients.now, () =>
      clients.storage(account.subscriptionId).storageAccounts.update(account.resourceGroup, account.name, {
        tags,
        ...(previous.allowBlobPublicAccess !== 'unset' ? { allowBlobPublicAccess: previous.allowBlobPublicAccess === 'true' } : {}),
        publicNetworkAccess,
      }),
    );
    return `restored storage account ${account.name}: allowBlobPublicAccess=${previous.allowBlobPublicAccess === 'unset' ? 'false (was unset)' : previous.allowBlobPublicAccess}, publicNetworkAccess=${publicNetworkAccess}`;
  }

  #account(request: ContainmentRequest): ArmResource {
    checkArguments('block-storage-public-access', request, []);
    return accountOf('block-storage-public-access', request, this.#opts.scopes);
  }

  #effectAccount(request: ContainmentRequest, effect: RunbookEffect): ArmResource {
    const account = this.#account(request);
    if ((effect['storageAccountId'] ?? '').toLowerCase() !== storageAccountIdOf(account).toLowerCase()) throw invalid('block-storage-public-access', 'the recorded effect names another storage account than the request');
    return account;
  }
}

type KeyName = 'key1' | 'key2';

function keyNameOf(request: ContainmentRequest): KeyName {
  const name = request.arguments['keyName'] ?? 'key1';
  if (name !== 'key1' && name !== 'key2') throw invalid('rotate-storage-keys', '"keyName" must be key1 or key2');
  return name;
}

/** When the approved request was let run: a key created since then was rotated for it (or after it). */
function approvedSince(request: ContainmentRequest): string {
  const approvals = request.approvals.map((a) => a.at).sort();
  return request.executionStartedAt ?? approvals[approvals.length - 1] ?? request.requestedAt;
}

class RotateStorageKeys implements RunbookAdapter {
  readonly #opts: StorageRunbookOptions;
  constructor(opts: StorageRunbookOptions) {
    this.#opts = opts;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const { account, keyName } = this.#target(request);
    const acc = await getAccount(this.#opts.clients, account);
    const created = acc.keyCreationTime?.[keyName];
    return `rotate-storage-keys: IRREVERSIBLE, cannot be undone: would POST ${storageAccountIdOf(account)}/regenerateKey ${JSON.stringify({ keyName })} (${keyName} created ${created ? created.toISOString() : 'at an unknown time'}); every client, SAS token and connection string signed with ${keyName} stops working`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const { account, keyName } = this.#target(request);
    const clients = this.#opts.clients;
    const id = storageAccountIdOf(account);
    const since = approvedSince(request);
    const before = (await getAccount(clients, account)).keyCreationTime?.[keyName];
    if (before && before.getTime() >= Date.parse(since)) {
      // Rotated after this request was let run: by an earlier delivery of it (or someone since). Never twice.
      return {
        summary: `${keyName} of storage account ${account.name} was already rotated at ${before.toISOString()}, after this request was approved; not rotated again`,
        effect: { storageAccountId: id, keyName, keyCreationTime: before.toISOString(), origin: 'redelivered' },
      };
    }
    const result = await armCall(`POST regenerateKey on ${account.name}`, REGENERATE, () => clients.now, () =>
      clients.storage(account.subscriptionId).storageAccounts.regenerateKey(account.resourceGroup, account.name, { keyName }),
    );
    // The answer holds the new key values: only the creation time is read, and the answer is dropped here.
    const created = result.keys?.find((k) => k.keyName === keyName)?.creationTime ?? (await getAccount(clients, account)).keyCreationTime?.[keyName];
    const createdAt = created ? created.toISOString() : clients.now.toISOString();
    return {
      summary: `rotated ${keyName} of storage account ${account.name} (new key created ${createdAt}); irreversible: clients using the old ${keyName} must be given the new one`,
      effect: { storageAccountId: id, keyName, keyCreationTime: createdAt, origin: 'created' },
    };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    const { account, keyName } = this.#target(request);
    if ((effect['storageAccountId'] ?? '').toLowerCase() !== storageAccountIdOf(account).toLowerCase() || effect['keyName'] !== keyName) {
      throw invalid('rotate-storage-keys', 'the recorded effect names another storage account or key than the request');
    }
    const floor = effect['keyCreationTime'] ?? '';
    if (Number.isNaN(Date.parse(floor))) throw invalid('rotate-storage-keys', 'the recorded effect holds no readable key creation time');
    const created = (await getAccount(this.#opts.clients, account)).keyCreationTime?.[keyName];
    if (!created) return { outcome: 'not-yet', finding: `storage account ${account.name} reports no keyCreationTime for ${keyName} yet` };
    const at = created.toISOString();
    return created.getTime() >= Date.parse(floor)
      ? { outcome: 'in-effect', finding: `${keyName} of storage account ${account.name} was created ${at}, at or after the rotation (${floor})` }
      : { outcome: 'not-in-effect', finding: `${keyName} of storage account ${account.name} was created ${at}, before the rotation (${floor})` };
  }

  #target(request: ContainmentRequest): { account: ArmResource; keyName: KeyName } {
    checkArguments('rotate-storage-keys', request, ['keyName']);
    return { account: accountOf('rotate-storage-keys', request, this.#opts.scopes), keyName: keyNameOf(request) };
  }
}

/** `block-storage-public-access` over storage accounts in the configured scopes. */
export function blockStoragePublicAccessRunbook(opts: StorageRunbookOptions): RunbookAdapter {
  return new BlockStoragePublicAccess(opts);
}

/** `rotate-storage-keys` (irreversible: no undo) over storage accounts in the configured scopes. */
export function rotateStorageKeysRunbook(opts: StorageRunbookOptions): RunbookAdapter {
  return new RotateStorageKeys(opts);
}
