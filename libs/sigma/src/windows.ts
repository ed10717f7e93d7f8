import type { SigmaLogsource } from './rule.ts';

/** A Windows event flattened onto Sigma field names, with the logsources Sigma files it under. */
export interface MappedEvent {
  readonly event: Readonly<Record<string, unknown>>;
  readonly logsources: readonly SigmaLogsource[];
}

/** Channel (lower-cased) → Sigma `service`, as SigmaHQ's Windows logsources name them. */
const SERVICE_OF_CHANNEL: Readonly<Record<string, string>> = {
  security: 'security',
  system: 'system',
  application: 'application',
  'microsoft-windows-sysmon/operational': 'sysmon',
  'microsoft-windows-powershell/operational': 'powershell',
  'windows powershell': 'powershell-classic',
  'microsoft-windows-taskscheduler/operational': 'taskscheduler',
  'microsoft-windows-wmi-activity/operational': 'wmi',
  'microsoft-windows-windows defender/operational': 'windefend',
  'microsoft-windows-windows firewall with advanced security/firewall': 'firewall-as',
  'microsoft-windows-bits-client/operational': 'bits-client',
  'microsoft-windows-dns-client/operational': 'dns-client',
  'dns server': 'dns-server',
  'microsoft-windows-codeintegrity/operational': 'codeintegrity-operational',
  'microsoft-windows-applocker/exe and dll': 'applocker',
  'microsoft-windows-applocker/msi and script': 'applocker',
  'microsoft-windows-applocker/packaged app-deployment': 'applocker',
  'microsoft-windows-applocker/packaged app-execution': 'applocker',
  'microsoft-windows-ntlm/operational': 'ntlm',
  'microsoft-windows-terminalservices-localsessionmanager/operational': 'terminalservices-localsessionmanager',
  'microsoft-windows-smbclient/security': 'smbclient-security',
  'microsoft-windows-security-mitigations/kernel mode': 'security-mitigations',
  'microsoft-windows-security-mitigations/user mode': 'security-mitigations',
  'microsoft-windows-driverframeworks-usermode/operational': 'driver-framework',
  'microsoft-windows-ldap-client/debug': 'ldap',
  'microsoft-windows-appxdeployment-server/operational': 'appxdeployment-server',
  'microsoft-windows-shell-core/operational': 'shell-core',
  'openssh/operational': 'openssh',
};

/** Sysmon EventID → Sigma categories (an event may belong to several: 13 is `registry_set` and `registry_event`). */
const SYSMON_CATEGORIES: Readonly<Record<number, readonly string[]>> = {
  1: ['process_creation'],
  2: ['file_change'],
  3: ['network_connection'],
  5: ['process_termination'],
  6: ['driver_load'],
  7: ['image_load'],
  8: ['create_remote_thread'],
  9: ['raw_access_thread'],
  10: ['process_access'],
  11: ['file_event'],
  13: ['registry_event', 'registry_set'],
  14: ['registry_event', 'registry_rename'],
  15: ['create_stream_hash'],
  17: ['pipe_created'],
  18: ['pipe_created'],
  19: ['wmi_event'],
  20: ['wmi_event'],
  21: ['wmi_event'],
  22: ['dns_query'],
  23: ['file_delete'],
  24: ['clipboard_capture'],
  25: ['process_tampering'],
  26: ['file_delete'],
  27: ['file_block_executable'],
  28: ['file_block_shredding'],
  29: ['file_executable_detected'],
};

/**
 * Flattens a Windows event rendered from EVTX as JSON (`{Event: {System, EventData | UserData}}`) onto Sigma's
 * field names: EventData's names are already Sigma's for Sysmon and Security; `EventID`, `Channel`,
 * `Provider_Name` and `Computer` come from System. Returns no logsource when the object is not such an event.
 */
export function mapWindowsEvent(rendered: unknown): MappedEvent {
  const root = record(record(rendered)?.['Event']);
  const system = record(root?.['System']);
  if (!root || !system) return { event: {}, logsources: [] };
  const data: Record<string, unknown> = {};
  const eventData = record(root['EventData']);
  if (eventData) for (const [k, v] of Object.entries(eventData)) if (k !== '#attributes') data[k] = v;
  // UserData wraps its fields in one element named for the event (e.g. WMI's Operation_ClientFailure).
  const userData = record(root['UserData']);
  if (userData) {
    for (const inner of Object.values(userData)) {
      const fields = record(inner);
      if (fields) for (const [k, v] of Object.entries(fields)) if (k !== '#attributes' && !(k in data)) data[k] = v;
    }
  }
  return mapWindowsFields({
    eventId: Number(textOf(system['EventID'])),
    channel: textOf(system['Channel']) ?? '',
    provider: textOf(record(record(system['Provider'])?.['#attributes'])?.['Name']) ?? '',
    computer: system['Computer'] === undefined ? undefined : textOf(system['Computer']),
    data,
  });
}

