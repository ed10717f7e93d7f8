import type { Entity } from '@soc/contracts';
import type { HuntParam } from './templates.ts';

/** The raw (unescaped) parameter values an entity gives; a template applies when it gives all the template needs. */
export type EntityParams = Partial<Record<HuntParam, string>>;

/** Last segment of a Windows or POSIX path: the image or file name Defender records in `FileName`. */
function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}

/** `DOMAIN\name` → `name`; `name@domain` → `name`: the SAM account name Windows logs record. */
function accountName(value: string): string {
  const slash = value.lastIndexOf('\\');
  if (slash >= 0) return value.slice(slash + 1);
  const at = value.indexOf('@');
  return at > 0 ? value.slice(0, at) : value;
}

const HIVES = /^(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_USERS|HKEY_CLASSES_ROOT|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKU|HKCR|HKCC)\\/i;

// The order hashes are preferred in: SHA-256 is what every Defender table records.
const HASH_PREFERENCE = ['sha256', 'sha1', 'md5'] as const;

function urlHost(value: string): string | undefined {
  try {
    const host = new URL(value).hostname;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

/** Drops empty values so a template needing one is simply not applicable. */
function compact(params: EntityParams): EntityParams {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === 'string' && v.trim() !== '')) as EntityParams;
}

/**
 * The hunt parameters an entity gives, as raw values (escaping happens once, in the renderer). Pure; the mapping
 * follows the columns the templates compare against (UPN for Entra ID tables, SAM name for Windows logs, the
 * hive-less key path for `DeviceRegistryEvents`, whose user hives are rewritten per SID).
 */
export function paramsForEntity(entity: Entity): EntityParams {
  switch (entity.type) {
    case 'ip':
      return compact({ hunt_ip: entity.value });
    case 'host':
      return compact({ hunt_host: (entity.hostname ?? entity.value.split('.')[0] ?? entity.value).toLowerCase() });
    case 'user': {
      const upn = entity.upn ?? (/^[^@\s\\]+@[^@\s]+$/.test(entity.value) ? entity.value : undefined);
      return compact({ hunt_upn: upn, hunt_account: entity.name ?? accountName(entity.value) });
    }
    case 'hash':
      return compact({ hunt_hash: entity.value.toLowerCase() });
    case 'file': {
      const hash = HASH_PREFERENCE.map((a) => entity.hashes?.find((h) => h.algorithm === a)?.value).find((v) => v !== undefined);
      return compact({ hunt_file_name: entity.name ?? baseName(entity.path ?? entity.value), hunt_hash: hash?.toLowerCase() });
    }
    case 'process':
      return compact({ hunt_process_name: entity.name ?? baseName(entity.value) });
    case 'url':
      return compact({ hunt_url: entity.value, hunt_url_host: urlHost(entity.value) });
    case 'domain':
      return compact({ hunt_domain: entity.value.toLowerCase() });
    case 'mailbox':
      return compact({ hunt_mailbox: entity.value });
    case 'registry':
      return compact({ hunt_registry_path: (entity.key ?? entity.value).replace(HIVES, '') });
    case 'cloud-resource':
      return compact({
        hunt_resource: entity.value,
        hunt_arm_id: /^\/subscriptions\//i.test(entity.value) ? entity.value : undefined,
      });
  }
}
