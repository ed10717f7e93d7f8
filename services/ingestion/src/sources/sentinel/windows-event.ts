import { createHash } from 'node:crypto';
import type { SourceEvent } from '@soc/contracts';
import { SYSMON_PROVIDER, mapLogAnalyticsRow } from '@soc/sigma';
import type { EntityDraft } from '../../entities.ts';
import { canonicalJson, text } from '../values.ts';
import { SEVERITY_EXPECTED, fieldsOf, severityOf } from './fields.ts';
import { Problems, type RecordOutcome } from './record-result.ts';

/**
 * A raw Windows event as Log Analytics stores it, forwarded to us by a Sentinel automation (a Logic App that runs a
 * query and POSTs the rows): `SecurityEvent`, `Event` (Sysmon and other channels) and `WindowsEvent`. Each row is one
 * alert carrying its own event, mapped onto Sigma's taxonomy by `@soc/sigma`'s `mapLogAnalyticsRow` (its one owner,
 * shared with enrichment's fetch of an alert's events).
 */

export { WINDOWS_EVENT_TABLES, isWindowsEventRow } from '@soc/sigma';

/** What the event ids we see most mean, as Microsoft documents them: the alert's title, never the sender's text. */
const DESCRIPTIONS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  security: {
    1102: 'The audit log was cleared',
    4624: 'An account was successfully logged on',
    4625: 'An account failed to log on',
    4648: 'A logon was attempted using explicit credentials',
    4657: 'A registry value was modified',
    4663: 'An attempt was made to access an object',
    4672: 'Special privileges assigned to new logon',
    4688: 'A new process has been created',
    4697: 'A service was installed in the system',
    4698: 'A scheduled task was created',
    4699: 'A scheduled task was deleted',
    4702: 'A scheduled task was updated',
    4719: 'System audit policy was changed',
    4720: 'A user account was created',
    4722: 'A user account was enabled',
    4724: "An attempt was made to reset an account's password",
    4728: 'A member was added to a security-enabled global group',
    4732: 'A member was added to a security-enabled local group',
    4738: 'A user account was changed',
    4740: 'A user account was locked out',
    4756: 'A member was added to a security-enabled universal group',
    4768: 'A Kerberos authentication ticket (TGT) was requested',
    4769: 'A Kerberos service ticket was requested',
    4771: 'Kerberos pre-authentication failed',
    4776: 'The computer attempted to validate the credentials for an account',
    5140: 'A network share object was accessed',
    5145: 'A network share object was checked to see whether client can be granted desired access',
  },
  system: { 104: 'The log file was cleared', 7045: 'A service was installed in the system' },
  sysmon: {
    1: 'Process creation',
    2: 'A process changed a file creation time',
    3: 'Network connection',
    5: 'Process terminated',
    6: 'Driver loaded',
    7: 'Image loaded',
    8: 'CreateRemoteThread',
    9: 'RawAccessRead',
    10: 'ProcessAccess',
    11: 'FileCreate',
    12: 'Registry object added or deleted',
    13: 'Registry value set',
    14: 'Registry object renamed',
    15: 'FileCreateStreamHash',
    17: 'Pipe created',
    18: 'Pipe connected',
    19: 'WMI event filter activity',
    20: 'WMI event consumer activity',
    21: 'WMI event consumer to filter activity',
    22: 'DNS query',
    23: 'File delete archived',
    24: 'Clipboard change',
    25: 'Process tampering',
    26: 'File delete logged',
  },
  powershell: { 4103: 'PowerShell module logging', 4104: 'PowerShell script block logging' },
};

const CHANNEL_KIND: Readonly<Record<string, string>> = {
  security: 'security',
  system: 'system',
  'microsoft-windows-sysmon/operational': 'sysmon',
  'microsoft-windows-powershell/operational': 'powershell',
};

/** `Sysmon event 1: Process creation`, `Security event 4688: A new process has been created`, else the channel and id. */
function titleOf(channel: string, eventId: number): string {
  const kind = CHANNEL_KIND[channel.toLowerCase()];
  const description = kind === undefined ? undefined : DESCRIPTIONS[kind]?.[eventId];
  if (kind === undefined || description === undefined) return `Windows event ${eventId} (${channel})`;
  const name = kind === 'sysmon' ? 'Sysmon' : kind === 'powershell' ? 'PowerShell' : kind[0]!.toUpperCase() + kind.slice(1);
  return `${name} event ${eventId}: ${description}`;
}

