import type { Severity } from '@soc/contracts';

/**
 * Severity from the Wazuh rule level (0–16). The bands are the Wazuh dashboard's own ("Last 24 hours alerts":
 * critical 15 or higher, high 12–14, medium 7–11, low 0–6), with 0–3 split out as informational because the
 * Wazuh rules classification calls them ignored, system notifications without security relevance and
 * successful/authorized events.
 */
export function severityForLevel(level: number): Severity {
  if (level >= 15) return 'critical';
  if (level >= 12) return 'high';
  if (level >= 7) return 'medium';
  if (level >= 4) return 'low';
  return 'informational';
}

/** The rule level as Wazuh writes it (a number; a numeric string from some forwarders), or undefined. */
export function ruleLevel(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,2}$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : undefined;
}
