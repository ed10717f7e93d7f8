import type { EntityDraft } from '../../entities.ts';
import { list, record, text } from '../values.ts';
import {
  cloudResourceEntity,
  domainEntity,
  fileEntities,
  hashEntity,
  hostEntity,
  ipEntity,
  mailboxEntity,
  processEntity,
  registryEntity,
  urlEntity,
  userEntity,
} from './entity-builders.ts';
import { label, roleOf } from './vocabulary.ts';

/**
 * Entities from Microsoft Graph security `evidence[]` (alertEvidence and its derived types, v1.0 and beta as
 * published in the Graph OpenAPI description). Each evidence item yields the entity it is about, with the role
 * Defender gave it, plus the entities it names on the side (a process's image file and user, a device's IPs …).
 * Evidence types without a common entity type (mail clusters, security groups, sign-in requests) and types this
 * parser does not know add nothing: the raw body keeps them.
 */

type Role = EntityDraft['role'];
type Obj = Record<string, unknown>;

export interface EvidenceFindings {
  /** Entities each evidence item is about, in evidence order. */
  primary: EntityDraft[];
  /** Entities evidence names on the side; listed after every primary entity so the evidence's own role wins. */
  secondary: EntityDraft[];
  labels: string[];
  freeText: string[];
}

export function emptyFindings(): EvidenceFindings {
  return { primary: [], secondary: [], labels: [], freeText: [] };
}

/** Nested evidence (a pod's containers, a container's image …) is followed this deep and no deeper. */
const MAX_DEPTH = 4;

/** `#microsoft.graph.security.processEvidence` → `processevidence`. */
function typeName(evidence: Obj, declared?: string): string | undefined {
  const odata = text(evidence['@odata.type']);
  const name = odata === undefined ? declared : odata.slice(odata.lastIndexOf('.') + 1);
  return name?.toLowerCase();
}

interface Context {
  out: EvidenceFindings;
  depth: number;
  /** The role of the evidence item this one is nested in; nested items without roles of their own get it or `related`. */
  role: Role;
}

function own(ctx: Context, evidence: Obj): Role {
  return roleOf(evidence['roles']) ?? (ctx.depth === 0 ? undefined : (ctx.role ?? 'related'));
}

function add(ctx: Context, entities: EntityDraft[]): void {
  (ctx.depth === 0 ? ctx.out.primary : ctx.out.secondary).push(...entities);
}

function side(ctx: Context, entities: EntityDraft[]): void {
  ctx.out.secondary.push(...entities);
}

/** Follows a nested evidence object of a declared type; it counts as the parent's side entities. */
function nested(ctx: Context, value: unknown, declared: string, role?: Role): void {
  const evidence = record(value);
  if (evidence === undefined || ctx.depth >= MAX_DEPTH) return;
  mapOne(evidence, { out: ctx.out, depth: ctx.depth + 1, role: role ?? ctx.role ?? 'related' }, declared);
}

/** Like `nested`, but the nested evidence is what the parent is about (a connection's addresses, a logon's account). */
function inner(ctx: Context, value: unknown, declared: string, role: Role): void {
  const evidence = record(value);
  if (evidence === undefined || ctx.depth >= MAX_DEPTH) return;
  const entities = emptyFindings();
  mapOne(evidence, { out: entities, depth: ctx.depth + 1, role }, declared);
  const first = entities.secondary.slice(0, 1).map((e) => ({ ...e, role: roleOf(evidence['roles']) ?? role }));
  add(ctx, first);
  side(ctx, entities.secondary.slice(1));
  ctx.out.labels.push(...entities.labels);
  ctx.out.freeText.push(...entities.freeText);
}

function userAccount(value: unknown, role: Role): EntityDraft[] {
  const account = record(value);
  if (account === undefined) return [];
  return userEntity(
    {
      name: account['accountName'],
      domain: account['domainName'],
      upn: account['userPrincipalName'],
      sid: account['userSid'],
      objectId: account['azureAdUserId'],
    },
    role,
  );
}

function fileDetails(value: unknown, role: Role): EntityDraft[] {
  const file = record(value);
  if (file === undefined) return [];
  return fileEntities(
    { name: file['fileName'], folder: file['filePath'], md5: file['md5'], sha1: file['sha1'], sha256: file['sha256'] },
    role,
  );
}

