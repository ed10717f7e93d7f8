import type { Severity } from '@soc/contracts';

/**
 * CEF severity → common severity. The ArcSight spec defines integers 0–10 in bands (0–3 Low, 4–6 Medium,
 * 7–8 High, 9–10 Very-High) and the strings Unknown, Low, Medium, High, Very-High; Very-High is our critical.
 * Vendors also write Critical and Informational, which name our scale's own levels. Anything else (Unknown, empty,
 * vendor words such as FortiWeb's "Substantial" or Claroty's "Unapproved") is not a level we can read: it becomes
 * medium, the level that keeps an alert in the normal triage queue without paging anyone, and the alert is
 * labelled with the severity as the product wrote it.
 */
export const UNKNOWN_SEVERITY: Severity = 'medium';

const WORDS = new Map<string, Severity>([
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['veryhigh', 'critical'],
  ['critical', 'critical'],
  ['informational', 'informational'],
  ['information', 'informational'],
  ['info', 'informational'],
]);

export interface SeverityReading {
  severity: Severity;
  /** False when the product's value was missing or not a level (the severity is then UNKNOWN_SEVERITY). */
  known: boolean;
}

export function cefSeverity(raw: string | undefined): SeverityReading {
  const s = raw?.trim() ?? '';
  if (/^\d+(\.0+)?$/.test(s)) {
    const n = Number(s);
    if (n <= 3) return { severity: 'low', known: true };
    if (n <= 6) return { severity: 'medium', known: true };
    if (n <= 8) return { severity: 'high', known: true };
    if (n <= 10) return { severity: 'critical', known: true };
    return { severity: UNKNOWN_SEVERITY, known: false };
  }
  const word = WORDS.get(s.toLowerCase().replace(/[\s_-]/g, ''));
  return word === undefined ? { severity: UNKNOWN_SEVERITY, known: false } : { severity: word, known: true };
}
