import fc from 'fast-check';
import {
  Alert,
  AlertStatus,
  AttackMapping,
  EntityOrigin,
  EntityType,
  Enrichment,
  Fact,
  HashAlgorithm,
  Severity,
  SourceName,
  Triage,
  VerdictClass,
  type AlertInput,
} from '@soc/contracts';
import type { CopilotFacts } from '../../src/llm/index.ts';

/**
 * Every word the copilot's documents use as structure or vocabulary (entity types, origins, roles, severities,
 * statuses, algorithms, fact kinds, verdicts, levels, bases, keys), the placeholders redaction writes, the prompt's
 * refs and fence words, and names JavaScript objects treat specially. An account may be called any of them.
 */
export const SCHEMA_WORDS: readonly string[] = [
  ...new Set([
    ...EntityType.options,
    ...EntityOrigin.options,
    'actor',
    'target',
    'related',
    ...Severity.options,
    ...AlertStatus.options,
    ...HashAlgorithm.options,
    ...Fact.shape.kind.options,
    ...VerdictClass.options,
    ...AttackMapping.shape.basis.options,
    ...SourceName.options,
    'deterministic',
    'llm',
    'type',
    'id',
    'value',
    'kind',
    'role',
    'origin',
    'severity',
    'status',
    'algorithm',
    'source',
    'name',
    'entityId',
    'factor',
    'USER',
    'HOST',
    'IP',
    'EMAIL',
    'SECRET',
    '<USER_1>',
    '<HOST_1>',
    '<IP_2>',
    '<EMAIL_1>',
    '<SECRET_1>',
    'USER_1',
    'E1',
    'F1',
    'R1',
    'U1',
    'UNTRUSTED-',
    '<<<',
    '>>>',
    '__proto__',
    'constructor',
    'toString',
    'user:USER',
  ]),
];

const word = fc.constantFrom(...SCHEMA_WORDS, ...SCHEMA_WORDS.map((w) => w.toUpperCase()));
/** Strings an attacker may write: schema words, placeholders, arbitrary text (any code points), and mixes of them. */
export const hostile = (maxLength = 60): fc.Arbitrary<string> =>
  fc
    .oneof(
      word,
      fc.string({ minLength: 1, maxLength }),
      fc.string({ unit: 'binary', minLength: 1, maxLength }),
      fc.tuple(word, fc.constantFrom(' ', ':', '\\', '@', '.', '/', '='), word).map(([a, s, b]) => `${a}${s}${b}`),
    )
    .map((s) => s.slice(0, maxLength));

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const common = (type: string) =>
  fc.record({ value: hostile(), origin: fc.constantFrom(...EntityOrigin.options), role: opt(fc.constantFrom('actor' as const, 'target' as const, 'related' as const)), idStyle: fc.boolean() }).map(({ idStyle, value, ...rest }) => ({
    ...rest,
    value,
    // Mostly the `<type>:<value>` convention, sometimes any id at all.
    id: idStyle ? `${type}:${value.toLowerCase()}` : value,
  }));

/** A valid entity of any type, with hostile strings in every string field. */
export const entityArb = fc.oneof(
  common('ip').chain((b) => fc.record({ isInternal: opt(fc.boolean()) }).map((x) => ({ ...b, ...x, type: 'ip' as const }))),
  common('host').chain((b) => fc.record({ hostname: opt(hostile()), fqdn: opt(hostile()), os: opt(hostile()), deviceId: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'host' as const }))),
  common('user').chain((b) =>
    fc.record({ name: opt(hostile()), domain: opt(hostile()), upn: opt(hostile()), sid: opt(hostile()), objectId: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'user' as const })),
  ),
  common('hash').chain((b) => fc.record({ algorithm: fc.constantFrom(...HashAlgorithm.options) }).map((x) => ({ ...b, ...x, type: 'hash' as const }))),
  common('file').chain((b) =>
    fc
      .record({ name: opt(hostile()), path: opt(hostile()), hashes: opt(fc.array(fc.record({ algorithm: fc.constantFrom(...HashAlgorithm.options), value: hostile() }), { maxLength: 2 })) })
      .map((x) => ({ ...b, ...x, type: 'file' as const })),
  ),
  common('process').chain((b) =>
    fc.record({ name: opt(hostile()), commandLine: opt(hostile(400)), pid: opt(fc.integer()), parentName: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'process' as const })),
  ),
  common('url').map((b) => ({ ...b, type: 'url' as const })),
  common('domain').map((b) => ({ ...b, type: 'domain' as const })),
  common('mailbox').chain((b) => fc.record({ displayName: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'mailbox' as const }))),
  common('registry').chain((b) => fc.record({ key: opt(hostile()), valueName: opt(hostile()), data: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'registry' as const }))),
  common('cloud-resource').chain((b) => fc.record({ provider: opt(hostile()), resourceType: opt(hostile()) }).map((x) => ({ ...b, ...x, type: 'cloud-resource' as const }))),
);

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const attributeKey = fc.oneof(fc.constantFrom('title', 'commandLine', 'subject', 'fileName', 'query', 'reportUrl', '__proto__', 'constructor'), word, fc.string({ minLength: 1, maxLength: 20 }));