/** `/subscriptions/…/providers/Microsoft.Compute/virtualMachines/vm1` → `Microsoft.Compute/virtualMachines`. */
function armResourceType(resourceId: unknown): string | undefined {
  const match = /\/providers\/([^/]+\/[^/]+)\/[^/]+$/i.exec(text(resourceId) ?? '');
  return match?.[1];
}

const CLOUD_PROVIDERS: Readonly<Record<string, string>> = {
  azure: 'azure',
  aks: 'azure',
  arc: 'azure',
  amazonwebservices: 'aws',
  aws: 'aws',
  eks: 'aws',
  googlecloudplatform: 'gcp',
  gcp: 'gcp',
  gke: 'gcp',
};

/**
 * `azure` / `aws` / `gcp` from the names Microsoft uses for clouds and Kubernetes platforms; other names pass
 * through lower-cased, `unknown` is no provider.
 */
export function providerOf(value: unknown): string | undefined {
  const raw = text(value)?.toLowerCase();
  if (raw === undefined || raw === 'unknown' || raw === 'unknownfuturevalue') return undefined;
  return CLOUD_PROVIDERS[raw.replace(/[^a-z0-9]/g, '')] ?? raw;
}

/** A Kubernetes object named `<cluster>/<namespace>/<kind>/<name>` as far as the evidence names its parents. */
function kubernetesPath(namespaceValue: unknown, kind: string, name: unknown): string | undefined {
  const objectName = text(name);
  if (objectName === undefined) return undefined;
  const namespace = record(namespaceValue);
  const namespaceName = text(namespace?.['name']);
  const clusterName = text(record(namespace?.['cluster'])?.['name']);
  return [clusterName, namespaceName, kind, objectName].filter((p) => p !== undefined).join('/');
}

function kubernetesEntity(ctx: Context, evidence: Obj, kind: string, resourceType: string): void {
  const namespace = evidence['namespace'];
  add(
    ctx,
    cloudResourceEntity(kubernetesPath(namespace, kind, evidence['name']), undefined, resourceType, own(ctx, evidence)),
  );
  nested(ctx, namespace, 'kubernetesNamespaceEvidence');
}

type Mapper = (evidence: Obj, ctx: Context) => void;

