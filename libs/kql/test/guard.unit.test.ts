import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKqlGuard, KqlPolicy } from '../src/index.ts';

const guard = createKqlGuard();
const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/kql/${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; query: string; reason?: string });

describe('adversarial queries', () => {
  it.each(fixture('adversarial').map((q) => [q.id, q] as const))('%s is denied for the right reason', (_id, q) => {
    const verdict = guard.check(q.query);
    expect(verdict.verdict).toBe('deny');
    expect(verdict.reasons.map((r) => r.code)).toContain(q.reason);
    // A denied query is returned as given: nothing runs it.
    expect(verdict.query).toBe(q.query);
    for (const r of verdict.reasons) expect(r.end).toBeGreaterThanOrEqual(r.start);
  });
});

describe('benign look-alikes', () => {
  it.each(fixture('benign').map((q) => [q.id, q] as const))('%s is allowed', (_id, q) => {
    const verdict = guard.check(q.query);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.verdict).toBe('allow');
  });
});

describe('what a verdict says', () => {
  it('names the tables read through let, functions, joins and unions', () => {
    const verdict = guard.check(
      'let signins = () { SigninLogs | where ResultType != "0" };\nlet t = (name:string) { table(name) };\nsignins() | join (t("AuditLogs")) on $left.UserPrincipalName == $right.Identity | union (SecurityEvent | take 1)',
    );
    expect(verdict).toMatchObject({ verdict: 'allow', tables: ['AuditLogs', 'SecurityEvent', 'SigninLogs'], maxLookback: 'P30D', rowCap: 10000 });
  });

  it('points each reason at its place in the query', () => {
    const query = 'SigninLogs | evaluate python(typeof(*), "x") | join (externaldata (a:string) [@"https://x"]) on a';
    const reasons = guard.check(query).reasons;
    expect(reasons.map((r) => [r.code, query.slice(r.start, r.end)])).toEqual([
      ['plugin-denied', 'evaluate python(typeof(*), "x")'],
      ['externaldata', 'externaldata (a:string) [@"https://x"]'],
    ]);
  });

  it('reports columns the schema lacks as warnings, not denials', () => {
    const verdict = guard.check('SigninLogs | where UserPrincipalNam == "a" | project IPAddress');
    expect(verdict.verdict).toBe('allow');
    expect(verdict.unknownColumns).toEqual([{ table: 'SigninLogs', column: 'UserPrincipalNam', start: 19, end: 35 }]);
  });

  it('denies unknown tables under a list policy, allows them under *', () => {
    expect(guard.check('MyCustom_CL | take 1').reasons.map((r) => r.code)).toEqual(['unknown-table']);
    const listed = createKqlGuard(KqlPolicy.parse({ tables: ['SigninLogs'] }));
    expect(listed.check('SecurityEvent | take 1').reasons.map((r) => r.code)).toEqual(['table-not-allowed']);
    expect(listed.check('SigninLogs | take 1').verdict).toBe('allow');
    const any = createKqlGuard(KqlPolicy.parse({ tables: '*' }));
    expect(any.check('MyCustom_CL | take 1')).toMatchObject({ verdict: 'allow', tables: ['MyCustom_CL'] });
    expect(any.check('MyCustom_CL | evaluate http_request("x")').reasons.map((r) => r.code)).toEqual(['plugin-denied']);
  });

  it('lets a policy allow cross-scope functions and more plugins, but never an always-denied plugin', () => {
    const open = createKqlGuard(KqlPolicy.parse({ allowedCrossScope: ['workspace'], allowedPlugins: ['http_request', 'autocluster'] }));
    expect(open.check('workspace("x").SigninLogs | take 1').reasons.map((r) => r.code)).not.toContain('cross-scope');
    expect(open.check('app("x").requests').reasons.map((r) => r.code)).toContain('cross-scope');
    expect(open.check('SigninLogs | evaluate http_request("x")').reasons.map((r) => r.code)).toEqual(['plugin-denied']);
    expect(open.check('SigninLogs | evaluate bag_unpack(LocationDetails)').reasons.map((r) => r.code)).toEqual(['plugin-not-allowed']);
  });

  it('checks the table an allowed cross-scope reference reads against the allow-list, however the scope is written', () => {
    const scoped = createKqlGuard(KqlPolicy.parse({ tables: ['SigninLogs'], allowedCrossScope: ['workspace', 'cluster', 'database'] }));
    const denied = (query: string) => scoped.check(query).reasons.map((r) => [r.code, query.slice(r.start, r.end)]);
    expect(scoped.check('workspace("other").SigninLogs | take 1')).toMatchObject({ verdict: 'allow', tables: ['SigninLogs'] });
    expect(denied('workspace("other").SecurityEvent | take 1')).toEqual([['table-not-allowed', 'workspace("other").SecurityEvent']]);
    expect(denied("union SigninLogs, workspace('x').['AuditLogs'] | take 1")).toEqual([['table-not-allowed', "workspace('x').['AuditLogs']"]]);
    expect(denied('(workspace("x")).AuditLogs | take 1')).toEqual([['table-not-allowed', '(workspace("x")).AuditLogs']]);
    expect(denied('cluster("c").database("d").Secrets | take 1')).toEqual([['table-not-allowed', 'cluster("c").database("d").Secrets']]);
    expect(denied('database("d").ReadSecrets() | take 1')).toEqual([['table-not-allowed', 'database("d").ReadSecrets()']]);
    expect(denied('let w = workspace("x");\nw.SecurityEvent | take 1')).toEqual([['table-not-allowed', 'w.SecurityEvent']]);
    // Dynamic property paths are not scopes.
    expect(scoped.check('SigninLogs | extend city = parse_json(LocationDetails).geoCoordinates.city | take 1').verdict).toBe('allow');
  });

  it('enforces the length limit before parsing', () => {
    const short = createKqlGuard(KqlPolicy.parse({ maxQueryLength: 20 }));
    expect(short.check('SigninLogs | take 1 | take 2')).toMatchObject({ verdict: 'deny', reasons: [{ code: 'query-too-long', start: 20, end: 28 }] });
  });
});

