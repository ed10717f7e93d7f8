import { type Alert, type Entity, clipText } from '@soc/contracts';
import type { AttackCatalog, AttackMapping } from './attack/index.ts';

/**
 * Behaviour factors: what the process and command line an alert carries show, read the way an analyst reads them.
 * Pure and precompiled; every finding cites the exact substring it matched and its ATT&CK techniques.
 */

/** The behaviours the engine recognises; each is a factor `behaviour-<kind>` with points from the weights file. */
export type BehaviourKind =
  | 'encoded-command'
  | 'download-cradle'
  | 'lolbin-network'
  | 'office-or-browser-child'
  | 'service-or-wmi-child'
  | 'user-writable-path'
  | 'script-host-staging'
  | 'credential-dumping'
  | 'persistence'
  | 'discovery-burst';

/**
 * Strong behaviours are rarely benign (an Office document starting PowerShell, a download cradle); weak ones are
 * what administrators and installers also do (a scheduled task, an installer in Temp) and only add a little.
 */
export const STRONG_BEHAVIOURS: ReadonlySet<BehaviourKind> = new Set([
  'encoded-command',
  'download-cradle',
  'lolbin-network',
  'office-or-browser-child',
  'script-host-staging',
  'credential-dumping',
]);

/** One behaviour seen in the alert, with the substrings that show it and its ATT&CK technique ids. */
export interface BehaviourFinding {
  kind: BehaviourKind;
  /** What was seen, in words, quoting the exact substrings («…», each clipped). */
  evidence: string;
  /** ATT&CK technique ids with the tactic they are mapped under. */
  techniques: readonly (readonly [techniqueId: string, tactic: string])[];
}

/** Characters of one command line scanned (a longer one is scanned up to here). */
const MAX_SCAN = 16 * 1024;
/** Process entities read per alert. */
const MAX_PROCESSES = 64;
/** Characters of a quoted substring in evidence. */
const MAX_QUOTE = 160;
/** Distinct discovery commands in one alert that make a burst. */
export const DISCOVERY_BURST_MIN = 3;

/**
 * A command line prepared for matching: lower case, with the insertions that hide a word from a naive match
 * removed — cmd's `^`, PowerShell's backtick before a letter, quotes inside a word (`p"o"wershell`) and string
 * concatenation (`'ht'+'tp'`) — and, per character, the index in the original so evidence quotes the original.
 */
