import type { AttackRef } from '@soc/contracts';
import type { FieldError, RecordOutcome } from '../types.ts';
import { record, text, toIso } from '../values.ts';
import { wazuhEntities } from './entities.ts';
import { present } from './entity-drafts.ts';
import { ruleLevel, severityForLevel } from './severity.ts';
import { wazuhSourceEvents } from './source-events.ts';
import { windowsMessage } from './windows.ts';

// Compliance mappings Wazuh rules carry; each becomes a `<framework>:<control>` label.
const COMPLIANCE = ['pci_dss', 'gdpr', 'hipaa', 'nist_800_53', 'tsc', 'gpg13'] as const;

const texts = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map(text).filter((v): v is string => v !== undefined);

/**
 * `rule.mitre`: `id` and `technique` are parallel lists (one name per technique id); `tactic` lists the tactics
 * of those techniques and does not pair with them.
 */
function attackOf(rule: Record<string, unknown>): AttackRef[] {
  const mitre = record(rule.mitre);
  const ids = texts(mitre?.id);
  const names = texts(mitre?.technique);
  return [
    ...texts(mitre?.tactic).map((tactic) => ({ tactic })),
    ...ids.map((techniqueId, i) => ({
      techniqueId,
      techniqueName: names.length === ids.length ? names[i] : undefined,
    })),
  ];
}

function labelsOf(alert: Record<string, unknown>, rule: Record<string, unknown>): string[] {
  const agentId = text(record(alert.agent)?.id);
  return [
    ...texts(rule.groups),
    ...COMPLIANCE.flatMap((c) => texts(rule[c]).map((v) => `${c}:${v}`)),
    ...(agentId === undefined ? [] : [`wazuh_agent:${agentId}`]),
  ];
}

/** The log line, the Windows event message, or what FIM says changed: the text an analyst reads first. */
function descriptionOf(alert: Record<string, unknown>): string | undefined {
  const syscheck = record(alert.syscheck);
  const fim =
    syscheck === undefined
      ? undefined
      : [`File ${text(syscheck.path) ?? '(no path)'} ${text(syscheck.event) ?? 'changed'}`, text(syscheck.diff)]
          .filter(Boolean)
          .join('\n');
  return present(text(alert.full_log)) ?? windowsMessage(record(record(alert.data)?.win)) ?? fim;
}

/**
 * Wazuh's alert `id` (`<epoch>.<offset in alerts.json>`) is unique per manager node only: it is qualified with
 * the cluster and node (`manager.name`) that wrote it, so two managers' alerts never collide.
 */
function vendorIdOf(alert: Record<string, unknown>, id: string): string {
  const scope = [text(record(alert.cluster)?.name), text(record(alert.manager)?.name)].filter((v) => v !== undefined);
  return scope.length > 0 ? `${scope.join('/')}:${id}` : id;
}

/** One Wazuh alert as written to `alerts.json` or handed to an integration. */
export function wazuhDraft(alert: Record<string, unknown>, index: number, rawPointer: string): RecordOutcome {
  const errors: FieldError[] = [];
  const rule = record(alert.rule);
  const level = ruleLevel(rule?.level);
  const id = text(alert.id);
  const timestamp = text(alert.timestamp);
  const detectedAt = timestamp === undefined ? undefined : toIso(timestamp);
  if (rule === undefined)
    errors.push({
      index,
      path: 'rule',
      message: 'Expected the rule object of a Wazuh alert ({"level", "id", "description", …})',
    });
  else if (level === undefined)
    errors.push({
      index,
      path: 'rule.level',
      message: `Expected the rule level, an integer 0–16; got ${JSON.stringify(rule.level) ?? 'nothing'}`,
    });
  if (id === undefined)
    errors.push({ index, path: 'id', message: 'Expected the alert id Wazuh writes (e.g. "1571166477.30198")' });
  if (timestamp !== undefined && detectedAt === undefined)
    errors.push({
      index,
      path: 'timestamp',
      message: `timestamp "${timestamp.slice(0, 64)}" is not a time: expected ISO 8601 as Wazuh writes it (2019-10-15T19:07:57.741+0000)`,
    });
  if (rule === undefined || level === undefined || id === undefined || errors.length > 0) return { ok: false, errors };

  const ruleId = text(rule.id);
  const ruleName = text(rule.description);
  const win = record(record(alert.data)?.win);
  return {
    ok: true,
    draft: {
      vendorAlertId: vendorIdOf(alert, id),
      product: 'Wazuh',
      vendor: 'Wazuh',
      title: ruleName ?? `Wazuh rule ${ruleId ?? '(no id)'}`,
      description: descriptionOf(alert),
      severity: severityForLevel(level),
      detectedAt,
      rule: { id: ruleId, name: ruleName },
      attack: attackOf(rule),
      entities: wazuhEntities(alert),
      sourceEvents: wazuhSourceEvents(alert, rawPointer),
      labels: labelsOf(alert, rule),
      freeText: [
        text(alert.full_log),
        text(alert.previous_output),
        windowsMessage(win),
        text(record(alert.syscheck)?.diff),
      ].filter((v): v is string => v !== undefined),
      rawPointer,
    },
  };
}
