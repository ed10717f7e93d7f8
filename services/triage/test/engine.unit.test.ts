import { describe, expect, it } from 'vitest';
import { AlertEnrichedV1, type Alert, type Enrichment, type Fact, createEvent, parseEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { triage } from '../src/handler.ts';
import { TriageWeights, loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();

// Modelled on the real "Detected suspicious credentials in commandline" SecurityAlert row of the msticpy sample.
const alert: Alert = {
  schemaVersion: 1,
  alertId: 'alt-1',
  tenantId: 'contoso',
  source: { name: 'generic', product: 'Azure Security Center', vendorAlertId: 'v-1' },
  title: 'Detected suspicious credentials in commandline',
  description: 'Analysis of host data has detected a suspicious command line.',
  severity: 'high',
  status: 'new',
  detectedAt: '2026-11-23T09:59:00.000Z',
  attack: [{ techniqueId: 'T1059.001' }],
  entities: [
    { id: 'host:msticalertswin1', type: 'host', value: 'msticalertswin1', origin: 'source' },
    { id: 'user:msticadmin', type: 'user', value: 'msticadmin', origin: 'source' },
    { id: 'ip:40.76.43.124', type: 'ip', value: '40.76.43.124', isInternal: false, origin: 'source' },
  ],
  labels: [],
};
const noFacts: Enrichment = { facts: [], missing: [] };
const historyFact = (entityId: string, n: number) => ({
  id: `history:${entityId}`,
  kind: 'history' as const,
  entityId,
  source: 'soc-history',
  observedAt: '2026-11-23T10:00:00.000Z',
  statement: 'seen before',
  attributes: { priorAlertCount: n },
});

describe('deterministic triage engine', () => {
  it('explains its score: the factors sum to the score and each has evidence', () => {
    const t = triageAlert(alert, noFacts, weights, knowledge);
    expect(t.risk.factors.map((f) => f.name)).toEqual(['source-severity', 'external-ip', 'attack-technique']);
    expect(t.risk.score).toBe(60 + 4 + 5);
    expect(t.risk.level).toBe('high');
    for (const f of t.risk.factors) expect(f.evidence.length).toBeGreaterThan(10);
    expect(t.summary).toContain('Detected suspicious credentials in commandline');
    expect(t.nextSteps.some((s) => s.includes('msticalertswin1'))).toBe(true);
    // The source's technique, validated against the catalog, and its parent (a sub-technique implies it).
    expect(t.attack).toEqual(
      expect.arrayContaining([
        { tactic: 'Execution', techniqueId: 'T1059.001', techniqueName: 'PowerShell', confidence: 0.9, basis: 'source' },
        expect.objectContaining({ techniqueId: 'T1059', basis: 'source' }),
      ]),
    );
  });

  it('maps ATT&CK from the text when the source names none, and leads the next steps with the fitting playbook', () => {
    const dumping: Alert = {
      ...alert,
      title: 'Possible credential dumping detected',
      description: 'The process procdump.exe was started with -ma lsass.exe, a common way to dump credentials from memory (mimikatz-style).',
      attack: [],
      entities: [{ id: 'host:ws-042', type: 'host', value: 'ws-042', origin: 'source' }],
    };
    const t = triageAlert(dumping, noFacts, weights, knowledge);
    expect(t.attack).toEqual(expect.arrayContaining([expect.objectContaining({ techniqueId: 'T1003.001', basis: 'text', tactic: 'Credential Access' })]));
    expect(t.risk.factors.find((f) => f.name === 'attack-technique')?.evidence).toContain('T1003.001 (text)');
    expect(t.nextSteps[0]).toMatch(/^\[Malware or attacker tooling on an endpoint\] /);
    expect(t.nextSteps.some((s) => s.includes('ws-042'))).toBe(true);
  });

  it('raises the score with entity history and cites the facts', () => {
    const t = triageAlert(alert, { facts: [historyFact('host:msticalertswin1', 2), historyFact('user:msticadmin', 1)], missing: [] }, weights, knowledge);
    const f = t.risk.factors.find((x) => x.name === 'entity-history');
    expect(f).toMatchObject({ points: 9, factIds: ['history:host:msticalertswin1', 'history:user:msticadmin'] });
  });

  it('lowers the score of a noisy rule and shifts the verdict to false positive', () => {
    const noisy: Enrichment = {
      facts: [{ id: 'rule-history:x', kind: 'rule-history', source: 'soc-history', observedAt: '2026-11-23T10:00:00.000Z', statement: 'fired', attributes: { priorAlertCount: 400 } }],
      missing: [],
    };
    const low = { ...alert, severity: 'low' as const, attack: [], entities: [] };
    const t = triageAlert(low, noisy, weights, knowledge);
    expect(t.risk.score).toBe(5);
    expect(t.verdict.class).toBe('false-positive');
    expect(t.verdict.likelihoods.falsePositive).toBeGreaterThan(t.verdict.likelihoods.benignPositive);
  });

  it('says needs-more-information when the alert carries too little to judge (nothing but its title and severity)', () => {
    const mid = { ...alert, severity: 'medium' as const, attack: [], entities: [] };
    const t = triageAlert(mid, noFacts, weights, knowledge);
    expect(t.verdict.class).toBe('needs-more-information');
    const sum = t.verdict.likelihoods.truePositive + t.verdict.likelihoods.benignPositive + t.verdict.likelihoods.falsePositive;
    expect(sum).toBeCloseTo(1, 2);
  });

  it('takes its weights from the file: a change of weights changes the score', () => {
    const heavier = TriageWeights.parse({ ...weights, severityBase: { ...weights.severityBase, high: 70 } });
    expect(triageAlert(alert, noFacts, heavier, knowledge).risk.score).toBe(79);
    expect(triageAlert(alert, noFacts, heavier, knowledge).engine.version).toContain(weights.version);
  });

  it('refuses a weights file with unknown or missing keys', () => {
    expect(TriageWeights.safeParse({ ...weights, bonus: 1 }).success).toBe(false);
    expect(TriageWeights.safeParse({ version: '1' }).success).toBe(false);
  });

  it('emits a valid triaged event caused by the enriched one, deterministically', () => {
    const enriched = createEvent(AlertEnrichedV1, { alert, enrichment: noFacts }, {
      id: 'e-1',
      source: '/soc/enrichment',
      time: new Date('2026-11-23T10:00:00Z'),
      correlationid: 'corr-1',
      causationid: 'r-1',
      tenantid: 'contoso',
    });
    const clock = manualClock('2026-11-23T10:00:01Z');
    const a = triage(enriched, { weights, knowledge, clock });
    const b = triage(enriched, { weights, knowledge, clock });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ correlationid: 'corr-1', causationid: 'e-1', type: 'soc.alert.triaged.v1' });
    expect(parseEvent(JSON.parse(JSON.stringify(a))).ok).toBe(true);
  });
  // Facts as enrichment states them for the demo alert's entities (services/enrichment/data samples).
  const contextFact = (id: string, kind: 'asset' | 'user' | 'allowlist', entityId: string, attributes: Record<string, string | number | boolean | null>) => ({
    id,
    kind,
    entityId,
    source: kind === 'asset' ? 'assets:assets.sample.csv' : kind === 'user' ? 'graph' : 'allowlist:allowlist.sample.json',
    observedAt: '2026-11-23T10:00:00.000Z',
    statement: `${entityId} ${kind}`,
    attributes,
  });

  it('scores asset criticality, a privileged account and user risk, citing their facts', () => {
    const facts = [
      contextFact('asset:a:1', 'asset', 'host:msticalertswin1', { criticality: 'high', tags: 'server, windows' }),
      contextFact('asset:a:2', 'asset', 'ip:10.0.1.77', { criticality: 'critical', tags: 'domain controller, never auto-isolate' }),
      contextFact('user:g:1', 'user', 'user:msticadmin', { privileged: true, privilegedGroups: 'Global Administrator', riskLevel: 'high' }),
      contextFact('user:g:2', 'user', 'user:brians@contososi.onmicrosoft.com', { privileged: false, privilegedGroups: '', riskLevel: 'medium' }),
    ];
    const t = triageAlert(alert, { facts, missing: [] }, weights, knowledge);
    const byName = Object.fromEntries(t.risk.factors.map((f) => [f.name, f]));
    expect(byName['asset-criticality']).toMatchObject({ points: 15, factIds: ['asset:a:2'] });
    expect(byName['asset-criticality']?.evidence).toMatch(/^Asset criticality critical: ip:10\.0\.1\.77 asset/);
    expect(byName['privileged-user']).toMatchObject({ points: 10, factIds: ['user:g:1'], evidence: 'Privileged account(s) involved: user:msticadmin (Global Administrator)' });
    expect(byName['user-risk']).toMatchObject({ points: 15, factIds: ['user:g:1'], evidence: 'User risk level high per graph: user:msticadmin' });
    expect(t.risk.score).toBe(Math.min(100, 60 + 4 + 5 + 15 + 10 + 15));
    expect(t.risk.level).toBe('critical');
  });

  it('a low-criticality asset and a user without risk add nothing', () => {
    const facts = [
      contextFact('asset:a:3', 'asset', 'host:vm1', { criticality: 'low' }),
      contextFact('user:g:3', 'user', 'user:adelev@contoso.com', { privileged: false, riskLevel: 'none' }),
    ];
    const t = triageAlert(alert, { facts, missing: [] }, weights, knowledge);
    expect(t.risk.factors.map((f) => f.name)).toEqual(['source-severity', 'external-ip', 'attack-technique']);
  });

  it('an allowlisted entity lowers the score citing the reason, and moves the verdict toward benign positive', () => {
    const scanner = { ...alert, severity: 'medium' as const, attack: [], entities: [{ id: 'ip:10.0.9.7', type: 'ip' as const, value: '10.0.9.7', isInternal: true, origin: 'source' as const }] };
    const facts = [contextFact('allowlist:f:1', 'allowlist', 'ip:10.0.9.7', { reason: 'Qualys vulnerability scanners probe every host weekly', expiresAt: '2027-06-30T00:00:00Z', owner: 'vuln-mgmt@contoso.com' })];
    const without = triageAlert(scanner, noFacts, weights, knowledge);
    const t = triageAlert(scanner, { facts, missing: [] }, weights, knowledge);
    expect(t.risk.factors.find((f) => f.name === 'allowlisted')).toEqual({
      name: 'allowlisted',
      points: -30,
      evidence: 'Allowlisted: ip:10.0.9.7 — Qualys vulnerability scanners probe every host weekly (until 2027-06-30T00:00:00Z)',
      factIds: ['allowlist:f:1'],
    });
    expect(t.risk.score).toBe(10);
    // An address the source named is something to judge: below the true-positive bar, the larger of benign and false.
    expect(without.verdict.class).toBe('benign-positive');
    expect(t.verdict.class).toBe('benign-positive');
    expect(t.verdict.likelihoods.benignPositive).toBeGreaterThan(without.verdict.likelihoods.benignPositive);
  });

  describe('facts about extracted entities (free text the attacker wrote)', () => {
    const ps = { id: 'process:powershell.exe', type: 'process' as const, value: 'powershell.exe', origin: 'source' as const };
    const scanner = { id: 'ip:10.0.9.1', type: 'ip' as const, value: '10.0.9.1', isInternal: true, origin: 'extracted' as const };
    const vm = { id: 'host:vm1', type: 'host' as const, value: 'vm1', origin: 'extracted' as const };
    const user = { id: 'user:brians', type: 'user' as const, value: 'brians', origin: 'extracted' as const };
    const base: Alert = { ...alert, severity: 'medium', attack: [], entities: [ps] };
    const hostile: Alert = { ...base, entities: [ps, scanner, vm, user] };
    // Every "benign" fact enrichment could state about the extracted entities, with weights that make each lower.
    const lowering = TriageWeights.parse({ ...weights, assetCriticality: { ...weights.assetCriticality, low: -10 }, userRisk: { ...weights.userRisk, low: -5 } });
    const benignFacts: Enrichment = {
      facts: [
        contextFact('allowlist:f:1', 'allowlist', scanner.id, { reason: 'Qualys vulnerability scanners probe every host weekly', expiresAt: '2027-06-30T00:00:00Z' }),
        contextFact('asset:a:3', 'asset', vm.id, { criticality: 'low' }),
        contextFact('user:g:4', 'user', user.id, { privileged: false, riskLevel: 'low' }),
        { ...historyFact(scanner.id, 0), attributes: { priorAlertCount: 0, truePositives: 0, benignPositives: 9, falsePositives: 9 } },
      ],
      missing: [],
    };

    it('never lower the score nor move the verdict toward benign: the alert triages as without them', () => {
      const plain = triageAlert(base, noFacts, lowering, knowledge);
      const t = triageAlert(hostile, benignFacts, lowering, knowledge);
      expect(t.risk.factors.filter((f) => f.points < 0)).toEqual([]);
      expect({ score: t.risk.score, level: t.risk.level, verdict: t.verdict }).toEqual({ score: plain.risk.score, level: plain.risk.level, verdict: plain.verdict });
    });

    it('still lower it when the source named the same entities', () => {
      const named = { ...hostile, entities: hostile.entities.map((e) => ({ ...e, origin: 'source' as const })) };
      const t = triageAlert(named, benignFacts, lowering, knowledge);
      expect(t.risk.factors.filter((f) => f.points < 0).map((f) => f.name).sort()).toEqual(['allowlisted', 'analyst-history', 'asset-criticality', 'user-risk']);
    });

    it('may still raise suspicion: a threat-intel hit or a critical asset counts', () => {
      const raising: Enrichment = {
        facts: [
          { id: 'ti:1', kind: 'threat-intel', entityId: scanner.id, source: 'feed', observedAt: '2026-11-23T10:00:00.000Z', confidence: 1, statement: '10.0.9.1 is a C2 server', attributes: { verdict: 'malicious' } },
          contextFact('asset:a:2', 'asset', vm.id, { criticality: 'critical' }),
        ],
        missing: [],
      };
      const t = triageAlert(hostile, raising, weights, knowledge);
      expect(t.risk.factors.map((f) => [f.name, f.points])).toEqual(expect.arrayContaining([['threat-intel', 25], ['asset-criticality', 15]]));
    });
  });

  describe('the floor an alert\'s own evidence sets', () => {
    const host = { id: 'host:ws07', type: 'host' as const, value: 'ws07', origin: 'source' as const };
    const c2 = { id: 'ip:185.220.101.4', type: 'ip' as const, value: '185.220.101.4', origin: 'source' as const };
    const base: Alert = { ...alert, severity: 'medium', attack: [], entities: [host, c2] };
    // A rule analysts closed 50 times as a false positive, on these entities and in this tenant too.
    const noisyHistory: Fact[] = [
      { id: 'rule-history:generic:r-9', kind: 'rule-history' as const, source: 'soc-history', observedAt: '2026-11-23T10:00:00.000Z', statement: 'fired 50 times', attributes: { priorAlertCount: 50, truePositives: 0, benignPositives: 0, falsePositives: 50 } },
      { ...historyFact(host.id, 50), attributes: { priorAlertCount: 50, falsePositives: 50 } },
      { id: 'tenant-history:contoso', kind: 'history' as const, source: 'soc-history', observedAt: '2026-11-23T10:00:00.000Z', statement: 'tenant', attributes: { scope: 'tenant', falsePositives: 50 } },
    ];
    const malicious = { id: 'ti:c2', kind: 'threat-intel' as const, entityId: c2.id, source: 'feed', observedAt: '2026-11-23T10:00:00.000Z', confidence: 1, statement: '185.220.101.4 is a known C2 server', attributes: { verdict: 'malicious' } };

    it('keeps a malicious indicator high and true positive whatever the rule\'s history, and says why', () => {
      const evidenceOnly = triageAlert(base, { facts: [malicious], missing: [] }, weights, knowledge);
      const t = triageAlert(base, { facts: [...noisyHistory, malicious], missing: [] }, weights, knowledge);
      expect(evidenceOnly.risk.level).toBe('high');
      expect(t.risk.score).toBeGreaterThanOrEqual(evidenceOnly.risk.score);
      expect(t.risk.level).toBe('high');
      expect(t.verdict.class).toBe('true-positive');
      const escalated = t.risk.factors.find((f) => f.name === 'history-contradicts-evidence');
      expect(escalated?.points).toBeGreaterThan(0);
      expect(escalated?.factIds).toContain('ti:c2');
      expect(escalated?.evidence).toMatch(/^Analysts closed 50 earlier alert\(s\) of this rule as benign or false positive .*but threat intel found ip:185\.220\.101\.4 malicious; escalated/);
      expect(t.risk.factors.reduce((n, f) => n + f.points, 0)).toBe(t.risk.score);
    });

    it('lets the same history lower the alert without the indicator, and a high severity alert only down to its own score', () => {
      const t = triageAlert(base, { facts: noisyHistory, missing: [] }, weights, knowledge);
      expect(t.risk.level).toBe('low');
      expect(t.verdict.class).toBe('false-positive');
      const high: Alert = { ...base, severity: 'high' };
      const own = triageAlert(high, noFacts, weights, knowledge);
      const h = triageAlert(high, { facts: noisyHistory, missing: [] }, weights, knowledge);
      expect({ score: h.risk.score, level: h.risk.level, verdict: h.verdict.class }).toEqual({ score: own.risk.score, level: own.risk.level, verdict: own.verdict.class });
    });

    it('keeps an alert whose process shows a strong behaviour (credential dumping) from being lowered by the rule\'s history', () => {
      const dumping: Alert = {
        ...base,
        entities: [
          host,
          { id: 'process:rundll32', type: 'process', value: 'rundll32.exe', origin: 'source', commandLine: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\l.dmp full' },
        ],
      };
      const evidenceOnly = triageAlert(dumping, noFacts, weights, knowledge);
      const t = triageAlert(dumping, { facts: noisyHistory, missing: [] }, weights, knowledge);
      expect(evidenceOnly.risk.factors.map((f) => f.name)).toContain('behaviour-credential-dumping');
      expect(t.risk.score).toBeGreaterThanOrEqual(evidenceOnly.risk.score);
      expect(t.verdict.class).toBe(evidenceOnly.verdict.class);
      expect(t.risk.factors.find((f) => f.name === 'history-contradicts-evidence')?.evidence).toMatch(/but the event shows credential-dumping.*; escalated/);
    });

    it('does not hold for a malicious hit on an extracted entity', () => {
      const extracted: Alert = { ...base, entities: [host, { ...c2, origin: 'extracted' }] };
      expect(triageAlert(extracted, { facts: [...noisyHistory, malicious], missing: [] }, weights, knowledge).risk.factors.map((f) => f.name)).not.toContain('evidence-floor');
    });
  });

  it('ships weights 1.9.0 and refuses an allowlist weight that would raise the score', () => {
    expect(weights.version).toBe('1.9.0');
    expect(TriageWeights.safeParse({ ...weights, allowlisted: { points: 5 } }).success).toBe(false);
  });

  describe('analyst history', () => {
    const fact = (id: string, kind: 'history' | 'rule-history', attributes: Record<string, string | number>) => ({
      id,
      kind,
      source: 'soc-history',
      observedAt: '2026-11-23T10:00:00.000Z',
      statement: 'earlier dispositions',
      attributes,
    });
    const user = { id: 'user:svc-backup', type: 'user' as const, value: 'svc-backup', origin: 'source' as const };
    const mid = { ...alert, severity: 'medium' as const, attack: [], entities: [user] };

    it('repeat false and benign positives on the rule, the entity and the tenant lower the score and, mostly false, make it a false positive, citing each fact', () => {
      const facts: Enrichment = {
        facts: [
          fact('rule-history:generic:r-17', 'rule-history', { priorAlertCount: 6, truePositives: 0, benignPositives: 1, falsePositives: 5 }),
          { ...fact('history:user:svc-backup', 'history', { priorAlertCount: 2, falsePositives: 2 }), entityId: 'user:svc-backup' },
          fact('tenant-history:contoso', 'history', { scope: 'tenant', truePositives: 3, benignPositives: 3, falsePositives: 4 }),
        ],
        missing: [],
      };
      const t = triageAlert(mid, facts, weights, knowledge);
      const analyst = t.risk.factors.find((f) => f.name === 'analyst-history');
      // rule 20 × (0 − 6)/(6 + 1) + entities 10 × (0 − 2)/(2 + 1) + tenant 15 × (3 − 7)/(10 + 1) = −29.3
      expect(analyst).toMatchObject({
        points: -29,
        factIds: ['rule-history:generic:r-17', 'history:user:svc-backup', 'tenant-history:contoso'],
      });
      expect(analyst?.evidence).toContain('rule 0 true / 1 benign / 5 false positive(s)');
      // The tenant prior is not an entity sighting.
      expect(t.risk.factors.find((f) => f.name === 'entity-history')).toMatchObject({ points: 6, factIds: ['history:user:svc-backup'] });
      expect(t.risk.score).toBe(40 + 5 + 6 - 29);
      // Analysts closed these as false rather than benign positives (rule 5:1, entity 2:0, tenant 4:3), so the
      // non-true-positive likelihood leans false positive: (5 + 0.5·2 + 4 + 1·0.4) / (1 + 5 + 0.5·2 + 3 + 4 + 1).
      expect(t.verdict.likelihoods.falsePositive).toBeGreaterThan(t.verdict.likelihoods.benignPositive);
      expect(t.verdict.class).toBe('false-positive');
      expect(triageAlert(mid, noFacts, weights, knowledge).verdict.class).toBe('needs-more-information');
    });

    it('confirmed true positives on the rule raise the score to a true positive', () => {
      const facts: Enrichment = { facts: [fact('rule-history:generic:r-17', 'rule-history', { priorAlertCount: 4, truePositives: 4 })], missing: [] };
      const t = triageAlert(mid, facts, weights, knowledge);
      expect(t.risk.factors.find((f) => f.name === 'analyst-history')).toMatchObject({ points: 16, factIds: ['rule-history:generic:r-17'] });
      expect(t.risk.score).toBe(40 + 5 + 16);
      expect(t.verdict.class).toBe('true-positive');
    });

    it('adds nothing without dispositions, and its weights cap the points', () => {
      const sightingsOnly: Enrichment = { facts: [fact('rule-history:x', 'rule-history', { priorAlertCount: 4 })], missing: [] };
      expect(triageAlert(mid, sightingsOnly, weights, knowledge).risk.factors.map((f) => f.name)).toEqual(['source-severity', 'recurring-rule']);
      const capped = TriageWeights.parse({ ...weights, analystHistory: { ...weights.analystHistory, max: 10 } });
      const many: Enrichment = { facts: [fact('rule-history:x', 'rule-history', { priorAlertCount: 99, falsePositives: 99 })], missing: [] };
      expect(triageAlert(mid, many, capped, knowledge).risk.factors.find((f) => f.name === 'analyst-history')?.points).toBe(-10);
    });
  });
});
