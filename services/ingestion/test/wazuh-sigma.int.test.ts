import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { createSigmaEngine, loadRulesFile } from '@soc/sigma';
import { normalize } from '../src/sources/normalize.ts';
import { wazuhParser } from '../src/sources/wazuh/index.ts';

/**
 * The Wazuh parser's source events against the real Sigma engine and the bundled SigmaHQ corpus: every SigmaHQ
 * regression event (a Windows event) as a Wazuh alert must fire the rule it is named after, and the published
 * Wazuh samples fire the rules their activity is known for.
 */

type Json = Record<string, unknown>;
interface RegressionEvent {
  readonly path: string;
  readonly info: { readonly rule_metadata: readonly { readonly id: string; readonly title: string }[] };
  readonly event: {
    readonly Event: { readonly System: Json; readonly EventData?: Json | null; readonly UserData?: Json | null };
  };
}

const REGRESSION: RegressionEvent[] = readFileSync(
  new URL('../../../test/fixtures/sigma/regression_events.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as RegressionEvent);
const DEV_SET = readFileSync(new URL('../../../test/fixtures/eval/dev-set.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { source: string; payload: Json });
const ALERTS = new URL('../../../test/fixtures/alerts/wazuh/', import.meta.url);
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(name, ALERTS), 'utf8')) as Json;

const engine = createSigmaEngine(loadRulesFile());
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function only(body: unknown): Alert {
  const outcome = normalize(wazuhParser, body, ctx);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  expect(outcome.alerts).toHaveLength(1);
  return outcome.alerts[0] as Alert;
}
const hitsOf = (alert: Alert): string[] =>
  (alert.sourceEvents ?? []).flatMap((e) => engine.match(e.fields, e.logsources).map((h) => h.id));

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const textOf = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'object' ? textOf((v as Json)['#text']) : String(v);

/**
 * A Windows event as Wazuh 4.x's eventchannel decoder (analysisd `winevtchannel.c`) writes it: Data names with the
 * first letter lower-cased; values `-`, `(NULL)` and empty left out; trailing white space cut; backslashes and
 * quotes escaped once more (as published alerts show them); UserData's element under its own lower-cased name.
 */
function asWazuhAlert(e: RegressionEvent, n: number): Json {
  const { System: system, EventData: eventData, UserData: userData } = e.event.Event;
  const render = (fields: Json): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(fields)) {
      const s = typeof v === 'object' && v !== null ? undefined : textOf(v);
      if (k === '#attributes' || s === undefined || s === '' || s === '-' || s === '(NULL)') continue;
      out[lowerFirst(k)] = s.replace(/\s+$/u, '').replace(/[\\"]/g, '\\$&');
    }
    return out;
  };
  const win: Json = {
    system: {
      providerName: textOf(((system['Provider'] as Json | undefined)?.['#attributes'] as Json | undefined)?.['Name']),
      eventID: textOf(system['EventID']),
      channel: textOf(system['Channel']),
      computer: textOf(system['Computer']),
    },
    eventdata: render(eventData ?? {}),
  };
  for (const [name, inner] of Object.entries(userData ?? {}))
    if (typeof inner === 'object' && inner !== null) win[lowerFirst(name)] = render(inner as Json);
  return {
    timestamp: '2026-10-09T10:00:00.000+0000',
    rule: { level: 5, id: '60000', description: 'Windows event' },
    agent: { id: '001', name: 'lab' },
    id: `1760004000.${n}`,
    decoder: { name: 'windows_eventchannel' },
    data: { win },
    location: 'EventChannel',
  };
}

describe('Wazuh alerts of the SigmaHQ regression events', () => {
  it('fire the rule each event is named after, rendered as Wazuh 4.x writes eventchannel events', () => {
    expect(REGRESSION).toHaveLength(104);
    const missed: string[] = [];
    REGRESSION.forEach((e, n) => {
      const hits = hitsOf(only(asWazuhAlert(e, n)));
      for (const r of e.info.rule_metadata) if (!hits.includes(r.id)) missed.push(`${r.id} ${r.title}`);
    });
    expect(missed).toEqual([]);
  });

  it('fire the rule each event is named after as the development set wraps them (test/fixtures/eval/make-dev-set.py)', () => {
    const rows = DEV_SET.filter((r) => r.source === 'wazuh' && String(r.payload['id']).startsWith('sigma-regression.'));
    expect(rows).toHaveLength(104);
    const missed: string[] = [];
    for (const row of rows) {
      const e = REGRESSION[Number(String(row.payload['id']).split('.')[1])] as RegressionEvent;
      const hits = hitsOf(only(row.payload));
      for (const r of e.info.rule_metadata) if (!hits.includes(r.id)) missed.push(`${r.id} ${r.title}`);
    }
    // 103 of 104: WMI 5858 keeps its fields in UserData, which that wrapping leaves out (it keeps EventData only);
    // rendered as Wazuh writes UserData (the test above) it fires.
    expect(missed).toEqual([
      'd4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b Failed Event Log Clear Via WMI NTEventLogFile ClearEventLog',
    ]);
  });
});

describe('published Wazuh samples fire the Sigma rules of what they show', () => {
  it.each([
    ['sysmon-3-powershell-rpc.json', '1f21ec3f-810d-4b0e-8045-322202e22b4b'], // Network Connection Initiated By PowerShell Process
    ['sysmon-11-powershell-appdata.json', '7047d730-036f-4f40-b9d8-1c63e36d5e62'], // Potential Binary Or Script Dropper Via PowerShell
    ['sysmon-13-run-key.json', '02ee49e2-e294-4d0f-9278-f5b3212fc588'], // New RUN Key Pointing to Suspicious Folder
    ['sysmon-22-ip-lookup.json', 'ec82e2a5-81ea-4211-a1f8-37a0286df2c2'], // Suspicious DNS Query for IP Lookup Service APIs
    ['security-4688-certutil.json', '13e6fe51-d478-4c7e-b0f2-6da9b400a829'], // Suspicious File Downloaded From Direct IP Via Certutil.EXE
    ['powershell-4104-screenshot.json', 'd4a11f63-2390-411c-9adf-d791fd152830'], // Windows Screen Capture with CopyFromScreen
    ['security-1102-log-cleared.json', 'd99b79d2-0a6f-4f46-ad8b-260b6e17f982'], // Security Eventlog Cleared (UserData only)
    ['sysmon-linux-1-base64.json', 'e2072cab-8c9a-459b-b63c-40ae79e27031'], // Decode Base64 Encoded Text
    ['sysmon-linux-3-bash-connect.json', '83dcd9f6-9ca8-4af7-a16e-a1c7a6b51871'], // Linux Reverse Shell Indicator
    ['auditd-tcpdump.json', 'f4d3748a-65d1-4806-bd23-e25728081d01'], // Network Sniffing - Linux (EXECVE a0..a3)
    ['auditd-webshell-id.json', 'c0d3734d-330f-4a03-aae2-65dacc6a8222'], // Webshell Remote Command Execution (SYSCALL execve, euid 33)
    ['auditd-webshell-id.json', 'b45e3d6f-42c6-47d8-a478-df6bd6cf534c'], // Local System Accounts Discovery - Linux (process_creation)
  ])('%s fires %s', (file, ruleId) => {
    expect(hitsOf(only(fixture(file)))).toContain(ruleId);
  });

  it('every alert of the fixture folder parses; those without a raw event carry none', () => {
    const files = readdirSync(ALERTS).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(17);
    for (const f of files) {
      const alert = only(fixture(f));
      if (['sshd-invalid-user.json', 'sshd-invalid-user-2018.json', 'syscheck-whodata-modified.json'].includes(f))
        expect(alert.sourceEvents ?? [], f).toEqual([]);
      else expect(alert.sourceEvents?.length ?? 0, f).toBeGreaterThan(0);
    }
  });
});
