import { describe, expect, it } from 'vitest';
import type { Alert, Disposition, Fact, Triage } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { FeedbackMemory } from '../src/eval/feedback-memory.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();

// The lab's failure (issue 12): a Wazuh rule on PowerShell process creations fired first on an administrator's
// inventory script run by the Configuration Manager client (analysts closed each as benign), then on an attack. The rule's prior learned
// "benign" and buried the attack. Events as Sysmon 1 under Wazuh rule 92057, mapped onto Sigma's taxonomy.
const ps = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const alertOf = (n: number, parent: string, commandLine: string): Alert => ({
  schemaVersion: 1,
  alertId: `alt-${n}`,
  tenantId: 'contoso',
  source: { name: 'wazuh', product: 'Wazuh', vendorAlertId: `v-${n}` },
  title: 'Powershell process spawned',
  description: '',
  severity: 'medium',
  status: 'new',
  // Minutes apart: the dispositions' age (half-life 90 days) does not move these counts.
  detectedAt: `2026-11-23T09:${String(n).padStart(2, '0')}:00.000Z`,
  rule: { id: '92057', name: 'Powershell process spawned' },
  attack: [],
  // As the Wazuh parser names them: the host and the process (image, file names, command line).
  entities: [
    { id: `host:ws${n}`, type: 'host', value: `ws${n}`, origin: 'source' },
    { id: `process:${ps.toLowerCase()}`, type: 'process', value: ps, name: 'powershell.exe', parentName: parent.split('\\').pop(), commandLine, origin: 'source' },
  ],
  labels: [],
  sourceEvents: [{ logsources: [{ product: 'windows', category: 'process_creation', service: 'sysmon' }], fields: { EventID: 1, Image: ps, ParentImage: parent, CommandLine: commandLine } }],
});
const ccm = 'C:\\Windows\\CCM\\CcmExec.exe';
const noise = (n: number): Alert => alertOf(n, ccm, `"${ps}" -NoProfile -File C:\\ops\\inventory.ps1`);

/** Triages `next` after `earlier` went through the feedback memory, with their labels (online) or without (zero-shot). */
function after(earlier: readonly [Alert, Disposition][], next: Alert, online: boolean, w = weights): Triage {
  const memory = new FeedbackMemory();
  for (const [a, label] of earlier) memory.record(a, online ? label : undefined, a.detectedAt);
  return triageAlert(next, { facts: memory.factsFor(next, next.detectedAt), missing: [] }, w, knowledge);
}
const analyst = (t: Triage) => t.risk.factors.find((f) => f.name === 'analyst-history');

describe('learning keyed by rule and what the event shows', () => {
  const benignNoise: [Alert, Disposition][] = [1, 2, 3, 4, 5].map((n) => [noise(n), 'benign-positive']);

  it('uses the rule and event shape prior once enough of that shape were judged, and says so', () => {
    const t = after(benignNoise, noise(6), true);
    expect(analyst(t)?.evidence).toMatch(/rule and event shape process:ccmexec\.exe>powershell\.exe 0 true \/ 5 benign \/ 0 false positive/);
    expect(t.verdict.class).toBe('benign-positive');
  });

  it('falls back to the rule over all shapes, its dismissals discounted, for a lineage analysts have not judged', () => {
    // Without the cap on the analyst-history factor, which the entity and tenant priors reach here.
    const uncapped = { ...weights, analystHistory: { ...weights.analystHistory, max: 100 } };
    const sameShape = after(benignNoise, noise(6), true, uncapped);
    const otherShape = after(benignNoise, alertOf(6, 'C:\\Windows\\explorer.exe', `"${ps}" -NoProfile -File C:\\ops\\inventory.ps1`), true, uncapped);
    expect(analyst(otherShape)?.evidence).toMatch(/rule over all event shapes, its benign and false positives weighted 0\.5 \(event shape process:explorer\.exe>powershell\.exe has 0 judged, fewer than 3\) 0 true \/ 2\.5 benign/);
    // The benign noise of the Configuration Manager's script pulls a never judged lineage down less than its own.
    expect(analyst(otherShape)?.points ?? 0).toBeGreaterThan(analyst(sameShape)?.points ?? 0);
  });
});

describe('a prior that contradicts strong evidence escalates', () => {
  const benignNoise: [Alert, Disposition][] = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [noise(n), 'benign-positive']);
  // The same lineage as the noise, so the rule and shape prior applies in full: only the event shows the attack.
  const attack = alertOf(9, ccm, `"${ps}" -nop -w hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA`);

  it('calls the attack that fires a rule analysts closed as benign a true positive, scored no lower than without feedback', () => {
    const zeroShot = after(benignNoise, attack, false);
    const online = after(benignNoise, attack, true);
    expect(zeroShot.verdict.class).toBe('true-positive');
    expect(online.verdict.class).toBe('true-positive');
    expect(online.risk.score).toBeGreaterThanOrEqual(zeroShot.risk.score);
    const escalated = online.risk.factors.find((f) => f.name === 'history-contradicts-evidence');
    expect(escalated?.points).toBeGreaterThan(0);
    expect(escalated?.evidence).toMatch(/^Analysts closed 8 earlier alert\(s\) of this rule as benign or false positive \(analyst-history -\d+\), but the event shows encoded-command.*; escalated/);
  });

  it('adds nothing when history leans benign and the event shows nothing strong, nor when history confirms attacks', () => {
    expect(after(benignNoise, noise(9), true).risk.factors.map((f) => f.name)).not.toContain('history-contradicts-evidence');
    const confirmed: [Alert, Disposition][] = benignNoise.map(([a]) => [a, 'true-positive']);
    expect(after(confirmed, attack, true).risk.factors.map((f) => f.name)).not.toContain('history-contradicts-evidence');
  });
});

