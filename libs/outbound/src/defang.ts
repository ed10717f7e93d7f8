import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';

// The root zone's TLDs, as the `tlds` package ships them (a JSON array; ESM would need an import attribute).
const ianaTlds = createRequire(import.meta.url)('tlds') as readonly string[];

/**
 * Defanging: every URL, domain, IP address and e-mail address in a text that leaves SOC Copilot (e-mail, chat,
 * tickets) is rewritten so that no mail client, chat client or ticket tool turns it into a live link, while an
 * analyst can still read it and refang it:
 *
 * | indicator | example | becomes |
 * |---|---|---|
 * | URL (any scheme) | `https://evil.example/a.php` | `hxxps://evil[.]example/a[.]php` (`http`→`hxxp`, `ftp`→`fxp`, other schemes `ws[://]`) |
 * | domain | `evil.com`, `пример.рф`, `invoice.zip` | `evil[.]com`, `пример[.]рф`, `invoice[.]zip` |
 * | IPv4 | `10.0.0.1` | `10[.]0[.]0[.]1` |
 * | IPv6 | `2001:db8::1` | `2001[:]db8[:][:]1` |
 * | e-mail address | `user@example.com` | `user[@]example[.]com` |
 *
 * What is a domain: a dotted name whose last label is a top-level domain of the IANA root zone (the `tlds` package,
 * Unicode and `xn--` forms included), a special-use name (`example`, `test`, `invalid`, `localhost`, `local`,
 * `onion`, `internal`), or a name starting `www.`. Labels are compared after NFKC (full-width letters) with
 * invisible format characters removed, and `。．｡` count as dots, as IDNA does. So `report.pdf`, `powershell.exe`,
 * `1.2.3` and `T1059.001` stay as written, while `README.md`, `setup.py` and `invoice.zip` are defanged: those are
 * registrable domains that clients do link. Within a dotted run only the dots up to its last top-level label are
 * defanged (`System[.]Net.WebClient`), so no live domain remains inside it.
 *
 * Already-defanged text is left alone (`hxxps://a[.]b` stays), and `defang(defang(x)) === defang(x)`.
 *
 * Every pass is linear in the text (attacker-controlled): each regex may start only at a token boundary and has no
 * nested quantifiers; the rest is checked in code.
 */

/** Options of {@link defang} and {@link defangHtml}. */
export interface DefangOptions {
  /**
   * URLs left live because they are ours, compared exactly (trailing punctuation aside): the case link under
   * `SOC_PUBLIC_URL`. A longer URL that merely starts with one is defanged like any other.
   */
  keep?: readonly string[];
}

const SPECIAL_USE = ['example', 'test', 'invalid', 'localhost', 'local', 'onion', 'internal'];
const TLDS: ReadonlySet<string> = new Set([...ianaTlds, ...SPECIAL_USE].map((t) => t.normalize('NFKC').toLowerCase()));

// Dot-like separators IDNA maps to "." (ideographic, full-width, half-width ideographic full stop).
const DOTS = '.\u3002\uFF0E\uFF61';
const DOT = new RegExp(`[${DOTS}]`, 'u');
const DOT_GLOBAL = new RegExp(`[${DOTS}]`, 'gu');
const DOT_OR_DEFANGED = new RegExp(`\\[\\.\\]|[${DOTS}]`, 'gu');
const INVISIBLE = /\p{Cf}/gu;

/** True when `label` is a top-level domain a client would resolve. */
function isTopLevel(label: string): boolean {
  const l = label.normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
  return TLDS.has(l) || (l.startsWith('xn--') && l.length > 4);
}

/** `.` → `[.]` (and the other dot forms), leaving `[.]` as it is. */
const defangDots = (s: string): string => s.replace(DOT_OR_DEFANGED, '[.]');

// ---------------------------------------------------------------------------------------------------------------
// URLs: a scheme starts where no scheme character precedes it (one attempt per run: linear); the URL runs to the
// next scheme or the token's end. Only the scheme and the dots are rewritten, so a bracket or quote swallowed at
// the end does no harm.
// ---------------------------------------------------------------------------------------------------------------
const SCHEME_START = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\//g;
const DEFANGED_SCHEME = /^(?:h(?:xx|\*\*)ps?|fxps?)$/i;
const TRAILING_PUNCTUATION = /[)\]}>"'.,;:!?]+$/;

/** `http` → `hxxp`, keeping each letter's case. */
const xx = (scheme: string, from: number, count: number): string =>
  scheme.slice(0, from) +
  [...scheme.slice(from, from + count)].map((c) => (c === c.toUpperCase() ? 'X' : 'x')).join('') +
  scheme.slice(from + count);

function defangScheme(scheme: string): string {
  const lower = scheme.toLowerCase();
  if (lower === 'http' || lower === 'https') return `${xx(scheme, 1, 2)}://`;
  if (lower === 'ftp' || lower === 'ftps') return `${xx(scheme, 1, 1)}://`;
  if (DEFANGED_SCHEME.test(scheme)) return `${scheme}://`;
  return `${defangHosts(scheme)}[://]`;
}

