import { isIP } from 'node:net';
import type { Entity } from '@soc/contracts';
import { canonicalValue, type EntityDraft } from './entities.ts';

/**
 * Indicators of compromise in free text (alert descriptions, comments): URLs, domains, IP addresses, e-mail
 * addresses, hashes, registry keys and executable paths, including the defanged forms analysts and vendors write
 * (`hxxps://evil[.]example[.]com`, `203[.]0[.]113[.]7`, `user(at)example(dot)com`).
 *
 * The text is attacker-controlled, so scanning is linear: every candidate regex starts only at a token boundary
 * (a lookbehind rejects starts inside a token) and has no nested or overlapping quantifiers, so a failed attempt
 * costs at most its token's length and is not retried inside it; what makes a candidate an indicator is checked in
 * code. Input and output are capped.
 */

/** Only the start of a text is scanned: descriptions are short, and a flood must cost bounded time. */
export const MAX_SCAN_CHARS = 64 * 1024;
/** At most this many indicators per text, so one noisy description cannot crowd out what the product named. */
export const MAX_IOCS = 100;
/** The contract's limit for an entity value; longer candidates are not indicators worth truncating. */
const MAX_VALUE = 2048;

type Draft<T extends Entity['type']> = Omit<Extract<Entity, { type: T }>, 'id'>;
interface Span {
  start: number;
  end: number;
}
/** An indicator and where in the (refanged) text it was written. */
interface Found extends Span {
  entity: EntityDraft;
}

// ---------------------------------------------------------------------------------------------------------------
// Top-level domains. Country codes (delegated and in use) plus the generic TLDs that appear in threat intelligence
// (legacy gTLDs and the new gTLDs abuse reports rank highest), not the whole IANA list: every extra TLD that is also
// an English word or a file extension turns ordinary text into false domains.
// ---------------------------------------------------------------------------------------------------------------
const COUNTRY_TLDS =
  'ac ad ae af ag ai al am ao aq ar at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ' +
  'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ' +
  'ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ' +
  'ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc me mg mh ml mm mn mo mp mq mr ms mt mu mv ' +
  'mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pn pr pt pw qa re ro ru rw sa sb sc sd se sg ' +
  'si sk sl sm sn sr ss st su sv sx sy sz tc td tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg ' +
  'vi vn vu wf ws ye yt za zm zw xn--p1ai';
const GENERIC_TLDS =
  'com net org info biz name pro mobi asia tel travel jobs cat coop aero museum edu gov mil int onion ' +
  'xyz top online site club icu vip shop store live life fun space website tech cloud work click link buzz rest ' +
  'cyou cfd sbs bond monster quest hair beauty skin makeup lol fit mom bar uno casa today world news email digital ' +
  'network solutions services support help host press pics download loan loans win bid trade date racing review ' +
  'science party faith accountant cricket men gdn kim ltd ink wang ren xin red blue pink one run tokyo london berlin ' +
  'dev page agency company group global center guru best cam chat design studio social media finance money bank ' +
  'capital cash credit zone autos boats homes yachts lat baby beer academy art blog business cafe care city codes ' +
  'community consulting directory domains exchange express fyi games gold land marketing plus rocks sale systems ' +
  'team tools wiki works ninja events photos stream video';
/**
 * TLDs that are also common file extensions (`run.sh`, `setup.py`, `README.md`, `invoice.zip`, `Safari.app`): a bare
 * `name.zip` in prose is far more often a file than a domain, so these count only where the text leaves no doubt: in
 * a URL's host, in an e-mail address, or when the writer defanged the name (`invoice[.]zip`).
 */
const FILE_EXTENSION_TLDS = 'as md mk pl pm ps py rs sh so tf app mov zip';

const BARE_TLDS: ReadonlySet<string> = new Set(`${COUNTRY_TLDS} ${GENERIC_TLDS}`.split(' '));
const ANY_TLDS: ReadonlySet<string> = new Set([...BARE_TLDS, ...FILE_EXTENSION_TLDS.split(' ')]);

