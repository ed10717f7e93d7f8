import type { SourceEvent } from '@soc/contracts';
import { AUDITD_LOGSOURCE, LINUX_PROCESS_CREATION, linuxSysmonLogsources, mapWindowsFields } from '@soc/sigma';
import { record } from '../values.ts';
import { unescapeEventData } from './windows.ts';

/**
 * The raw event a Wazuh alert carries, mapped onto Sigma's taxonomy (`AlertDraft.sourceEvents`): the Windows event
 * of the eventchannel decoder (`data.win`), the Sysmon for Linux event of the community `sysmon-linux` decoder
 * (`data.system` / `data.eventdata`), and the records of a Linux audit event (`data.audit`). Values are the
 * source's own, untrimmed: Sigma compares them exactly. Pure.
 */

type Fields = SourceEvent['fields'];
type Value = Fields[string];

/** Wazuh writes EventData names lower-camel-cased (`commandLine`); Sigma's are the Windows names (`CommandLine`). */
const sigmaName = (wazuhName: string): string => wazuhName.charAt(0).toUpperCase() + wazuhName.slice(1);

/** A scalar as the source wrote it; objects and arrays are not fields of a flat event. */
function scalar(value: unknown): Exclude<Value, unknown[]> | undefined {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** A string field without surrounding white space, for the identifying fields (event id, channel …) only. */
const trimmed = (value: unknown): string | undefined => {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  return s === undefined || s === '' ? undefined : s;
};

/** A field of an object whose key Wazuh's decoders spell in more than one case (`eventID`, `eventId`). */
function field(object: Record<string, unknown> | undefined, name: string): unknown {
  if (object === undefined) return undefined;
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/**
 * Fields whose value is Sysmon's placeholder `-`, read back from the rendered message. Wazuh's eventchannel decoder
 * leaves out a Data element whose value is `-` (Wazuh's own Sysmon 3 test alerts: `SourceHostname: -` in the
 * message, no `sourceHostname` in eventdata), while Sigma rules test it (`OriginalFileName: '-'`, filters on
 * `ParentImage: '-'`). Only the placeholder is taken from the message: any other value there could be a line an
 * attacker wrote into a command line, and eventdata has every such value already.
 */
function placeholdersOf(message: string): string[] {
  const names: string[] = [];
  for (const m of message.matchAll(/(?:^|\r?\n)([A-Za-z][A-Za-z0-9]*): -(?=\r?\n|"?$)/g))
    if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/** `data.win` of the eventchannel decoder: one Windows event, its fields under their Sigma names. */
function windowsEvent(win: Record<string, unknown>, pointer: string): SourceEvent | undefined {
  const system = record(win['system']);
  const eventId = Number(trimmed(field(system, 'eventID')));
  if (system === undefined || !Number.isInteger(eventId)) return undefined;
  const data: Record<string, Value> = {};
  // EventData first; then UserData, which the decoder writes under the name of its one element, first letter
  // lower-cased (WMI 5858's `<UserData><Operation_ClientFailure>` is `win.operation_ClientFailure`).
  const parts = [
    record(win['eventdata']),
    ...Object.entries(win)
      .filter(([k]) => k !== 'system' && k !== 'eventdata')
      .map(([, v]) => record(v)),
  ];
  for (const part of parts) {
    for (const [key, raw] of Object.entries(part ?? {})) {
      const value = scalar(raw);
      const name = sigmaName(key);
      if (key === '' || value === undefined || name in data) continue;
      data[name] = typeof value === 'string' ? unescapeEventData(value) : value;
    }
  }
  const provider = trimmed(field(system, 'providerName')) ?? '';
  const message = field(system, 'message');
  if (/sysmon/i.test(provider) && typeof message === 'string') {
    const present = new Set(Object.keys(data).map((k) => k.toLowerCase()));
    for (const name of placeholdersOf(message)) if (!present.has(name.toLowerCase())) data[name] = '-';
  }
  const mapped = mapWindowsFields({ eventId, channel: trimmed(field(system, 'channel')) ?? '', provider, computer: trimmed(field(system, 'computer')), data });
  return { logsources: [...mapped.logsources], fields: mapped.event as Fields, pointer: `${pointer}/data/win` };
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Sysmon for Linux writes XML; Wazuh's regex decoder hands on the element text with its entities still escaped. */
const xmlText = (value: string): string =>
  value.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
    return XML_ENTITIES[lower] ?? whole;
  });

/**
 * Sysmon for Linux as the community `sysmon-linux` decoder (SOCFortress Wazuh-Rules) writes it: `data.system`
 * (`eventId`/`eventID`, `channel` `Linux-Sysmon/Operational`, `computer`) and `data.eventdata` (`image`,
 * `commandLine`, `parentImage`, `user`, `currentDirectory`, `DestinationIp` …); also under `data.win`, as a decoder
 * imitating the eventchannel one would put it, when its channel or provider is `Linux-Sysmon`. Undefined for any
 * other alert. Wazuh ships no decoder of its own. The event data comes back with its values XML-decoded, names as
 * written, and where in the alert it is (`/data` or `/data/win`).
 */
export function linuxSysmonOf(
  alert: Record<string, unknown>,
): { eventId: number; system: Record<string, unknown>; eventdata: Record<string, Value>; at: string } | undefined {
  const data = record(alert['data']);
  const win = record(data?.['win']);
  const source = win ?? data;
  const system = record(source?.['system']);
  const raw = record(source?.['eventdata']);
  if (system === undefined || raw === undefined) return undefined;
  const linuxChannel =
    /^linux-sysmon/i.test(trimmed(field(system, 'channel')) ?? '') ||
    /^linux-sysmon/i.test(trimmed(field(system, 'providerName')) ?? '');
  const decoder = record(alert['decoder']);
  const linuxDecoder = [decoder?.['name'], decoder?.['parent']].some((d) => /^sysmon-linux/i.test(trimmed(d) ?? ''));
  if (!linuxChannel && (win !== undefined || !linuxDecoder)) return undefined;
  const eventId = Number(trimmed(field(system, 'eventID')));
  if (!Number.isInteger(eventId)) return undefined;
  const eventdata: Record<string, Value> = {};
  for (const [key, v] of Object.entries(raw)) {
    const value = scalar(v);
    if (key !== '' && value !== undefined) eventdata[key] = typeof value === 'string' ? xmlText(value) : value;
  }
  return { eventId, system, eventdata, at: win === undefined ? '/data' : '/data/win' };
}

function linuxSysmonEvent(sysmon: NonNullable<ReturnType<typeof linuxSysmonOf>>, pointer: string): SourceEvent {
  const fields: Fields = {};
  for (const [key, value] of Object.entries(sysmon.eventdata)) fields[sigmaName(key)] = value;
  fields['EventID'] = sysmon.eventId;
  const channel = trimmed(field(sysmon.system, 'channel'));
  if (channel !== undefined) fields['Channel'] = channel;
  const computer = trimmed(field(sysmon.system, 'computer'));
  if (computer !== undefined) fields['Computer'] = computer;
  return { logsources: linuxSysmonLogsources(sysmon.eventId), fields, pointer: `${pointer}${sysmon.at}` };
}

/** x86_64 syscall numbers (audit `arch=c000003e`) SigmaHQ's auditd rules name as `SYSCALL`. */
const X86_64_SYSCALLS: Readonly<Record<string, string>> = {
  '2': 'open',
  '9': 'mmap',
  '41': 'socket',
  '42': 'connect',
  '49': 'bind',
  '59': 'execve',
  '62': 'kill',
  '87': 'unlink',
  '90': 'chmod',
  '99': 'sysinfo',
  '101': 'ptrace',
  '103': 'syslog',
  '105': 'setuid',
  '133': 'mknod',
  '135': 'personality',
  '165': 'mount',
  '175': 'init_module',
  '176': 'delete_module',
  '257': 'openat',
  '259': 'mknodat',
  '263': 'unlinkat',
  '313': 'finit_module',
  '319': 'memfd_create',
  '321': 'bpf',
  '322': 'execveat',
};

/** Wazuh's names for audit fields whose name in the audit record (and in Sigma's rules) differs. */
const AUDIT_NAMES: Readonly<Record<string, string>> = { command: 'comm', session: 'ses', srcip: 'addr' };
/** Parts of `data.audit` that are records of their own, not fields of the first. */
const AUDIT_RECORDS = new Set(['execve', 'cwd', 'file', 'directory', 'id']);

/**
 * A Linux audit event as Wazuh's auditd decoders write it: one `data.audit` from the records of one event (SYSCALL,
 * EXECVE, CWD, PATH …). Sigma's auditd rules test one record at a time (`type: EXECVE` with `a0`, `type: SYSCALL`
 * with `exe`), so each record Wazuh kept becomes its own event, its fields under the audit record's names.
 */
function auditEvents(audit: Record<string, unknown>, pointer: string): SourceEvent[] {
  const at = `${pointer}/data/audit`;
  const out: SourceEvent[] = [];
  const first: Fields = {};
  for (const [key, raw] of Object.entries(audit)) {
    const value = scalar(raw);
    if (AUDIT_RECORDS.has(key) || value === undefined) continue;
    first[AUDIT_NAMES[key] ?? key] = value;
  }
  const syscall = trimmed(audit['syscall']);
  const arch = trimmed(audit['arch'])?.toLowerCase();
  if (syscall !== undefined && arch === 'c000003e' && X86_64_SYSCALLS[syscall] !== undefined)
    first['SYSCALL'] = X86_64_SYSCALLS[syscall];
  if (first['type'] !== undefined) out.push({ logsources: [AUDITD_LOGSOURCE], fields: first, pointer: at });
  const execve = record(audit['execve']);
  if (execve !== undefined) {
    const args: Fields = { type: 'EXECVE' };
    for (const [key, raw] of Object.entries(execve)) {
      const value = scalar(raw);
      if (/^a\d+$/.test(key) && value !== undefined) args[key] = value;
    }
    out.push({ logsources: [AUDITD_LOGSOURCE], fields: args, pointer: `${at}/execve` });
    const creation = processCreationOf(audit, args);
    if (creation !== undefined) out.push({ logsources: [LINUX_PROCESS_CREATION], fields: creation, pointer: at });
  }
  const cwd = scalar(audit['cwd']);
  if (cwd !== undefined) out.push({ logsources: [AUDITD_LOGSOURCE], fields: { type: 'CWD', cwd }, pointer: at });
  for (const part of ['directory', 'file'] as const) {
    const path = record(audit[part]);
    const name = scalar(path?.['name']);
    if (path === undefined || name === undefined) continue;
    const fields: Fields = { type: 'PATH', name };
    for (const key of ['inode', 'mode'] as const) {
      const value = scalar(path[key]);
      if (value !== undefined) fields[key] = value;
    }
    out.push({ logsources: [AUDITD_LOGSOURCE], fields, pointer: `${at}/${part}` });
  }
  return out;
}

/**
 * An audited `execve` as the process creation it is, for SigmaHQ's `linux/process_creation` rules (144, against 54
 * auditd ones): `Image` the executable, `CommandLine` the arguments Wazuh kept joined by spaces (as Sysmon for Linux
 * writes it), `CurrentDirectory`, `ProcessId`, `ParentProcessId`, `LogonId` (the audit login uid, as Sysmon for
 * Linux gives it). The parent's image and command line are not in the audit event: rules that need them do not fire,
 * and filters on them do not apply.
 */
function processCreationOf(audit: Record<string, unknown>, args: Fields): Fields | undefined {
  // Only an exec writes an EXECVE record; the SYSCALL record's exe is then the program it started.
  const exe = scalar(audit['exe']);
  if (typeof exe !== 'string') return undefined;
  const argv = Object.keys(args)
    .filter((k) => /^a\d+$/.test(k))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => String(args[k]));
  const fields: Fields = { Image: exe, CommandLine: argv.join(' ') };
  const named: readonly (readonly [string, string])[] = [
    ['cwd', 'CurrentDirectory'],
    ['pid', 'ProcessId'],
    ['ppid', 'ParentProcessId'],
    ['auid', 'LogonId'],
  ];
  for (const [from, to] of named) {
    const value = scalar(audit[from]);
    if (value !== undefined) fields[to] = value;
  }
  return fields;
}

/** The raw events of one Wazuh alert under Sigma's names; none for an alert whose decoder is not one of these. */
export function wazuhSourceEvents(alert: Record<string, unknown>, pointer: string): SourceEvent[] {
  const data = record(alert['data']);
  if (data === undefined) return [];
  const linux = linuxSysmonOf(alert);
  if (linux !== undefined) return [linuxSysmonEvent(linux, pointer)];
  const win = record(data['win']);
  if (win !== undefined) {
    const event = windowsEvent(win, pointer);
    return event === undefined ? [] : [event];
  }
  const audit = record(data['audit']);
  return audit === undefined ? [] : auditEvents(audit, pointer);
}
