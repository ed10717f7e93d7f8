import { describe, expect, it } from 'vitest';
import type { Alert, Triage } from '@soc/contracts';
import { defang, escapeHtml, renderAlertEmail, subjectOf } from '../src/render.ts';

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
    const { html } = renderAlertEmail(hostile, triage, { caseBaseUrl: 'https://soc.example.org' });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>hi</b>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('defangs URLs so no mail client makes them clickable', () => {
    const { html } = renderAlertEmail(hostile, triage, { caseBaseUrl: 'https://soc.example.org' });
    expect(html).toContain('hxxp://evil[.]example/a');
    expect(html).not.toContain('http://evil.example');
    expect(defang('https://a.b.c/x')).toBe('hxxps://a[.]b[.]c/x');
  });

  it('keeps header-injection characters out of the subject', () => {
    expect(subjectOf(hostile, triage)).not.toMatch(/[\r\n]/);
    expect(subjectOf(hostile, triage)).toMatch(/^\[SOC HIGH 70\] Invoice/);
  });

  it('links back to the case and never includes the raw payload or description', () => {
    const { html, text } = renderAlertEmail(hostile, triage, { caseBaseUrl: 'https://soc.example.org/' });
    expect(html).toContain('https://soc.example.org/alerts/alt-%3Cx%3E');
    expect(text).toContain('Case: https://soc.example.org/alerts/alt-%3Cx%3E');
    expect(html).not.toContain('onerror');
  });

  it('escapes all five HTML metacharacters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&#60;&#62;&#38;&#34;&#39;');
  });
});
