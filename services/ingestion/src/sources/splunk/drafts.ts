import type { Severity } from '@soc/contracts';
import type { AlertDraft, FieldError, RecordOutcome } from '../types.ts';
import { text } from '../values.ts';
import { cimEntities } from './cim-entities.ts';
import { type Row, first, values, withRawFields } from './fields.ts';
import { attackOf, instantOf, notableLabels, resolveTokens, severityOf, statusOf } from './notable.ts';
import { rowDiscriminator } from './record-id.ts';
import { cimProcessEvents } from './source-events.ts';

/**
 * Severity when neither the webhook result nor the notable says one (`urgency`/`severity`): a saved search an
 * administrator made an alert is worth a look, not a page. Set `| eval urgency="high"` in the search to choose.
 */
export const DEFAULT_SEVERITY: Severity = 'medium';


/** A notable event (ES) rather than a plain search result. */
function isNotable(row: Row): boolean {
  return first(row, 'event_id', 'rule_name', 'rule_title') !== undefined || values(row, 'index').includes('notable');
}

/** `key=value` lines of a plain result's own fields (not Splunk's `_` internals): what the alert is about. */
function summary(row: Row): string {
  return Object.keys(row)
    .filter((k) => !k.startsWith('_'))
    .map((k) => `${k}=${values(row, k).join(', ')}`)
    .filter((line) => !line.endsWith('='))
    .join('\n');
}

interface Common {
  row: Row;
  notable: boolean;
  severity: Severity;
  detectedAt: string | undefined;
}

/** The fields every Splunk alert maps the same way; a `_time` that is not a time is an error. */
function common(
  result: Row,
  index: number,
  pathPrefix: string,
): { ok: true; value: Common } | { ok: false; errors: FieldError[] } {
  const row = withRawFields(result);
  const time = text(result._time);
  const detectedAt = instantOf(time);
  if (time !== undefined && detectedAt === undefined) {
    return {
      ok: false,
      errors: [
        {
          index,
          path: `${pathPrefix}_time`,
          message: `_time "${time.slice(0, 64)}" is not a time: expected ISO 8601 with an offset or epoch seconds (as Splunk exports it)`,
        },
      ],
    };
  }
  return {
    ok: true,
    value: { row, notable: isNotable(row), severity: severityOf(row) ?? DEFAULT_SEVERITY, detectedAt },
  };
}

function rowParts(c: Common, result: Row, rawPointer: string): Omit<AlertDraft, 'vendorAlertId' | 'title' | 'rawPointer' | 'rule'> {
  const { row, notable } = c;
  const description = first(row, 'rule_description');
  return {
    product: notable ? 'Splunk Enterprise Security' : 'Splunk',
    vendor: 'Splunk',
    description: description === undefined ? (notable ? undefined : summary(result)) : resolveTokens(description, row),
    severity: c.severity,
    status: notable ? statusOf(row) : undefined,
    detectedAt: c.detectedAt,
    firstSeenAt: instantOf(row.firstTime),
    lastSeenAt: instantOf(row.lastTime),
    attack: attackOf(row),
    entities: cimEntities(row, !notable),
    labels: notableLabels(row),
    freeText: [...values(result, '_raw'), ...values(row, 'orig_raw')],
    sourceEvents: cimProcessEvents(row, rawPointer),
  };
}

/** A notable event or an exported result row; it must name its search or rule, there is nothing else to call it. */
export function rowDraft(result: Row, index: number, pathPrefix: string, rawPointer: string): RecordOutcome {
  const c = common(result, index, pathPrefix);
  if (!c.ok) return c;
  const { row, notable } = c.value;
  const title = first(row, 'rule_title', 'rule_name', 'search_name', ...(notable ? ['source'] : []));
  if (title === undefined) {
    return {
      ok: false,
      errors: [
        {
          index,
          path: pathPrefix.replace(/\.$/, '') || '(root)',
          message:
            'The row names no search: expected rule_title, rule_name or search_name (export notables with the `notable` macro, or add | eval search_name="…")',
        },
      ],
    };
  }
  const searchName = first(row, 'search_name', ...(notable ? ['source'] : []));
  return {
    ok: true,
    draft: {
      ...rowParts(c.value, result, rawPointer),
      vendorAlertId:
        first(row, 'event_id') ??
        [first(row, 'orig_sid', 'sid'), rowDiscriminator(result)].filter((p) => p !== undefined).join('#'),
      title: resolveTokens(title, row),
      rule: { id: searchName, name: first(row, 'rule_name') ?? searchName },
      rawPointer,
    },
  };
}

/** The body Splunk's webhook alert action POSTs: `sid`, `search_name`, `results_link`, `owner`, `app`, `result`. */
export function webhookDraft(
  body: Readonly<Record<string, unknown>>,
  result: Row,
  sid: string,
  index: number,
  rawPointer: string,
): RecordOutcome {
  const c = common(result, index, 'result.');
  if (!c.ok) return c;
  const { row } = c.value;
  const searchName = text(body.search_name) ?? first(row, 'search_name');
  const title = searchName ?? first(row, 'rule_title', 'rule_name');
  const app = text(body.app);
  const parts = rowParts(c.value, result, `${rawPointer}/result`);
  return {
    ok: true,
    draft: {
      ...parts,
      // A notable keeps its ES id however it arrives; other results are one alert per result of this search run.
      vendorAlertId: first(row, 'event_id') ?? `${sid}#${rowDiscriminator(result)}`,
      url: text(body.results_link),
      title: title === undefined ? `Splunk alert ${sid}` : resolveTokens(title, row),
      rule: { id: searchName, name: first(row, 'rule_name') ?? searchName },
      labels: [...(parts.labels ?? []), ...(app === undefined ? [] : [`splunk_app:${app}`])],
      rawPointer,
    },
  };
}