// ---------------------------------------------------------------------------------------------------------------
// Refanging. Markers are bracketed only: an unbracketed ` dot ` or ` at ` is ordinary English.
// ---------------------------------------------------------------------------------------------------------------
const DEFANG =
  /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[:\/\/\]|\[:\]|\[\/\]|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}|(?<![a-z0-9])(?:h(?:xx|\*\*)ps?|fxp)(?=:\/\/|\[:\]\/\/|\[:\/\/\])/gi;

function refangToken(token: string): string {
  const t = token.toLowerCase();
  if (t.startsWith('h')) return t.endsWith('s') ? 'https' : 'http';
  if (t === 'fxp') return 'ftp';
  const inner = t.slice(1, -1);
  if (inner === 'dot') return '.';
  if (inner === 'at') return '@';
  return inner; // . : :// / @
}

interface Refanged {
  text: string;
  /** Spans of `text` that came from defang markers (usually none). */
  marked: readonly Span[];
}

function refang(input: string): Refanged {
  const pieces: string[] = [];
  const marked: Span[] = [];
  let last = 0;
  let length = 0;
  DEFANG.lastIndex = 0;
  for (let m = DEFANG.exec(input); m !== null; m = DEFANG.exec(input)) {
    const before = input.slice(last, m.index);
    const replacement = refangToken(m[0]);
    pieces.push(before, replacement);
    length += before.length;
    marked.push({ start: length, end: length + replacement.length });
    length += replacement.length;
    last = m.index + m[0].length;
  }
  pieces.push(input.slice(last));
  return { text: pieces.join(''), marked };
}

