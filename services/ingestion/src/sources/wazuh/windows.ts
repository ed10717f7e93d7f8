import { processId, record, text } from '../values.ts';
import {
  type TypedDraft,
  basename,
  hostDraft,
  ipDraft,
  present,
  sysmonHashes,
  userDraft,
} from './entity-drafts.ts';

/**
 * Entities of a Windows event collected by the Wazuh agent (`data.win.system` / `data.win.eventdata`): Sysmon
 * process, file, network, DNS and registry events and Security-log logons and process creations.
 */

// Sysmon events whose `Hashes` are those of `TargetFilename` (stream hash, file delete, executable detected).
const TARGET_FILE_HASH_EVENTS = new Set(['15', '23', '26', '29']);

/**
 * Published Wazuh alerts carry eventdata strings escaped twice (`C:\\\\Windows`, `\\"C:…\\"`: every backslash
 * paired), while `win.system.message` has them once. A value whose every backslash is paired is unescaped once;
 * a value with a lone backslash is already plain and kept.
 */
export function unescapeEventData(value: string): string {
  return value.includes('\\') && /^(?:[^\\]|\\[\\"])*$/.test(value) ? value.replace(/\\(["\\])/g, '$1') : value;
}

/** `win.system.message` as Wazuh writes it: wrapped in double quotes. */
export function windowsMessage(win: Record<string, unknown> | undefined): string | undefined {
  const message = present(text(record(win?.system)?.message));
  return message?.replace(/^"([\s\S]*)"$/, '$1');
}

export function windowsEntities(win: Record<string, unknown>): TypedDraft[] {
  const system = record(win.system);
  const data = record(win.eventdata) ?? {};
  const get = (key: string): string | undefined => {
    const v = present(text(data[key]));
    return v === undefined ? undefined : unescapeEventData(v);
  };
  const eventId = text(system?.eventID);
  const out: TypedDraft[] = [];

  // Sysmon 1 names the new process `image`; Security 4688 names it `newProcessName` and its creator `processId`.
  const securityCreation = get('newProcessName') !== undefined;
  const image = get('image') ?? get('newProcessName');
  const parentImage = get('parentImage') ?? get('parentProcessName');
  const commandLine = get('commandLine');
  const processValue = image ?? commandLine;
  if (processValue !== undefined) {
    out.push({
      type: 'process',
      value: processValue,
      name: image === undefined ? undefined : basename(image),
      commandLine,
      pid: processId(securityCreation ? get('newProcessId') : get('processId')),
      parentName: parentImage === undefined ? undefined : basename(parentImage),
    });
  }
  if (parentImage !== undefined) {
    out.push({
      type: 'process',
      value: parentImage,
      name: basename(parentImage),
      commandLine: get('parentCommandLine'),
      pid: processId(securityCreation ? get('processId') : get('parentProcessId')),
      role: 'related',
    });
  }

  const hashes = sysmonHashes(get('hashes'));
  for (const h of hashes) out.push({ type: 'hash', value: h.value, algorithm: h.algorithm });
  const targetFile = get('targetFilename');
  const hashedFile =
    get('imageLoaded') ?? (eventId !== undefined && TARGET_FILE_HASH_EVENTS.has(eventId) ? targetFile : image);
  // The hashed image of a process creation is a file only through its digests; the process entity names it already.
  for (const path of new Set([hashes.length > 0 ? hashedFile : undefined, targetFile, get('imageLoaded')])) {
    if (path === undefined) continue;
    out.push({
      type: 'file',
      value: path,
      name: basename(path),
      path,
      hashes: path === hashedFile && hashes.length > 0 ? hashes : undefined,
    });
  }

  out.push(...userDraft(get('user'), 'actor'));
  out.push(...userDraft(get('subjectUserName'), 'actor', get('subjectDomainName'), get('subjectUserSid')));
  out.push(...userDraft(get('targetUserName'), 'target', get('targetDomainName'), get('targetUserSid')));
  out.push(...ipDraft(get('ipAddress'), 'actor'), ...hostDraft(get('workstationName'), 'actor'));
  out.push(...ipDraft(get('sourceIp'), 'actor'), ...hostDraft(get('sourceHostname'), 'actor'));
  out.push(...ipDraft(get('destinationIp'), 'target'), ...hostDraft(get('destinationHostname'), 'target'));

  const query = get('queryName');
  if (query !== undefined && /^[^\s\\/]+\.[A-Za-z][\w-]*\.?$/.test(query)) out.push({ type: 'domain', value: query });
  const registryKey = get('targetObject');
  if (registryKey !== undefined)
    out.push({ type: 'registry', value: registryKey, key: registryKey, data: get('details') });
  return out;
}
