import type { AlertStatus, AttackRef, Severity } from '@soc/contracts';
import { text, toIso } from '../values.ts';
import { type Row, first, objectOrJson, values } from './fields.ts';

/**
 * What Splunk Enterprise Security says about a notable event beyond its entities: urgency, review status, the
 * correlation search's ATT&CK annotations and its title/description tokens. Plain search rows (a webhook
 * `result`) use the same names when the search sets them (`| eval urgency="high"`).
 */

const SEVERITIES: Readonly<Record<string, Severity>> = {
  informational: 'informational',
  info: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/**
 * ES `urgency` (severity combined with asset/identity priority: what Incident Review sorts by), else the
 * correlation search's `severity`. `unknown` or any other value means "not said".
 */
export function severityOf(row: Row): Severity | undefined {
  for (const key of ['urgency', 'severity']) {
    for (const v of values(row, key)) {
      const s = SEVERITIES[v.toLowerCase()];
      if (s !== undefined) return s;
    }
  }
  return undefined;
}

// ES default review statuses (Configure > Incident Management > Status): label and id.
const STATUS_BY_LABEL: Readonly<Record<string, AlertStatus>> = {
  unassigned: 'new',
  new: 'new',
  'in progress': 'in_progress',
  pending: 'in_progress',
  resolved: 'resolved',
  closed: 'resolved',
};
const STATUS_BY_ID: Readonly<Record<string, AlertStatus>> = {
  '0': 'new',
  '1': 'new',
  '2': 'in_progress',
  '3': 'in_progress',
  '4': 'resolved',
  '5': 'resolved',
};

/** The notable's review status; a custom status is `resolved` when ES marks it an end status, otherwise unknown. */
export function statusOf(row: Row): AlertStatus | undefined {
  const label = first(row, 'status_label');
  if (label !== undefined) {
    const known = STATUS_BY_LABEL[label.toLowerCase()];
    if (known !== undefined) return known;
    return first(row, 'status_end') === 'true' ? 'resolved' : 'unknown';
  }
  const id = first(row, 'status');
  return id === undefined
    ? undefined
    : (STATUS_BY_ID[id] ?? (first(row, 'status_end') === 'true' ? 'resolved' : 'unknown'));
}

function annotationValues(row: Row, path: string): string[] {
  // Exports flatten annotations into dotted field names; some keep the `annotations` JSON object instead.
  const flat = values(row, `annotations.${path}`);
  if (flat.length > 0) return flat;
  let node: unknown = objectOrJson(row.annotations);
  for (const part of path.split('.')) node = objectOrJson(node)?.[part];
  return (Array.isArray(node) ? node : [node]).map(text).filter((v): v is string => v !== undefined);
}

/** ATT&CK references from the correlation search's annotations (`annotations.mitre_attack…`). */
export function attackOf(row: Row): AttackRef[] {
  const ids = [...annotationValues(row, 'mitre_attack.mitre_technique_id'), ...annotationValues(row, 'mitre_attack')]
    .map((v) => v.toUpperCase())
    .filter((v) => /^T\d{4}(\.\d{3})?$/.test(v));
  const uniqueIds = [...new Set(ids)];
  const names = annotationValues(row, 'mitre_attack.mitre_technique');
  // Names pair with ids only when ES gives one name per id.
  const techniques = uniqueIds.map((techniqueId, i) => ({
    techniqueId,
    techniqueName: names.length === uniqueIds.length ? names[i] : undefined,
  }));
  const tacticNames = annotationValues(row, 'mitre_attack.mitre_tactic');
  const tactics = (tacticNames.length > 0 ? tacticNames : annotationValues(row, 'mitre_attack.mitre_tactic_id')).map(
    (tactic) => ({ tactic }),
  );
  return [...tactics, ...techniques];
}

/** ES renders `$field$` tokens in a notable's title and description from the notable's own fields; so do we. */
export function resolveTokens(template: string, row: Row): string {
  return template.replace(/\$([A-Za-z_][\w.:]*)\$/g, (token, field: string) => values(row, field).join(', ') || token);
}

/**
 * An instant that says its zone: ISO with offset or epoch seconds (`_time` in JSON exports and webhook results).
 * Rendered times without a zone (`security_content_ctime`) are in the search user's time zone and are not used.
 */
export function instantOf(value: unknown): string | undefined {
  const v = text(value);
  if (v === undefined) return undefined;
  if (!/^\d{9,13}(\.\d+)?$/.test(v) && !/\d(Z|[+-]\d{2}:?\d{2})$/i.test(v)) return undefined;
  return toIso(v);
}

/** The labels an analyst filters by: the ES security domain. */
export function notableLabels(row: Row): string[] {
  return values(row, 'security_domain').map((d) => `security_domain:${d}`);
}
