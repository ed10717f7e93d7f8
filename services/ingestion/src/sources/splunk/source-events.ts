import type { SourceEvent } from '@soc/contracts';
import { type Platform, platformOfOs, platformOfPath, processCreationEvent } from '../sigma-events.ts';
import { type Row, first } from './fields.ts';

/**
 * The `process_creation` event of a result or notable that carries CIM Endpoint.Processes fields: `process_path`
 * → `Image`, `process` → `CommandLine`, `parent_process_path` → `ParentImage`, `parent_process` →
 * `ParentCommandLine`, `user` → `User`, `process_id`/`parent_process_id`, `process_current_directory`,
 * `process_integrity_level` (Sysmon's own names, as a Sysmon TA extracts them, are read too). The platform is the
 * row's `os` (else the image path's shape). Without a path, an image is made from `process_name` only when `os`
 * names the platform (`\certutil.exe`, as triage does for entities). A row without them carries no event. Pure.
 */
export function cimProcessEvents(row: Row, pointer: string): SourceEvent[] {
  const path = first(row, 'process_path', 'Image');
  const os: Platform | undefined = platformOfOs(first(row, 'os', 'dest_os', 'vendor_os'));
  const name = first(row, 'process_name');
  const image =
    path ?? (name !== undefined && os !== undefined && !/[\\/]/u.test(name) ? `${os === 'windows' ? '\\' : '/'}${name}` : undefined);
  const event = processCreationEvent(
    {
      image,
      commandLine: first(row, 'process', 'CommandLine'),
      parentImage: first(row, 'parent_process_path', 'ParentImage'),
      parentCommandLine: first(row, 'parent_process', 'ParentCommandLine'),
      user: first(row, 'user', 'User'),
      processId: first(row, 'process_id', 'ProcessId'),
      parentProcessId: first(row, 'parent_process_id', 'ParentProcessId'),
      currentDirectory: first(row, 'process_current_directory', 'CurrentDirectory'),
      integrityLevel: first(row, 'process_integrity_level', 'IntegrityLevel'),
    },
    os ?? platformOfPath(path),
    pointer,
  );
  return event === undefined ? [] : [event];
}
