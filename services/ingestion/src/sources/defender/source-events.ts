import type { SourceEvent } from '@soc/contracts';
import {
  type Platform,
  accountName,
  fileEvent,
  platformOfOs,
  platformOfPath,
  present,
  processCreationEvent,
  registryEvent,
} from '../sigma-events.ts';
import { record, text } from '../values.ts';
import { fullPath } from './entity-builders.ts';

/**
 * Defender evidence as Sigma events: a process → `process_creation`, a registry value → `registry_set` (a key
 * alone → `registry_event`), a file → `file_event` (Defender names files an alert involves: written, dropped
 * or only referred to; a `file_event` rule reads `TargetFilename` as a written file). The platform is the
 * device's `osPlatform` when the alert's devices agree on one, else the path's shape; registry evidence is Windows.
 */

type Obj = Record<string, unknown>;

/** `#microsoft.graph.security.processEvidence` → `processevidence`. */
function kindOf(evidence: Obj): string {
  return (text(evidence['@odata.type']) ?? '').split('.').pop()?.toLowerCase() ?? '';
}

/** The one platform the devices name, or none when they name none or disagree. */
function devicePlatform(osNames: readonly unknown[]): Platform | undefined {
  const platforms = new Set(osNames.map(platformOfOs).filter((p) => p !== undefined));
  return platforms.size === 1 ? [...platforms][0] : undefined;
}

function graphProcess(e: Obj, platform: Platform | undefined, pointer: string): SourceEvent | undefined {
  const image = record(e['imageFile']);
  const parent = record(e['parentProcessImageFile']);
  const user = record(e['userAccount']);
  return processCreationEvent(
    {
      image: fullPath(image?.['filePath'], image?.['fileName']),
      commandLine: text(e['processCommandLine']),
      parentImage: fullPath(parent?.['filePath'], parent?.['fileName']),
      user: accountName(user?.['accountName'], user?.['domainName']),
      processId: text(e['processId']),
      parentProcessId: text(e['parentProcessId']),
    },
    platform,
    pointer,
  );
}

/** Sigma events of a Graph `alerts_v2` alert's `evidence` (at `pointer`/evidence). Pure. */
export function graphEvidenceEvents(evidence: readonly unknown[], pointer: string): SourceEvent[] {
  const items = evidence.map((e) => record(e));
  const platform = devicePlatform(items.filter((e) => e !== undefined && kindOf(e) === 'deviceevidence').map((e) => e?.['osPlatform']));
  return present(
    items.map((e, i) => {
      if (e === undefined) return undefined;
      const at = `${pointer}/evidence/${i}`;
      switch (kindOf(e)) {
        case 'processevidence':
          return graphProcess(e, platform, at);
        case 'registryvalueevidence':
          return registryEvent({ hive: e['registryHive'], key: e['registryKey'], valueName: e['registryValueName'], data: e['registryValue'] }, at);
        case 'registrykeyevidence':
          return registryEvent({ hive: e['registryHive'], key: e['registryKey'] }, at);
        case 'fileevidence': {
          const file = record(e['fileDetails']);
          return fileEvent(fullPath(file?.['filePath'], file?.['fileName']), platform, at);
        }
        default:
          return undefined;
      }
    }),
  );
}

/**
 * Sigma events of a Defender for Endpoint API alert's flat `evidence` records (`entityType` Process, File,
 * Registry …). The API names no OS on the alert, so the platform is the path's shape. Pure.
 */
export function mdeEvidenceEvents(evidence: readonly unknown[], pointer: string): SourceEvent[] {
  return present(
    evidence.map((item, i) => {
      const e = record(item);
      if (e === undefined) return undefined;
      const at = `${pointer}/evidence/${i}`;
      const type = text(e['entityType'])?.toLowerCase();
      if (type === 'process')
        return processCreationEvent(
          {
            image: fullPath(e['filePath'], e['fileName']),
            commandLine: text(e['processCommandLine']),
            parentImage: fullPath(e['parentProcessFilePath'], e['parentProcessFileName']),
            user: accountName(e['accountName'], e['domainName']),
            processId: text(e['processId']),
            parentProcessId: text(e['parentProcessId']),
          },
          undefined,
          at,
        );
      if (type === 'registry' || (type === undefined && text(e['registryKey']) !== undefined))
        return registryEvent({ hive: e['registryHive'], key: e['registryKey'], data: e['registryValue'] }, at);
      if (type === 'file') return fileEvent(fullPath(e['filePath'], e['fileName']), undefined, at);
      return undefined;
    }),
  );
}

/**
 * The Sigma event of one streaming `AlertEvidence` row (`EntityType` Process, File, RegistryValue …). A
 * process row's `FolderPath` is its image's full path. Pure.
 */
export function streamingEvidenceEvent(row: Obj, platform: Platform | undefined, pointer: string): SourceEvent | undefined {
  const type = (text(row['EntityType']) ?? '').toLowerCase().replace(/[^a-z]/gu, '');
  const path = fullPath(row['FolderPath'], row['FileName']);
  if (type === 'process' || (type === '' && text(row['ProcessCommandLine']) !== undefined))
    return processCreationEvent(
      {
        image: path,
        commandLine: text(row['ProcessCommandLine']),
        user: accountName(row['AccountName'], row['AccountDomain']),
      },
      platform,
      pointer,
    );
  if (type.startsWith('registry'))
    return registryEvent({ key: row['RegistryKey'], valueName: row['RegistryValueName'], data: row['RegistryValueData'] }, pointer);
  if (type === 'file') return fileEvent(path, platform ?? platformOfPath(path), pointer);
  return undefined;
}
