import { z } from 'zod';

/**
 * The response of `GET /api/v1/kpis` as a zod schema, for the API's OpenAPI document (zod-openapi) and the tests that
 * check responses against it. `src/kpi-reader.ts` (`KpiReport`) is what produces it.
 */
const count = z.number().int().min(0);
const nullableCount = count.nullable();
const definition = z.string().min(1);

const DurationKpi = z.strictObject({
  meanSeconds: z.number().min(0).nullable(),
  p90Seconds: z.number().min(0).nullable(),
  cases: count,
  definition,
});

const RateKpi = z.strictObject({
  value: z.number().min(0).nullable(),
  numerator: count,
  denominator: count,
  definition,
});

const SlaKpi = z.strictObject({ targetMinutes: z.number().int().min(1), cases: count, pastSla: nullableCount, openPastSla: nullableCount });
const severity = z.enum(['informational', 'low', 'medium', 'high', 'critical']);

/** The KPIs of one tenant over the window. */
export const KpisSchema = z.strictObject({
  cases: count,
  timeToTriage: DurationKpi,
  timeToDisposition: DurationKpi,
  falsePositiveClosure: DurationKpi,
  alertsPerAnalystPerShift: RateKpi.extend({ analysts: count, shiftHours: z.number().int().min(1).max(24) }),
  escalationRate: RateKpi,
  truePositiveRate: RateKpi,
  engineOverrideRate: RateKpi,
  copilotOverrideRate: RateKpi,
  llm: z.strictObject({
    verdicts: count,
    calls: nullableCount,
    failed: nullableCount,
    tokens: nullableCount,
    cost: z.number().min(0).nullable(),
    callsPerVerdict: z.number().min(0).nullable(),
    tokensPerVerdict: z.number().min(0).nullable(),
    costPerVerdict: z.number().min(0).nullable(),
    definition,
  }),
  deadLetters: z.strictObject({ messages: nullableCount, cases: nullableCount, definition }),
  sla: z.strictObject({ definition, bySeverity: z.partialRecord(severity, SlaKpi) }),
});

/** `GET /api/v1/kpis` → 200. */
export const KpiReportSchema = z.strictObject({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  generatedAt: z.iso.datetime(),
  scope: z.strictObject({ summariesRead: count, limit: z.number().int().min(1), truncated: z.boolean() }),
  tenants: z.record(z.string(), KpisSchema),
  quarantine: z.strictObject({ payloads: count, replayed: count, truncated: z.boolean(), definition }).nullable(),
});
