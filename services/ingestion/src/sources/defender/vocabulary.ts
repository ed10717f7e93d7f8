import type { AlertStatus, AttackRef, Severity } from '@soc/contracts';
import type { EntityDraft } from '../../entities.ts';
import { parseJsonBounded, text } from '../values.ts';

/**
 * Microsoft's enumerations as the common schema names them. Graph uses lowerCamel values (`inProgress`), the
 * Defender for Endpoint API and the streaming tables PascalCase (`InProgress`), so every lookup ignores case.
 */

const key = (value: string): string => value.toLowerCase().replace(/[^a-z0-9]/g, '');

const SEVERITY: Readonly<Record<string, Severity>> = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/**
 * Values Microsoft uses when it has no severity: Graph `unknown` / `unknownFutureValue` (a level newer than the
 * client asked for), MDE `UnSpecified`. They map to `medium` with a `source-severity:` label saying so, rather
 * than refusing the alert or burying it as informational.
 */
const NO_SEVERITY = new Set(['unknown', 'unknownfuturevalue', 'unspecified']);

export type SeverityReading = { severity: Severity; label?: string } | undefined;

/** Graph, MDE and streaming severities; undefined when the value is not one of Microsoft's. */
export function readSeverity(value: unknown): SeverityReading {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const known = SEVERITY[key(raw)];
  if (known) return { severity: known };
  return NO_SEVERITY.has(key(raw)) ? { severity: 'medium', label: `source-severity:${raw}` } : undefined;
}

export const SEVERITY_VALUES =
  'informational, low, medium, high (any case), or unknown / unknownFutureValue / UnSpecified';

const ALERT_STATUS: Readonly<Record<string, AlertStatus>> = {
  new: 'new',
  inprogress: 'in_progress',
  resolved: 'resolved',
  unknown: 'unknown',
  unknownfuturevalue: 'unknown',
  // Incident statuses: an active incident is open and untouched; awaiting action is being worked on; a
  // redirected incident was merged into another one (`redirected-to:` label) and is not worked on by itself.
  active: 'new',
  awaitingaction: 'in_progress',
  redirected: 'suppressed',
};

/** Alert and incident statuses; anything else is `unknown` (Graph enums evolve, a new value is no reason to refuse). */
export function readStatus(value: unknown): AlertStatus | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  return ALERT_STATUS[key(raw)] ?? 'unknown';
}

/** Graph enum values in one spelling (`TruePositive` → `truePositive`), so labels from both APIs match. */
export function enumLabel(prefix: string, value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined || NO_SEVERITY.has(key(raw)) || key(raw) === 'notavailable') return undefined;
  const camel = /^[A-Z][a-z]/.test(raw) ? raw[0]!.toLowerCase() + raw.slice(1) : raw;
  return `${prefix}:${camel}`;
}

/** A plain label `prefix:value` for free-form values, or undefined when there is no value. */
export function label(prefix: string, value: unknown): string | undefined {
  const raw = text(value);
  return raw === undefined ? undefined : `${prefix}:${raw}`;
}

const TACTICS: Readonly<Record<string, string>> = {
  reconnaissance: 'Reconnaissance',
  resourcedevelopment: 'Resource Development',
  initialaccess: 'Initial Access',
  execution: 'Execution',
  persistence: 'Persistence',
  privilegeescalation: 'Privilege Escalation',
  defenseevasion: 'Defense Evasion',
  credentialaccess: 'Credential Access',
  discovery: 'Discovery',
  lateralmovement: 'Lateral Movement',
  collection: 'Collection',
  commandandcontrol: 'Command and Control',
  exfiltration: 'Exfiltration',
  impact: 'Impact',
};

/**
 * Defender's alert `category` is an ATT&CK tactic (`DefenseEvasion`) or a Defender-only category (`Malware`,
 * `SuspiciousActivity` …). Only the former becomes an attack reference; every category is also kept as a label.
 */
