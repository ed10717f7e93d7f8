import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntityType } from '@soc/contracts';
import { MIN_BUDGET_TOKENS, buildPrompt, neutraliseFences, redact, type CopilotFacts } from '../src/llm/index.ts';
import { caseArb, SCHEMA_WORDS } from './support/hostile-cases.ts';
import { alertOf, caseOf, fact, securityAlertRows } from './support/llm-cases.ts';

/** The structure of a case: everything redaction must leave exactly as it is. */
function structureOf(facts: CopilotFacts): unknown {
  const { alert, enrichment, triage } = facts;
  return {
    alert: { severity: alert.severity, status: alert.status, source: alert.source.name, detectedAt: alert.detectedAt },
    entities: alert.entities.map((e) => ({
      type: e.type,
      origin: e.origin,
      role: e.role,
      algorithm: e.type === 'hash' ? e.algorithm : undefined,
      hashAlgorithms: e.type === 'file' ? e.hashes?.map((h) => h.algorithm) : undefined,
      isInternal: e.type === 'ip' ? e.isInternal : undefined,
      pid: e.type === 'process' ? e.pid : undefined,
      // The `<type>:` of an id is structure; its value part is a value.
      idType: e.id.startsWith(`${e.type}:`) ? e.type : 'other',
    })),
    facts: enrichment.facts.map((f) => ({ kind: f.kind, source: f.source, confidence: f.confidence, attributeKeys: Object.keys(f.attributes) })),
    missing: enrichment.missing.map((m) => m.source),
    factors: triage.risk.factors.map((f) => ({ name: f.name, points: f.points, cites: f.factIds.length })),
    risk: { score: triage.risk.score, level: triage.risk.level, verdict: triage.verdict },
    attack: triage.attack.map((a) => [a.tactic, a.techniqueId, a.techniqueName, a.basis, a.confidence]),
  };
}

interface PromptJson {
  entities: { ref: string; type: string }[];
  factors: { ref: string; name: string }[];
}
const factsJsonOf = (user: string): PromptJson => JSON.parse(user.split('\n')[1] ?? '{}') as PromptJson;

describe('redaction touches values, never structure', () => {
  it('keeps every entity type, origin and role when accounts, hosts and texts are named like schema words', () => {
    const row = securityAlertRows().get('Detected suspicious credentials in commandline')!;
    for (const w of SCHEMA_WORDS) {
      const base = alertOf(row);
      const alert = {
        ...base,
        entities: [
          ...base.entities,
          { id: `user:${w.toLowerCase()}`, type: 'user' as const, value: w, name: w, origin: 'source' as const, role: 'target' as const },
          { id: `host:${w.toLowerCase()}`, type: 'host' as const, value: w, hostname: w, origin: 'source' as const },
          { id: `ip:${w}`, type: 'ip' as const, value: w, origin: 'extracted' as const },
        ],
      };
      const facts = caseOf(alert, [fact(`history:user:${w.toLowerCase()}`, 'history', `${w} seen 3 times`, { [w]: w }, `user:${w.toLowerCase()}`)]);
      const { redacted } = redact(facts);
      expect(structureOf(redacted), w).toEqual(structureOf(facts));
      const prompt = buildPrompt(redacted);
      expect(factsJsonOf(prompt.messages[1]!.content).entities.map((e) => e.type), w).toEqual(alert.entities.map((e) => e.type));
      // The account itself never reaches the model (a one-character name is not worth a placeholder).
      const user = redacted.alert.entities.at(-3)!;
      expect(user, w).toMatchObject({ type: 'user', role: 'target', id: `user:${user.value}` });
      expect(user.value, w).toMatch(/^<USER_\d+>$/);
      expect(redacted.enrichment.facts[0]?.entityId, w).toBe(user.id);
    }
  });

  it('property: for any case the contracts accept, structure survives redaction and buildPrompt answers within the budget', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: MIN_BUDGET_TOKENS, max: 4000 }), fc.constantFrom('redact' as const, 'keep' as const), (facts, budgetTokens, ips) => {
        const { redacted, restore } = redact(facts, { ips, hostnames: ips });
        expect(structureOf(redacted)).toEqual(structureOf(facts));
        const prompt = buildPrompt(redacted, { budgetTokens });
        expect(prompt.estimatedTokens).toBeLessThanOrEqual(budgetTokens);
        const json = factsJsonOf(prompt.messages[1]!.content);
        for (const e of json.entities) {
          expect(EntityType.options).toContain(e.type);
          // A ref is the entity it says it is.
          const i = Number(e.ref.slice(1)) - 1;
          expect(e.type).toBe(facts.alert.entities[i]?.type);
        }
        // Names as rendered: fence words inside the facts JSON are neutralised like any text.
        for (const f of json.factors) expect(f.name).toBe(neutraliseFences(facts.triage.risk.factors[Number(f.ref.slice(1)) - 1]?.name ?? '', prompt.nonce));
        // Every ref the prompt defines names an id of the redacted case, which restores to text, never throws.
        for (const id of Object.values(prompt.refs)) expect(typeof restore(id)).toBe('string');
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
