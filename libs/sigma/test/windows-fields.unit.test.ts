import { describe, expect, it } from 'vitest';
import { linuxSysmonLogsources, mapWindowsEvent, mapWindowsFields } from '../src/index.ts';

describe('mapWindowsFields: one reading of a Windows event, whichever way it was collected', () => {
  it('gives the event a collector flattened what mapWindowsEvent gives for the EVTX rendering', () => {
    const rendered = {
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
          EventID: 4688,
          Channel: 'Security',
          Computer: 'ws1.lab.local',
        },
        EventData: {
          NewProcessName: 'C:\\Windows\\System32\\certutil.exe',
          ParentProcessName: 'C:\\Windows\\System32\\cmd.exe',
          'Source Name': 'x',
        },
      },
    };
    const flat = mapWindowsFields({
      eventId: 4688,
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      computer: 'ws1.lab.local',
      data: rendered.Event.EventData,
    });
    expect(flat).toEqual(mapWindowsEvent(rendered));
    expect(flat.event).toMatchObject({
      Image: 'C:\\Windows\\System32\\certutil.exe',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      SourceName: 'x',
      EventID: 4688,
      Provider_Name: 'Microsoft-Windows-Security-Auditing',
    });
    expect(flat.logsources).toContainEqual({ product: 'windows', category: 'process_creation', service: 'security' });
  });
});

describe('linuxSysmonLogsources', () => {
  it('files Sysmon for Linux events under the categories of SigmaHQ Linux rules', () => {
    expect(linuxSysmonLogsources(1)).toEqual([
      { product: 'linux', service: 'sysmon' },
      { product: 'linux', category: 'process_creation' },
    ]);
    expect(linuxSysmonLogsources(3)[1]).toEqual({ product: 'linux', category: 'network_connection' });
    expect(linuxSysmonLogsources(11)[1]).toEqual({ product: 'linux', category: 'file_event' });
    expect(linuxSysmonLogsources(16)).toEqual([{ product: 'linux', service: 'sysmon' }]);
  });
});
