import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalIndicator } from '../src/threat-intel/canonical.ts';
import { findingFromVtObject, verdictFromStats, VtObject } from '../src/threat-intel/virustotal.ts';
import type { CanonicalIndicator, Indicator } from '../src/threat-intel/port.ts';

// Real VirusTotal v3 objects (microsoft/msticpy tests/testdata, MIT): msticpy stores the `data` member.
const dir = fileURLToPath(new URL('../../../test/fixtures/enrichment/virustotal/', import.meta.url));
const vt = (name: string): VtObject => VtObject.parse(JSON.parse(readFileSync(`${dir}${name}`, 'utf8')));
const canon = (i: Indicator): CanonicalIndicator => {
  const c = canonicalIndicator(i);
  if (!c) throw new Error(`invalid ${i.value}`);
  return c;
};

describe('VirusTotal verdict from last_analysis_stats', () => {
  it.each([
    // 40 of 68 answering engines (5 type-unsupported and 1 failure are not answers)
    ['vt3_file_1.json', 'malicious', 59],
    // 57 harmless + 9 undetected of 66
    ['vt3_url_0.json', 'harmless', 100],
    // Comodo Valkyrie alone of 80: below the 3-engine threshold
    ['vt3_url_1.json', 'suspicious', 1],
    ['vt3_url_2.json', 'harmless', 100],
  ])('%s → %s (%i)', (file, verdict, confidence) => {
    const stats = vt(file).attributes.last_analysis_stats;
    expect(stats && verdictFromStats(stats)).toEqual({ verdict, confidence });
  });

  it('the threshold is configurable; no answering engine is unknown', () => {
    const stats = vt('vt3_url_1.json').attributes.last_analysis_stats;
    expect(stats && verdictFromStats(stats, { maliciousEngines: 1 }).verdict).toBe('malicious');
    expect(verdictFromStats({ malicious: 0, suspicious: 0, harmless: 0, undetected: 0, timeout: 3 })).toEqual({
      verdict: 'unknown',
      confidence: 0,
    });
  });
});

describe('VirusTotal object to finding', () => {
  it('a file: threat classification, tags, submission and analysis dates, GUI reference', () => {
    const f = findingFromVtObject(
      canon({ type: 'hash', value: 'B61A4B8883BA9B9D4D85BDAECAB71722' }),
      vt('vt3_file_1.json'),
      '2026-01-01T00:00:00.000Z',
    );
    expect(f).toEqual({
      indicator: {
        type: 'hash',
        value: 'b61a4b8883ba9b9d4d85bdaecab71722',
        key: 'hash:b61a4b8883ba9b9d4d85bdaecab71722',
        algorithm: 'md5',
      },
      verdict: 'malicious',
      threatNames: ['trojan.msil/tasker', 'msil', 'tasker', 'agenttesla'],
      tags: [
        'obfuscated',
        'peexe',
        'runtime-modules',
        'detect-debug-environment',
        'checks-network-adapters',
        'calls-wmi',
        'direct-cpu-clock-access',
        '64bits',
        'long-sleeps',
      ],
      firstSeen: '2021-10-02T12:40:39.000Z',
      lastSeen: '2021-10-09T14:20:26.000Z',
      reference: 'https://www.virustotal.com/gui/file/03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b',
      provenance: { source: 'virustotal', fetchedAt: '2026-01-01T00:00:00.000Z', confidence: 59, cacheHit: false },
      attributes: {
        malicious: 40,
        suspicious: 0,
        harmless: 0,
        undetected: 28,
        reputation: 0,
        meaningfulName: 'itami.exe',
      },
    });
  });

  it('a URL: no threat names, the ip tag, GUI reference by the analysis id', () => {
    const f = findingFromVtObject(
      canon({ type: 'url', value: 'http://218.54.47.76/' }),
      vt('vt3_url_1.json'),
      '2026-01-01T00:00:00.000Z',
    );
    expect([f.verdict, f.threatNames, f.tags, f.firstSeen, f.reference]).toEqual([
      'suspicious',
      [],
      ['ip'],
      '2014-10-04T01:14:16.000Z',
      'https://www.virustotal.com/gui/url/19e1199c6aa6e817845cc025cd7c8979cec22f8c94bc7416ff16b8808706cd54',
    ]);
  });
});
