import type { Alert } from './alert.ts';

/** Longest event shape: two file names or a registry hive and path head, never a command line. */
export const MAX_EVENT_SHAPE_LENGTH = 200;

/** Path components of a registry key kept after its hive: enough to tell a Run key from a service's parameters. */
const REGISTRY_HEAD = 5;
const MAX_PART = 96;

const HIVES: Readonly<Record<string, string>> = {
  hklm: 'hklm',
  hkey_local_machine: 'hklm',
  hku: 'hku',
  hkey_users: 'hku',
  hkcu: 'hkcu',
  hkey_current_user: 'hkcu',
  hkcr: 'hkcr',
  hkey_classes_root: 'hkcr',
  hkcc: 'hkcc',
  hkey_current_config: 'hkcc',
};

/** A file name from a Windows or POSIX path, lower-cased and bounded. */
const baseName = (path: string): string => (path.split(/[\\/]/).pop() ?? '').trim().toLowerCase().slice(0, MAX_PART);

/** `\REGISTRY\MACHINE\…`, `HKLM\…`, `HKEY_USERS\S-1-5-…\…` → `hklm\software\…` (hive, then the head of the path; user SIDs and `_Classes` suffixes dropped so one key of every user shares a shape). */
function registryHead(key: string): string | undefined {
  const parts = key.toLowerCase().split('\\').filter((p) => p !== '');
  if (parts[0] === 'registry') {
    parts.shift();
    const root = parts.shift();
    parts.unshift(root === 'machine' ? 'hklm' : root === 'user' ? 'hku' : (root ?? ''));
  }
  const hive = HIVES[parts[0] ?? ''];
  if (hive === undefined) return undefined;
  const path = parts.slice(1).filter((p) => !/^s-1-[\d-]+(_classes)?$/.test(p) && p !== '.default');
  return [hive, ...path.slice(0, REGISTRY_HEAD)].map((p) => p.slice(0, MAX_PART)).join('\\');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : Array.isArray(v) && typeof v[0] === 'string' && v[0].trim() !== '' ? v[0] : undefined);

/**
 * A short, deterministic signature of what an alert's event shows, so analysts' dispositions of a rule can be kept
 * per kind of event as well as per rule: the benign `services.exe → powershell.exe` noise of a rule then says
 * nothing about the `winword.exe → powershell.exe` attack that fires the same rule. The first that applies:
 * - `process:<parent>><image>` — the parent's and the process's file names, lower-cased, from the first source
 *   event with an `Image` (`ParentImage` missing is `?`), else from the first source-named process entity;
 * - `registry:<hive>\<path head>` — the hive and the first five components of the key (user SIDs dropped), from
 *   the first source event with a `TargetObject`, else the first source-named registry entity;
 * - none: the alert's rule alone is the key.
 * Entities extracted from free text never give a shape (the alert's author would pick the key). The values are the
 * endpoint's own and may be an attacker's; the shape is a lookup key, never an instruction. Shared by enrichment
 * (history lookup and disposition recording), the analyst API (which puts it on the disposition) and the
 * evaluation's feedback memory. Pure.
 */
export function eventShapeOf(alert: Pick<Alert, 'entities'> & { sourceEvents?: Alert['sourceEvents'] }): string | undefined {
  const events = alert.sourceEvents ?? [];
  const named = alert.entities.filter((e) => e.origin !== 'extracted');
  let shape: string | undefined;
  for (const event of events) {
    const image = str(event.fields.Image);
    if (image === undefined || baseName(image) === '') continue;
    const parent = str(event.fields.ParentImage);
    shape = `process:${parent === undefined ? '?' : baseName(parent) || '?'}>${baseName(image)}`;
    break;
  }
  if (shape === undefined) {
    for (const e of named) {
      if (e.type !== 'process' || e.name === undefined || baseName(e.name) === '') continue;
      shape = `process:${e.parentName === undefined ? '?' : baseName(e.parentName) || '?'}>${baseName(e.name)}`;
      break;
    }
  }
  if (shape === undefined) {
    for (const event of events) {
      const target = str(event.fields.TargetObject);
      const head = target === undefined ? undefined : registryHead(target);
      if (head !== undefined) {
        shape = `registry:${head}`;
        break;
      }
    }
  }
  if (shape === undefined) {
    for (const e of named) {
      const head = e.type === 'registry' ? registryHead(e.key ?? e.value) : undefined;
      if (head !== undefined) {
        shape = `registry:${head}`;
        break;
      }
    }
  }
  return shape?.slice(0, MAX_EVENT_SHAPE_LENGTH);
}
