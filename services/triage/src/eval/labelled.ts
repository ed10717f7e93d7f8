import { Alert, type AlertInput, type Disposition, type Entity } from '@soc/contracts';
import { z } from 'zod';
import { parseCsv } from './csv.ts';

/** One alert with the disposition an analyst gave it, and when the analyst's answer became known. */
export interface LabelledAlert {
  alert: Alert;
  label: Disposition;
  /** ISO time the alert is replayed at (items are evaluated in this order). */
  at: string;
}

/** A labelled file that could not be read, with the line or row it failed on. */
export class LabelledFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelledFileError';
  }
}

/** What a reader kept and why it dropped the rest. */
export interface LabelledSet {
  items: LabelledAlert[];
  /** Rows or lines without a usable label (e.g. GUIDE rows with an empty `IncidentGrade`). */
  skipped: number;
}

const LABELS: Readonly<Record<string, Disposition>> = {
  truepositive: 'true-positive',
  'true-positive': 'true-positive',
  benignpositive: 'benign-positive',
  'benign-positive': 'benign-positive',
  falsepositive: 'false-positive',
  'false-positive': 'false-positive',
};

/** A disposition from its GUIDE (`TruePositive`) or contract (`true-positive`) spelling; undefined otherwise. */
export function labelOf(value: string): Disposition | undefined {
  return LABELS[value.trim().toLowerCase()];
}

/** Items ordered by replay time; ties keep file order (the sort is stable). */
const inTimeOrder = (items: LabelledAlert[]): LabelledAlert[] => items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

const JsonlLine = z.object({ alert: z.unknown(), label: z.string(), at: z.iso.datetime({ offset: true }).optional() });

/**
 * The simple labelled format: one `{ "alert": <generic alert>, "label": "true-positive" | …, "at": "ISO" }` per line
 * (`at` defaults to the alert's `detectedAt`). Every alert is validated with the contract's `Alert` schema.
 */
export function readLabelledJsonl(text: string): LabelledSet {
  const items: LabelledAlert[] = [];
  let skipped = 0;
  for (const { line, data } of jsonLines(text, JsonlLine)) {
    const label = labelOf(data.label);
    if (label === undefined) {
      skipped += 1;
      continue;
    }
    const alert = Alert.safeParse(data.alert);
    if (!alert.success) throw new LabelledFileError(`line ${line}: alert.${issues(alert.error)}`);
    items.push({ alert: alert.data, label, at: data.at ?? alert.data.detectedAt });
  }
  return { items: inTimeOrder(items), skipped };
}

/**
 * The non-blank lines of a JSON-lines file, each parsed and checked against `schema`, with its 1-based number; a
 * line that is not JSON or not of the schema fails the file naming it (and at most five of its issues).
 */
export function* jsonLines<T>(text: string, schema: z.ZodType<T>): Generator<{ line: number; data: T }> {
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new LabelledFileError(`line ${index + 1} is not valid JSON`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new LabelledFileError(`line ${index + 1}: ${issues(parsed.error)}`);
    yield { line: index + 1, data: parsed.data };
  }
}

const issues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

/**
 * GUIDE writes every absent identifier as one fixed anonymised value per column (the column's most frequent value,
 * ≥ 69 % of the sample's rows); such a value names nobody and must not become an entity shared by unrelated alerts.
 */
export const GUIDE_ABSENT: Readonly<Record<string, string>> = {
  DeviceId: '98799',
  DeviceName: '153085',
  Sha256: '138268',
  IpAddress: '360606',
  Url: '160396',
  AccountSid: '441377',
  AccountUpn: '673934',
  AccountObjectId: '425863',
  AccountName: '453297',
  FileName: '289573',
  ApplicationId: '2251',
};

/** Evidence type → the contract's entity type and the columns naming it, first present wins. */
const GUIDE_ENTITIES: Readonly<Record<string, { type: 'ip' | 'host' | 'user' | 'mailbox' | 'url' | 'file' | 'process' | 'cloud-resource'; columns: readonly string[] }>> = {
  Ip: { type: 'ip', columns: ['IpAddress'] },
  Machine: { type: 'host', columns: ['DeviceId', 'DeviceName'] },
  User: { type: 'user', columns: ['AccountSid', 'AccountObjectId', 'AccountUpn', 'AccountName'] },
  Mailbox: { type: 'mailbox', columns: ['AccountUpn'] },
  Url: { type: 'url', columns: ['Url'] },
  File: { type: 'file', columns: ['Sha256', 'FileName'] },
  Process: { type: 'process', columns: ['Sha256', 'FileName'] },
  CloudApplication: { type: 'cloud-resource', columns: ['ApplicationId'] },
};