describe('needs-more-information only when evidence is truly missing', () => {
  const bare = (entities: Alert['entities']): Alert => ({ ...alertOf(1, ccm, 'x'), title: 'Suspicious activity', rule: { id: 'r-bare' }, entities, sourceEvents: undefined });
  const host = { id: 'host:ws1', type: 'host' as const, value: 'ws1', origin: 'source' as const };
  const triageWith = (a: Alert, facts: Fact[] = []) => triageAlert(a, { facts, missing: [] }, weights, knowledge);

  it('calls an alert below the true-positive bar that carries something to judge benign or false positive by the split, not needs-more-information', () => {
    // The administrator's script under the Configuration Manager, zero-shot: true-positive likelihood below 0.5.
    const t = triageWith(noise(1));
    expect(t.verdict.likelihoods.truePositive).toBeLessThan(0.5);
    expect(t.verdict.class).toBe('benign-positive');
    expect(t.verdict.likelihoods.benignPositive).toBeGreaterThan(t.verdict.likelihoods.falsePositive);
    // The same likelihoods on an alert the source named an address for.
    expect(triageWith(bare([host, { id: 'ip:10.0.0.9', type: 'ip', value: '10.0.0.9', isInternal: true, origin: 'source' }])).verdict.class).toBe('benign-positive');
  });

  it('keeps needs-more-information for an alert with no source event, no judgeable source-named entity, no finding, no intel answer and no history', () => {
    expect(triageWith(bare([host])).verdict.class).toBe('needs-more-information');
    // An address written into the description is the author's, not the source's: still nothing to judge.
    expect(triageWith(bare([host, { id: 'ip:10.0.0.9', type: 'ip', value: '10.0.0.9', origin: 'extracted' }])).verdict.class).toBe('needs-more-information');
    const observed = { source: 'test', observedAt: '2026-11-23T09:00:00.000Z', confidence: 1 };
    // A threat-intel answer about a source-named entity, even "nothing known", or any history is something to judge by.
    expect(triageWith(bare([host]), [{ ...observed, id: 'ti:1', kind: 'threat-intel', entityId: host.id, statement: 'unknown', attributes: { verdict: 'unknown' } }]).verdict.class).not.toBe('needs-more-information');
    // "Nothing known" or a sighting of an address the author wrote in is not.
    const written = { id: 'ip:10.0.0.9', type: 'ip' as const, value: '10.0.0.9', origin: 'extracted' as const };
    const aboutWritten: Fact[] = [
      { ...observed, id: 'ti:2', kind: 'threat-intel', entityId: written.id, statement: 'unknown', attributes: { verdict: 'unknown' } },
      { ...observed, id: 'history:ip:10.0.0.9', kind: 'history', entityId: written.id, statement: 'seen', attributes: { priorAlertCount: 3 } },
    ];
    expect(triageWith(bare([host, written]), aboutWritten).verdict.class).toBe('needs-more-information');
    expect(triageWith(bare([host]), [{ ...observed, id: 'rule-history:x', kind: 'rule-history', statement: 'fired before', attributes: { priorAlertCount: 2 } }]).verdict.class).not.toBe('needs-more-information');
  });
});


describe('a medium Sigma hit on the raw event and the benign noise of the rule\'s other event shapes', () => {
  const cmdkey = 'C:\\Windows\\System32\\cmdkey.exe';
  const line = `"${cmdkey}" /generic:TERMSRV/AR-WIN-DC /user:ATTACKRANGE\\Administrator /pass:1password2!`;
  // The same Wazuh rule, a lineage (powershell → cmdkey) analysts have not judged; Sigma: «New Generic Credentials Added Via Cmdkey.EXE» (medium).
  const attack = (n: number): Alert => {
    const a = alertOf(n, ps, line);
    return {
      ...a,
      entities: [a.entities[0]!, { id: `process:${cmdkey.toLowerCase()}`, type: 'process', value: cmdkey, name: 'cmdkey.exe', parentName: 'powershell.exe', commandLine: line, origin: 'source' }],
      sourceEvents: [{ logsources: [{ product: 'windows', category: 'process_creation', service: 'sysmon' }], fields: { EventID: 1, Image: cmdkey, ParentImage: ps, CommandLine: line } }],
    };
  };
  const noiseFirst: [Alert, Disposition][] = Array.from({ length: 12 }, (_, i): [Alert, Disposition] => [noise(i + 1), 'benign-positive']);

  it('may not be buried by it: the attack is called online as zero-shot, and the factor says why', () => {
    const zeroShot = after(noiseFirst, attack(30), false);
    const online = after(noiseFirst, attack(30), true);
    expect(zeroShot.verdict.class).toBe('true-positive');
    expect(online.verdict.class).toBe('true-positive');
    expect(online.risk.score).toBeGreaterThanOrEqual(zeroShot.risk.score);
    expect(online.risk.factors.map((f) => f.evidence).join('\n')).toMatch(/\(medium\) matched the raw event, whose event shape analysts have not judged/);
  });

  it('but analysts\' dispositions of that very shape still teach it', () => {
    const judged: [Alert, Disposition][] = [...noiseFirst, ...[31, 32, 33, 34].map((n): [Alert, Disposition] => [attack(n), 'benign-positive'])];
    expect(after(judged, attack(40), true).verdict.class).not.toBe('true-positive');
  });
});
