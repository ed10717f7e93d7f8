/**
 * Names of CEF fields. Records are read into one vocabulary, the CEF extension dictionary's short keys (`src`,
 * `duser`, `fileHash` …), whether they arrive as CEF text (short or full key names), as Log Analytics
 * `CommonSecurityLog` columns or as the ASIM-style columns Sentinel sample exports use. Sources: ArcSight
 * "Implementing ArcSight CEF" extension dictionary and Microsoft's "CEF and CommonSecurityLog field mapping".
 */

/** Full CEF key names → short keys (the spec allows either in an extension). */
const FULL_NAMES: Readonly<Record<string, string>> = {
  deviceAction: 'act',
  applicationProtocol: 'app',
  deviceEventCategory: 'cat',
  baseEventCount: 'cnt',
  destinationHostName: 'dhost',
  destinationMacAddress: 'dmac',
  destinationNtDomain: 'dntdom',
  destinationProcessId: 'dpid',
  destinationUserPrivileges: 'dpriv',
  destinationProcessName: 'dproc',
  destinationPort: 'dpt',
  destinationAddress: 'dst',
  deviceTimeZone: 'dtz',
  destinationUserId: 'duid',
  destinationUserName: 'duser',
  deviceAddress: 'dvc',
  deviceHostName: 'dvchost',
  deviceMacAddress: 'dvcmac',
  deviceProcessId: 'dvcpid',
  endTime: 'end',
  fileName: 'fname',
  fileSize: 'fsize',
  bytesIn: 'in',
  message: 'msg',
  bytesOut: 'out',
  eventOutcome: 'outcome',
  transportProtocol: 'proto',
  requestUrl: 'request',
  receiptTime: 'rt',
  deviceReceiptTime: 'rt',
  sourceHostName: 'shost',
  sourceMacAddress: 'smac',
  sourceNtDomain: 'sntdom',
  sourceProcessId: 'spid',
  sourceUserPrivileges: 'spriv',
  sourceProcessName: 'sproc',
  sourcePort: 'spt',
  sourceAddress: 'src',
  startTime: 'start',
  sourceUserId: 'suid',
  sourceUserName: 'suser',
};

const CUSTOM_FULL = /^deviceCustom(String|Number|FloatingPoint|IPv6Address)(\d+)(Label)?$/;
const CUSTOM_SHORT: Readonly<Record<string, string>> = {
  String: 'cs',
  Number: 'cn',
  FloatingPoint: 'cfp',
  IPv6Address: 'c6a',
};

/** The short key of a CEF extension key (full names such as `sourceAddress` become `src`; others are kept). */
export function shortKey(key: string): string {
  const full = Object.hasOwn(FULL_NAMES, key) ? FULL_NAMES[key] : undefined;
  if (full !== undefined) return full;
  const custom = CUSTOM_FULL.exec(key);
  return custom ? `${CUSTOM_SHORT[custom[1] as string] ?? ''}${custom[2]}${custom[3] ?? ''}` : key;
}

/** `CommonSecurityLog` header columns and their ASIM-style equivalents, in order of preference. */
export const HEADER_COLUMNS = {
  vendor: ['DeviceVendor', 'EventVendor'],
  product: ['DeviceProduct', 'EventProduct'],
  deviceVersion: ['DeviceVersion', 'EventProductVersion'],
  classId: ['DeviceEventClassID', 'RuleNumber'],
  name: ['Activity', 'RuleName', 'EventSubType'],
  severity: ['LogSeverity', 'OriginalLogSeverity', 'EventSeverity'],
} as const;

/** Columns whose presence makes an object a CEF row (CommonSecurityLog or ASIM-style). */
export const IDENTIFYING_COLUMNS = [
  'DeviceVendor',
  'DeviceProduct',
  'DeviceEventClassID',
  'Activity',
  'EventVendor',
  'EventProduct',
] as const;

/** Log Analytics' ingestion time and the syslog HOSTNAME the agent recorded: a CEF line's syslog header. */
export const TIME_GENERATED = 'TimeGenerated';
export const SYSLOG_HOST = 'Computer';

/** Log Analytics bookkeeping columns: about the workspace and the agent, not the event. */
export const METADATA_COLUMNS = new Set([
  'TenantId',
  'SourceSystem',
  'Type',
  'MG',
  'ManagementGroupName',
  'SimplifiedDeviceAction',
  '_ResourceId',
  '_SubscriptionId',
  '_ItemId',
  '_TimeReceived',
  '_BilledSize',
  '_IsBillable',
  '_Internal_WorkspaceResourceId',
]);