describe('the row cap', () => {
  const capped = (query: string) => createKqlGuard(KqlPolicy.parse({ rowCap: 50 })).check(query).query;

  it('appends | take N after the final statement, leaving lets, a trailing ; and comments in place', () => {
    expect(capped('SigninLogs')).toBe('SigninLogs\n| take 50');
    expect(capped('let x = 1d;\nSigninLogs | where TimeGenerated > ago(x);\n// done\n')).toBe(
      'let x = 1d;\nSigninLogs | where TimeGenerated > ago(x)\n| take 50;\n// done\n',
    );
    expect(capped('SigninLogs | take 5 // last rows')).toBe('SigninLogs | take 5\n| take 50 // last rows');
  });

  it('goes in front of a final render, which must stay last', () => {
    expect(capped('SigninLogs | summarize count() by bin(TimeGenerated, 1h) | render timechart')).toBe(
      'SigninLogs | summarize count() by bin(TimeGenerated, 1h) | take 50\n| render timechart',
    );
  });

  it('produces a query the guard allows again', () => {
    for (const query of ['SigninLogs;', 'let a = SigninLogs; a | take 3 // x', 'print 1']) {
      const once = createKqlGuard().check(query);
      expect(once.verdict, query).toBe('allow');
      expect(createKqlGuard().check(once.query).verdict, once.query).toBe('allow');
    }
  });
});

describe('hostile input', () => {
  it('gives a verdict, never an exception, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), kqlish()), (text) => {
        const verdict = guard.check(text);
        expect(['allow', 'deny']).toContain(verdict.verdict);
        expect(verdict.verdict === 'allow').toBe(verdict.reasons.length === 0);
      }),
      { numRuns: 150 },
    );
  });

  it('denies a 1 MB string and deep nesting before the parser sees them', () => {
    expect(guard.check('a'.repeat(1_000_000)).reasons.map((r) => r.code)).toEqual(['query-too-long']);
    const nested = `print ${'('.repeat(3000)}1${')'.repeat(3000)}`.slice(0, 20_000);
    expect(guard.check(nested).reasons).toEqual([{ code: 'too-deeply-nested', message: 'Brackets nest 3000 deep; the policy allows 64', start: 3005, end: 3006 }]);
    expect(guard.check('('.repeat(15_000)).reasons.map((r) => r.code)).toEqual(['too-deeply-nested']);
    // Brackets inside strings and comments are not nesting.
    expect(guard.check(`SigninLogs | where UserPrincipalName == "${'('.repeat(500)}" // ${'['.repeat(500)}`).verdict).toBe('allow');
    expect(guard.check(`print ${'('.repeat(60)}1${')'.repeat(60)}`).verdict).toBe('allow');
  });

  it('denies union * without binding every table', () => {
    expect(guard.check('union * | where TimeGenerated > ago(1h) | summarize count() by Type').reasons.map((r) => r.code)).toEqual(['wildcard-table']);
  });
});

/** Strings built from KQL fragments, so the property also reaches the binder and the rules. */
function kqlish() {
  const parts = ['SigninLogs', ' | ', 'where ', 'take 1', ';', '.drop ', 'evaluate ', 'http_request(', 'bag_unpack(', ')', '"', "'", '//', '\n', 'let x = ', '(', 'union ', '*', 'externaldata', 'table(', 'workspace("a").', 'ago(40d)', ' and ', '{', '}'];
  return fc.array(fc.constantFrom(...parts), { maxLength: 25 }).map((a) => a.join(''));
}