interface Prepared {
  original: string;
  text: string;
  at: number[];
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const CONCATENATION = /(['"])\s*\+\s*\1/g;

function prepare(commandLine: string): Prepared {
  const s = commandLine.length > MAX_SCAN ? commandLine.slice(0, MAX_SCAN) : commandLine;
  const drop = new Uint8Array(s.length);
  for (const m of s.matchAll(CONCATENATION)) drop.fill(1, m.index, m.index + m[0].length);
  let text = '';
  const at: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (drop[i] === 1) continue;
    const c = s[i] as string;
    if (c === '^' || (c === '`' && isWordChar(s[i + 1])) || ((c === '"' || c === "'") && isWordChar(s[i - 1]) && isWordChar(s[i + 1]))) continue;
    const lower = c.toLowerCase();
    text += lower;
    for (let k = 0; k < lower.length; k++) at.push(i);
  }
  return { original: s, text, at };
}

/** The original substring behind `text[start, end)` of a prepared command line, fenced and clipped. */
function quote(p: Prepared, start: number, end: number): string {
  const from = p.at[start] ?? 0;
  const to = (p.at[Math.max(start, end - 1)] ?? from) + 1;
  return `«${clipText(p.original.slice(from, to), MAX_QUOTE)}»`;
}

const quoteMatch = (p: Prepared, m: RegExpExecArray | RegExpMatchArray): string => quote(p, m.index ?? 0, (m.index ?? 0) + m[0].length);

// A switch may start with `-`, `/` or a dash Windows accepts in its place (en dash, em dash, horizontal bar).
const D = '[-/\u2013\u2014\u2015]';
const EXE = '(?:\\.exe)?["\']?';
const re = (source: string): RegExp => new RegExp(source, 'u');

/** `-e`, `-en`, … `-encodedcommand` and `-ec`: every abbreviation PowerShell accepts, followed by a base64 blob. */
const ENCODED_SWITCH = re(`(?:^|\\s)${D}(?:ec|${[...'encodedcommand'].map((_, i, a) => a.slice(0, a.length - i).join('')).join('|')})\\s+["']?[a-z0-9+/]{16,}={0,2}`);
const POWERSHELL = /(?:^|[\\/\s"'])(?:powershell|pwsh)(?:\.exe)?\b/u;
const FROM_BASE64 = /frombase64string/u;
const INVOKE_EXPRESSION = /(?<![a-z0-9-])(?:iex|invoke-expression)(?=[\s(;'"$|)]|$)/u;
const FORMAT_OPERATOR = /["'](?:\{\d+\}){2,}["']\s*-f\b/u;
const CARET_IN_WORD = /(?<=[a-z0-9])\^(?=[a-z0-9])/giu;
const BACKTICK_IN_WORD = /(?<=[a-z0-9])`(?=[a-z])/giu;
/** Insertions in one command line from which on it counts as obfuscated. */
const OBFUSCATION_MIN = 3;

const DOWNLOAD_CONTENT = /\b(?:downloadstring|downloaddata)\b/u;
const DOWNLOAD_ANY = /net\.webclient|\bdownload(?:string|data|file)\b|\binvoke-webrequest\b|\binvoke-restmethod\b|\biwr\b|\birm\b|\bstart-bitstransfer\b|\bcurl(?:\.exe)?\b|\bwget(?:\.exe)?\b|msxml2\.xmlhttp/u;
const PIPE_TO_SHELL = /\|\s*(?:sudo\s+)?(?:sh|bash|zsh|dash|ksh|python[23]?|perl|pwsh|powershell)\b/u;
const LOLBIN_DOWNLOADS: readonly RegExp[] = [
  re(`\\bcertutil${EXE}\\s[^\\n]*?${D}(?:urlcache|verifyctl)\\b[^\\n]*?(?:https?|ftp)://\\S+`),
  re(`\\bbitsadmin${EXE}\\s[^\\n]*?${D}(?:transfer|addfile)\\b[^\\n]*?(?:(?:https?|ftp)://\\S+|$)`),
  re(`\\bmshta${EXE}\\s+["']?(?:https?://|vbscript:|javascript:)\\S*`),
  re(`\\bregsvr32${EXE}\\s[^\\n]*?${D}i[a-z]*:\\s*["']?(?:https?|ftp)://\\S+`),
];
const URL = /(?:https?|ftp):\/\/[^\s'"()]+/gu;
/**
 * Bootstrap scripts published by the vendor at a fixed address and run exactly so by their documentation; a
 * download-and-run whose every address is one of these is an install, not a cradle.
 */
const VENDOR_BOOTSTRAPS: ReadonlySet<string> = new Set([
  'https://community.chocolatey.org/install.ps1',
  'https://chocolatey.org/install.ps1',
  'https://get.docker.com',
  'https://get.docker.com/',
  'https://sh.rustup.rs',
]);

const LOLBIN_URL = re(`\\b(?:rundll32|regsvr32|mshta|certutil|bitsadmin|msiexec|cmstp)${EXE}\\s[^\\n]*?(?:(?:https?|ftp)://[^\\s'"]+)`);
// Loading a DLL or scriptlet from a share; msiexec from a share is how software is deployed, so it is not here.
const LOLBIN_UNC = re(`\\b(?:rundll32|regsvr32)${EXE}\\s+["']?\\\\{2,}[a-z0-9.-]+\\\\+[^\\s'"]+`);

const CREDENTIAL_DUMPING: readonly (readonly [RegExp, string])[] = [
  [/\b(?:sekurlsa|lsadump|kerberos)::[a-z]+|\bmimikatz(?:\.exe)?\b/u, 'T1003.001'],
  [re(`\\bprocdump(?:64)?${EXE}\\s[^\\n]*?\\blsass(?:\\.exe|\\.dmp)?\\b`), 'T1003.001'],
  [/comsvcs(?:\.dll)?["']?\s*,\s*(?:#\s*\+?0*24\b|minidump\b)/u, 'T1003.001'],
  [re(`\\breg${EXE}\\s+(?:save|export)\\s+["']?(?:hklm|hkey_local_machine)\\\\(?:sam|system|security)["']?(?=\\s|$)`), 'T1003.002'],
  [re(`\\bntdsutil${EXE}\\s[^\\n]*?\\bifm\\b`), 'T1003.003'],
  [/\b(?:copy|xcopy|robocopy|esentutl)(?:\.exe)?\s[^\n]*?\\ntds\.dit\b/u, 'T1003.003'],
];

const PERSISTENCE: readonly (readonly [RegExp, string])[] = [
  [re(`\\bsc${EXE}\\s+(?:\\\\\\\\\\S+\\s+)?create\\s+\\S+`), 'T1543.003'],
  [/\bnew-service\b/u, 'T1543.003'],
  [re(`(?:\\breg${EXE}\\s+add|\\bset-itemproperty|\\bnew-itemproperty)\\s[^\\n]*?\\\\currentversion\\\\run(?:once)?\\b`), 'T1547.001'],
  [re(`\\bschtasks${EXE}\\s[^\\n]*?${D}create\\b`), 'T1053.005'],
  [/\bregister-scheduledtask\b/u, 'T1053.005'],
];
const RUN_KEY = /\\currentversion\\run(?:once)?(?:\\|$)/iu;

const DISCOVERY: readonly (readonly [RegExp, string])[] = [
  [/\bwhoami(?:\.exe)?\b/u, 'T1033'],
  [re(`\\bnet1?${EXE}\\s+(?:user|group|localgroup|accounts)\\b`), 'T1087'],
  [re(`\\bnet1?${EXE}\\s+view\\b`), 'T1018'],
  [/\bnltest(?:\.exe)?\b/u, 'T1018'],
  [re(`\\bipconfig${EXE}\\s+${D}all\\b`), 'T1016'],
  [/\bsysteminfo(?:\.exe)?\b/u, 'T1082'],
  [/\btasklist(?:\.exe)?\b/u, 'T1057'],
  [/\bquser(?:\.exe)?\b|\bquery\s+user\b/u, 'T1033'],
  [re(`\\barp${EXE}\\s+${D}a\\b`), 'T1018'],
  [/\bnetstat(?:\.exe)?\b/u, 'T1049'],
];

const SHELLS = new Set(['powershell', 'pwsh', 'cmd', 'wscript', 'cscript', 'mshta']);
const OFFICE = new Set(['winword', 'excel', 'powerpnt', 'outlook', 'msaccess', 'mspub', 'onenote', 'visio']);
const BROWSERS = new Set(['chrome', 'msedge', 'firefox', 'iexplore', 'brave', 'opera']);
const SERVICE_HOSTS = new Map([['services', 'T1569.002'], ['wmiprvse', 'T1047']]);
const SCRIPT_HOSTS = new Set(['wscript', 'cscript', 'mshta']);
/** A script file a script host runs (`.vbs`, `.js`, `.hta` …), quoted or not; a path of at most 260 characters (MAX_PATH), so the scan stays linear. */
const SCRIPT_FILE = /[a-z]:\\[^"'\r\n]{0,260}?\.(?:vbs|vbe|js|jse|wsf|wsh|hta)\b/u;
const USER_WRITABLE = /\\appdata\\local\\temp\\|\\windows\\temp\\|\\users\\public\\|\\programdata\\|^\/tmp\/|^\/var\/tmp\/|^\/dev\/shm\//u;

const TACTIC: Readonly<Record<string, string>> = {
  T1027: 'Defense Evasion', 'T1059.001': 'Execution', T1105: 'Command and Control', T1218: 'Defense Evasion',
  'T1566.001': 'Initial Access', 'T1204.002': 'Execution', T1204: 'Execution', T1047: 'Execution', 'T1569.002': 'Execution',
  T1003: 'Credential Access', 'T1003.001': 'Credential Access', 'T1003.002': 'Credential Access', 'T1003.003': 'Credential Access',
  'T1543.003': 'Persistence', 'T1547.001': 'Persistence', 'T1053.005': 'Persistence',
  T1033: 'Discovery', T1087: 'Discovery', T1018: 'Discovery', T1016: 'Discovery', T1082: 'Discovery', T1057: 'Discovery', T1049: 'Discovery',
};
const techniques = (ids: Iterable<string>): (readonly [string, string])[] => [...new Set(ids)].map((id) => [id, TACTIC[id] ?? 'Execution'] as const);

/** The executable's name without folder and `.exe`, lower case. */
const exeName = (path: string): string => (path.split(/[\\/]/u).pop() ?? path).toLowerCase().replace(/["']/gu, '').replace(/\.exe$/u, '');

const processes = (alert: Pick<Alert, 'entities'>): Extract<Entity, { type: 'process' }>[] =>
  alert.entities.filter((e): e is Extract<Entity, { type: 'process' }> => e.type === 'process').slice(0, MAX_PROCESSES);

/** Every behaviour the alert's processes (and registry keys) show, one finding per kind. Pure. */
export function findBehaviours(alert: Pick<Alert, 'entities'>): BehaviourFinding[] {
  const procs = processes(alert);
  const lines = [...new Set(procs.flatMap((p) => (p.commandLine === undefined ? [] : [p.commandLine])))].map(prepare);
  const found = new Map<BehaviourKind, { quotes: string[]; ids: Set<string> }>();
  const note = (kind: BehaviourKind, quoteText: string, ...ids: string[]): void => {
    const f = found.get(kind) ?? { quotes: [], ids: new Set<string>() };
    if (f.quotes.length < 3 && !f.quotes.includes(quoteText)) f.quotes.push(quoteText);
    for (const id of ids) f.ids.add(id);
    found.set(kind, f);
  };

  const discovery = new Map<string, { quote: string; id: string }>();
  for (const p of lines) {
    const t = p.text;
    const isPowerShell = POWERSHELL.test(t);
    let m: RegExpExecArray | null;
    if (isPowerShell && (m = ENCODED_SWITCH.exec(t))) note('encoded-command', quoteMatch(p, m), 'T1027', 'T1059.001');
    if ((m = FROM_BASE64.exec(t))) note('encoded-command', quoteMatch(p, m), 'T1027');
    if ((m = INVOKE_EXPRESSION.exec(t))) note('encoded-command', quoteMatch(p, m), 'T1027', 'T1059.001');
    if ((m = FORMAT_OPERATOR.exec(t))) note('encoded-command', quoteMatch(p, m), 'T1027');
    for (const inserted of [CARET_IN_WORD, BACKTICK_IN_WORD]) {
      const hits = [...p.original.matchAll(inserted)];
      const first = hits[0];
      if (hits.length >= OBFUSCATION_MIN && first) note('encoded-command', `${hits.length} inserted «${first[0]}» from «${clipText(p.original.slice(Math.max(0, first.index - 20), first.index + 40), MAX_QUOTE)}»`, 'T1027');
    }
    const joins = [...p.original.matchAll(CONCATENATION)];
    if (joins.length >= 2 && joins[0]) note('encoded-command', `${joins.length} string concatenations from «${clipText(p.original.slice(Math.max(0, joins[0].index - 20), joins[0].index + 40), MAX_QUOTE)}»`, 'T1027');

    const cradle = downloadCradle(p, isPowerShell);
    if (cradle) note('download-cradle', cradle.quote, ...cradle.ids);
    else if ((m = LOLBIN_URL.exec(t) ?? LOLBIN_UNC.exec(t))) note('lolbin-network', quoteMatch(p, m), 'T1218');

    for (const [pattern, id] of CREDENTIAL_DUMPING) if ((m = pattern.exec(t))) note('credential-dumping', quoteMatch(p, m), 'T1003', id);
    for (const [pattern, id] of PERSISTENCE) if ((m = pattern.exec(t))) note('persistence', quoteMatch(p, m), id);
    for (const [pattern, id] of DISCOVERY) {
      if (!discovery.has(pattern.source) && (m = pattern.exec(t))) discovery.set(pattern.source, { quote: quoteMatch(p, m), id });
    }
  }
  if (discovery.size >= DISCOVERY_BURST_MIN) {
    const hits = [...discovery.values()];
    found.set('discovery-burst', { quotes: [`${hits.length} discovery commands: ${hits.map((h) => h.quote).join(', ')}`], ids: new Set(hits.map((h) => h.id)) });
  }

  for (const p of procs) {
    const image = p.value.includes('\\') || p.value.includes('/') ? p.value : undefined;
    const child = exeName(p.name ?? image ?? '');
    const parent = p.parentName === undefined ? undefined : exeName(p.parentName);
    if (parent !== undefined && SHELLS.has(child)) {
      if (OFFICE.has(parent)) note('office-or-browser-child', `«${clipText(p.parentName ?? parent, MAX_QUOTE)}» started «${clipText(p.name ?? child, MAX_QUOTE)}»`, 'T1566.001', 'T1204.002');
      else if (BROWSERS.has(parent)) note('office-or-browser-child', `«${clipText(p.parentName ?? parent, MAX_QUOTE)}» started «${clipText(p.name ?? child, MAX_QUOTE)}»`, 'T1204.002');
      else if (SERVICE_HOSTS.has(parent)) note('service-or-wmi-child', `«${clipText(p.parentName ?? parent, MAX_QUOTE)}» started «${clipText(p.name ?? child, MAX_QUOTE)}»`, SERVICE_HOSTS.get(parent) ?? 'T1047');
    }
    // A script host staging from a user-writable folder: it runs a script kept there, or starts a program kept
    // there (the dropper pattern: `wscript C:\Users\Public\x.vbs` starting `C:\Users\Public\x.exe`). Software
    // installs to Program Files; a script host working out of Temp or Public is how droppers run.
    const staged = image !== undefined ? USER_WRITABLE.exec(image.toLowerCase()) : null;
    if (parent !== undefined && SCRIPT_HOSTS.has(parent) && image !== undefined && staged) {
      note('script-host-staging', `«${clipText(p.parentName ?? parent, MAX_QUOTE)}» started «${clipText(image, MAX_QUOTE)}» from a user-writable folder`, 'T1059.005', 'T1204.002');
    }
    if (SCRIPT_HOSTS.has(child) && p.commandLine !== undefined) {
      const line = p.commandLine.slice(0, MAX_SCAN).toLowerCase();
      const script = SCRIPT_FILE.exec(line);
      if (script && USER_WRITABLE.test(script[0])) note('script-host-staging', `«${clipText(p.name ?? child, MAX_QUOTE)}» runs «${clipText(p.commandLine.slice(script.index, script.index + script[0].length), MAX_QUOTE)}» from a user-writable folder`, 'T1059.005');
    }
    if (image !== undefined) {
      const m = USER_WRITABLE.exec(image.toLowerCase());
      if (m) note('user-writable-path', `«${clipText(image, MAX_QUOTE)}» runs from «${clipText(image.slice(m.index, m.index + m[0].length), MAX_QUOTE)}»`, 'T1204');
    }
  }
  for (const e of alert.entities) {
    if (e.type !== 'registry') continue;
    const key = e.key ?? e.value;
    const m = RUN_KEY.exec(key);
    if (m) note('persistence', `registry «${clipText(key, MAX_QUOTE)}»`, 'T1547.001');
  }

  return ORDER.flatMap((kind) => {
    const f = found.get(kind);
    return f ? [{ kind, evidence: `${DESCRIPTION[kind]}: ${f.quotes.join('; ')}`, techniques: techniques(f.ids) }] : [];
  });
}

function downloadCradle(p: Prepared, isPowerShell: boolean): { quote: string; ids: string[] } | undefined {
  const t = p.text;
  for (const pattern of LOLBIN_DOWNLOADS) {
    const m = pattern.exec(t);
    if (m) return { quote: quoteMatch(p, m), ids: ['T1105', 'T1218'] };
  }
  const content = DOWNLOAD_CONTENT.exec(t);
  const any = content ?? DOWNLOAD_ANY.exec(t);
  const runs = INVOKE_EXPRESSION.exec(t) ?? PIPE_TO_SHELL.exec(t);
  if (!any || (!content && !runs)) return undefined;
  const urls = [...p.original.matchAll(URL)].map((u) => u[0].replace(/[;,]+$/u, ''));
  if (urls.length > 0 && urls.every((u) => VENDOR_BOOTSTRAPS.has(u.toLowerCase()))) return undefined;
  const ids = isPowerShell ? ['T1105', 'T1059.001'] : ['T1105'];
  return { quote: [any, runs].filter((m) => m !== null).map((m) => quoteMatch(p, m)).join(' … '), ids };
}

const ORDER: readonly BehaviourKind[] = [
  'credential-dumping',
  'download-cradle',
  'encoded-command',
  'office-or-browser-child',
  'script-host-staging',
  'lolbin-network',
  'discovery-burst',
  'persistence',
  'service-or-wmi-child',
  'user-writable-path',
];

const DESCRIPTION: Readonly<Record<BehaviourKind, string>> = {
  'encoded-command': 'Encoded or obfuscated command',
  'download-cradle': 'Download cradle (fetches and runs remote content)',
  'lolbin-network': 'System binary proxying execution reaches the network',
  'office-or-browser-child': 'Script host or shell started by an Office application or a browser',
  'service-or-wmi-child': 'Script host or shell started by the service control manager or WMI',
  'user-writable-path': 'Executable runs from a temporary or user-writable folder',
  'script-host-staging': 'Script host runs a script or starts a program kept in a temporary or user-writable folder',
  'credential-dumping': 'Credential-dumping tool or arguments',
  persistence: 'Persistence: service, run key or scheduled task',
  'discovery-burst': 'Burst of discovery commands',
};

/**
 * The alert's ATT&CK mapping with the behaviours' techniques added (basis `text`, medium confidence: read from the
 * command line the alert carries), where the mapping does not already hold the technique in that tactic.
 */
export function withBehaviourAttack(mapped: readonly AttackMapping[], findings: readonly BehaviourFinding[], catalog: AttackCatalog): AttackMapping[] {
  const out = [...mapped];
  const seen = new Set(mapped.map((m) => `${m.techniqueId}|${m.tactic}`));
  for (const f of findings) {
    for (const [id, tacticName] of f.techniques) {
      const tech = catalog.technique(id);
      if (!tech) continue;
      const tactic = tech.tactics.find((t) => t.name === tacticName) ?? tech.tactics[0];
      if (!tactic || seen.has(`${tech.id}|${tactic.name}`) || out.length >= 64) continue;
      seen.add(`${tech.id}|${tactic.name}`);
      out.push({ tactic: tactic.name, techniqueId: tech.id, techniqueName: tech.name, ...(tech.parentId ? { subTechniqueOf: tech.parentId } : {}), confidence: 'medium', basis: 'text', evidence: `behaviour factor behaviour-${f.kind}` });
    }
  }
  return out;
}