/** A Windows event's system properties and its data fields by name, however the event was stored. */
export interface WindowsEventParts {
  readonly eventId: number;
  readonly channel: string;
  readonly provider?: string | undefined;
  readonly computer?: string | undefined;
  /** EventData (or UserData) by field name, as the provider names them. */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Maps a Windows event given by its parts onto Sigma's field names: the one place that knows how a Windows event
 * becomes a Sigma event, whether it came as EVTX JSON ({@link mapWindowsEvent}), a Log Analytics `SecurityEvent`
 * or `WindowsEvent` row, or a Sysmon `Event` row's XML. EventData's names are already Sigma's for Sysmon and
 * Security; `EventID`, `Channel`, `Provider_Name` and `Computer` come from the system properties.
 */
export function mapWindowsFields(parts: WindowsEventParts): MappedEvent {
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parts.data)) {
    event[k] = v;
    // Defender and a few other providers name data with spaces ("Source Name"); Sigma's field drops them (SourceName).
    if (k.includes(' ')) event[k.replace(/ /g, '')] ??= v;
  }
  const { eventId, channel } = parts;
  // Security 4688 names the new process and its creator as pySigma's Windows audit pipeline maps them to Sigma's
  // process_creation fields: NewProcessName is Image, ParentProcessName is ParentImage (CommandLine keeps its name).
  if (eventId === 4688 && channel.toLowerCase() === 'security') {
    if (event['NewProcessName'] !== undefined) event['Image'] ??= event['NewProcessName'];
    if (event['ParentProcessName'] !== undefined) event['ParentImage'] ??= event['ParentProcessName'];
  }
  event['EventID'] = eventId;
  event['Channel'] = channel;
  event['Provider_Name'] = parts.provider ?? '';
  if (parts.computer !== undefined) event['Computer'] = parts.computer;
  return { event, logsources: windowsLogsources(channel, eventId, event) };
}

/** The Sigma logsources of a Windows event, from its channel and EventID (as pySigma's Windows pipelines map them). */
export function windowsLogsources(
  channel: string,
  eventId: number,
  event: Readonly<Record<string, unknown>> = {},
): SigmaLogsource[] {
  const service = SERVICE_OF_CHANNEL[channel.toLowerCase()];
  const base: SigmaLogsource = { product: 'windows', service };
  const categories: string[] = [];
  if (service === 'sysmon') {
    categories.push(...(SYSMON_CATEGORIES[eventId] ?? []));
    if (eventId === 12) {
      const type = String(event['EventType'] ?? '').toLowerCase();
      categories.push('registry_event', type.startsWith('delete') ? 'registry_delete' : 'registry_add');
    }
  } else if (service === 'security' && eventId === 4688) categories.push('process_creation');
  else if (service === 'powershell' && eventId === 4103) categories.push('ps_module');
  else if (service === 'powershell' && eventId === 4104) categories.push('ps_script');
  else if (service === 'powershell-classic' && eventId === 400) categories.push('ps_classic_start');
  else if (service === 'powershell-classic' && eventId === 600) categories.push('ps_classic_provider_start');
  else if (service === 'powershell-classic' && eventId === 800) categories.push('ps_classic_script');
  if (categories.length === 0) return [base];
  return [base, ...categories.map((category) => ({ product: 'windows', category, service }))];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** EVTX renders an element with attributes as `{"#text": …, "#attributes": …}`. */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const r = record(value);
  if (r) return textOf(r['#text']);
  return String(value);
}

/** Registry hive prefixes as sources write them, and as Sysmon abbreviates them in `TargetObject`. */
export const REGISTRY_HIVES: readonly (readonly [RegExp, string])[] = [
  [/^(?:HKEY_LOCAL_MACHINE|HKLM:?)(?=\\|$)/iu, 'HKLM'],
  [/^(?:HKEY_USERS|HKU:?)(?=\\|$)/iu, 'HKU'],
  [/^(?:HKEY_CURRENT_USER|HKCU:?)(?=\\|$)/iu, 'HKCU'],
  [/^(?:HKEY_CLASSES_ROOT|HKCR:?)(?=\\|$)/iu, 'HKCR'],
  [/^\\REGISTRY\\MACHINE(?=\\|$)/iu, 'HKLM'],
  [/^\\REGISTRY\\USER(?=\\|$)/iu, 'HKU'],
];

/** A registry key with its hive abbreviated as Sysmon renders `TargetObject` (`HKLM\…`, `HKU\…`); unchanged without one. */
export function sysmonRegistryPath(key: string): string {
  for (const [long, short] of REGISTRY_HIVES) if (long.test(key)) return key.replace(long, short);
  return key;
}
