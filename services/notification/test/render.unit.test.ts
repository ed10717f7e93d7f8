import { describe, expect, it } from 'vitest';
import type { Alert, Triage } from '@soc/contracts';
import { caseLink } from '@soc/outbound';
import { defangEmail } from '../src/outbound.ts';
import { renderAlertEmail, subjectOf } from '../src/render.ts';

const caseUrl = caseLink('https://soc.example.org/', 'alt-<x>');

const hostile: Alert = {
  schemaVersion: 1,
  alertId: 'alt-<x>',
  tenantId: 't',
  source: { name: 'generic', vendorAlertId: 'v' },
  title: 'Invoice <script>alert(1)</script>\r\nBcc: victim@example.org',
  description: '<img src=x onerror=alert(1)>',
  severity: 'high',
  status: 'new',
  detectedAt: '2026-11-23T09:00:00.000Z',
  attack: [],
  entities: [
    { id: 'url:http://evil.example/a', type: 'url', value: 'http://evil.example/a', origin: 'source' },
    { id: 'process:x', type: 'process', value: 'powershell -c "<b>hi</b>"', origin: 'source' },
  ],
  labels: [],
};
const triage: Triage = {
  engine: { name: 'deterministic', version: 't' },
  risk: { score: 70, level: 'high', factors: [{ name: 'source-severity', points: 60, evidence: 'The source rated it <high>', factIds: [] }] },
  verdict: { class: 'true-positive', likelihoods: { truePositive: 0.8, benignPositive: 0.1, falsePositive: 0.1 } },
  summary: 'Summary with <tags> & "quotes"',
  nextSteps: ['Check <this>'],
  attack: [],
};

describe('alert email rendering', () => {
  it('escapes every attacker-controlled string', () => {
    const { html } = renderAlertEmail(hostile, triage, { caseUrl });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>hi</b>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('leaves the e-mail defanged whole, with only the case link live', () => {
    const email = defangEmail({ idempotencyKey: 'k', to: ['soc@example.org'], subject: subjectOf(hostile, triage), ...renderAlertEmail(hostile, triage, { caseUrl }) }, [caseUrl]);
    expect(email.html).toContain('hxxp://evil[.]example/a');
    expect(email.html).not.toContain('http://evil.example');
    expect(email.subject).toContain('victim[@]example[.]org');
    expect(email.html).toContain(`href="${caseUrl}"`);
    expect(email.text).toContain(`Case: ${caseUrl}`);
  });

  it('keeps header-injection characters out of the subject', () => {
    expect(subjectOf(hostile, triage)).not.toMatch(/[\r\n]/);
    expect(subjectOf(hostile, triage)).toMatch(/^\[SOC HIGH 70\] Invoice/);
  });

  it('links back to the case and never includes the raw payload or description', () => {
    const { html, text } = renderAlertEmail(hostile, triage, { caseUrl });
    expect(html).toContain('https://soc.example.org/#/case/alt-%3Cx%3E');
    expect(text).toContain('Case: https://soc.example.org/#/case/alt-%3Cx%3E');
    expect(html).not.toContain('onerror');
  });

  it('shows the copilot advice, and only when the copilot gave some', () => {
    const copilot = { status: 'advised' as const, summary: 'Likely <phishing>', evidence: [], investigationSteps: ['Pull the mail trace'], recommendedActions: [], huntQueries: [], removed: [] };
    const advised = renderAlertEmail(hostile, { ...triage, copilot }, { caseUrl });
    expect(advised.html).toContain('Likely &#60;phishing&#62;');
    expect(advised.text).toContain('1. Pull the mail trace');
    const failed = renderAlertEmail(hostile, { ...triage, copilot: { ...copilot, status: 'failed' } }, { caseUrl });
    expect(failed.html).not.toContain('Copilot advice');
  });

  it("shows advice reused from an earlier alert of the case group as the group's, naming the alert it was written for", () => {
    const copilot = { status: 'advised' as const, scope: 'alert' as const, writtenFor: hostile.alertId, summary: 'Likely phishing', evidence: [], investigationSteps: ['Pull the mail trace'], recommendedActions: [], huntQueries: [], removed: [] };
    const own = renderAlertEmail(hostile, { ...triage, copilot }, { caseUrl });
    expect(own.text).toContain('Copilot advice (LLM, advisory):\nLikely phishing');
    expect(own.text).not.toContain('case group');
    for (const reused of [{ ...copilot, status: 'cached' as const, scope: 'case-group' as const, writtenFor: 'alt-first' }, { status: 'cached' as const, summary: 'Likely phishing', evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [] }]) {
      const group = renderAlertEmail(hostile, { ...triage, copilot: reused }, { caseUrl });
      expect(group.text).toMatch(/Copilot advice for this alert's case group \(LLM, advisory; written for (alert alt-first|an earlier alert of the group), not for this alert\):\nLikely phishing/);
      expect(group.html).toContain('case group');
    }
  });
});