function defangUrl(url: string, keep: ReadonlySet<string>): string {
  if (keep.size > 0 && (keep.has(url) || keep.has(url.replace(TRAILING_PUNCTUATION, '')))) return url;
  const sep = url.indexOf('://');
  // A bracketed IPv6 host too, so that a second pass (which no longer sees a scheme) finds nothing left to do.
  return defangScheme(url.slice(0, sep)) + defangDots(defangIpv6(url.slice(sep + 3)));
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts outside URLs, in this order (each pass leaves brackets the next ones do not read as indicators).
// ---------------------------------------------------------------------------------------------------------------
const IPV6_SPAN = /(?<![0-9A-Fa-f:.])[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/g;
const EMAIL_AT = new RegExp(`(?<=\\S)@(?=[\\p{L}\\p{M}\\p{N}\\p{Cf}_-]+[${DOTS}][\\p{L}\\p{M}\\p{N}])`, 'gu');
const IPV4 = new RegExp(`(?<![0-9])(?:[0-9]{1,3}[${DOTS}]){3}[0-9]{1,3}(?![0-9])`, 'gu');
const DOTTED_RUN = new RegExp(`(?<![\\p{L}\\p{M}\\p{N}\\p{Cf}_${DOTS}-])[\\p{L}\\p{M}\\p{N}\\p{Cf}_${DOTS}-]+`, 'gu');

/**
 * Where in a hex-and-colon span its IPv6 address lies, if any: the whole span, or the span after its first `word:`
 * (`ip:2001:db8::1`), each also without trailing dots or one trailing colon (sentence punctuation). A span glued to
 * a word (`std::cout`) is not an address.
 */
function ipv6In(span: string, gluedBefore: boolean): { start: number; end: number } | undefined {
  const starts = [...(gluedBefore ? [] : [0]), ...(span.startsWith('::') ? [] : [span.indexOf(':') + 1])];
  const withoutDots = span.replace(/\.+$/, '');
  const ends = [span.length, withoutDots.length, withoutDots.endsWith(':') ? withoutDots.length - 1 : -1];
  for (const start of starts) {
    for (const end of ends) {
      if (end <= start) continue;
      const candidate = span.slice(start, end);
      if (candidate.split(':').length >= 3 && isIP(candidate) === 6) return { start, end };
    }
  }
  return undefined;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function defangIpv6(s: string): string {
  return s.replace(IPV6_SPAN, (span, offset: number) => {
    if (WORD_CHAR.test(s[offset + span.length] ?? '')) return span;
    const found = ipv6In(span, WORD_CHAR.test(s[offset - 1] ?? ''));
    if (!found) return span;
    const address = span.slice(found.start, found.end).replace(/:/g, '[:]').replace(/\./g, '[.]');
    return span.slice(0, found.start) + address + span.slice(found.end);
  });
}

function defangIpv4(s: string): string {
  let out = '';
  let last = 0;
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(s); m !== null; m = IPV4.exec(s)) {
    if (m[0].split(DOT).every((octet) => Number(octet) <= 255)) {
      out += s.slice(last, m.index) + defangDots(m[0]);
      last = m.index + m[0].length;
    } else {
      // `300.1.1.1.1` holds `1.1.1.1`: look again one character on.
      IPV4.lastIndex = m.index + 1;
    }
  }
  return out + s.slice(last);
}

/** Defangs the dots of each domain in a dotted run, up to its last top-level label. */
function defangDomains(run: string): string {
  const labels = run.split(DOT);
  if (labels.length < 2) return run;
  const seps = run.match(DOT_GLOBAL) ?? [];
  const defangedSep = new Array<boolean>(seps.length).fill(false);
  // Names are the maximal stretches of non-empty labels (`a.com..b.org` holds two).
  let first = 0;
  for (let i = 0; i <= labels.length; i++) {
    if (i < labels.length && labels[i] !== '') continue;
    const last = i - 1;
    if (last > first) {
      let tld = -1;
      for (let k = last; k > first; k--) {
        if (isTopLevel(labels[k]!)) {
          tld = k;
          break;
        }
      }
      if (tld === -1 && labels[first]!.toLowerCase() === 'www') tld = last;
      for (let k = first; k < tld; k++) defangedSep[k] = true;
    }
    first = i + 1;
  }
  let out = labels[0]!;
  for (let k = 0; k < seps.length; k++) out += (defangedSep[k] ? '[.]' : seps[k]!) + labels[k + 1]!;
  return out;
}

function defangHosts(s: string): string {
  // IPv4 before IPv6, so that `1.2.3.4::1` splits where the dotted quad ends.
  const hosts = defangIpv6(defangIpv4(s.replace(EMAIL_AT, '[@]')));
  return hosts.replace(DOTTED_RUN, defangDomains);
}

function schemeStarts(token: string): number[] {
  const starts: number[] = [];
  SCHEME_START.lastIndex = 0;
  for (let m = SCHEME_START.exec(token); m !== null; m = SCHEME_START.exec(token)) starts.push(m.index);
  return starts;
}

function defangTokenOnce(raw: string, keep: ReadonlySet<string>): string {
  // An address's domain may run into a URL's scheme (`a@b.cohttp://…`): the at sign is judged on the whole token.
  const firstUrl = schemeStarts(raw)[0] ?? raw.length;
  const token = raw.replace(EMAIL_AT, (at, offset: number) => (offset < firstUrl ? '[@]' : at));
  const starts = schemeStarts(token);
  if (starts.length === 0) return defangHosts(token);
  let out = defangHosts(token.slice(0, starts[0]));
  for (let i = 0; i < starts.length; i++) out += defangUrl(token.slice(starts[i], starts[i + 1] ?? token.length), keep);
  return out;
}

const MAX_PASSES = 4;
const CANDIDATE_TOKEN = new RegExp(`(?<!\\S)[^\\s${DOTS}:@]*[${DOTS}:@]\\S*`, 'gu');
/** Trailing sentence punctuation, dots included (`.`, `。`); never a colon, which may end an IPv6 address (`fe80::`). */
const SENTENCE_END = new RegExp(`[${DOTS},;!?)\\]}>"']+$`, 'u');
/** Defanged tokens by their text (a pure function of it unless it holds a kept URL): bounded in count and length. */
const TOKEN_CACHE = new LRUCache<string, string>({ max: 20_000 });
const MAX_CACHED_TOKEN = 512;
const MAY_HOLD_INDICATOR = new RegExp(`[${DOTS}:@]`, 'u');

/**
 * One pass defangs what it sees; the brackets it adds can bound a new indicator (`1:2::3.de` → `1:2::3[.]de` shows
 * the address `1:2::3`), so a token is passed again until nothing changes (two passes nearly always).
 */
function holdsKept(token: string, keep: ReadonlySet<string>): boolean {
  for (const k of keep) if (token.includes(k)) return true;
  return false;
}

function defangToken(token: string, keep: ReadonlySet<string>): string {
  // Sentence punctuation (`alert.`, `报警。`) is no indicator: a token whose only dots end it needs no work.
  if (!MAY_HOLD_INDICATOR.test(token.replace(SENTENCE_END, ''))) return token;
  // Summaries, next steps, subjects and tickets of one alert repeat its names, and a storm repeats them across alerts.
  // `keep` only changes a token that holds a kept URL; every other token's result is a function of its text.
  const cacheable = token.length <= MAX_CACHED_TOKEN && !holdsKept(token, keep);
  if (cacheable) {
    const hit = TOKEN_CACHE.get(token);
    if (hit !== undefined) return hit;
  }
  let current = token;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = defangTokenOnce(current, keep);
    if (next === current) break;
    current = next;
  }
  if (cacheable) TOKEN_CACHE.set(token, current);
  return current;
}

/**
 * Defangs every URL, domain, IP address and e-mail address in plain text (see the module comment for the rules).
 * Apply it to whole outbound texts, not to chosen fields: attacker text reaches summaries, next steps and titles too.
 */
export function defang(text: string, options: DefangOptions = {}): string {
  return defangText(text, new Set(options.keep ?? []));
}

function defangText(text: string, keep: ReadonlySet<string>): string {
  // Only whole tokens that hold a dot, colon or at sign can be an indicator; the others are skipped by the regex
  // engine itself. Anchored at a token's start, so a token without one costs linear time, never quadratic.
  return text.replace(CANDIDATE_TOKEN, (token) => defangToken(token, keep));
}

// ---------------------------------------------------------------------------------------------------------------
// HTML produced by our own templates (every non-literal escaped, so `<` only opens a tag and `&` only an entity
// of ours): text between tags and attribute values are defanged; XML namespace URIs (inline SVG) are identifiers,
// never links, and stay.
// ---------------------------------------------------------------------------------------------------------------
const TAG = /<!--[^]*?-->|<[^>]*>/g;
const ATTRIBUTE = /(\s([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*)("[^"]*"|'[^']*')/g;

/** Defangs an HTML document of our templates: its text and attribute values, except {@link DefangOptions.keep}. */
export function defangHtml(html: string, options: DefangOptions = {}): string {
  const keepList = options.keep ?? [];
  // An href holds the escaped form of the URL. One set for the whole document, not one per text run.
  const keep: ReadonlySet<string> = new Set([...keepList, ...keepList.map(escapeHtml)]);
  let out = '';
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m !== null; m = TAG.exec(html)) {
    out += defangText(html.slice(last, m.index), keep);
    out += m[0].startsWith('<!--')
      ? m[0]
      : m[0].replace(ATTRIBUTE, (_all, head: string, name: string, quoted: string) =>
          name.toLowerCase().startsWith('xmlns') ? head + quoted : head + quoted[0] + defangText(quoted.slice(1, -1), keep) + quoted[0],
        );
    last = m.index + m[0].length;
  }
  return out + defangText(html.slice(last), keep);
}

/** Escapes the five HTML metacharacters; everything in an alert is attacker-controlled. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
