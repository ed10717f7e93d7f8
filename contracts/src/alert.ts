import { z } from 'zod';

/** Alert sources SOC Copilot can normalise. `generic` is the documented JSON alert. */
export const SourceName = z.enum(['generic', 'sentinel', 'defender', 'splunk', 'wazuh', 'cef']);
export type SourceName = z.infer<typeof SourceName>;

/** Severity on the OCSF scale (severity_id 1–5 map to these labels). */
export const Severity = z.enum(['informational', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

/** OCSF severity_id for each label, for consumers that speak OCSF. */
export const SEVERITY_ID: Readonly<Record<Severity, number>> = {
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

/** Status of the alert in its source product, aligned with OCSF Detection Finding `status`. */
export const AlertStatus = z.enum(['new', 'in_progress', 'suppressed', 'resolved', 'unknown']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** Entity kinds SOC Copilot extracts; later versions may add kinds, never remove them. */
export const EntityType = z.enum([
  'ip',
  'host',
  'user',
  'hash',
  'file',
  'process',
  'url',
  'domain',
  'mailbox',
  'registry',
  'cloud-resource',
]);
export type EntityType = z.infer<typeof EntityType>;

/** Where an entity came from: named by the source product, or extracted from free text. */
export const EntityOrigin = z.enum(['source', 'extracted']);

/**
 * Longest entity value (an indicator: URL, command line of a process named by it, registry path …). As long as
 * a process's command line, so no value the edge accepts has to be cut; see ADR 0008.
 */
export const MAX_ENTITY_VALUE_LENGTH = 32_768;
/** Longest entity id: `type:value` for values up to 2048 characters, a hashed form for longer ones. */
export const MAX_ENTITY_ID_LENGTH = 2100;
/** Longest vendor alert id and rule id the edge accepts whole (they are identities: never cut). */
export const MAX_VENDOR_ID_LENGTH = 4096;

const EntityBase = {
  /**
   * Stable within the alert: `<type>:<normalised value>`; actions and evidence refer to entities by it. A value
   * too long for the id keeps a readable head and the hash of the whole value (`boundedId`), never a cut value.
   */
  id: z.string().min(1).max(MAX_ENTITY_ID_LENGTH),
  /** The canonical value: an address, a lower-case hostname, a UPN, a hash, a URL … Whole, never cut. */
  value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH),
  origin: EntityOrigin.default('source'),
  /** OCSF-style role of the entity in the finding. */
  role: z.enum(['actor', 'target', 'related']).optional(),
};

export const IpEntity = z.object({
  ...EntityBase,
  type: z.literal('ip'),
  /** RFC 1918 / loopback / link-local / ULA addresses are internal. */
  isInternal: z.boolean().optional(),
});
export const HostEntity = z.object({
  ...EntityBase,
  type: z.literal('host'),
  hostname: z.string().optional(),
  fqdn: z.string().optional(),
  os: z.string().optional(),
  deviceId: z.string().optional(),
});
export const UserEntity = z.object({
  ...EntityBase,
  type: z.literal('user'),
  name: z.string().optional(),
  domain: z.string().optional(),
  upn: z.string().optional(),
  sid: z.string().optional(),
  objectId: z.string().optional(),
});
export const HashAlgorithm = z.enum(['md5', 'sha1', 'sha256', 'sha512']);
export const HashEntity = z.object({ ...EntityBase, type: z.literal('hash'), algorithm: HashAlgorithm });
export const FileEntity = z.object({
  ...EntityBase,
  type: z.literal('file'),
  name: z.string().optional(),
  path: z.string().optional(),
  hashes: z.array(z.object({ algorithm: HashAlgorithm, value: z.string() })).optional(),
});
export const ProcessEntity = z.object({
  ...EntityBase,
  type: z.literal('process'),
  name: z.string().optional(),
  commandLine: z.string().max(32_768).optional(),
  pid: z.number().int().optional(),
  parentName: z.string().optional(),
});
export const UrlEntity = z.object({ ...EntityBase, type: z.literal('url') });
export const DomainEntity = z.object({ ...EntityBase, type: z.literal('domain') });
export const MailboxEntity = z.object({ ...EntityBase, type: z.literal('mailbox'), displayName: z.string().optional() });
export const RegistryEntity = z.object({
  ...EntityBase,
  type: z.literal('registry'),
  key: z.string().optional(),
  valueName: z.string().optional(),
  data: z.string().optional(),
});
export const CloudResourceEntity = z.object({
  ...EntityBase,
  type: z.literal('cloud-resource'),
  provider: z.string().optional(),
  resourceType: z.string().optional(),
});

/** A typed entity of an alert. */
export const Entity = z.discriminatedUnion('type', [
  IpEntity,
  HostEntity,
  UserEntity,
  HashEntity,
  FileEntity,
  ProcessEntity,
  UrlEntity,
  DomainEntity,
  MailboxEntity,
  RegistryEntity,
  CloudResourceEntity,
]);
export type Entity = z.infer<typeof Entity>;

/** An ATT&CK reference as the source or the mapper gives it (OCSF `attacks[]`). */
export const AttackRef = z.object({
  tactic: z.string().max(128).optional(),
  techniqueId: z
    .string()
    .regex(/^T\d{4}(\.\d{3})?$/)
    .optional(),
  techniqueName: z.string().max(256).optional(),
});
export type AttackRef = z.infer<typeof AttackRef>;

/** Longest value of one source-event field: as long as a command line (ADR 0008). */
export const MAX_SOURCE_EVENT_VALUE_LENGTH = 32_768;
/** Source events an alert carries; more are left out at the edge, saying so in a label. */
export const MAX_SOURCE_EVENTS = 16;

/** Where Sigma files an event: `product` (windows, linux …), `category` (process_creation …), `service` (sysmon, security …). */
export const SourceEventLogsource = z.object({
  product: z.string().min(1).max(64).optional(),
  category: z.string().min(1).max(64).optional(),
  service: z.string().min(1).max(64).optional(),
});
export type SourceEventLogsource = z.infer<typeof SourceEventLogsource>;

const SourceEventValue = z.union([z.string().max(MAX_SOURCE_EVENT_VALUE_LENGTH), z.number(), z.boolean(), z.null()]);

/**
 * A raw event the alert carries (the Sysmon process creation under a Wazuh rule, a SecurityEvent row, a Defender
 * process evidence …), its fields renamed onto Sigma's taxonomy (`Image`, `CommandLine`, `ParentImage`,
 * `TargetObject`, `EventID` …) by the source's parser, so triage can match it against Sigma rules and read the
 * behaviour it shows. The values are the source's own, uncut: they are evidence, written by whoever controls the
 * endpoint, and never instructions. Added in schema version 1 as an optional list (older alerts carry none).
 */
export const SourceEvent = z.object({
  /** The logsources Sigma files the event under, most specific first (a Sysmon 13 is registry_set and registry_event). */
  logsources: z.array(SourceEventLogsource).min(1).max(8),
  /** Sigma field name → the source's value (an array when the source gives several). */
  fields: z
    .record(z.string().min(1).max(128), z.union([SourceEventValue, z.array(SourceEventValue).max(64)]))
    .refine((f) => Object.keys(f).length <= 256, { message: 'at most 256 fields per source event' }),
  /**
   * True when this is a detection product's evidence record (an EDR alert's process, a notable's CIM fields) rather
   * than the logged event itself (a Sysmon or Security event, an audit record): evidence lists what the product chose
   * to show, so what it does not show says nothing, while a logged event that no rule finds suspicious does.
   */
  evidence: z.boolean().optional(),
  /** Where in the source payload the event is (an RFC 6901 JSON pointer), for the analyst who opens the raw body. */
  pointer: z.string().max(512).optional(),
});
export type SourceEvent = z.infer<typeof SourceEvent>;

/**
 * Which version of an alert's content this is. A source re-sends an alert under the same vendor id when it changes
 * (a Sentinel incident update, a Splunk notable update, a Defender status change): the same content is the same
 * revision (idempotent), changed content is a new revision of the same alert, triaged and decided again. Set by
 * ingestion (`alertRevisionOf`); absent on alerts from before revisions existed.
 */
export const AlertRevision = z.object({
  /** `rev-` + a hash of what matters for triage (see `alertRevisionKey`); bookkeeping changes keep it. */
  key: z.string().regex(/^rev-[0-9a-f]{32}$/),
  /** The source's own time of this version: its modified time, else its last-seen time; orders revisions. */
  at: z.iso.datetime({ offset: true }).optional(),
  /** When SOC Copilot received this revision; orders revisions whose source gives no time. */
  receivedAt: z.iso.datetime({ offset: true }),
});
export type AlertRevision = z.infer<typeof AlertRevision>;

/**
 * The common alert every source is normalised into (schema version 1).
 * Field names follow OCSF Detection Finding where that is natural (`finding`-level title, severity,
 * status, first/last seen, analytic rule, attacks, evidence entities).
 */
export const Alert = z.object({
  schemaVersion: z.literal(1),
  /** Deterministic from tenant, source, the sender's principal name and the vendor id, so a re-sent alert keeps its id (`deriveAlertId`). */
  alertId: z.string().min(1).max(128),
  tenantId: z.string().min(1).max(128),
  /**
   * The principal name of the credential that sent it (set by ingestion, never taken from the body): the sender of
   * an alert may never approve its containment. Absent on alerts from before it was recorded.
   */
  sender: z.string().min(1).max(256).optional(),
  source: z.object({
    name: SourceName,
    /** Product that raised the alert, e.g. "Microsoft Sentinel", "Splunk Enterprise Security". */
    product: z.string().max(256).optional(),
    vendor: z.string().max(256).optional(),
    /** The alert's id in its source product. */
    vendorAlertId: z.string().min(1).max(MAX_VENDOR_ID_LENGTH),
    /** Deep link back to the alert in its source product; http(s) only, as analysts open it from the console. */
    url: z.url({ protocol: /^https?$/ }).max(4096).optional(),
  }),
  title: z.string().min(1).max(1024),
  description: z.string().max(32_768).default(''),
  severity: Severity,
  status: AlertStatus.default('new'),
  /** When the source detected it (OCSF `time`). */
  detectedAt: z.iso.datetime({ offset: true }),
  firstSeenAt: z.iso.datetime({ offset: true }).optional(),
  lastSeenAt: z.iso.datetime({ offset: true }).optional(),
  /** When the source last changed the alert (OCSF `finding_info.modified_time`): orders revisions, is not content. */
  modifiedAt: z.iso.datetime({ offset: true }).optional(),
  /** The detection rule / analytic (OCSF `finding_info.analytic`). */
  rule: z
    .object({
      id: z.string().max(MAX_VENDOR_ID_LENGTH).optional(),
      name: z.string().max(1024).optional(),
    })
    .optional(),
  attack: z.array(AttackRef).max(64).default([]),
  entities: z.array(Entity).max(500).default([]),
  labels: z.array(z.string().max(256)).max(64).default([]),
  /** The raw events the alert carries, mapped onto Sigma's taxonomy by its source's parser; none when it carries none. */
  sourceEvents: z.array(SourceEvent).max(MAX_SOURCE_EVENTS).optional(),
  /** Where the untouched source payload is kept, when it is kept. */
  rawRef: z.object({ store: z.string(), key: z.string() }).optional(),
  /** Which version of the alert's content this is; set by ingestion. */
  revision: AlertRevision.optional(),
});
export type Alert = z.infer<typeof Alert>;
/** The alert as accepted from a producer, before defaults are applied. */
export type AlertInput = z.input<typeof Alert>;
