import { type Alert, type Enrichment, type Entity, type SourceEvent, clipText } from '@soc/contracts';
import { type SigmaEngine, type SigmaHit, type SigmaLogsource, createSigmaEngine, loadRulesFile, sysmonRegistryPath } from '@soc/sigma';
import type { AttackCatalog, AttackMapping } from './attack/index.ts';

/**
 * Sigma as a second opinion: the process and registry entities an alert carries, mapped onto Sigma's taxonomy and
 * matched against the bundled SigmaHQ corpus. Pure but for `bundledSigmaEngine` (reads the corpus once).
 */

/** One Sigma event built from the alert's entities, with the logsources it belongs to. */
export interface SigmaEvent {
  readonly event: Readonly<Record<string, unknown>>;
  readonly logsources: readonly SigmaLogsource[];
  /** Whether the entity it comes from was named by the source product (not extracted from free text). */
  readonly fromSource: boolean;
  /** The audit id of the query that fetched it, for an event enrichment fetched (not the alert's own). */
  readonly fetchedBy?: string;
}

/** A rule that matched one of the alert's Sigma events; `fromSource` when any such event was source-named. */
export interface SigmaFinding {
  readonly hit: SigmaHit;
  readonly fromSource: boolean;
  /** Set when the rule matched only events enrichment fetched: the audit id of the query that fetched them. */
  readonly fetchedBy?: string;
}

/** The audit id of the query that fetched an event (`FetchedSourceEvent.fetchedBy`); undefined for an alert's own event. */
export function fetchedByOf(event: SourceEvent): string | undefined {
  return 'fetchedBy' in event && typeof event.fetchedBy === 'string' ? event.fetchedBy : undefined;
}

/**
 * The alert as triage reads its events: its own raw events when it carries any, else the events enrichment fetched
 * for it (`enrichment.sourceEvents`, each citing the query that fetched it). Fetched events are the host's events
 * near the alert's time, not proven to be the one that fired it: they may lift the alert (a Sigma hit), never lower
 * it (`eventEvidenceFactor` reads them as evidence records). Pure.
 */
export function withFetchedEvents(alert: Alert, enrichment: Pick<Enrichment, 'sourceEvents'>): Alert {
  const fetched = enrichment.sourceEvents ?? [];
  return (alert.sourceEvents ?? []).length > 0 || fetched.length === 0 ? alert : { ...alert, sourceEvents: fetched };
}

/** Process and registry entities read per alert. */
const MAX_EVENTS = 16;

type ProcessEntity = Extract<Entity, { type: 'process' }>;
type RegistryEntity = Extract<Entity, { type: 'registry' }>;
type Os = 'windows' | 'linux';

const WINDOWS_PATH = /^(?:[a-z]:[\\/]|\\|%[a-z_]+%\\)/iu;
const isPath = (s: string): boolean => WINDOWS_PATH.test(s) || s.startsWith('/');
/** The entity's value as its image: a parser names a process by its command line only when it knows no image. */
const imageValue = (p: ProcessEntity): string | undefined => (p.commandLine !== undefined && p.value === p.commandLine ? undefined : p.value);
const baseName = (s: string): string => s.slice(Math.max(s.lastIndexOf('\\'), s.lastIndexOf('/')) + 1);

/** Windows or Linux from an image path's shape, else from the alert's host entities; undefined when neither says. */
function osOf(path: string | undefined, hostOs: Os | undefined): Os | undefined {
  if (path !== undefined && WINDOWS_PATH.test(path)) return 'windows';
  if (path?.startsWith('/') === true) return 'linux';
  if (path !== undefined && /\.(?:exe|dll|com|bat|cmd|ps1|scr)$/iu.test(path)) return 'windows';
  return hostOs;
}

function hostOsOf(entities: readonly Entity[]): Os | undefined {
  for (const e of entities) {
    if (e.type !== 'host' || e.os === undefined) continue;
    const os = e.os.toLowerCase();
    if (os.includes('windows')) return 'windows';
    if (/linux|ubuntu|debian|centos|red ?hat|rhel|suse|fedora|amazon|alpine/u.test(os)) return 'linux';
  }
  return undefined;
}

