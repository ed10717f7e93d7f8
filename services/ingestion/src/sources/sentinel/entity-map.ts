import type { Entity, SourceEvent } from '@soc/contracts';
import { accountName, platformOfOs, processCreationEvent } from '../sigma-events.ts';
import { list, processId, text } from '../values.ts';
import { type EntityNode, normalizeKind } from './entity-graph.ts';

/**
 * An entity draft with the typed fields of its type. (`EntityDraft` omits over the whole union, which keeps
 * only the common fields; this distributes, so `hostname`, `upn`, `hashes` … are checked per type.)
 */
export type TypedEntity = Entity extends infer E ? (E extends Entity ? Omit<E, 'id' | 'origin'> : never) : never;

type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';
type Hash = { algorithm: HashAlgorithm; value: string };

const HEX_LENGTH: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** Sentinel's `Unknown` algorithm (and custom entities) still name a hash whose hex length tells which one. */
export function hashAlgorithmByLength(value: string): HashAlgorithm | undefined {
  return /^[0-9a-f]+$/i.test(value) ? HEX_LENGTH[value.length] : undefined;
}

/** `Microsoft.Compute/virtualMachines` from an ARM resource id (the last provider namespace and its types). */
export function armResourceType(resourceId: string): string | undefined {
  const parts = resourceId.split('/');
  const at = parts.map((p) => p.toLowerCase()).lastIndexOf('providers');
  if (at < 0) return undefined;
  const [namespace, ...rest] = parts.slice(at + 1);
  const types = rest.filter((_, i) => i % 2 === 0);
  return namespace && types.length > 0 ? [namespace, ...types].join('/') : undefined;
}

export function azureResource(resourceId: string, resourceType?: string): TypedEntity {
  return {
    type: 'cloud-resource',
    value: resourceId,
    provider: 'azure',
    resourceType: resourceType ?? armResourceType(resourceId),
  };
}

function hashOf(n: EntityNode): Hash | undefined {
  const value = n.fields.text('Value', 'hashValue');
  if (value === undefined) return undefined;
  const named = n.fields.text('Algorithm')?.toLowerCase();
  // SHA256AC is an Authenticode digest, not a file hash an intel lookup would match.
  if (named === 'sha256ac') return undefined;
  const algorithm = named === 'md5' || named === 'sha1' || named === 'sha256' ? named : hashAlgorithmByLength(value);
  return algorithm === undefined ? undefined : { algorithm, value };
}

function fileName(n: EntityNode): string | undefined {
  return n.fields.text('Name', 'fileName');
}

/** Directory + name, unless the directory already ends with the name. */
function filePath(n: EntityNode): string | undefined {
  const dir = n.fields.text('Directory');
  const name = fileName(n);
  if (dir === undefined) return undefined;
  if (name === undefined || dir.toLowerCase().endsWith(name.toLowerCase())) return dir;
  const sep = dir.includes('\\') ? '\\' : '/';
  return `${dir.replace(/[\\/]+$/, '')}${sep}${name}`;
}


function registryKey(n: EntityNode): string | undefined {
  const hive = n.fields.text('Hive');
  const key = n.fields.text('Key');
  if (hive === undefined) return key;
  if (key === undefined) return hive;
  return key.toUpperCase().startsWith(hive.toUpperCase()) ? key : `${hive}\\${key}`;
}

function osOf(n: EntityNode): string | undefined {
  const family = n.fields.text('OSFamily');
  const version = n.fields.text('OSVersion');
  const f = family?.toLowerCase() === 'unknown' ? undefined : family;
  if (f !== undefined && version !== undefined && !version.toLowerCase().includes(f.toLowerCase()))
    return `${f} ${version}`;
  return version ?? f;
}

type Role = 'actor' | 'target' | 'related';

function mailbox(value: string | undefined, role?: Role): TypedEntity[] {
  return value === undefined ? [] : [{ type: 'mailbox', value, role }];
}

function address(value: string | undefined, role?: Role): TypedEntity[] {
  return value === undefined ? [] : [{ type: 'ip', value, role }];
}

type Mapper = (n: EntityNode) => TypedEntity[];

const account: Mapper = (n) => {
  const name = n.fields.text('Name', 'accountName');
  const upnSuffix = n.fields.text('UPNSuffix');
  const ntDomain = n.fields.text('NTDomain');
  const domain = ntDomain ?? n.fields.text('DnsDomain');
  // Only a UPN Sentinel spells out (name + UPNSuffix); nothing is inferred from the NT or DNS domain.
  const upn = name !== undefined && upnSuffix !== undefined ? `${name}@${upnSuffix}` : undefined;
  const sid = n.fields.text('Sid');
  const objectId = n.fields.text('AadUserId');
  const qualified = name !== undefined && ntDomain !== undefined ? `${ntDomain}\\${name}` : name;
  const value = upn ?? qualified ?? objectId ?? sid ?? n.fields.text('friendlyName', 'DisplayName');
  return value === undefined ? [] : [{ type: 'user', value, name, domain, upn, sid, objectId }];
};