export function tacticOf(category: unknown): string | undefined {
  const raw = text(category);
  return raw === undefined ? undefined : TACTICS[key(raw)];
}

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;
const NAMED_TECHNIQUE = /^(.*?)\s*\((T\d{4}(?:\.\d{3})?)\)\s*$/;

/**
 * ATT&CK references from Graph/MDE `mitreTechniques` (`["T1564.001"]`) or the streaming tables'
 * `AttackTechniques`, a JSON-encoded list of `Name (T1059.001)` strings.
 */
export function techniquesOf(value: unknown): AttackRef[] {
  let items: unknown[] = [];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    try {
      const parsed: unknown = parseJsonBounded(value);
      items = Array.isArray(parsed) ? parsed : [value];
    } catch {
      items = value.split(',');
    }
  }
  const refs: AttackRef[] = [];
  for (const item of items) {
    const raw = text(item);
    if (raw === undefined) continue;
    if (TECHNIQUE.test(raw)) {
      refs.push({ techniqueId: raw });
      continue;
    }
    const named = NAMED_TECHNIQUE.exec(raw);
    if (named) refs.push(named[1] ? { techniqueId: named[2]!, techniqueName: named[1] } : { techniqueId: named[2]! });
  }
  return refs;
}

/** Attack references for an alert: its tactic (from the category) and its techniques, each as Defender names them. */
export function attackOf(category: unknown, techniques: unknown): AttackRef[] {
  const tactic = tacticOf(category);
  return [...(tactic ? [{ tactic }] : []), ...techniquesOf(techniques)];
}

const ACTOR_ROLES = new Set(['attacker', 'source', 'commandandcontrol', 'policyviolator']);
const TARGET_ROLES = new Set([
  'compromised',
  'attacked',
  'destination',
  'scanned',
  'edited',
  'created',
  'added',
  'impacted',
]);
const RELATED_ROLES = new Set(['contextual', 'loaded', 'suspicious', 'related']);

/**
 * The common role of an evidence entity from Graph `roles[]` or the streaming `EvidenceRole`: attacker-side
 * roles (attacker, source, commandAndControl, policyViolator) make it the actor; roles of something acted on
 * (compromised, attacked, destination, scanned, edited, created, added; streaming `Impacted`) the target;
 * contextual, loaded, suspicious and `Related` make it related. `unknown` or no role leaves it unset.
 */
export function roleOf(roles: unknown): EntityDraft['role'] {
  const names = (Array.isArray(roles) ? roles : [roles])
    .map((r) => text(r))
    .filter((r) => r !== undefined)
    .map(key);
  if (names.some((r) => ACTOR_ROLES.has(r))) return 'actor';
  if (names.some((r) => TARGET_ROLES.has(r))) return 'target';
  if (names.some((r) => RELATED_ROLES.has(r))) return 'related';
  return undefined;
}

const SERVICE_SOURCES: Readonly<Record<string, string>> = {
  microsoftdefenderforendpoint: 'Microsoft Defender for Endpoint',
  microsoftdefenderforidentity: 'Microsoft Defender for Identity',
  microsoftdefenderforcloudapps: 'Microsoft Defender for Cloud Apps',
  microsoftdefenderforoffice365: 'Microsoft Defender for Office 365',
  microsoft365defender: 'Microsoft Defender XDR',
  azureadidentityprotection: 'Microsoft Entra ID Protection',
  microsoftappgovernance: 'App governance',
  datalossprevention: 'Microsoft Purview Data Loss Prevention',
  microsoftdefenderforcloud: 'Microsoft Defender for Cloud',
  microsoftsentinel: 'Microsoft Sentinel',
  microsoftinsiderriskmanagement: 'Microsoft Purview Insider Risk Management',
};

/** The product name of a Graph `serviceSource` value; other values (streaming already spells names out) pass through. */
export function productOf(serviceSource: unknown): string | undefined {
  const raw = text(serviceSource);
  return raw === undefined ? undefined : (SERVICE_SOURCES[key(raw)] ?? raw);
}
