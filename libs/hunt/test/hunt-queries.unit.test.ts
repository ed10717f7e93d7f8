import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Alert, type Entity } from '@soc/contracts';
import { createKqlGuard } from '@soc/kql';
import { huntQueriesFor } from '../src/hunt-queries.ts';
import { groundKqlCandidate } from '../src/ground-kql.ts';
import { renderKql, renderSpl } from '../src/render.ts';
import { lexSpl } from '../src/spl/lexer.ts';
import { SPL_TEMPLATES } from '../src/spl/templates.ts';
import { KQL_TEMPLATES, type HuntTemplate } from '../src/templates.ts';
import { analyzeAgainst } from '../src/testing/index.ts';

// Normalised fixture alerts of every source (generated with `npx soc normalize`, see test/fixtures/hunt/README.md).
const alerts = readFileSync(new URL('../../../test/fixtures/hunt/normalized-alerts.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => Alert.parse(JSON.parse(l)));
const schemas = (JSON.parse(readFileSync(new URL('../../kql/data/schemas.json', import.meta.url), 'utf8')) as { tables: Record<string, string> }).tables;
const guard = createKqlGuard();

describe('the template catalogue', () => {
  const all: readonly HuntTemplate[] = [...KQL_TEMPLATES, ...SPL_TEMPLATES];

  it('has unique ids, a purpose, tables and every parameter used in the body', () => {
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    for (const t of all) {
      expect(t.purpose.length, t.id).toBeGreaterThan(20);
      expect(t.tables.length, t.id).toBeGreaterThan(0);
      for (const p of t.params) expect(t.body, `${t.id} uses ${p}`).toContain(p);
      for (const a of t.attack) expect(a).toMatch(/^T\d{4}(\.\d{3})?$/);
    }
  });

  it('names real Sentinel content it was adapted from (name and id in the Azure-Sentinel corpus)', () => {
    const corpus = readFileSync(new URL('../../../test/fixtures/kql/sentinel-queries.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; name: string });
    const known = new Set(corpus.map((q) => `${q.name} (${q.id})`));
    for (const t of KQL_TEMPLATES) {
      const cited = [...t.adaptedFrom.matchAll(/"([^"]+)" \(([0-9a-f-]{36})\)/g)].map((m) => `${m[1]} (${m[2]})`);
      expect(cited.length, t.id).toBeGreaterThan(0);
      for (const c of cited) expect(known.has(c), `${t.id} cites ${c}`).toBe(true);
    }
  });

  it('covers every entity kind of the Alert contract with KQL', () => {
    const kinds = new Set(KQL_TEMPLATES.flatMap((t) => t.entityTypes));
    expect([...kinds].sort()).toEqual(['cloud-resource', 'domain', 'file', 'hash', 'host', 'ip', 'mailbox', 'process', 'registry', 'url', 'user']);
  });

  it.each(KQL_TEMPLATES.map((t) => [t.id, t] as const))('%s: Kusto semantic analysis against the table schemas finds nothing unknown', (_id, t) => {
    const r = renderKql(t, Object.fromEntries(t.params.map((p) => [p, 'value'])), 7);
    if (!r.ok) throw new Error(r.rejection.message);
    expect(analyzeAgainst(r.query, Object.fromEntries(t.tables.map((name) => [name, schemas[name] ?? ''])))).toEqual([]);
  });

  it.each(KQL_TEMPLATES.map((t) => [t.id, t] as const))('%s: the guard allows it, reads exactly its tables, knows every column', (_id, t) => {
    const r = renderKql(t, Object.fromEntries(t.params.map((p) => [p, 'value'])), 7);
    if (!r.ok) throw new Error(r.rejection.message);
    const verdict = guard.check(r.query);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.verdict).toBe('allow');
    expect([...verdict.tables].sort()).toEqual([...t.tables].sort());
    expect(verdict.unknownColumns).toEqual([]);
  });
});

describe('huntQueriesFor on the fixture alerts of every source', () => {
  const results = alerts.map((alert) => ({ alert, hunt: huntQueriesFor(alert, guard, { maxQueries: 200, maxPerEntity: 50 }) }));

  it('gives guard-approved KQL for every entity of every alert, all columns known', () => {
    let entities = 0;
    let queries = 0;
    const kinds = new Set<Entity['type']>();
    for (const { alert, hunt } of results) {
      expect(hunt.dropped.filter((d) => d.reason !== 'over-cap'), alert.alertId).toEqual([]);
      for (const entity of alert.entities) {
        const forEntity = hunt.queries.filter((q) => q.entityId === entity.id && q.language === 'kql');
        expect(forEntity.length, `${alert.alertId} ${entity.id}`).toBeGreaterThan(0);
        kinds.add(entity.type);
        entities++;
      }
      for (const q of hunt.queries) {
        expect(q.verdict.verdict).toBe('allow');
        if (q.language === 'kql') expect(q.verdict.unknownColumns).toEqual([]);
        queries++;
      }
    }
    console.log(`hunt: ${alerts.length} alerts, ${entities} entities of ${kinds.size} kinds, ${queries} guard-approved queries`);
    expect(alerts).toHaveLength(110);
    expect(kinds.size).toBe(11);
  });

  it('adds SPL templates for Splunk-sourced alerts only, and the SPL guard allows them', () => {
    for (const { alert, hunt } of results) {
      const spl = hunt.queries.filter((q) => q.language === 'spl');
      if (alert.source.name === 'splunk' && alert.entities.length > 0) expect(spl.length, alert.alertId).toBeGreaterThan(0);
      if (alert.source.name !== 'splunk') expect(spl).toEqual([]);
    }
    const splunk = results.find(({ alert }) => alert.source.name === 'splunk' && alert.entities.some((e) => e.type === 'host'));
    const q = splunk?.hunt.queries.find((x) => x.templateId === 'spl.host.processes');
    expect(q?.query).toMatch(/^\| tstats .* where Processes\.dest="[^"]+" earliest=-7d by /);
    expect(q?.query.endsWith('\n| head 10000')).toBe(true);
  });

  it('bounds the queries per alert and per entity, reporting the rest', () => {
    const big = results.reduce((a, b) => (b.alert.entities.length > a.alert.entities.length ? b : a));
    const capped = huntQueriesFor(big.alert, guard, { maxQueries: 10, maxPerEntity: 2 });
    expect(capped.queries).toHaveLength(10);
    const perEntity = new Map<string, number>();
    for (const q of capped.queries) perEntity.set(q.entityId, (perEntity.get(q.entityId) ?? 0) + 1);
    expect(Math.max(...perEntity.values())).toBeLessThanOrEqual(2);
    expect(capped.dropped.some((d) => d.reason === 'over-cap')).toBe(true);
    expect(() => huntQueriesFor(big.alert, guard, { lookbackDays: 90 })).toThrow(/lookbackDays/);
  });

  it('drops, with its reason, an entity value no literal may carry', () => {
    const base = alerts.find((a) => a.entities.some((e) => e.type === 'ip')) as Alert;
    const alert: Alert = { ...base, entities: [{ id: 'ip:x', type: 'ip', value: '10.0.0.1\u2028| take 1', origin: 'source' }] };
    const hunt = huntQueriesFor(alert, guard);
    expect(hunt.queries).toEqual([]);
    expect(hunt.dropped.map((d) => d.reason)).toEqual(Array(6).fill('literal-rejected'));
    expect(hunt.dropped[0]?.message).toMatch(/^hunt_ip: .*U\+2028/);
  });
});

describe('SPL entity values cannot change the search structure', () => {
  const HOSTILE = ['x" | delete | search "', 'x\\" | delete', 'x\\', '\\\\"', '[ search index=secret ]', "' | delete", 'a | outputlookup x.csv', 'ünï 雪'];
  const REFUSED = ['*', 'a`cleanup`', '``` | delete ```', '$token$', 'a\nb', ''];
  const shape = (query: string): string[] =>
    lexSpl(query, { macros: new Map(), allowUnknownMacros: false, maxExpansion: 1000, maxMacroDepth: 1 }).tokens.map((t) => (t.kind === 'string' ? 'string' : `${t.kind}:${t.text}`));

  it.each(SPL_TEMPLATES.map((t) => [t.id, t] as const))('%s', (_id, t) => {
    const params = (v: string) => Object.fromEntries(t.params.map((p) => [p, v]));
    const plain = renderSpl(t, params('plainvalue'), 7);
    if (!plain.ok) throw new Error(plain.rejection.message);
    for (const v of HOSTILE) {
      const r = renderSpl(t, params(v), 7);
      if (!r.ok) throw new Error(`${v}: ${r.rejection.message}`);
      expect(shape(r.query)).toEqual(shape(plain.query));
    }
    for (const v of REFUSED) expect(renderSpl(t, params(v), 7).ok).toBe(false);
  });
});

describe('groundKqlCandidate', () => {
  it('accepts a guarded query whose tables and columns exist', () => {
    const g = groundKqlCandidate('SigninLogs | where TimeGenerated > ago(1d) | where ResultType != "0" | summarize count() by IPAddress', guard);
    expect(g.problems).toEqual([]);
    expect(g.accepted).toBe(true);
    expect(g.query).toMatch(/take 10000\s*$/);
  });

  it('refuses a made-up column, naming it', () => {
    const g = groundKqlCandidate('SigninLogs | where TimeGenerated > ago(1d) | where AttackerScore > 5', guard);
    expect(g.accepted).toBe(false);
    expect(g.unknownColumns.map((c) => `${c.table}.${c.column}`)).toEqual(['SigninLogs.AttackerScore']);
  });

  it('refuses what the guard denies, with the guard reasons', () => {
    const g = groundKqlCandidate('SigninLogs | take 5 | join (externaldata (x:string) [@"https://evil.example/a.csv"]) on $left.UserPrincipalName == $right.x', guard);
    expect(g.accepted).toBe(false);
    expect(g.verdict.verdict).toBe('deny');
    expect(g.problems.length).toBeGreaterThan(0);
  });

  it('refuses tables the workspace does not have when told which it has', () => {
    const g = groundKqlCandidate('SigninLogs | take 5', guard, { knownTables: new Set(['SecurityEvent']) });
    expect(g.accepted).toBe(false);
    expect(g.unknownTables).toEqual(['SigninLogs']);
    expect(groundKqlCandidate('', guard).accepted).toBe(false);
  });
});
