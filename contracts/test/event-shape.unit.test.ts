import { describe, expect, it } from 'vitest';
import { MAX_EVENT_SHAPE_LENGTH, eventShapeOf } from '../src/index.ts';
import { sampleAlert } from '../src/testing/index.ts';

const processEvent = (fields: Record<string, string>) => ({ logsources: [{ product: 'windows', category: 'process_creation' }], fields });

describe('eventShapeOf: what an alert event shows, as a history key', () => {
  it('is the process lineage from the first source event with an image, file names lower-cased', () => {
    const alert = sampleAlert({
      sourceEvents: [
        { logsources: [{ product: 'windows', category: 'network_connection' }], fields: { DestinationIp: '10.0.0.1' } },
        processEvent({ Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE', ParentImage: 'C:\\Program Files\\Microsoft Office\\WINWORD.EXE', CommandLine: 'powershell -enc AAAA' }),
      ],
    });
    expect(eventShapeOf(alert)).toBe('process:winword.exe>powershell.exe');
  });

  it('does not depend on the command line, and a missing parent is "?"', () => {
    const a = sampleAlert({ entities: [], sourceEvents: [processEvent({ Image: '/usr/bin/curl', CommandLine: 'curl http://a' })] });
    const b = sampleAlert({ entities: [], sourceEvents: [processEvent({ Image: '/usr/bin/curl', CommandLine: 'curl http://b' })] });
    expect(eventShapeOf(a)).toBe('process:?>curl');
    expect(eventShapeOf(b)).toBe(eventShapeOf(a));
  });

  it('falls back to the first source-named process entity, never an extracted one', () => {
    const extracted = { id: 'process:evil.exe', type: 'process' as const, value: 'evil.exe', name: 'evil.exe', parentName: 'x.exe', origin: 'extracted' as const };
    const named = { id: 'process:cmd.exe', type: 'process' as const, value: 'cmd.exe', name: 'CMD.EXE', parentName: 'C:\\Windows\\explorer.exe', origin: 'source' as const };
    expect(eventShapeOf(sampleAlert({ entities: [extracted, named] }))).toBe('process:explorer.exe>cmd.exe');
    expect(eventShapeOf(sampleAlert({ entities: [extracted] }))).toBeUndefined();
  });

  it('is the registry hive and path head for a registry event, one shape for every user', () => {
    const run = (key: string) => sampleAlert({ entities: [], sourceEvents: [{ logsources: [{ product: 'windows', category: 'registry_set' }], fields: { TargetObject: key } }] });
    const user1 = eventShapeOf(run('HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater'));
    const user2 = eventShapeOf(run('\\REGISTRY\\USER\\S-1-5-21-9-9-9-500\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Other'));
    expect(user1).toBe('registry:hku\\software\\microsoft\\windows\\currentversion\\run');
    expect(user2).toBe(user1);
    expect(eventShapeOf(run('\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\evil\\ImagePath'))).toBe('registry:hklm\\system\\currentcontrolset\\services\\evil\\imagepath');
    expect(eventShapeOf(run('not a key'))).toBeUndefined();
    const entity = { id: 'registry:x', type: 'registry' as const, value: 'HKLM\\Software\\Classes\\x', key: 'HKEY_LOCAL_MACHINE\\Software\\Classes\\x', origin: 'source' as const };
    expect(eventShapeOf(sampleAlert({ entities: [entity] }))).toBe('registry:hklm\\software\\classes\\x');
  });

  it('is none for an alert that shows neither, and bounded for long names', () => {
    expect(eventShapeOf(sampleAlert({ entities: [{ id: 'ip:1.2.3.4', type: 'ip', value: '1.2.3.4', origin: 'source' }] }))).toBeUndefined();
    const long = eventShapeOf(sampleAlert({ entities: [], sourceEvents: [processEvent({ Image: `C:\\${'a'.repeat(5000)}.exe`, ParentImage: `C:\\${'b'.repeat(5000)}.exe` })] }));
    expect(long?.length).toBeLessThanOrEqual(MAX_EVENT_SHAPE_LENGTH);
    expect(long?.startsWith('process:bbbb')).toBe(true);
  });
});
