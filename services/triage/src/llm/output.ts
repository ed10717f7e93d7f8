import { z } from 'zod';
import { type ContainmentRunbookV1, CopilotRecommendation, EntityType, VerdictClass, type Entity } from '@soc/contracts';
import { entitiesById, evidenceIds, type CopilotFacts } from './facts.ts';

const id = z.string().min(1).max(2100);
/** An action the copilot recommends (the contract's vocabulary; see `CopilotRecommendation`). */
export const RecommendedAction = CopilotRecommendation;
export type RecommendedAction = z.infer<typeof RecommendedAction>;

/** What the copilot must answer: a summary, a verdict citing evidence, steps, actions and hunt queries. */
export const CopilotOutput = z.object({
  summary: z.string().max(4000),
  verdict: z.object({ class: VerdictClass, confidence: z.number().min(0).max(1) }),
  /** Fact, entity or engine-factor ids. */
  evidence: z.array(id).max(50),
  investigationSteps: z.array(z.string().max(1024)).max(20),
  recommendedActions: z.array(RecommendedAction).max(20),
  huntQueries: z.array(z.string().max(4000)).max(10),
});
export type CopilotOutput = z.infer<typeof CopilotOutput>;

/** The JSON Schema of {@link CopilotOutput}, for `response_format: json_schema`. */
export function copilotOutputJsonSchema(): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(CopilotOutput) as Record<string, unknown>;
  return schema;
}

/** The result of parsing a model's answer. */
export type ParsedOutput = { ok: true; output: CopilotOutput } | { ok: false; problem: string };

const MAX_ANSWER_CHARS = 64 * 1024;

/** Parses the model's text as {@link CopilotOutput}; tolerates a Markdown code fence around the JSON. */
export function parseCopilotOutput(text: string | null | undefined): ParsedOutput {
  if (text === null || text === undefined || text.trim() === '') return { ok: false, problem: 'empty answer' };
  if (text.length > MAX_ANSWER_CHARS) return { ok: false, problem: `answer longer than ${MAX_ANSWER_CHARS} characters` };
  const body = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'answer is not JSON' };
  }
  const parsed = CopilotOutput.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, output: parsed.data };
}

/** Maps the id fields and the text fields of an output separately. */
export function mapOutput(output: CopilotOutput, map: { id: (id: string) => string; text: (text: string) => string }): CopilotOutput {
  const { id, text } = map;
  return {
    summary: text(output.summary),
    verdict: output.verdict,
    evidence: output.evidence.map(id),
    investigationSteps: output.investigationSteps.map(text),
    recommendedActions: output.recommendedActions.map((a) => {
      switch (a.kind) {
        case 'RunContainment':
          return { ...a, target: id(a.target), reason: text(a.reason) };
        case 'GenerateHunt':
          return { ...a, entityIds: a.entityIds.map(id), reason: text(a.reason) };
        case 'CreateTicket':
        case 'Suppress':
        case 'SendEmail':
        case 'PostChat':
          return { ...a, reason: text(a.reason) };
      }
    }),
    huntQueries: output.huntQueries.map(text),
  };
}

const REF = /\b[EFR]\d{1,5}\b/g;

/**
 * Maps the prompt's short refs (E1, F2, R3) back to entity, fact and factor ids, in the id fields and in the
 * text; a ref the prompt did not define is left as it is (and then fails {@link checkOutput}).
 */
export function resolveRefs(output: CopilotOutput, refs: Readonly<Record<string, string>>): CopilotOutput {
  return mapOutput(output, { id: (r) => refs[r.trim()] ?? r, text: (s) => s.replace(REF, (r) => refs[r] ?? r) });
}

/** Why {@link checkOutput} changed something. */
export type RemovalReason =
  | 'unknown-evidence-id'
  | 'verdict-without-evidence'
  | 'unknown-target'
  | 'target-type-mismatch'
  | 'unknown-hunt-entity'
  | 'suppress-without-benign-verdict'
  | 'unknown-entity-in-text'
  | 'hunt-query-denied';

/** One thing removed (or, for text, ignored) by {@link checkOutput}. */
export interface Removal {
  /** Where in the output, e.g. `recommendedActions[1]`. */
  path: string;
  reason: RemovalReason;
  value: string;
}