/**
 * A process's image as Sigma's `Image` (a full path): the entity's value when it is a path; when only a file name
 * is known, the name behind a separator (`\powershell.exe`, `/curl`), so `endswith '\powershell.exe'` rules match
 * while rules on the folder (a filter on `C:\Program Files\`) cannot see it.
 */
function imageOf(p: ProcessEntity, os: Os): string | undefined {
  const value = imageValue(p);
  if (value !== undefined && isPath(value)) return value;
  const name = p.name ?? (value !== undefined && /^[^\s\\/]+\.(?:exe|com|bat|cmd|scr)$/iu.test(value) ? value : undefined);
  return name === undefined ? undefined : `${os === 'windows' ? '\\' : '/'}${baseName(name)}`;
}

/**
 * The Sigma events of an alert: the raw events it carries (`sourceEvents`, mapped by its source's parser) when it
 * carries any; otherwise those its entities make: each process entity (but one that is only the parent of another) a
 * `process_creation` event with `Image`, `CommandLine`, `ParentImage`, `ParentCommandLine` and `User`; each
 * registry entity with a key a `registry_set`/`registry_event` event with `TargetObject` and `Details`. An entity
 * whose platform cannot be told (no path, no host OS) makes none. Pure.
 */
export function sigmaEventsOf(alert: Pick<Alert, 'entities' | 'sourceEvents'>): SigmaEvent[] {
  // The raw events the source's parser mapped are the event itself; the entities only summarise them (no hashes,
  // no integrity level, no current directory …), so when an alert carries raw events they alone are matched.
  const raw = alert.sourceEvents ?? [];
  if (raw.length > 0)
    return raw.slice(0, MAX_EVENTS).map((e) => {
      const fetchedBy = fetchedByOf(e);
      return { event: e.fields, logsources: e.logsources, fromSource: true, ...(fetchedBy !== undefined ? { fetchedBy } : {}) };
    });
  const hostOs = hostOsOf(alert.entities);
  const processes = alert.entities.filter((e): e is ProcessEntity => e.type === 'process');
  const user = alert.entities.find((e) => e.type === 'user' && e.role === 'actor') ?? alert.entities.find((e) => e.type === 'user');
  const parentNames = new Set(processes.flatMap((p) => (p.parentName === undefined ? [] : [baseName(p.parentName).toLowerCase()])));
  const isOnlyParent = (p: ProcessEntity): boolean => p.role === 'related' && parentNames.has(baseName(p.name ?? p.value).toLowerCase());
  const out: SigmaEvent[] = [];
  for (const p of processes) {
    if (out.length >= MAX_EVENTS) break;
    if (isOnlyParent(p)) continue;
    const value = imageValue(p);
    const os = osOf(value !== undefined && isPath(value) ? value : (p.name ?? value), hostOs);
    if (os === undefined) continue;
    // Without an image no event: rules that exclude known images (`not Image|endswith …`) would fire on its absence.
    const image = imageOf(p, os);
    if (image === undefined) continue;
    const event: Record<string, string> = { Image: image };
    if (p.commandLine !== undefined) event.CommandLine = p.commandLine;
    if (p.parentName !== undefined) {
      const name = baseName(p.parentName).toLowerCase();
      const parent = processes.find((q) => q !== p && isPath(q.value) && baseName(q.name ?? q.value).toLowerCase() === name);
      event.ParentImage = isPath(p.parentName) ? p.parentName : (parent?.value ?? `${os === 'windows' ? '\\' : '/'}${p.parentName}`);
      if (parent?.commandLine !== undefined) event.ParentCommandLine = parent.commandLine;
    }
    if (user !== undefined) event.User = user.value;
    out.push({ event, logsources: [{ product: os, category: 'process_creation' }], fromSource: p.origin !== 'extracted' });
  }
  for (const r of alert.entities.filter((e): e is RegistryEntity => e.type === 'registry')) {
    if (out.length >= MAX_EVENTS) break;
    const key = sysmonRegistryPath(r.key ?? r.value);
    const event: Record<string, string> = { TargetObject: r.valueName === undefined || r.valueName === '' ? key : `${key}\\${r.valueName}` };
    if (r.data !== undefined) event.Details = r.data;
    const logsources: SigmaLogsource[] = [{ product: 'windows', category: 'registry_event' }];
    if (r.data !== undefined) logsources.unshift({ product: 'windows', category: 'registry_set' });
    out.push({ event, logsources, fromSource: r.origin !== 'extracted' });
  }
  return out;
}