const host: Mapper = (n) => {
  const hostname = n.fields.text('HostName', 'NetBiosName');
  const dnsDomain = n.fields.text('DnsDomain');
  const fqdn =
    hostname !== undefined && dnsDomain !== undefined
      ? hostname.toLowerCase().endsWith(`.${dnsDomain.toLowerCase()}`)
        ? hostname
        : `${hostname}.${dnsDomain}`
      : undefined;
  const azureId = n.fields.text('AzureID');
  const value = fqdn ?? hostname ?? n.fields.text('friendlyName');
  const out: TypedEntity[] = [];
  if (value !== undefined) {
    out.push({ type: 'host', value, hostname, fqdn, os: osOf(n), deviceId: n.fields.text('MdatpDeviceId') ?? azureId });
  }
  if (azureId !== undefined) out.push(azureResource(azureId));
  return out;
};

const ip: Mapper = (n) => address(n.fields.text('Address'));

const file: Mapper = (n) => {
  const name = fileName(n);
  const path = filePath(n);
  const hashes = n
    .links('FileHashes', 'fileHashEntityIds')
    .map(hashOf)
    .filter((h): h is Hash => h !== undefined);
  const value = path ?? name;
  return value === undefined
    ? []
    : [{ type: 'file', value, name, path, hashes: hashes.length > 0 ? hashes : undefined }];
};

const filehash: Mapper = (n) => {
  const h = hashOf(n);
  return h === undefined ? [] : [{ type: 'hash', value: h.value, algorithm: h.algorithm }];
};

const processEntity: Mapper = (n) => {
  const image = n.link('ImageFile', 'imageFileEntityId');
  const parentImage = n.link('ParentProcess', 'parentProcessEntityId')?.link('ImageFile', 'imageFileEntityId');
  const name = image && fileName(image);
  const commandLine = n.fields.text('CommandLine');
  const value = (image && filePath(image)) ?? name ?? commandLine;
  if (value === undefined) return [];
  return [
    {
      type: 'process',
      value,
      name,
      commandLine,
      pid: processId(n.fields.text('ProcessId')),
      parentName: parentImage && fileName(parentImage),
    },
  ];
};

const url: Mapper = (n) => {
  const u = n.fields.text('Url');
  return u === undefined ? [] : [{ type: 'url', value: u }];
};

const dns: Mapper = (n) => {
  const domain = n.fields.text('DomainName');
  return domain === undefined ? [] : [{ type: 'domain', value: domain }];
};

const azureResourceEntity: Mapper = (n) => {
  const id = n.fields.text('ResourceId');
  return id === undefined ? [] : [azureResource(id, n.fields.text('ResourceType'))];
};

const cloudApplication: Mapper = (n) => {
  const value = n.fields.text('Name', 'appName') ?? n.fields.text('SaasId', 'AppId');
  return value === undefined ? [] : [{ type: 'cloud-resource', value, resourceType: 'CloudApplication' }];
};

const registryKeyEntity: Mapper = (n) => {
  const key = registryKey(n);
  return key === undefined ? [] : [{ type: 'registry', value: key, key }];
};

const registryValue: Mapper = (n) => {
  const keyNode = n.link('Key', 'keyEntityId');
  const key = keyNode && registryKey(keyNode);
  const valueName = n.fields.text('Name', 'valueName');
  const value = key !== undefined && valueName !== undefined ? `${key}\\${valueName}` : (key ?? valueName);
  return value === undefined
    ? []
    : [{ type: 'registry', value, key, valueName, data: n.fields.text('Value', 'valueData') }];
};

const mailboxEntity: Mapper = (n) => {
  const upn = n.fields.text('Upn');
  const out = mailbox(n.fields.text('MailboxPrimaryAddress') ?? upn);
  const first = out[0];
  if (first?.type === 'mailbox') first.displayName = n.fields.text('DisplayName');
  // The mailbox owner's account, as Sentinel names it.
  if (upn !== undefined)
    out.push({ type: 'user', value: upn, upn, objectId: n.fields.text('AadId', 'ExternalDirectoryObjectId') });
  return out;
};

const mailMessage: Mapper = (n) => [
  ...mailbox(n.fields.text('Sender', 'P1Sender'), 'actor'),
  ...mailbox(n.fields.text('P2Sender'), 'actor'),
  ...mailbox(n.fields.text('Recipient'), 'target'),
  ...address(n.fields.text('SenderIP'), 'actor'),
  ...list(n.fields.get('Urls'))
    .map((u) => text(u))
    .filter((u): u is string => u !== undefined)
    .map((u): TypedEntity => ({ type: 'url', value: u })),
];