const NO_VALUE = new Set(['-', '::1', '127.0.0.1', '']);

function entitiesOf(event: Readonly<Record<string, unknown>>): EntityDraft[] {
  const s = (name: string): string | undefined => {
    const v = text(event[name]);
    return v === undefined || NO_VALUE.has(v) ? undefined : v;
  };
  const out: EntityDraft[] = [];
  const computer = s('Computer');
  if (computer !== undefined) out.push({ type: 'host', value: computer, hostname: computer });
  const user = (name: string | undefined, domain: string | undefined, role: 'actor' | 'target'): void => {
    if (name === undefined || name.endsWith('$')) return;
    out.push({ type: 'user', value: domain === undefined ? name : `${domain}\\${name}`, name, domain, role });
  };
  user(s('SubjectUserName'), s('SubjectDomainName'), 'actor');
  // Sysmon names the process's account as one `DOMAIN\\name` field.
  const sysmonUser = s('SubjectUserName') === undefined ? s('User') : undefined;
  if (sysmonUser !== undefined) {
    const [domain, name] = sysmonUser.includes('\\') ? sysmonUser.split('\\', 2) : [undefined, sysmonUser];
    user(name, domain, 'actor');
  }
  user(s('TargetUserName'), s('TargetDomainName'), 'target');
  const image = s('Image');
  if (image !== undefined)
    out.push({ type: 'process', value: image, name: image.split(/[\\/]/u).at(-1), commandLine: s('CommandLine'), parentName: s('ParentImage'), role: 'actor' });
  for (const name of ['IpAddress', 'SourceIp', 'DestinationIp']) {
    const ip = s(name);
    if (ip !== undefined) out.push({ type: 'ip', value: ip, role: 'related' });
  }
  return out;
}

/** The row's id: Log Analytics' `_ItemId`, else its computer, channel and record number, else a digest of the row. */
function rowId(row: Record<string, unknown>, channel: string): string {
  const f = fieldsOf(row);
  const item = f.text('_ItemId');
  if (item !== undefined) return item;
  const recordId = f.text('EventRecordId');
  const computer = f.text('Computer');
  if (recordId !== undefined && computer !== undefined) return `${computer}|${channel}|${recordId}`;
  return `sha256:${createHash('sha256').update(canonicalJson(row)).digest('hex').slice(0, 32)}`;
}

/**
 * Maps one forwarded Windows event row. Title: what the event id means (`Security event 4688: A new process has
 * been created`); severity: the sender's `AlertSeverity`/`Severity` column when it adds one (the rule that chose the
 * event knows how bad it is), else informational, since a raw event is not a verdict.
 */
export function parseWindowsEvent(row: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const f = fieldsOf(row);
  const p = new Problems(index);
  const read = mapLogAnalyticsRow(row);
  if (!read.ok) for (const problem of read.problems) p.add(problem.column, problem.message);
  const severityField = f.get('AlertSeverity') !== undefined ? 'AlertSeverity' : 'Severity';
  const sent = f.get(severityField);
  const severity = sent === undefined ? 'informational' : (severityOf(sent) ?? p.add(severityField, `is ${JSON.stringify(sent)}; ${SEVERITY_EXPECTED}`));
  const detectedAt = p.time(f, ['TimeGenerated']);
  if (!read.ok || severity === undefined || p.errors.length > 0) return { ok: false, errors: p.errors };

  const { table, eventId, channel, provider } = read.value;
  const event: SourceEvent = { logsources: [...read.value.logsources], fields: { ...read.value.fields }, pointer: rawPointer };
  return {
    ok: true,
    draft: {
      vendorAlertId: rowId(row, channel),
      product: table === 'Event' && provider.toLowerCase() === SYSMON_PROVIDER.toLowerCase() ? 'Sysmon' : 'Windows event log',
      vendor: 'Microsoft',
      title: titleOf(channel, eventId),
      severity,
      detectedAt,
      rule: { id: `${channel}/${eventId}` },
      entities: entitiesOf(read.value.event),
      labels: [`table:${table}`],
      sourceEvents: [event],
      rawPointer,
    },
  };
}
