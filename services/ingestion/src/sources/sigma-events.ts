import type { SourceEvent } from '@soc/contracts';
import { REGISTRY_HIVES, sysmonRegistryPath } from '@soc/sigma';
import { text } from './values.ts';

/**
 * Source events (Sigma's taxonomy) from the process, registry and file evidence that EDR-style sources give
 * (Defender evidence, a Sentinel MDE alert's entities, Splunk CIM Endpoint.Processes fields). One place decides
 * the platform and the field names, so every source files the same fact under the same Sigma logsource.
 */

/** The operating systems Sigma's `product` names for endpoint events we map. */
export type Platform = 'windows' | 'linux' | 'macos';

/**
 * The platform an OS name says: Graph's `osPlatform` (`Windows10`, `WindowsServer2019`, `Linux`, `macOS`, `Ubuntu`
 * …), Sentinel's host `OSFamily` (`Windows`, `Linux`, `Mac`), Splunk CIM's `os`. Undefined when it does not say.
 */
export function platformOfOs(os: unknown): Platform | undefined {
  const t = text(os)
    ?.toLowerCase()
    .replace(/^microsoft\s+/u, '');
  if (t === undefined) return undefined;
  if (t.startsWith('windows') || t === 'win') return 'windows';
  if (/^(?:linux|ubuntu|debian|redhat|red hat|rhel|centos|suse|sles|oracle ?linux|amazon ?linux|alma|rocky|fedora)/u.test(t)) return 'linux';
  if (/^(?:mac|osx|os x)/u.test(t)) return 'macos';
  return undefined;
}

const MAC_ROOTS = /^\/(?:Applications|Library|System|Users|private|Volumes)\//u;

/**
 * The platform a full path's shape says: a drive letter, UNC or `%VAR%` prefix is Windows; an absolute `/` path
 * is Linux, unless it is under a macOS root (`/Applications/`, `/Users/` …). A bare file name says nothing.
 */
export function platformOfPath(path: string | undefined): Platform | undefined {
  if (path === undefined) return undefined;
  if (/^(?:[a-z]:[\\/]|\\\\|%[^%]+%\\)/iu.test(path)) return 'windows';
  if (path.startsWith('/')) return MAC_ROOTS.test(path) ? 'macos' : 'linux';
  return undefined;
}

/** What an EDR says of one process; every value the source's own. */
export interface ProcessFacts {
  /** Full path of the process's image. */
  image: string | undefined;
  commandLine?: string | undefined;
  parentImage?: string | undefined;
  parentCommandLine?: string | undefined;
  /** `DOMAIN\user` as Sysmon writes `User`, or the bare name when the source gives no domain. */
  user?: string | undefined;
  processId?: string | number | undefined;
  parentProcessId?: string | number | undefined;
  currentDirectory?: string | undefined;
  integrityLevel?: string | undefined;
}

type Fields = SourceEvent['fields'];

function defined(fields: Record<string, string | number | undefined>): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** `DOMAIN\name` from an account's parts (the bare name without a domain). */
export function accountName(name: unknown, domain: unknown): string | undefined {
  const n = text(name);
  const d = text(domain);
  if (n === undefined) return undefined;
  return d === undefined || n.includes('\\') ? n : `${d}\\${n}`;
}

/**
 * A `process_creation` event from a process's facts, on `platform` (else the one its image path says). None
 * without an image or a known platform: rules that exclude known images (`not Image|endswith …`) would fire on an
 * absent one, and a Windows rule must not match a Linux process.
 */
export function processCreationEvent(facts: ProcessFacts, platform: Platform | undefined, pointer?: string): SourceEvent | undefined {
  const image = text(facts.image);
  const product = platform ?? platformOfPath(image);
  if (image === undefined || product === undefined) return undefined;
  return {
    logsources: [{ product, category: 'process_creation' }],
    fields: defined({
      Image: image,
      CommandLine: text(facts.commandLine),
      ParentImage: text(facts.parentImage),
      ParentCommandLine: text(facts.parentCommandLine),
      User: text(facts.user),
      ProcessId: facts.processId === undefined ? undefined : String(facts.processId),
      ParentProcessId: facts.parentProcessId === undefined ? undefined : String(facts.parentProcessId),
      CurrentDirectory: text(facts.currentDirectory),
      IntegrityLevel: text(facts.integrityLevel),
    }),
    evidence: true,
    ...(pointer === undefined ? {} : { pointer }),
  };
}

/** A registry key as Sysmon renders `TargetObject`: hive abbreviated (`HKLM\…`, `HKU\…`), given apart or in front. */
export function registryTargetObject(hive: unknown, key: unknown, valueName?: unknown): string | undefined {
  const k = text(key)?.replace(/^\\+/u, '');
  if (k === undefined) return undefined;
  const h = text(hive);
  const full = sysmonRegistryPath(h !== undefined && !REGISTRY_HIVES.some(([re]) => re.test(k)) && !k.toUpperCase().startsWith(h.toUpperCase()) ? `${h}\\${k}` : k);
  const v = text(valueName);
  return v === undefined ? full : `${full}\\${v}`;
}

/**
 * A Windows registry event: a value with its data is `registry_set` (and `registry_event`), as Sysmon 13; a key
 * alone is only `registry_event` (the evidence does not say whether it was added, set or deleted).
 */
export function registryEvent(
  target: { hive?: unknown; key: unknown; valueName?: unknown; data?: unknown; image?: string | undefined },
  pointer?: string,
): SourceEvent | undefined {
  const targetObject = registryTargetObject(target.hive, target.key, target.valueName);
  if (targetObject === undefined) return undefined;
  const details = text(target.data);
  const isSet = text(target.valueName) !== undefined || details !== undefined;
  return {
    logsources: isSet
      ? [{ product: 'windows', category: 'registry_set' }, { product: 'windows', category: 'registry_event' }]
      : [{ product: 'windows', category: 'registry_event' }],
    fields: defined({ TargetObject: targetObject, Details: details, EventType: isSet ? 'SetValue' : undefined, Image: target.image }),
    evidence: true,
    ...(pointer === undefined ? {} : { pointer }),
  };
}

/** A `file_event` (Sysmon 11's category) for a file the evidence names by full path, on its platform. */
export function fileEvent(path: string | undefined, platform: Platform | undefined, pointer?: string): SourceEvent | undefined {
  const product = platform ?? platformOfPath(path);
  if (path === undefined || product === undefined || platformOfPath(path) === undefined) return undefined;
  return {
    logsources: [{ product, category: 'file_event' }],
    fields: { TargetFilename: path },
    evidence: true,
    ...(pointer === undefined ? {} : { pointer }),
  };
}

/** Events that were made, without the ones that could not be. */
export function present(events: readonly (SourceEvent | undefined)[]): SourceEvent[] {
  return events.filter((e): e is SourceEvent => e !== undefined);
}