const submissionMail: Mapper = (n) => [
  ...mailbox(n.fields.text('Sender'), 'actor'),
  ...mailbox(n.fields.text('Recipient'), 'target'),
  ...mailbox(n.fields.text('Submitter'), 'related'),
  ...address(n.fields.text('SenderIp'), 'actor'),
];

const iotDevice: Mapper = (n) => {
  const deviceId = n.fields.text('DeviceId');
  const hostname = n.fields.text('DeviceName');
  const value = hostname ?? deviceId;
  return value === undefined ? [] : [{ type: 'host', value, hostname, deviceId, os: n.fields.text('OperatingSystem') }];
};

/** Kinds that are no entity of ours themselves; the entities they link to are listed on their own. */
const none: Mapper = () => [];

const MAPPERS: ReadonlyMap<string, Mapper> = new Map([
  ['account', account],
  ['host', host],
  ['ip', ip],
  ['file', file],
  ['filehash', filehash],
  ['process', processEntity],
  ['url', url],
  ['dns', dns],
  ['dnsresolution', dns],
  ['azureresource', azureResourceEntity],
  ['cloudapplication', cloudApplication],
  ['registrykey', registryKeyEntity],
  ['registryvalue', registryValue],
  ['mailbox', mailboxEntity],
  ['mailmessage', mailMessage],
  ['submissionmail', submissionMail],
  ['iotdevice', iotDevice],
  // Malware (name/category), security groups, mail clusters, logon sessions, network connections and NICs
  // have no counterpart among our entity types; their files, processes, hosts and IPs are mapped.
  ['malware', none],
  ['securitygroup', none],
  ['mailcluster', none],
  ['hostlogonsession', none],
  ['networkconnection', none],
  ['nic', none],
]);

/** Our entities for Sentinel's, in order; unknown kinds map to nothing (the raw payload keeps them). */
export function mapEntities(nodes: readonly EntityNode[]): TypedEntity[] {
  return nodes.flatMap((n) => (MAPPERS.get(n.kind) ?? none)(n));
}

// Defender for Endpoint's product names in SecurityAlert.ProductName, old and new.
const EDR_PRODUCTS = /^(?:microsoft defender (?:advanced threat protection|atp|for endpoint)|windows defender atp)$/iu;

/** True when a SecurityAlert's product is an EDR whose process entities are observed process creations (MDE). */
export function isEdrProduct(productName: string | undefined): boolean {
  return productName !== undefined && EDR_PRODUCTS.test(productName.trim());
}

/**
 * `process_creation` events from the process entities of an EDR's alert that give both an image path and a command
 * line (an entity without them is a summary, not the event): `Image`, `CommandLine`, `ProcessId`, the parent's
 * `ParentImage`/`ParentCommandLine`, and `User` from the linked account. The platform is the linked (else the
 * alert's only) host's `OSFamily`, else the image path's shape; a process on an unknown platform makes none.
 */
export function edrProcessEvents(nodes: readonly EntityNode[], pointer: string): SourceEvent[] {
  const hosts = nodes.filter((n) => normalizeKind(n.kind) === 'host');
  const alertPlatform = hosts.length === 1 ? platformOfOs(hosts[0]!.fields.text('OSFamily')) : undefined;
  const events: SourceEvent[] = [];
  for (const n of nodes) {
    if (normalizeKind(n.kind) !== 'process') continue;
    const image = n.link('ImageFile', 'imageFileEntityId');
    const imagePath = image && filePath(image);
    const commandLine = n.fields.text('CommandLine');
    if (imagePath === undefined || commandLine === undefined) continue;
    const parent = n.link('ParentProcess', 'parentProcessEntityId');
    const parentImage = parent?.link('ImageFile', 'imageFileEntityId');
    const account = n.link('Account', 'accountEntityId');
    const platform = platformOfOs(n.link('Host', 'hostEntityId')?.fields.text('OSFamily')) ?? alertPlatform;
    const event = processCreationEvent(
      {
        image: imagePath,
        commandLine,
        processId: processId(n.fields.text('ProcessId')),
        parentImage: parentImage && filePath(parentImage),
        parentCommandLine: parent?.fields.text('CommandLine'),
        parentProcessId: parent && processId(parent.fields.text('ProcessId')),
        user: account && accountName(account.fields.text('Name', 'accountName'), account.fields.text('NTDomain', 'ntDomain')),
      },
      platform,
      pointer,
    );
    if (event !== undefined) events.push(event);
  }
  return events;
}