const MAPPERS: Readonly<Record<string, Mapper>> = {
  deviceevidence: (e, ctx) => {
    add(
      ctx,
      hostEntity(
        {
          dnsName: e['deviceDnsName'],
          hostName: e['hostName'],
          deviceId: text(e['mdeDeviceId']) ?? e['azureAdDeviceId'],
          os: e['osPlatform'],
        },
        own(ctx, e),
      ),
    );
    for (const address of [...list(e['ipInterfaces']), e['lastIpAddress'], e['lastExternalIpAddress']])
      side(ctx, ipEntity(address, 'related'));
    for (const user of list(e['loggedOnUsers']))
      side(ctx, userEntity({ name: record(user)?.['accountName'], domain: record(user)?.['domainName'] }, 'related'));
    const vm = record(e['vmMetadata']);
    side(
      ctx,
      cloudResourceEntity(
        vm?.['resourceId'],
        providerOf(vm?.['cloudProvider']),
        armResourceType(vm?.['resourceId']),
        'related',
      ),
    );
  },
  userevidence: (e, ctx) => add(ctx, userAccount(e['userAccount'], own(ctx, e))),
  ipevidence: (e, ctx) => add(ctx, ipEntity(e['ipAddress'], own(ctx, e))),
  urlevidence: (e, ctx) => add(ctx, urlEntity(e['url'], own(ctx, e))),
  fileevidence: (e, ctx) => add(ctx, fileDetails(e['fileDetails'], own(ctx, e))),
  filehashevidence: (e, ctx) => add(ctx, hashEntity(e['algorithm'], e['value'], own(ctx, e))),
  processevidence: (e, ctx) => {
    const image = record(e['imageFile']);
    const parent = record(e['parentProcessImageFile']);
    const process = processEntity(
      {
        name: image?.['fileName'],
        folder: image?.['filePath'],
        commandLine: e['processCommandLine'],
        pid: e['processId'],
        parentName: parent?.['fileName'],
      },
      own(ctx, e),
    );
    add(ctx, process);
    // Command lines of process entities are scanned for IOCs anyway; one without an image still must be.
    if (process.length === 0) pushText(ctx, e['processCommandLine']);
    side(ctx, fileDetails(image, 'related'));
    side(
      ctx,
      processEntity({ name: parent?.['fileName'], folder: parent?.['filePath'], pid: e['parentProcessId'] }, 'related'),
    );
    side(ctx, fileDetails(parent, 'related'));
    side(ctx, userAccount(e['userAccount'], 'related'));
  },
  registrykeyevidence: (e, ctx) =>
    add(ctx, registryEntity({ hive: e['registryHive'], key: e['registryKey'] }, own(ctx, e))),
  registryvalueevidence: (e, ctx) =>
    add(
      ctx,
      registryEntity(
        { hive: e['registryHive'], key: e['registryKey'], valueName: e['registryValueName'], data: e['registryValue'] },
        own(ctx, e),
      ),
    ),
  mailboxevidence: (e, ctx) => {
    add(ctx, mailboxEntity(e['primaryAddress'], e['displayName'], own(ctx, e)));
    side(ctx, userAccount(e['userAccount'], 'related'));
    side(ctx, userEntity({ upn: e['upn'] }, 'related'));
  },
  mailboxconfigurationevidence: (e, ctx) => {
    add(ctx, mailboxEntity(e['mailboxPrimaryAddress'], e['displayName'], own(ctx, e)));
    side(ctx, userEntity({ upn: e['upn'], objectId: e['externalDirectoryObjectId'] }, 'related'));
  },
  analyzedmessageevidence: (e, ctx) => {
    // The message itself has no entity type; its sender is the actor and its recipient the target.
    for (const sender of [e['p1Sender'], e['p2Sender']])
      add(ctx, mailboxEntity(record(sender)?.['emailAddress'], record(sender)?.['displayName'], 'actor'));
    add(ctx, mailboxEntity(e['recipientEmailAddress'], undefined, 'target'));
    add(ctx, ipEntity(e['senderIp'], 'actor'));
    // URLs in the message are related; a urlEvidence item of the same URL carries Defender's role for it.
    for (const url of list(e['urls'])) side(ctx, urlEntity(url, 'related'));
    pushText(ctx, e['subject']);
    for (const threat of list(e['threats'])) pushLabel(ctx, label('threat', threat));
  },
  submissionmailevidence: (e, ctx) => {
    add(ctx, mailboxEntity(e['sender'], undefined, 'actor'));
    add(ctx, mailboxEntity(e['recipient'], undefined, 'target'));
    add(ctx, ipEntity(e['senderIp'], 'actor'));
    side(ctx, mailboxEntity(e['submitter'], undefined, 'related'));
    pushText(ctx, e['subject']);
  },
  teamsmessageevidence: (e, ctx) => {
    add(ctx, mailboxEntity(e['senderFromAddress'], undefined, 'actor'));
    add(ctx, ipEntity(e['senderIP'], 'actor'));
    for (const recipient of [...list(e['suspiciousRecipients']), ...list(e['recipients'])])
      add(ctx, mailboxEntity(recipient, undefined, 'target'));
    for (const url of list(e['urls'])) nested(ctx, url, 'urlEvidence');
    for (const file of list(e['files'])) nested(ctx, file, 'fileEvidence');
    pushText(ctx, e['subject']);
  },
  cloudapplicationevidence: (e, ctx) =>
    add(
      ctx,
      cloudResourceEntity(text(e['displayName']) ?? text(e['appId']), undefined, 'cloudApplication', own(ctx, e)),
    ),
  oauthapplicationevidence: (e, ctx) => {
    add(ctx, cloudResourceEntity(text(e['appId']) ?? text(e['objectId']), 'azure', 'oauthApplication', own(ctx, e)));
    pushText(ctx, e['displayName']);
  },
  serviceprincipalevidence: (e, ctx) =>
    add(
      ctx,
      userEntity(
        { name: e['servicePrincipalName'], objectId: text(e['servicePrincipalObjectId']) ?? e['appId'] },
        own(ctx, e),
      ),
    ),
  azureresourceevidence: (e, ctx) =>
    add(ctx, cloudResourceEntity(e['resourceId'], 'azure', e['resourceType'], own(ctx, e))),
  amazonresourceevidence: (e, ctx) =>
    add(
      ctx,
      cloudResourceEntity(
        text(e['amazonResourceId']) ?? text(e['resourceName']),
        'aws',
        e['resourceType'],
        own(ctx, e),
      ),
    ),
  googlecloudresourceevidence: (e, ctx) =>
    add(
      ctx,
      cloudResourceEntity(
        text(e['fullResourceName']) ?? text(e['resourceName']),
        'gcp',
        e['resourceType'],
        own(ctx, e),
      ),
    ),
  blobevidence: (e, ctx) => {
    add(ctx, cloudResourceEntity(text(e['url']) ?? text(e['name']), 'azure', 'blob', own(ctx, e)));
    for (const hash of list(e['fileHashes']))
      side(ctx, hashEntity(record(hash)?.['algorithm'], record(hash)?.['value'], 'related'));
    nested(ctx, e['blobContainer'], 'blobContainerEvidence');
  },
  blobcontainerevidence: (e, ctx) => {
    add(ctx, cloudResourceEntity(text(e['url']) ?? text(e['name']), 'azure', 'blobContainer', own(ctx, e)));
    nested(ctx, e['storageResource'], 'azureResourceEvidence');
  },
  sastokenevidence: (e, ctx) => nested(ctx, e['storageResource'], 'azureResourceEvidence', own(ctx, e)),
  containerevidence: (e, ctx) => {
    add(ctx, cloudResourceEntity(text(e['containerId']) ?? text(e['name']), undefined, 'container', own(ctx, e)));
    const command = [...list(e['command']), ...list(e['args'])]
      .map((part) => text(part))
      .filter((p) => p !== undefined);
    if (command.length > 0) pushText(ctx, command.join(' '));
    nested(ctx, e['image'], 'containerImageEvidence');
    nested(ctx, e['pod'], 'kubernetesPodEvidence');
  },
  containerimageevidence: (e, ctx) => {
    add(ctx, cloudResourceEntity(e['imageId'], undefined, 'containerImage', own(ctx, e)));
    nested(ctx, e['registry'], 'containerRegistryEvidence');
    nested(ctx, e['digestImage'], 'containerImageEvidence');
  },
  containerregistryevidence: (e, ctx) =>
    add(ctx, cloudResourceEntity(e['registry'], undefined, 'containerRegistry', own(ctx, e))),
  kubernetesclusterevidence: (e, ctx) => {
    const cloud = record(e['cloudResource']);
    add(ctx, cloudResourceEntity(e['name'], providerOf(e['platform']), 'kubernetesCluster', own(ctx, e)));
    if (cloud !== undefined) nested(ctx, cloud, 'alertEvidence');
  },
  kubernetesnamespaceevidence: (e, ctx) => {
    const cluster = text(record(e['cluster'])?.['name']);
    const name = text(e['name']);
    add(
      ctx,
      cloudResourceEntity(
        name === undefined ? undefined : [cluster, name].filter((p) => p !== undefined).join('/'),
        undefined,
        'kubernetesNamespace',
        own(ctx, e),
      ),
    );
    nested(ctx, e['cluster'], 'kubernetesClusterEvidence');
  },
  kubernetespodevidence: (e, ctx) => {
    kubernetesEntity(ctx, e, 'pods', 'kubernetesPod');
    nested(ctx, e['podIp'], 'ipEvidence');
    for (const container of [...list(e['containers']), ...list(e['initContainers']), ...list(e['ephemeralContainers'])])
      nested(ctx, container, 'containerEvidence');
    nested(ctx, e['controller'], 'kubernetesControllerEvidence');
    nested(ctx, e['serviceAccount'], 'kubernetesServiceAccountEvidence');
  },
  kubernetescontrollerevidence: (e, ctx) =>
    kubernetesEntity(ctx, e, text(e['type'])?.toLowerCase() ?? 'controllers', 'kubernetesController'),
  kubernetessecretevidence: (e, ctx) => kubernetesEntity(ctx, e, 'secrets', 'kubernetesSecret'),
  kubernetesserviceaccountevidence: (e, ctx) => kubernetesEntity(ctx, e, 'serviceaccounts', 'kubernetesServiceAccount'),
  kubernetesserviceevidence: (e, ctx) => {
    kubernetesEntity(ctx, e, 'services', 'kubernetesService');
    nested(ctx, e['clusterIP'], 'ipEvidence');
    for (const address of list(e['externalIPs'])) nested(ctx, address, 'ipEvidence');
  },
  dnsevidence: (e, ctx) => {
    add(ctx, domainEntity(e['domainName'], own(ctx, e)));
    for (const address of list(e['ipAddresses'])) nested(ctx, address, 'ipEvidence');
    nested(ctx, e['hostIpAddress'], 'ipEvidence');
    nested(ctx, e['dnsServerIp'], 'ipEvidence');
  },
  networkconnectionevidence: (e, ctx) => {
    inner(ctx, e['sourceAddress'], 'ipEvidence', 'actor');
    inner(ctx, e['destinationAddress'], 'ipEvidence', 'target');
  },
  nicevidence: (e, ctx) => inner(ctx, e['ipAddress'], 'ipEvidence', own(ctx, e)),
  hostlogonsessionevidence: (e, ctx) => {
    inner(ctx, e['account'], 'userEvidence', own(ctx, e));
    inner(ctx, e['host'], 'deviceEvidence', own(ctx, e));
  },
  cloudlogonsessionevidence: (e, ctx) => {
    inner(ctx, e['account'], 'userEvidence', own(ctx, e));
    side(ctx, hostEntity({ hostName: e['deviceName'], os: e['operatingSystem'] }, 'related'));
  },
  iotdeviceevidence: (e, ctx) => {
    add(ctx, hostEntity({ hostName: e['deviceName'], deviceId: e['deviceId'], os: e['operatingSystem'] }, own(ctx, e)));
    nested(ctx, e['ipAddress'], 'ipEvidence');
    for (const nic of list(e['nics'])) nested(ctx, nic, 'nicEvidence');
    nested(ctx, e['ioTHub'], 'azureResourceEvidence');
  },
  githubrepoevidence: (e, ctx) =>
    add(ctx, cloudResourceEntity(text(e['baseUrl']) ?? text(e['repoId']), 'github', 'repository', own(ctx, e))),
  githuborganizationevidence: (e, ctx) =>
    add(ctx, cloudResourceEntity(text(e['webUrl']) ?? text(e['login']), 'github', 'organization', own(ctx, e))),
  githubuserevidence: (e, ctx) => {
    add(ctx, userEntity({ name: e['login'] }, own(ctx, e)));
    side(ctx, mailboxEntity(e['email'], e['name'], 'related'));
  },
  malwareevidence: (e, ctx) => {
    pushLabel(ctx, label('malware', e['name']));
    for (const file of list(e['files'])) inner(ctx, file, 'fileEvidence', own(ctx, e));
    for (const process of list(e['processes'])) inner(ctx, process, 'processEvidence', own(ctx, e));
  },
  aiagentevidence: (e, ctx) => add(ctx, cloudResourceEntity(e['agentId'], undefined, 'aiAgent', own(ctx, e))),
};

