import type { EntityDraft } from '../../entities.ts';
import { processId, record, text } from '../values.ts';
import {
  type TypedDraft,
  basename,
  hashAlgorithm,
  hostDraft,
  ipDraft,
  present,
  userDraft,
} from './entity-drafts.ts';
import { linuxSysmonOf } from './source-events.ts';
import { windowsEntities } from './windows.ts';

/** The URL a decoder extracted, when it is one (web decoders often extract only the path). */
function urlDraft(value: string | undefined): TypedDraft[] {
  const v = present(value);
  return v !== undefined && /^https?:\/\/\S+$/i.test(v) ? [{ type: 'url', value: v }] : [];
}

/** The monitored endpoint: the agent, with the FQDN Windows reports for it when that is the same machine. */
function agentEntities(alert: Record<string, unknown>): TypedDraft[] {
  const agent = record(alert.agent);
  const name = present(text(agent?.name));
  const computer = present(text(record(record(record(alert.data)?.win)?.system)?.computer));
  const sameMachine =
    name !== undefined && computer !== undefined && computer.toLowerCase().startsWith(`${name.toLowerCase()}.`);
  // The syslog header's host is usually the agent itself; only another name is another entity.
  const logHost = present(text(record(alert.predecoder)?.hostname));
  return [
    ...hostDraft(name, undefined, sameMachine ? computer : undefined),
    ...ipDraft(text(agent?.ip)),
    ...(sameMachine ? [] : hostDraft(computer, 'related')),
    ...(logHost?.toLowerCase() === name?.toLowerCase() ? [] : hostDraft(logHost, 'related')),
  ];
}

/** Fields the decoders extract (`data.srcip`, `data.dstuser`, Suricata's `src_ip` …) and Linux audit records. */
function decodedEntities(data: Record<string, unknown>): TypedDraft[] {
  const audit = record(data.audit);
  const exe = present(text(audit?.exe));
  return [
    ...ipDraft(text(data.srcip) ?? text(data.src_ip), 'actor'),
    ...ipDraft(text(data.dstip) ?? text(data.dest_ip), 'target'),
    ...userDraft(text(data.srcuser), 'actor'),
    ...userDraft(text(data.dstuser), 'target'),
    ...urlDraft(text(data.url)),
    ...(exe === undefined
      ? []
      : [
          {
            type: 'process' as const,
            value: exe,
            name: basename(exe),
            commandLine: present(text(audit?.command)),
            pid: processId(text(audit?.pid)),
          },
        ]),
  ];
}

/** File integrity monitoring: the changed file with its new digests, its owner, and who-data (who changed it, with what). */
function syscheckEntities(syscheck: Record<string, unknown>): TypedDraft[] {
  const path = present(text(syscheck.path));
  const hashes = (['md5', 'sha1', 'sha256'] as const)
    .map((algorithm) => ({ algorithm, value: present(text(syscheck[`${algorithm}_after`]))?.toLowerCase() ?? '' }))
    .filter((h) => hashAlgorithm(h.value) === h.algorithm);
  const audit = record(syscheck.audit);
  const auditName = (key: string): string | undefined => text(record(audit?.[key])?.name);
  const auditProcess = record(audit?.process);
  const processName = present(text(auditProcess?.name));
  const out: TypedDraft[] = hashes.map((h) => ({ type: 'hash', value: h.value, algorithm: h.algorithm }));
  if (path !== undefined)
    out.push({ type: 'file', value: path, name: basename(path), path, hashes: hashes.length > 0 ? hashes : undefined });
  out.push(
    ...userDraft(auditName('login_user'), 'actor'),
    ...userDraft(auditName('user'), 'actor'),
    ...userDraft(auditName('effective_user'), 'actor'),
  );
  if (processName !== undefined)
    out.push({
      type: 'process',
      value: processName,
      name: basename(processName),
      pid: processId(text(auditProcess?.id)),
      role: 'actor',
    });
  out.push(...userDraft(text(syscheck.uname_after), 'related'));
  return out;
}

/**
 * Sysmon for Linux carries the event data of Windows Sysmon (`image`, `commandLine`, `parentImage`, `user`,
 * `sourceIp` …), so the Windows reading names its entities. Its values are plain text, not escaped twice: they are
 * escaped once here so that reading's unescaping gives them back exactly; names get the decoder's lower first letter
 * (it writes `DestinationIp`).
 */
function linuxSysmonEntities(alert: Record<string, unknown>): TypedDraft[] {
  const sysmon = linuxSysmonOf(alert);
  if (sysmon === undefined) return [];
  const eventdata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sysmon.eventdata))
    eventdata[key.charAt(0).toLowerCase() + key.slice(1)] =
      typeof value === 'string' && value.includes('\\') ? value.replace(/[\\"]/g, '\\$&') : value;
  return windowsEntities({ system: sysmon.system, eventdata });
}

/** Every entity a Wazuh alert names, the monitored endpoint first. */
export function wazuhEntities(alert: Record<string, unknown>): EntityDraft[] {
  const data = record(alert.data) ?? {};
  const win = record(data.win);
  const syscheck = record(alert.syscheck);
  return [
    ...agentEntities(alert),
    ...decodedEntities(data),
    ...(linuxSysmonOf(alert) !== undefined ? linuxSysmonEntities(alert) : win ? windowsEntities(win) : []),
    ...(syscheck ? syscheckEntities(syscheck) : []),
  ];
}
