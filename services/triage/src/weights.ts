import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The versioned scoring weights of the deterministic engine; tuning them is a config change, not a code change. */
export const TriageWeights = z
  .object({
    version: z.string().min(1),
    severityBase: z.object({
      informational: z.number(),
      low: z.number(),
      medium: z.number(),
      high: z.number(),
      critical: z.number(),
    }),
    entityHistory: z.object({ pointsPerPriorAlert: z.number(), max: z.number() }),
    recurringRule: z.object({ minPriorAlerts: z.number().int().min(1), points: z.number() }),
    noisyRule: z.object({ minPriorAlerts: z.number().int().min(1), points: z.number() }),
    externalIp: z.object({ pointsEach: z.number(), max: z.number() }),
    attackTechnique: z.object({ points: z.number() }),
    /** Per threat-intel finding, times the source's confidence; capped. */
    threatIntel: z.object({ maliciousPoints: z.number(), suspiciousPoints: z.number(), max: z.number() }),
    /** Points for the most critical asset among the alert's hosts and addresses. */
    assetCriticality: z.object({ low: z.number(), medium: z.number(), high: z.number(), critical: z.number() }),
    /** Once, when an involved account is privileged (privileged group or directory role). */
    privilegedUser: z.object({ points: z.number() }),
    /** Points for the highest Entra ID Protection risk level among the alert's users. */
    userRisk: z.object({ low: z.number(), medium: z.number(), high: z.number() }),
    /** Once, when an entity is on an unexpired allowlist; never positive, so it lowers the score toward benign. */
    allowlisted: z.object({ points: z.number().max(0) }),
    /**
     * Behaviour factors (`src/behaviour.ts`): points per behaviour the alert's processes show, each once; together
     * capped at `max`. The first five are strong behaviours, the rest weak (administrators do them too).
     */
    behaviour: z
      .object({
        encodedCommand: z.number().min(0),
        downloadCradle: z.number().min(0),
        lolbinNetwork: z.number().min(0),
        officeOrBrowserChild: z.number().min(0),
        credentialDumping: z.number().min(0),
        serviceOrWmiChild: z.number().min(0),
        userWritablePath: z.number().min(0),
        scriptHostStaging: z.number().min(0),
        persistence: z.number().min(0),
        discoveryBurst: z.number().min(0),
        max: z.number().min(0),
      })
      .strict(),
    /**
     * Sigma factors (`src/sigma.ts`): points per SigmaHQ rule that matches the alert's process or registry entities,
     * by the rule's level (the same for `test` and `experimental` status); at most `listed` factors, together
     * capped at `max`.
     */
    sigma: z
      .object({
        critical: z.number().min(0),
        high: z.number().min(0),
        medium: z.number().min(0),
        low: z.number().min(0),
        informational: z.number().min(0),
        listed: z.number().int().min(0).max(20),
        max: z.number().min(0),
      })
      .strict(),
    /**
     * What an alert's raw events (`sourceEvents`) show, weighed against the source rule's severity (`eventEvidence`
     * factors in `src/engine.ts`): a Sigma hit of a level, or a strong behaviour, scores the alert at least that
     * level's target whatever the rule's severity; a logged event (not a product's evidence record) that at least
     * `minApplicableRules` Sigma rules read and none of level medium or above matched, showing no strong behaviour,
     * keeps only `nothingFoundSeverityShare` of the severity's points.
     */
    eventEvidence: z
      .object({
        critical: z.number().min(0).max(100),
        high: z.number().min(0).max(100),
        medium: z.number().min(0).max(100),
        strongBehaviour: z.number().min(0).max(100),
        nothingFoundSeverityShare: z.number().min(0).max(1),
        minApplicableRules: z.number().int().min(0),
      })
      .strict(),
    /**
     * Analysts' dispositions of earlier alerts of the same rule, entities and tenant: each scope's net confirmed rate
     * (true minus benign and false positives, over the count plus `pseudoCount`) times its points; capped at ±`max`.
     */
    analystHistory: z.object({
      rulePoints: z.number().min(0),
      entityPoints: z.number().min(0),
      tenantPoints: z.number().min(0),
      pseudoCount: z.number().min(0),
      max: z.number().min(0),
      /**
       * The rule scope per event shape (contracts' `eventShapeOf`): the rule and shape's dispositions once at least
       * `minDispositions` were judged, else the rule's over all shapes with its benign and false positives counted
       * times `ruleFallbackWeight` (its true positives in full).
       */
      shape: z.object({ minDispositions: z.number().int().min(1), ruleFallbackWeight: z.number().min(0).max(1) }).strict(),
    }),
    levels: z.object({ medium: z.number(), high: z.number(), critical: z.number() }),
    verdict: z.object({
      midpoint: z.number(),
      steepness: z.number().positive(),
      falsePositiveShare: z.number().min(0).max(1),
      noisyRuleFalsePositiveShare: z.number().min(0).max(1),
      /** The true-positive likelihood from which the verdict is true positive; below it, the larger of benign and false positive. */
      truePositiveFrom: z.number().min(0).max(1),
      /** Analysts' benign / false-positive dispositions per scope split the non-TP likelihood; `prior` smooths toward the share above. */
      dispositions: z.object({ ruleWeight: z.number().min(0), entityWeight: z.number().min(0), tenantWeight: z.number().min(0), prior: z.number().positive() }),
    }),
  })
  .strict();
export type TriageWeights = z.infer<typeof TriageWeights>;

/** The weights shipped with the service. */
export const DEFAULT_WEIGHTS_PATH = new URL('../config/weights.v1.json', import.meta.url);

/** Reads and validates a weights file; a bad file stops start-up with the reasons. */
export function loadWeights(path: string | URL = DEFAULT_WEIGHTS_PATH): TriageWeights {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const parsed = TriageWeights.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Invalid triage weights file ${String(path)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