/** The checked output and everything that was removed from it, with the reason. */
export interface CheckedOutput {
  output: CopilotOutput;
  removed: Removal[];
}

/** The entity types each containment runbook may act on. */
export const RUNBOOK_TARGETS: Readonly<Record<ContainmentRunbookV1, readonly Entity['type'][]>> = {
  'block-ip': ['ip'],
  'block-url': ['url', 'domain'],
  'isolate-host': ['host'],
  'nsg-block-port': ['ip', 'cloud-resource'],
  'rotate-secret': ['user', 'cloud-resource'],
  'disable-user': ['user', 'mailbox'],
};

/** What replaces an entity id in the copilot's text that is not an entity of the case. */
export const NOT_AN_ENTITY = '[not an entity of this case]';
const ENTITY_ID_IN_TEXT = new RegExp(`\\b(?:${EntityType.options.join('|')}):[^\\s,;"'()\\[\\]]{1,256}`, 'g');

/**
 * Holds the model's answer to the facts: evidence must be known ids, a verdict other than needs-more-information
 * needs at least one, actions may only target the case's entities with a runbook fit for their type, and entity
 * ids the text mentions but the facts lack are reported, never added. Pure.
 */
export function checkOutput(output: CopilotOutput, facts: CopilotFacts): CheckedOutput {
  const known = evidenceIds(facts);
  const entities = entitiesById(facts);
  const removed: Removal[] = [];

  const evidence = output.evidence.filter((e, i) => {
    if (known.has(e)) return true;
    removed.push({ path: `evidence[${i}]`, reason: 'unknown-evidence-id', value: e });
    return false;
  });
  let verdict = output.verdict;
  if (verdict.class !== 'needs-more-information' && evidence.length === 0) {
    removed.push({ path: 'verdict', reason: 'verdict-without-evidence', value: verdict.class });
    verdict = { class: 'needs-more-information', confidence: 0 };
  }
  const isBenign = verdict.class === 'false-positive' || verdict.class === 'benign-positive';

  const recommendedActions: RecommendedAction[] = [];
  output.recommendedActions.forEach((a, i) => {
    const path = `recommendedActions[${i}]`;
    switch (a.kind) {
      case 'RunContainment': {
        const target = entities.get(a.target);
        if (target === undefined) removed.push({ path, reason: 'unknown-target', value: `${a.runbook} ${a.target}` });
        else if (!RUNBOOK_TARGETS[a.runbook].includes(target.type)) removed.push({ path, reason: 'target-type-mismatch', value: `${a.runbook} ${a.target}` });
        else recommendedActions.push(a);
        return;
      }
      case 'GenerateHunt': {
        const entityIds = a.entityIds.filter((e, j) => {
          if (entities.has(e)) return true;
          removed.push({ path: `${path}.entityIds[${j}]`, reason: 'unknown-hunt-entity', value: e });
          return false;
        });
        if (entityIds.length > 0 || a.entityIds.length === 0) recommendedActions.push({ ...a, entityIds });
        return;
      }
      case 'Suppress':
        // Suppression is what an injected "mark this as a false positive" wants; only a checked benign verdict earns it.
        if (isBenign) recommendedActions.push(a);
        else removed.push({ path, reason: 'suppress-without-benign-verdict', value: verdict.class });
        return;
      case 'CreateTicket':
      case 'SendEmail':
      case 'PostChat':
        recommendedActions.push(a);
        return;
    }
  });

  const ids = [...entities.keys()];
  // A mention of an entity the case does not have is replaced, so the narrative cannot name a target either.
  const scrub = (path: string, text: string): string =>
    text.replace(ENTITY_ID_IN_TEXT, (match) => {
      const mention = match.replace(/[.:]+$/, '');
      // Ids may contain spaces (command lines), so a mention that starts a known id is that id.
      if (entities.has(mention) || ids.some((id) => id.startsWith(mention))) return match;
      removed.push({ path, reason: 'unknown-entity-in-text', value: mention });
      return `${NOT_AN_ENTITY}${match.slice(mention.length)}`;
    });
  const summary = scrub('summary', output.summary);
  const investigationSteps = output.investigationSteps.map((s, i) => scrub(`investigationSteps[${i}]`, s));

  return { output: { ...output, summary, investigationSteps, verdict, evidence, recommendedActions }, removed };
}