const REQUIRED = ['OrgId', 'AlertId', 'Timestamp', 'DetectorId', 'IncidentGrade'] as const;
const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;

/**
 * Microsoft's GUIDE incident CSV (one row per piece of evidence) as labelled alerts: rows grouped by
 * (OrgId, AlertId); rule = DetectorId; entities from the evidence rows (anonymised integer ids as values, the
 * per-column "absent" value dropped); label = IncidentGrade; replayed at the alert's earliest row Timestamp.
 * GUIDE carries no severity, so every alert is `medium`; MitreTechniques become the alert's ATT&CK ids.
 */
export function readGuideCsv(text: string): LabelledSet {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new LabelledFileError('empty file');
  const col = new Map(header.map((name, i) => [name.trim(), i]));
  const missing = REQUIRED.filter((c) => !col.has(c));
  if (missing.length > 0) throw new LabelledFileError(`not a GUIDE file: missing column(s) ${missing.join(', ')}`);
  const get = (row: readonly string[], name: string): string => {
    const i = col.get(name);
    return i === undefined ? '' : (row[i] ?? '').trim();
  };

  type Group = { input: AlertInput & { entities: Entity[]; attack: { techniqueId: string }[] }; label: Disposition; at: string };
  const groups = new Map<string, Group>();
  let skipped = 0;
  for (const row of rows) {
    const label = labelOf(get(row, 'IncidentGrade'));
    const orgId = get(row, 'OrgId');
    const alertId = get(row, 'AlertId');
    const at = get(row, 'Timestamp');
    if (label === undefined || orgId === '' || alertId === '' || Number.isNaN(Date.parse(at))) {
      skipped += 1;
      continue;
    }
    const key = `${orgId}\u0000${alertId}`;
    let group = groups.get(key);
    if (!group) {
      const category = get(row, 'Category') || 'unknown';
      group = {
        label,
        at,
        input: {
          schemaVersion: 1,
          alertId: `guide-${orgId}-${alertId}`.slice(0, 128),
          tenantId: `guide-org-${orgId}`.slice(0, 128),
          source: { name: 'generic', product: 'Microsoft Defender XDR (GUIDE)', vendorAlertId: alertId },
          title: `${category} alert (GUIDE title ${get(row, 'AlertTitle') || 'unknown'})`.slice(0, 1024),
          severity: 'medium',
          detectedAt: new Date(Date.parse(at)).toISOString(),
          rule: { id: get(row, 'DetectorId') },
          attack: [],
          entities: [],
        },
      };
      groups.set(key, group);
    } else if (Date.parse(at) < Date.parse(group.at)) {
      group.at = at;
      group.input.detectedAt = new Date(Date.parse(at)).toISOString();
    }
    for (const id of get(row, 'MitreTechniques').split(';')) {
      const techniqueId = id.trim();
      if (TECHNIQUE.test(techniqueId) && !group.input.attack.some((a) => a.techniqueId === techniqueId) && group.input.attack.length < 64) {
        group.input.attack.push({ techniqueId });
      }
    }
    const spec = GUIDE_ENTITIES[get(row, 'EntityType')];
    const column = spec?.columns.find((c) => get(row, c) !== '' && get(row, c) !== GUIDE_ABSENT[c]);
    if (spec && column !== undefined && group.input.entities.length < 500) {
      const value = `${column}-${get(row, column)}`.toLowerCase().slice(0, 256);
      const entityId = `${spec.type}:${value}`;
      if (!group.input.entities.some((e) => e.id === entityId)) {
        const role = get(row, 'EvidenceRole') === 'Impacted' ? 'target' : 'related';
        group.input.entities.push({ id: entityId, type: spec.type, value, origin: 'source', role } as Entity);
      }
    }
  }
  const items: LabelledAlert[] = [];
  for (const { input, label } of groups.values()) {
    const alert = Alert.safeParse(input);
    if (!alert.success) throw new LabelledFileError(`alert ${input.alertId}: ${issues(alert.error)}`);
    items.push({ alert: alert.data, label, at: alert.data.detectedAt });
  }
  return { items: inTimeOrder(items), skipped };
}
