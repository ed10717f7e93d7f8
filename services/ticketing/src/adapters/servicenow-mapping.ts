import { z } from 'zod';

const Level = z.number().int().min(1).max(3);
const ImpactUrgency = z.object({ impact: Level, urgency: Level }).strict();

/** Fields the adapter writes itself; a constant field may not overwrite them. */
export const OWN_FIELDS = [
  'short_description',
  'description',
  'impact',
  'urgency',
  'correlation_id',
  'correlation_display',
  'assignment_group',
  'category',
  'caller_id',
  'state',
  'work_notes',
  'close_code',
  'close_notes',
] as const;

/**
 * How our tickets become ServiceNow incidents (`SERVICENOW_FIELD_MAPPING_FILE`, JSON). Every field is optional:
 * the defaults map our priority 1–5 to ServiceNow's default priority lookup (impact × urgency).
 */
export const ServiceNowFieldMapping = z
  .object({
    /** Our priority 1 (most urgent) … 5 → impact and urgency (1 high … 3 low). */
    priorities: z
      .object({ '1': ImpactUrgency, '2': ImpactUrgency, '3': ImpactUrgency, '4': ImpactUrgency, '5': ImpactUrgency })
      .strict()
      .default({
        '1': { impact: 1, urgency: 1 },
        '2': { impact: 1, urgency: 2 },
        '3': { impact: 2, urgency: 2 },
        '4': { impact: 2, urgency: 3 },
        '5': { impact: 3, urgency: 3 },
      }),
    /** `assignment_group` (sys_id) when the decision names none. */
    assignmentGroup: z.string().min(1).max(100).optional(),
    /** `category`, e.g. `security` (the choice value, not the label). */
    category: z.string().min(1).max(100).optional(),
    /** `caller_id` (sys_id of the user the incident is raised for, e.g. a SOC service user). */
    callerId: z.string().min(1).max(100).optional(),
    /** `correlation_display`. */
    correlationDisplay: z.string().min(1).max(100).default('SOC Copilot'),
    /**
     * The `close_code` (the choice value) a case group is resolved with, by the group's disposition. The default is
     * `Solution provided`, one of the base system's close codes in current releases; instances that have a `False
     * positive` choice, or older choices (`Solved (Permanently)`), set theirs here.
     */
    closeCodes: z
      .object({ 'benign-positive': z.string().min(1).max(40), 'false-positive': z.string().min(1).max(40) })
      .strict()
      .default({ 'benign-positive': 'Solution provided', 'false-positive': 'Solution provided' }),
    /** Constant fields set on every new incident (e.g. `{"subcategory": "intrusion"}`); never one of ours. */
    fields: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,79}$/, 'a field name is lower-case letters, digits and _'), z.string().max(1000))
      .default({})
      .refine((f) => !Object.keys(f).some((k) => (OWN_FIELDS as readonly string[]).includes(k)), {
        message: `fields may not set ${OWN_FIELDS.join(', ')} (the adapter writes them)`,
      }),
  })
  .strict();
export type ServiceNowFieldMapping = z.infer<typeof ServiceNowFieldMapping>;