function isDefanged(r: Refanged, start: number, end: number): boolean {
  // Spans are in text order: binary-search the first one ending after `start` (hostile text may hold thousands).
  let lo = 0;
  let hi = r.marked.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (r.marked[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  const span = r.marked[lo];
  return span !== undefined && span.start < end;
}

/** Blanks found spans (same length, so positions stay valid) so later extractors do not re-read their parts. */
function mask(text: string, found: readonly Span[]): string {
  if (found.length === 0) return text;
  const pieces: string[] = [];
  let last = 0;
  for (const { start, end } of [...found].sort((a, b) => a.start - b.start)) {
    if (start < last) continue;
    pieces.push(text.slice(last, start), ' '.repeat(end - start));
    last = end;
  }
  pieces.push(text.slice(last));
  return pieces.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Host names and addresses
// ---------------------------------------------------------------------------------------------------------------

/** Dotted quad with decimal octets 0–255 and no leading zeros (`010` is octal to some parsers: not an address). */
function isStrictIpv4(value: string): boolean {
  const octets = value.split('.');
  return octets.length === 4 && octets.every((o) => /^(?:0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255);
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A DNS name of two or more valid labels; the caller decides which TLDs count. */
function domainLabels(name: string): string[] | undefined {
  if (name.length > 253) return undefined;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) ? labels : undefined;
}

type HostKind = { kind: 'ip' | 'domain'; value: string } | { kind: 'name' };

/** What a URL's host is: an address, a domain with a known TLD, some other valid name, or (undefined) not a host. */
function classifyHost(rawHost: string): HostKind | undefined {
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    return rawHost.endsWith(']') && isIP(inner) === 6 ? { kind: 'ip', value: inner.toLowerCase() } : undefined;
  }
  const host = rawHost.replace(/\.$/, '');
  if (isStrictIpv4(host)) return { kind: 'ip', value: host };
  if (/^[\d.]*$/.test(host)) return undefined; // 1.2.3, 999.1.1.1: not an address, not a name
  const labels = domainLabels(host);
  if (labels !== undefined && ANY_TLDS.has(labels.at(-1)!.toLowerCase()))
    return { kind: 'domain', value: host.toLowerCase() };
  // Intranet names, IDNs, underscores: a valid URL host, but not a domain indicator.
  return host.split('.').every((l) => /^[\p{L}\p{N}_-]{1,63}$/u.test(l)) ? { kind: 'name' } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Extractors. Each returns what it found with its position in the (refanged) text.
// ---------------------------------------------------------------------------------------------------------------

const URL_CANDIDATE = /(?<![a-z0-9+.-])(?:https?|ftp):\/\/[^\s<>"'`{}|\\^]+/gi;
const URL_TRAILING = new Set(['.', ',', ';', ':', '!', '?', '*']);

/** Drops sentence punctuation and closing brackets the URL did not open: `(see http://x.example/a).` */
function trimUrlEnd(raw: string): string {
  let parens = 0;
  let brackets = 0;
  for (const c of raw) {
    if (c === '(') parens++;
    else if (c === ')') parens--;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
  }
  let end = raw.length;
  while (end > 0) {
    const c = raw[end - 1]!;
    if (c === ')' && parens < 0) parens++;
    else if (c === ']' && brackets < 0) brackets++;
    else if (!URL_TRAILING.has(c)) break;
    end--;
  }
  return raw.slice(0, end);
}

function urlHost(url: string): string | undefined {
  const from = url.indexOf('://') + 3;
  const authorityEnd = url.slice(from).search(/[/?#]/);
  const authority = authorityEnd < 0 ? url.slice(from) : url.slice(from, from + authorityEnd);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    const port = hostPort.slice(close + 1);
    return close > 0 && (port === '' || /^:\d{0,5}$/.test(port)) ? hostPort.slice(0, close + 1) : undefined;
  }
  const colon = hostPort.indexOf(':');
  if (colon >= 0 && !/^\d{0,5}$/.test(hostPort.slice(colon + 1))) return undefined;
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  return host === '' ? undefined : host;
}

function extractUrls(text: string): Found[] {
  const out: Found[] = [];
  URL_CANDIDATE.lastIndex = 0;
  for (let m = URL_CANDIDATE.exec(text); m !== null; m = URL_CANDIDATE.exec(text)) {
    const url = trimUrlEnd(m[0]);
    if (url.length > MAX_VALUE) continue;
    const rawHost = urlHost(url);
    const host = rawHost === undefined ? undefined : classifyHost(rawHost);
    if (host === undefined) continue;
    const span = { start: m.index, end: m.index + url.length };
    out.push({ ...span, entity: draft<'url'>({ type: 'url', value: url }) });
    if (host.kind === 'ip') out.push({ ...span, entity: draft<'ip'>({ type: 'ip', value: host.value }) });
    if (host.kind === 'domain') out.push({ ...span, entity: draft<'domain'>({ type: 'domain', value: host.value }) });
  }
  return out;
}

const EMAIL_CANDIDATE = /(?<![\w.%+-])[\w.%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;

function extractEmails(text: string): Found[] {
  const out: Found[] = [];
  EMAIL_CANDIDATE.lastIndex = 0;
  for (let m = EMAIL_CANDIDATE.exec(text); m !== null; m = EMAIL_CANDIDATE.exec(text)) {
    const [local = '', domain = ''] = m[0].split('@');
    if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) continue;
    const labels = domainLabels(domain);
    if (labels === undefined || !ANY_TLDS.has(labels.at(-1)!.toLowerCase())) continue;
    out.push({ ...spanOf(m), entity: draft<'mailbox'>({ type: 'mailbox', value: m[0].toLowerCase() }) });
  }
  return out;
}

const HIVE = String.raw`HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_CURRENT_CONFIG|HKEY_USERS|HKLM|HKCU|HKCR|HKCC|HKU`;
const HIVE_START = new RegExp(String.raw`(?<![\w\\])(?:${HIVE})\\`, 'gi');
const HIVE_WORD = new RegExp(`^(?:${HIVE})$`, 'i');
/** Characters no key name in free text holds: line breaks, quotes, markup, pipes, drive colons. */
const KEY_STOP = new Set(['\r', '\n', '\t', '"', "'", '`', '<', '>', '|', ':']);
const QUOTES = new Set(['"', "'", '`']);
/** A key name may hold a few spaces (`Image File Execution Options`); more means prose. */
const MAX_SPACES_IN_NAME = 4;

/**
 * The registry key that starts at `start` (on its hive), or '' when only a hive is there. Quoted, the key runs to the
 * quote. Unquoted, prose follows the key, so a name may hold spaces only between two backslashes
 * (`…\Windows NT\CurrentVersion`) and the last name ends at the first space. Reads only as far as the key goes.
 */
function registryKeyAt(text: string, start: number, quoted: boolean): string {
  const limit = Math.min(text.length, start + MAX_VALUE);
  const hiveEnd = text.indexOf('\\', start);
  let keyEnd = hiveEnd;
  let pos = hiveEnd + 1;
  while (pos < limit) {
    let j = pos;
    let spaces = 0;
    let firstSpace = -1;
    for (; j < limit; j++) {
      const c = text[j]!;
      if (c === '\\' || KEY_STOP.has(c)) break;
      if (c !== ' ') continue;
      if (firstSpace < 0) firstSpace = j;
      if (!quoted && ++spaces > MAX_SPACES_IN_NAME) break;
    }
    if (text[j] === '\\' && (quoted || firstSpace < 0 || isKeyName(text.slice(pos, j)))) {
      if (j > pos) keyEnd = j;
      pos = j + 1;
      continue;
    }
    const last = quoted
      ? text.slice(pos, j)
      : text.slice(pos, firstSpace < 0 ? j : firstSpace).replace(/[.,;!?)]+$/, '');
    if (last !== '') keyEnd = pos + last.length;
    break;
  }
  return keyEnd > hiveEnd ? text.slice(start, keyEnd) : '';
}

/** Words of a name between two backslashes: single spaces, and no second hive (`Run and HKCU\…` is two keys). */
function isKeyName(name: string): boolean {
  return name.split(' ').every((w) => w !== '' && !HIVE_WORD.test(w));
}

function extractRegistryKeys(text: string): Found[] {
  const out: Found[] = [];
  HIVE_START.lastIndex = 0;
  for (let m = HIVE_START.exec(text); m !== null; m = HIVE_START.exec(text)) {
    const key = registryKeyAt(text, m.index, QUOTES.has(text[m.index - 1] ?? ''));
    if (key === '') continue;
    // Resume after the key, so a second key in the same sentence (`HKLM\a and HKCU\b`) is found too.
    HIVE_START.lastIndex = m.index + key.length;
    out.push({
      start: m.index,
      end: m.index + key.length,
      entity: draft<'registry'>({ type: 'registry', value: key, key }),
    });
  }
  return out;
}

/** Extensions Windows runs or loads, and server pages (web shells); a path is reported only when it names one. */
const EXECUTABLE =
  /\.(?:exe|dll|sys|scr|bat|cmd|com|ps1|psm1|vbs|vbe|jse?|wsf|sct|hta|msi|cpl|ocx|lnk|jar|pif|aspx?|ashx|asmx|php|jspx?)(?!\w|\.\w)/i;
const DRIVE_PATH = new RegExp(String.raw`(?<![\w\\])[a-z]:\\[^\r\n\t"'\x60<>|:*?/]{0,${MAX_VALUE}}`, 'gi');

/** `C:\Program Files\x.exe`: folder names may hold a few spaces; the file name, which prose follows, may not. */
function executablePath(run: string): string | undefined {
  const ext = EXECUTABLE.exec(run);
  if (ext === null) return undefined;
  const path = run.slice(0, ext.index + ext[0].length);
  const segments = path.split('\\');
  const name = segments.at(-1)!;
  if (name.length <= ext[0].length || /\s/.test(name)) return undefined;
  const foldersOk = segments.slice(1, -1).every((s) => s === s.trim() && s.split(' ').length <= 5);
  return foldersOk ? path : undefined;
}

function extractExecutablePaths(text: string): Found[] {
  const out: Found[] = [];
  DRIVE_PATH.lastIndex = 0;
  for (let m = DRIVE_PATH.exec(text); m !== null; m = DRIVE_PATH.exec(text)) {
    const path = executablePath(m[0]);
    // A run ends at the colon of the next drive (`C:\a.exe to D:\b.exe`): resume on that drive letter.
    DRIVE_PATH.lastIndex = Math.max(m.index + 3, m.index + m[0].length - 1);
    if (path === undefined) continue;
    const name = path.slice(path.lastIndexOf('\\') + 1);
    out.push({
      start: m.index,
      end: m.index + path.length,
      entity: draft<'file'>({ type: 'file', value: path, name, path }),
    });
  }
  return out;
}

const IPV6_CANDIDATE = /(?<![\w:.])[0-9a-f]{0,4}:[0-9a-f:.]{2,}/gi;

function extractIpv6(text: string): Found[] {
  const out: Found[] = [];
  IPV6_CANDIDATE.lastIndex = 0;
  for (let m = IPV6_CANDIDATE.exec(text); m !== null; m = IPV6_CANDIDATE.exec(text)) {
    let candidate = m[0].replace(/\.+$/, '');
    if (candidate.endsWith(':') && !candidate.endsWith('::')) candidate = candidate.slice(0, -1);
    const next = text[m.index + m[0].length] ?? '';
    // Times (10:30:00), MACs and C++ scopes fail isIP or have no digit; an address glued to a word is not one.
    if (/\w/.test(next) || !/\d/.test(candidate) || isIP(candidate) !== 6) continue;
    out.push({
      start: m.index,
      end: m.index + candidate.length,
      entity: draft<'ip'>({ type: 'ip', value: candidate.toLowerCase() }),
    });
  }
  return out;
}

/** Not inside a longer dotted number (`1.2.3.4.5`, `v1.2.3.4`), which is a version, not an address. */
const IPV4_CANDIDATE = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)/g;
const VERSION_BEFORE = /(?:\bv|\bver|\bversion|\bbuild)\.?\s*[:=#]?\s*$/i;

function extractIpv4(text: string): Found[] {
  const out: Found[] = [];
  IPV4_CANDIDATE.lastIndex = 0;
  for (let m = IPV4_CANDIDATE.exec(text); m !== null; m = IPV4_CANDIDATE.exec(text)) {
    if (!isStrictIpv4(m[0]) || VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    out.push({ ...spanOf(m), entity: draft<'ip'>({ type: 'ip', value: m[0] }) });
  }
  return out;
}

/**
 * Not after a single `/` or `\` (`Win32/Emotet.PE` is a malware name, `folder\x.com` a path) but after `//`
 * (`jndi:ldap://evil.example`), and not an e-mail's local part.
 */
const DOMAIN_CANDIDATE = /(?<![\w@\\-])(?<!(?:^|[^/])\/)[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;

function extractDomains(text: string, r: Refanged): Found[] {
  const out: Found[] = [];
  DOMAIN_CANDIDATE.lastIndex = 0;
  for (let m = DOMAIN_CANDIDATE.exec(text); m !== null; m = DOMAIN_CANDIDATE.exec(text)) {
    const end = m.index + m[0].length;
    if (/[\w@]/.test(text[end] ?? '')) continue; // `name.com_x`, `first.last@…`
    const labels = domainLabels(m[0]);
    if (labels === undefined) continue;
    const tld = labels.at(-1)!;
    const defanged = isDefanged(r, m.index, end);
    if (!(defanged ? ANY_TLDS : BARE_TLDS).has(tld.toLowerCase())) continue;
    // A capitalised "TLD" is a sentence or a namespace run together (`the host.It was`, `System.IO`), not a domain;
    // all-caps is fine when the whole name is (`EVIL.COM`).
    const caseOk = tld === tld.toLowerCase() || (tld === tld.toUpperCase() && m[0] === m[0].toUpperCase());
    if (!caseOk && !defanged) continue;
    out.push({ ...spanOf(m), entity: draft<'domain'>({ type: 'domain', value: m[0].toLowerCase() }) });
  }
  return out;
}

const HASH_CANDIDATE = /(?<![\w-])[0-9a-f]{32,128}(?![\w-])/gi;
const HASH_BY_LENGTH: Readonly<Record<number, Draft<'hash'>['algorithm']>> = {
  32: 'md5',
  40: 'sha1',
  64: 'sha256',
  128: 'sha512',
};

/** Whole hex tokens of a digest's length; a hyphen next to it means a GUID or a longer identifier. */
function extractHashes(text: string): Found[] {
  const out: Found[] = [];
  HASH_CANDIDATE.lastIndex = 0;
  for (let m = HASH_CANDIDATE.exec(text); m !== null; m = HASH_CANDIDATE.exec(text)) {
    const algorithm = HASH_BY_LENGTH[m[0].length];
    // A run of only digits is a number, of only letters a word-like filler; digests mix both.
    if (algorithm === undefined || !/\d/.test(m[0]) || !/[a-f]/i.test(m[0])) continue;
    out.push({ ...spanOf(m), entity: draft<'hash'>({ type: 'hash', value: m[0].toLowerCase(), algorithm }) });
  }
  return out;
}

function spanOf(m: RegExpExecArray): Span {
  return { start: m.index, end: m.index + m[0].length };
}

function draft<T extends Entity['type']>(entity: Omit<Draft<T>, 'origin'>): EntityDraft {
  return { ...entity, origin: 'extracted' } as EntityDraft;
}

/**
 * Indicators in free text, refanged, in order of appearance, de-duplicated by canonical value and capped at
 * {@link MAX_IOCS}; each has `origin: 'extracted'`. IPs are left unclassified (finalizeEntities does that).
 * Never throws.
 */
export function scanTextForIocs(text: string): EntityDraft[] {
  if (typeof text !== 'string' || text === '') return [];
  const r = refang(text.slice(0, MAX_SCAN_CHARS));
  // Each extractor reads the text with what earlier ones found blanked out, so a URL's path is not also read as
  // domains, an e-mail's domain is not a second domain, and an IPv4-mapped IPv6 address is not also an IPv4 one.
  // Cheap necessary conditions skip extractors that cannot match: most alert text has no e-mail, registry key,
  // drive path or IPv6 address, and each regex pass costs a scan of the whole text.
  const t = r.text;
  const urls = t.includes('://') ? extractUrls(t) : [];
  let rest = mask(t, urls);
  const emails = rest.includes('@') ? extractEmails(rest) : [];
  rest = mask(rest, emails);
  const keys = /hk/i.test(rest) ? extractRegistryKeys(rest) : [];
  rest = mask(rest, keys);
  const files = rest.includes(':\\') ? extractExecutablePaths(rest) : [];
  rest = mask(rest, files);
  const ipv6 = rest.includes(':') ? extractIpv6(rest) : [];
  rest = mask(rest, ipv6);
  const hasDot = rest.includes('.');
  const found = [
    ...urls,
    ...emails,
    ...keys,
    ...files,
    ...ipv6,
    ...(hasDot ? extractIpv4(rest) : []),
    ...(hasDot ? extractDomains(rest, r) : []),
    // Digests are unambiguous, and one inside a URL (a sandbox or VirusTotal link) is an indicator too.
    ...(t.length >= 32 ? extractHashes(t) : []),
  ];
  found.sort((a, b) => a.start - b.start);

  const seen = new Set<string>();
  const out: EntityDraft[] = [];
  for (const { entity } of found) {
    const id = `${entity.type}:${canonicalValue(entity.type, entity.value)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(entity);
    if (out.length === MAX_IOCS) break;
  }
  return out;
}