/** `CommonSecurityLog` columns → CEF short keys (Microsoft's CEF/CommonSecurityLog mapping). */
const CSL_COLUMNS: Readonly<Record<string, string>> = {
  DeviceAction: 'act',
  ApplicationProtocol: 'app',
  DeviceEventCategory: 'cat',
  EventCount: 'cnt',
  DestinationDnsDomain: 'destinationDnsDomain',
  DestinationServiceName: 'destinationServiceName',
  DestinationTranslatedAddress: 'destinationTranslatedAddress',
  DestinationTranslatedPort: 'destinationTranslatedPort',
  CommunicationDirection: 'deviceDirection',
  DeviceDnsDomain: 'deviceDnsDomain',
  DeviceExternalID: 'deviceExternalId',
  DeviceFacility: 'deviceFacility',
  DeviceInboundInterface: 'deviceInboundInterface',
  DeviceNtDomain: 'deviceNtDomain',
  DeviceOutboundInterface: 'deviceOutboundInterface',
  DevicePayloadId: 'devicePayloadId',
  ProcessName: 'deviceProcessName',
  DeviceTranslatedAddress: 'deviceTranslatedAddress',
  DestinationHostName: 'dhost',
  DestinationMACAddress: 'dmac',
  DestinationNTDomain: 'dntdom',
  DestinationProcessId: 'dpid',
  DestinationUserPrivileges: 'dpriv',
  DestinationProcessName: 'dproc',
  DestinationPort: 'dpt',
  DestinationIP: 'dst',
  DeviceTimeZone: 'dtz',
  DestinationUserID: 'duid',
  DestinationUserName: 'duser',
  DeviceAddress: 'dvc',
  DeviceName: 'dvchost',
  DeviceMacAddress: 'dvcmac',
  ProcessID: 'dvcpid',
  EndTime: 'end',
  ExternalID: 'externalId',
  FileCreateTime: 'fileCreateTime',
  FileHash: 'fileHash',
  FileID: 'fileId',
  FileModificationTime: 'fileModificationTime',
  FilePath: 'filePath',
  FilePermission: 'filePermission',
  FileType: 'fileType',
  FileName: 'fname',
  FileSize: 'fsize',
  ReceivedBytes: 'in',
  Message: 'msg',
  OldFileCreateTime: 'oldFileCreateTime',
  OldFileHash: 'oldFileHash',
  OldFileID: 'oldFileId',
  OldFileModificationTime: 'oldFileModificationTime',
  OldFileName: 'oldFileName',
  OldFilePath: 'oldFilePath',
  OldFilePermission: 'oldFilePermission',
  OldFileSize: 'oldFileSize',
  OldFileType: 'oldFileType',
  SentBytes: 'out',
  EventOutcome: 'outcome',
  Protocol: 'proto',
  Reason: 'reason',
  RequestURL: 'request',
  RequestClientApplication: 'requestClientApplication',
  RequestContext: 'requestContext',
  RequestCookies: 'requestCookies',
  RequestMethod: 'requestMethod',
  ReceiptTime: 'rt',
  SourceHostName: 'shost',
  SourceMACAddress: 'smac',
  SourceNTDomain: 'sntdom',
  SourceDnsDomain: 'sourceDnsDomain',
  SourceServiceName: 'sourceServiceName',
  SourceTranslatedAddress: 'sourceTranslatedAddress',
  SourceTranslatedPort: 'sourceTranslatedPort',
  SourceProcessId: 'spid',
  SourceUserPrivileges: 'spriv',
  SourceProcessName: 'sproc',
  SourcePort: 'spt',
  SourceIP: 'src',
  StartTime: 'start',
  SourceUserID: 'suid',
  SourceUserName: 'suser',
  EventType: 'type',
};

/** ASIM-style columns (Sentinel's normalised schemas, as some sample exports use them) → CEF short keys. */
const ASIM_COLUMNS: Readonly<Record<string, string>> = {
  SrcIpAddr: 'src',
  DstIpAddr: 'dst',
  SrcHostname: 'shost',
  DstHostname: 'dhost',
  SrcUsername: 'suser',
  DstUsername: 'duser',
  SrcUserId: 'suid',
  DstUserId: 'duid',
  SrcPortNumber: 'spt',
  DstPortNumber: 'dpt',
  SrcMacAddr: 'smac',
  DstMacAddr: 'dmac',
  SrcProcessName: 'sproc',
  ActingProcessName: 'sproc',
  DstProcessName: 'dproc',
  TargetProcessName: 'dproc',
  DvcHostname: 'dvchost',
  DvcIpAddr: 'dvc',
  DvcAction: 'act',
  EventMessage: 'msg',
  EventOriginalUid: 'externalId',
  EventStartTime: 'start',
  EventEndTime: 'end',
  EventResult: 'outcome',
  EventResultDetails: 'reason',
  NetworkApplicationProtocol: 'app',
  NetworkProtocol: 'proto',
  Url: 'request',
  DstDomain: 'destinationDnsDomain',
  Classification: 'cat',
};

const CSL_CUSTOM =
  /^(DeviceCustom(?:String|Number|FloatingPoint|IPv6Address|Date)|Flex(?:String|Number|Date))(\d+)(Label)?$/;
const CSL_CUSTOM_SHORT: Readonly<Record<string, string>> = {
  DeviceCustomString: 'cs',
  DeviceCustomNumber: 'cn',
  DeviceCustomFloatingPoint: 'cfp',
  DeviceCustomIPv6Address: 'c6a',
  DeviceCustomDate: 'deviceCustomDate',
  FlexString: 'flexString',
  FlexNumber: 'flexNumber',
  FlexDate: 'flexDate',
};

// Lower-cased, because exports spell some columns differently (`SrcHostName` next to `SrcHostname`).
const COLUMN_KEYS = new Map<string, string>(
  [...Object.entries(CSL_COLUMNS), ...Object.entries(ASIM_COLUMNS)].map(([column, key]) => [column.toLowerCase(), key]),
);

/** The CEF short key of a row column (without its `[time zone]` suffix), or undefined for columns CEF has no key for. */
export function columnKey(column: string): string | undefined {
  const known = COLUMN_KEYS.get(column.toLowerCase());
  if (known !== undefined) return known;
  const custom = CSL_CUSTOM.exec(column);
  return custom ? `${CSL_CUSTOM_SHORT[custom[1] as string] ?? ''}${custom[2]}${custom[3] ?? ''}` : undefined;
}

/** Keys whose values are timestamps, read with the record's time zone. */
export const TIME_KEYS = new Set(['rt', 'start', 'end']);