/** A valid case (alert, enrichment, triage) as the contracts accept it, with hostile strings everywhere. */
export const caseArb: fc.Arbitrary<CopilotFacts> = fc
  .record({
    entities: fc.array(entityArb, { maxLength: 8 }),
    title: hostile(1024),
    description: hostile(3000),
    severity: fc.constantFrom(...Severity.options),
    status: fc.constantFrom(...AlertStatus.options),
    source: fc.record({ name: fc.constantFrom(...SourceName.options), product: opt(hostile(256)), vendor: opt(hostile(256)), vendorAlertId: hostile(512) }),
    rule: opt(fc.record({ id: opt(hostile(512)), name: opt(hostile(1024)) })),
    labels: fc.array(hostile(256), { maxLength: 6 }),
    facts: fc.array(
      fc.record({
        id: hostile(256),
        kind: fc.constantFrom(...Fact.shape.kind.options),
        entityIndex: opt(fc.nat(8)),
        source: hostile(128),
        confidence: opt(unit),
        statement: hostile(2048),
        attributes: fc.dictionary(attributeKey, fc.oneof(hostile(300), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
      }),
      { maxLength: 8 },
    ),
    missing: fc.array(fc.record({ source: hostile(), reason: hostile(1024) }), { maxLength: 12 }),
    factors: fc.uniqueArray(
      fc.record({ name: hostile(128), points: fc.integer({ min: -100, max: 100 }), evidence: hostile(2048), factIndexes: fc.array(fc.nat(8), { maxLength: 3 }) }),
      { maxLength: 64, selector: (f) => f.name },
    ),
    level: fc.constantFrom('low' as const, 'medium' as const, 'high' as const, 'critical' as const),
    verdict: fc.constantFrom(...VerdictClass.options),
    likelihoods: fc.record({ truePositive: unit, benignPositive: unit, falsePositive: unit }),
    summary: hostile(500),
    nextSteps: fc.array(hostile(300), { maxLength: 4 }),
    attack: fc.array(fc.record({ tactic: opt(hostile(128)), techniqueName: opt(hostile(256)), confidence: unit, basis: fc.constantFrom(...AttackMapping.shape.basis.options) }), { maxLength: 4 }),
  })
  .map((c): CopilotFacts => {
    const alert = Alert.parse({
      schemaVersion: 1,
      alertId: 'alt-hostile',
      tenantId: 'contoso',
      source: c.source,
      title: c.title,
      description: c.description,
      severity: c.severity,
      status: c.status,
      detectedAt: '2026-11-23T09:59:00.000Z',
      rule: c.rule,
      entities: c.entities,
      labels: c.labels,
    } satisfies AlertInput);
    const facts = c.facts.map((f) => {
      const entity = f.entityIndex === undefined ? undefined : alert.entities[f.entityIndex];
      return Fact.parse({ ...f, entityIndex: undefined, entityId: entity?.id, observedAt: '2026-11-23T09:00:00Z' });
    });
    const enrichment = Enrichment.parse({ facts, missing: c.missing });
    const triage = Triage.parse({
      engine: { name: 'deterministic', version: '1' },
      risk: {
        score: 50,
        level: c.level,
        factors: c.factors.map((f) => ({ name: f.name, points: f.points, evidence: f.evidence, factIds: f.factIndexes.flatMap((i) => (facts[i] === undefined ? [] : [facts[i].id])) })),
      },
      verdict: { class: c.verdict, likelihoods: c.likelihoods },
      summary: c.summary,
      nextSteps: c.nextSteps,
      attack: c.attack,
    });
    return { alert, enrichment, triage };
  });
