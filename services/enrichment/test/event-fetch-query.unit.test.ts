import { describe, expect, it } from 'vitest';
import { createKqlGuard } from '@soc/kql';
import { MAX_FETCH_HOSTS, buildEventFetchQuery, hostNamesOf } from '../src/event-fetch/index.ts';
import { parseShape } from '@soc/hunt/testing';

// Host names an alert's sender can write to leave the literal: quotes, backslashes, line breaks, pipes, KQL keywords.
const HOSTILE = [
  'x" | take 1000000 | where "1"=="1',
  "x' | union * | where '1'=='1",
  'x\\',
  'x\\" ; .drop table SecurityEvent',
  'dc01"\n| externaldata (a:string) [@"https://e.example/x"]\n| where "',
  'a\nb\rc\td',
  'h1") or Computer != ("',
  '@"', '```', '//', '/* */', '\\\\\\"\\"',
  'a|b|c', 'union', 'let', 'evaluate http_request("https://e.example")', '$left.x', 'ünïcødé-雪.corp',
];

const guard = createKqlGuard();
const detectedAt = new Date('2025-10-25T17:01:06.116Z');
const build = (hosts: string[]) => {
  const q = buildEventFetchQuery({ hosts, detectedAt, windowMinutes: 15 });
  if (!q.ok) throw new Error(q.reason);
  return q;
};

describe('buildEventFetchQuery', () => {
  it('builds the fixed template over the window, every column known to the guard', async () => {
    const q = build(['ar-win-dc.attackrange.local', 'AR-WIN-DC.attackrange.local', 'ar-win-dc']);
    expect(q.query).toBe(
      [
        'union',
        '  (SecurityEvent | where EventID in (4688, 4697, 4698, 4702, 4720, 4728, 4732, 4756, 1102)),',
        '  (Event | where Source == "Microsoft-Windows-Sysmon")',
        '| where TimeGenerated between (datetime(2025-10-25T16:46:06.116Z) .. datetime(2025-10-25T17:16:06.116Z))',
        '| where Computer in~ ("ar-win-dc.attackrange.local", "ar-win-dc")',
        '| top 16 by abs(TimeGenerated - datetime(2025-10-25T17:01:06.116Z)) asc',
      ].join('\n'),
    );
    const verdict = await guard.check(q.query);
    expect(verdict).toMatchObject({ verdict: 'allow', reasons: [], unknownColumns: [] });
    expect([...verdict.tables].sort()).toEqual(['Event', 'SecurityEvent']);
  });

  it('passes hostile host names only as literals: the guard allows it, the syntax is the plain query\'s, each literal decodes to the name', async () => {
    const plain = parseShape(build(['plainhost']).query);
    expect(plain.diagnostics).toEqual([]);
    for (const host of HOSTILE) {
      const q = build([host]);
      const shape = parseShape(q.query);
      expect(shape.diagnostics).toEqual([]);
      expect(shape.structure).toEqual(plain.structure);
      // The template's own literal first, then the host name exactly as written.
      expect(shape.literals).toEqual(['Microsoft-Windows-Sysmon', host]);
      expect((await guard.check(q.query)).verdict).toBe('allow');
    }
    // All of them in one query (at most MAX_FETCH_HOSTS).
    const all = build(HOSTILE);
    expect(parseShape(all.query).literals).toEqual(['Microsoft-Windows-Sysmon', ...HOSTILE.slice(0, MAX_FETCH_HOSTS)]);
    expect(all.hosts).toHaveLength(MAX_FETCH_HOSTS);
  });

  it('refuses names a literal must not carry, and builds no query when none is left', () => {
    const q = buildEventFetchQuery({ hosts: ['admin\u202Egnp', 'a\u0000b', ' '], detectedAt, windowMinutes: 15 });
    expect(q.ok).toBe(false);
    expect(q.refused.map((r) => r.reason)).toEqual([expect.stringMatching(/bidirectional/u), expect.stringMatching(/control character/u), expect.stringMatching(/empty/u)]);
    const kept = build(['dc01', 'a\u0000b']);
    expect(kept.hosts).toEqual(['dc01']);
    expect(kept.refused).toHaveLength(1);
  });

  it('asks for source-named hosts by FQDN, host name and value, never for hosts taken from free text', () => {
    expect(
      hostNamesOf({
        entities: [
          { id: 'host:dc01', type: 'host', value: 'dc01', hostname: 'dc01', fqdn: 'dc01.contoso.com', origin: 'source' },
          { id: 'host:evil', type: 'host', value: 'evil', origin: 'extracted' },
          { id: 'ip:10.0.0.1', type: 'ip', value: '10.0.0.1', origin: 'source' },
        ],
      }),
    ).toEqual(['dc01.contoso.com', 'dc01', 'dc01']);
  });
});
