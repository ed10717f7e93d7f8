import type { SigmaLogsource } from './rule.ts';

/**
 * Sysmon for Linux EventID → the category SigmaHQ's Linux rules are filed under (`product: linux`, no service):
 * the events it shares with Sysmon for Windows keep their numbers and meaning.
 */
const LINUX_SYSMON_CATEGORIES: Readonly<Record<number, string>> = {
  1: 'process_creation',
  3: 'network_connection',
  5: 'process_termination',
  9: 'raw_access_thread',
  11: 'file_event',
  23: 'file_delete',
};

/** The Sigma logsources of a Sysmon for Linux event, from its EventID (service `sysmon`, then its category). */
export function linuxSysmonLogsources(eventId: number): SigmaLogsource[] {
  const base: SigmaLogsource = { product: 'linux', service: 'sysmon' };
  const category = LINUX_SYSMON_CATEGORIES[eventId];
  return category === undefined ? [base] : [base, { product: 'linux', category }];
}

/** The Sigma logsource of a Linux audit record (SigmaHQ's `linux/auditd` rules, matched one record at a time). */
export const AUDITD_LOGSOURCE: SigmaLogsource = { product: 'linux', service: 'auditd' };

/**
 * The logsource of a Linux process creation however it was seen (Sysmon for Linux event 1, or an audit `execve`
 * rebuilt as one): SigmaHQ's `linux/process_creation` rules name no service.
 */
export const LINUX_PROCESS_CREATION: SigmaLogsource = { product: 'linux', category: 'process_creation' };