const LEVEL_ORDER: Readonly<Record<string, number>> = { critical: 4, high: 3, medium: 2, low: 1, informational: 0 };
/** A hit's level rank (critical 4 … informational 0; an unknown level counts as informational). */
export const levelRank = (level: string): number => LEVEL_ORDER[level] ?? 0;

/** Every rule that matches one of the alert's Sigma events, once per rule, the highest level first (then by id). Pure. */
export function findSigmaHits(alert: Pick<Alert, 'entities' | 'sourceEvents'>, engine: SigmaEngine | undefined): SigmaFinding[] {
  if (engine === undefined) return [];
  const found = new Map<string, { hit: SigmaHit; fromSource: boolean; fetchedBy?: string }>();
  for (const e of sigmaEventsOf(alert)) {
    for (const hit of engine.match(e.event, e.logsources)) {
      const seen = found.get(hit.id);
      if (seen === undefined) found.set(hit.id, { hit, fromSource: e.fromSource, ...(e.fetchedBy !== undefined ? { fetchedBy: e.fetchedBy } : {}) });
      else {
        if (e.fromSource) seen.fromSource = true;
        if (e.fetchedBy === undefined) delete seen.fetchedBy;
      }
    }
  }
  return [...found.values()].sort((a, b) => levelRank(b.hit.level) - levelRank(a.hit.level) || a.hit.id.localeCompare(b.hit.id));
}

/** A hit's ATT&CK technique ids (`attack.t1059.001` → `T1059.001`), from its techniques or tags. */
export function hitTechniques(hit: SigmaHit): string[] {
  const ids = [...hit.techniques, ...hit.tags.filter((t) => /^attack\.t\d{4}/iu.test(t)).map((t) => t.slice('attack.'.length))];
  return [...new Set(ids.map((t) => t.toUpperCase()))];
}

/** The rule a hit cites, with the attribution DRL 1.1 requires: title, id, level, status and author. */
export const citeHit = (hit: SigmaHit): string =>
  `Sigma rule «${clipText(hit.title, 160)}» (${hit.id}, level ${hit.level}, status ${hit.status || 'unknown'}) by ${clipText(hit.author || 'unknown', 160)}`;

/**
 * The alert's ATT&CK mapping with the Sigma hits' techniques added (basis `text`, medium confidence), where the
 * mapping does not already hold the technique; the tactic is the technique's first in the catalog.
 */
export function withSigmaAttack(mapped: readonly AttackMapping[], findings: readonly SigmaFinding[], catalog: AttackCatalog): AttackMapping[] {
  const out = [...mapped];
  const seen = new Set(mapped.map((m) => m.techniqueId));
  for (const f of findings) {
    for (const id of hitTechniques(f.hit)) {
      const tech = catalog.technique(id);
      const tactic = tech?.tactics[0];
      if (!tech || !tactic || seen.has(tech.id) || out.length >= 64) continue;
      seen.add(tech.id);
      out.push({ tactic: tactic.name, techniqueId: tech.id, techniqueName: tech.name, ...(tech.parentId ? { subTechniqueOf: tech.parentId } : {}), confidence: 'medium', basis: 'text', evidence: `Sigma rule ${f.hit.id}` });
    }
  }
  return out;
}

let bundled: SigmaEngine | undefined;

/** The bundled SigmaHQ corpus, read and compiled once per process. */
export function bundledSigmaEngine(): SigmaEngine {
  bundled ??= createSigmaEngine(loadRulesFile());
  return bundled;
}
