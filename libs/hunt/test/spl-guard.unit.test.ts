import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_SPL_COMMANDS, checkSpl, defaultSplPolicy, relativeLookbackSeconds, type SplPolicy } from '../src/spl/guard.ts';
import { SPL_TEMPLATES } from '../src/spl/templates.ts';
import type { SplMacro } from '../src/spl/lexer.ts';

const fixture = <T>(name: string): T[] =>
  readFileSync(new URL(`../../../test/fixtures/spl/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

interface Detection {
  id: string;
  name: string;
  deprecated: boolean;
  search: string;
}
const detections = fixture<Detection>('splunk-detections.jsonl');
const contentMacros = fixture<SplMacro>('macros.jsonl');
// security_content ships every `<detection>_filter` macro as `search *` for sites to edit, and relies on the CIM
// app's `drop_dm_object_name(1)`; neither is in macros/*.yml, so they are defined here as those products define them.
const filterMacros = [...new Set(detections.flatMap((d) => [...d.search.matchAll(/`([a-z0-9_]+_filter)`/g)].map((m) => m[1] as string)))].map(
  (name): SplMacro => ({ name, definition: 'search *', arguments: null }),
);
const cimMacros: SplMacro[] = [{ name: 'drop_dm_object_name', definition: 'rename $object$.* AS *', arguments: ['object'] }];
const contentPolicy = defaultSplPolicy({ macros: [...contentMacros, ...filterMacros, ...cimMacros] });

// Macros of the adversarial corpus: ways to hide a denied command behind a name.
const hostileMacros: SplMacro[] = [
  { name: 'cleanup', definition: 'delete' },
  { name: 'save_to', definition: 'outputlookup $file$', arguments: ['file'] },
  { name: 'wrapper', definition: '| `notify`' },
  { name: 'notify', definition: 'sendemail to=x@y.example' },
];
const corpusPolicy: SplPolicy = defaultSplPolicy({ macros: [...contentMacros, ...hostileMacros] });

describe('SPL guard on the real splunk/security_content detections', () => {
  it('allows every detection except those that truly use a denied command or a macro nobody defined', () => {
    const verdicts = detections.map((d) => ({ d, v: checkSpl(d.search, contentPolicy) }));
    const allowed = verdicts.filter(({ v }) => v.verdict === 'allow');
    const usesDenied = verdicts.filter(({ v }) => v.reasons.some((r) => r.code === 'denied-command'));
    const otherDenials = verdicts.filter(({ v }) => v.verdict === 'deny' && !v.reasons.some((r) => r.code === 'denied-command'));
    const deniedCommands = new Set(usesDenied.flatMap(({ v }) => v.reasons.filter((r) => r.code === 'denied-command').map((r) => /'(\w+)'/.exec(r.message)?.[1])));
    console.log(
      `SPL guard: ${detections.length} detections, ${allowed.length} allowed (${((100 * allowed.length) / detections.length).toFixed(1)}%), ` +
        `${usesDenied.length} use a denied command (${[...deniedCommands].join(', ')}), ${otherDenials.length} denied otherwise: ` +
        otherDenials.map(({ d, v }) => `${d.name} [${[...new Set(v.reasons.map((r) => r.code))].join(',')}]`).join('; '),
    );
    expect(detections).toHaveLength(847);
    expect(allowed.length).toBe(832);
    expect([...deniedCommands].sort()).toEqual(['map', 'outputlookup']);
    expect(usesDenied).toHaveLength(13);
    // The two left use Enterprise Security macros security_content does not define; a macro nobody can see is denied.
    expect(otherDenials.map(({ d }) => d.name).sort()).toEqual(['Detection of DNS Tunnels', 'Excessive DNS Failures']);
    expect(new Set(otherDenials.flatMap(({ v }) => v.reasons.map((r) => r.code)))).toEqual(new Set(['unknown-macro']));
    expect(otherDenials.flatMap(({ v }) => v.reasons.map((r) => r.message)).join(' ')).toMatch(/cim_corporate_web_domain_search\(1\)|get_asset\(1\)/);
    // Each denied-command position points at the command's name (or the macro that expands to it) in the search.
    for (const { d, v } of usesDenied) {
      for (const r of v.reasons.filter((x) => x.code === 'denied-command')) expect(d.search.slice(r.start, r.end).toLowerCase()).toMatch(/^(map|outputlookup)$/);
    }
  });

  it('finds the commands of a real detection in order, through macros and subsearches', () => {
    const d = detections.find((x) => x.name === 'Detect New Login Attempts to Routers') as Detection;
    const v = checkSpl(d.search, contentPolicy);
    expect(v.verdict).toBe('allow');
    expect(v.commands.map((c) => c.name)).toEqual(['tstats', 'eval', 'where', 'convert', 'convert', 'rename', 'search']);
    expect(v.commands.filter((c) => c.macro !== undefined).map((c) => c.macro)).toEqual([
      'security_content_ctime', 'security_content_ctime', 'drop_dm_object_name', 'detect_new_login_attempts_to_routers_filter',
    ]);
    expect(v.query.endsWith('\n| head 10000')).toBe(true);
    expect(v.earliestTime).toBe('-30d');
  });
});

describe('SPL guard corpus', () => {
  const adversarial = fixture<{ id: string; query: string; code: string; command?: string }>('adversarial.jsonl');
  const lookalikes = fixture<{ id: string; query: string }>('lookalikes.jsonl');

  it.each(adversarial.map((a) => [a.id, a] as const))('denies %s for the right reason', (_id, a) => {
    const v = checkSpl(a.query, corpusPolicy);
    expect(v.verdict).toBe('deny');
    const reason = v.reasons.find((r) => r.code === a.code);
    expect(reason, JSON.stringify(v.reasons)).toBeDefined();
    if (a.command !== undefined) expect(reason?.message).toContain(`'${a.command}'`);
    expect(reason && reason.start >= 0 && reason.end <= a.query.length && reason.start <= reason.end).toBe(true);
  });

  it.each(lookalikes.map((l) => [l.id, l] as const))('allows look-alike %s', (_id, l) => {
    const v = checkSpl(l.query, corpusPolicy);
    expect(v.reasons).toEqual([]);
    expect(v.verdict).toBe('allow');
  });

  it('denies a command on neither list unless the policy allows it, and the denied list binds whatever the allow-list says', () => {
    const query = 'index=main | acmeexport target=x | stats count';
    expect(checkSpl(query).reasons.map((r) => [r.code, query.slice(r.start, r.end)])).toEqual([['command-not-allowed', 'acmeexport']]);
    const extended = defaultSplPolicy({ allowedCommands: new Set([...ALLOWED_SPL_COMMANDS, 'acmeexport', 'delete']) });
    expect(checkSpl(query, extended).verdict).toBe('allow');
    expect(checkSpl('index=main | delete', extended).reasons.map((r) => r.code)).toEqual(['denied-command']);
    expect(checkSpl(query, defaultSplPolicy({ allowedCommands: '*' })).verdict).toBe('allow');
    expect(checkSpl('index=main | delete', defaultSplPolicy({ allowedCommands: '*' })).verdict).toBe('deny');
    // Every command the shipped SPL templates use is on the default list.
    const used = SPL_TEMPLATES.flatMap((t) => checkSpl(t.body).commands.map((c) => `${t.id}: ${c.name}`));
    expect(used.length).toBeGreaterThan(SPL_TEMPLATES.length);
    expect(used.filter((u) => !ALLOWED_SPL_COMMANDS.has(u.split(': ')[1] as string))).toEqual([]);
  });

  it('reports a denied command at its position in the query', () => {
    const query = 'index=main msg="| delete" | stats count [ search index=x | delete ]';
    const v = checkSpl(query, corpusPolicy);
    expect(v.reasons.map((r) => [r.code, query.slice(r.start, r.end)])).toEqual([['denied-command', 'delete']]);
    expect(v.reasons[0]?.start).toBe(query.lastIndexOf('delete'));
    expect(v.commands.map((c) => [c.name, c.depth])).toEqual([['search', 0], ['stats', 0], ['search', 1], ['delete', 1]]);
  });

  it('points a denial inside a macro at the macro reference', () => {
    const query = 'index=main | `cleanup`';
    const v = checkSpl(query, corpusPolicy);
    expect(query.slice(v.reasons[0]?.start, v.reasons[0]?.end)).toBe('`cleanup`');
    expect(v.reasons[0]?.message).toContain('from macro `cleanup`');
  });

  it('caps rows, length and subsearch depth', () => {
    expect(checkSpl('index=main | stats count', defaultSplPolicy({ rowCap: 50 })).query).toBe('index=main | stats count\n| head 50');
    expect(checkSpl('x'.repeat(20_001)).reasons.map((r) => r.code)).toEqual(['too-long']);
    expect(checkSpl(`${'[ search '.repeat(20)}x${' ]'.repeat(20)}`).reasons.map((r) => r.code)).toContain('subsearch-too-deep');
  });

  it('reads relative times', () => {
    expect(relativeLookbackSeconds('-30d')).toBe(30 * 86_400);
    expect(relativeLookbackSeconds('-30d@d')).toBe(30 * 86_400);
    expect(relativeLookbackSeconds('-70m@m')).toBe(4200);
    expect(relativeLookbackSeconds('-1mon')).toBe(31 * 86_400);
    expect(relativeLookbackSeconds('@d')).toBe(86_400);
    expect(relativeLookbackSeconds('now')).toBe(0);
    expect(relativeLookbackSeconds('0')).toBeUndefined();
    expect(relativeLookbackSeconds('$starttime$')).toBeUndefined();
    expect(relativeLookbackSeconds('1595939700')).toBeUndefined();
  });

  it('never throws and stays linear on hostile input (fast-check, and a 20,000-character worst case)', () => {
    const chars = fc.constantFrom('|', '[', ']', '"', '\\', '`', '```', ' ', 'delete', 'search', 'earliest=', '-9d', 'x', '\n', "'");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 80 }), (parts) => {
        const v = checkSpl(parts.join(''), corpusPolicy);
        return (v.verdict === 'allow') === (v.reasons.length === 0);
      }),
      { numRuns: 1000 },
    );
    const worst = ['"\\'.repeat(6_000), '['.repeat(19_000), '`x'.repeat(9_000), '|'.repeat(19_999)];
    for (const q of worst) expect(checkSpl(q, corpusPolicy).verdict).toBe('deny');
  });
});