function pushText(ctx: Context, value: unknown): void {
  const t = text(value);
  if (t !== undefined) ctx.out.freeText.push(t);
}

function pushLabel(ctx: Context, value: string | undefined): void {
  if (value !== undefined) ctx.out.labels.push(value);
}

/** Verdicts and remediation outcomes the automated investigation reached, as alert labels. */
function investigationLabels(evidence: Obj, ctx: Context): void {
  const verdict = text(evidence['verdict'])?.toLowerCase();
  if (verdict === 'malicious' || verdict === 'suspicious') pushLabel(ctx, `verdict:${verdict}`);
  const remediation = text(evidence['remediationStatus']);
  if (remediation !== undefined && !['none', 'unknownfuturevalue'].includes(remediation.toLowerCase()))
    pushLabel(ctx, `remediation:${remediation}`);
}

function mapOne(evidence: Obj, ctx: Context, declared?: string): void {
  const type = typeName(evidence, declared);
  const mapper = type === undefined ? undefined : MAPPERS[type];
  if (ctx.depth === 0) investigationLabels(evidence, ctx);
  mapper?.(evidence, ctx);
}

/** Maps a Graph alert's `evidence[]`; items that are not objects are the caller's to report. */
export function mapEvidence(evidence: readonly unknown[], out: EvidenceFindings = emptyFindings()): EvidenceFindings {
  for (const item of evidence) {
    const ev = record(item);
    if (ev !== undefined) mapOne(ev, { out, depth: 0, role: undefined });
  }
  return out;
}
