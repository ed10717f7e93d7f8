import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { periodEndingBy } from '../src/period.ts';
import type { ReportFacts } from '../src/ports.ts';
import { formatChange, formatDuration, renderReport } from '../src/render.ts';

const period = periodEndingBy('daily', new Date('2025-03-19T07:00:00Z'), 'Europe/Berlin');

function facts(over: Partial<ReportFacts> = {}): ReportFacts {
  return {
    period,
    source: 'state-store',
    alerts: 12,
    incidents: 4,
    severity: [
      { key: 'informational', count: 1 },
      { key: 'low', count: 2 },
      { key: 'medium', count: 3 },
      { key: 'high', count: 5 },
      { key: 'critical', count: 1 },
    ],
    trend: Array.from({ length: 24 }, (_, i) => ({ start: new Date(Date.parse(period.start) + i * 3_600_000).toISOString(), alerts: i % 5 })),
    topRules: [{ key: '<script>alert("rule")</script>', count: 7 }],
    topEntities: [
      { type: 'url', value: 'http://evil.example.com/"><img src=x onerror=alert(1)>', count: 3 },
      { type: 'ip', value: '203.0.113.9', count: 2 },
      { type: 'host', value: '<b>ws-1</b>', count: 1 },
    ],
    verdicts: [{ key: 'true-positive', count: 12 }],
    dispositions: [{ key: 'false-positive', count: 2 }],
    timeToTriage: { count: 12, meanMs: 90_000, medianMs: 60_000, p90Ms: 240_000 },
    falsePositiveClosure: { count: 2, meanMs: 7_200_000, medianMs: 3_600_000, p90Ms: 10_800_000 },
    llm: { calls: 3, promptTokens: 2400, completionTokens: 600, cost: 0.0375 },
    notes: [],
    ...over,
  };
}

const svgsOf = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

describe('renderReport', () => {
  const report = renderReport({ facts: facts(), previous: { alerts: 10, incidents: 4 } });

  it('leaves attacker-controlled rule names and entity values inert, and defangs indicators', () => {
    expect(report.html).not.toMatch(/<script|<img|<b>|onerror=alert\(1\)>/);
    expect(report.html).toContain('&#60;script&#62;alert(&#34;rule&#34;)&#60;/script&#62;');
    expect(report.html).toContain('hxxp://evil[.]example[.]com/&#34;&#62;&#60;img src=x onerror=alert(1)&#62;');
    expect(report.html).toContain('<code>203[.]0[.]113[.]9</code>');
    expect(report.html).toContain('&#60;b&#62;ws-1&#60;/b&#62;'); // hosts are escaped, not defanged
    expect(report.text).toContain('url hxxp://evil[.]example[.]com/');
  });

  it('defangs indicators wherever they appear: rule names, host names, not only url and ip entities', () => {
    const r = renderReport({
      facts: facts({
        topRules: [{ key: 'Beacon to https://c2.evil.net/gate from 198.51.100.7', count: 2 }],
        topEntities: [{ type: 'host', value: 'ws-1.corp.contoso.com', count: 1 }, { type: 'user', value: 'jane@contoso.com', count: 1 }],
      }),
      previous: null,
    });
    for (const part of [r.html, r.text]) {
      for (const live of ['https://c2.evil.net', 'c2.evil.net', '198.51.100.7', 'contoso.com', 'jane@']) expect(part).not.toContain(live);
    }
    expect(r.text).toContain('Beacon to hxxps://c2[.]evil[.]net/gate from 198[.]51[.]100[.]7');
    expect(r.html).toContain('xmlns="http://www.w3.org/2000/svg"');
  });

  it('draws the severity and trend charts as well-formed inline SVG', () => {
    const svgs = svgsOf(report.html);
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) expect(XMLValidator.validate(svg)).toBe(true);
    expect(svgs[0]).toContain('aria-label="Alerts by severity"');
    expect(svgs[0]!.match(/<rect /g)).toHaveLength(5);
    expect(svgs[1]).toContain('aria-label="Alerts per hour"');
    expect(svgs[1]!.match(/<rect /g)).toHaveLength(24);
    // Hours are labelled in the period's time zone: the Berlin day starts at 00.
    expect(svgs[1]).toMatch(/<text [^>]*>00<\/text>/);
  });

  it('states the headline figures, the trend and the durations', () => {
    expect(report.subject).toBe('SOC daily report 2025-03-18 (Europe/Berlin): 12 alerts, 4 incidents');
    expect(report.html).toContain('12 (+20% vs previous day: 10)');
    expect(report.html).toContain('1.5 min mean · 1.0 min median · 4.0 min p90 (12 alerts)');
    expect(report.html).toContain('3 calls · 3,000 tokens (2,400 prompt, 600 completion) · $0.0375');
    expect(report.text).toContain('Alerts: 12 (+20% vs previous day)');
  });

  it('is deterministic: the same facts give the same bytes and hash, other facts another hash', () => {
    const again = renderReport({ facts: facts(), previous: { alerts: 10, incidents: 4 } });
    expect(again).toEqual(report);
    expect(renderReport({ facts: facts({ alerts: 13 }), previous: { alerts: 10, incidents: 4 } }).contentHash).not.toBe(report.contentHash);
  });

  it('shows n/a for figures a source cannot know, and the notes', () => {
    const partial = renderReport({ facts: facts({ llm: null, verdicts: null, timeToTriage: null, notes: ['More than 16000 alerts in the minute 2025-03-18T10:30Z: its figures are partial.'] }), previous: null });
    expect(partial.html).toContain('LLM use</th><td style="border:1px solid #ddd;padding:4px 8px">n/a');
    expect(partial.html).toContain('its figures are partial.');
  });

  it('formats durations and changes', () => {
    expect([850, 12_300, 270_000, 11_000_000, 400_000_000].map(formatDuration)).toEqual(['850 ms', '12.3 s', '4.5 min', '3.1 h', '4.6 d']);
    expect([formatChange(12, 10), formatChange(5, 10), formatChange(3, 0), formatChange(0, 0), formatChange(3, undefined)]).toEqual(['+20%', '-50%', '+3', '±0%', 'n/a']);
  });
});
