import { type FieldError, type RecordOutcome, type SourceParser, collectOutcomes } from '../types.ts';
import { record, text } from '../values.ts';
import { rowDraft, webhookDraft } from './drafts.ts';

/**
 * Splunk: the webhook alert action body, Splunk Enterprise Security notable events, and search exports
 * (`{"result": {…}}` rows of `output_mode=json` exports, `{"results": […]}` job results) — one, or an array.
 * See docs/sources/splunk.md for the mapping.
 */

const SHAPES =
  'Expected a Splunk webhook alert action body ({"sid", "result", "search_name", "results_link", …}), a notable event or search result row, ' +
  'a search export ({"result": {…}} or {"results": […]}), or an array of these.';

// Fields only a Splunk result row has: a notable's ids and rule, or the internal fields of any exported event.
const ROW_FIELDS = [
  'event_id',
  'rule_name',
  'rule_title',
  'search_name',
  'orig_sid',
  '_raw',
  '_time',
  '_cd',
  '_serial',
];

function parseOne(value: unknown, index: number, pointer: string): RecordOutcome[] {
  const body = record(value);
  if (body === undefined) return [{ ok: false, errors: [{ index, path: '(root)', message: SHAPES }] }];
  if ('sid' in body || 'results_link' in body) {
    const sid = typeof body.sid === 'string' ? text(body.sid) : undefined;
    const result = record(body.result);
    const errors: FieldError[] = [];
    if (sid === undefined)
      errors.push({ index, path: 'sid', message: 'Expected the search id (a string) the webhook alert action sends' });
    if (result === undefined)
      errors.push({ index, path: 'result', message: 'Expected the result object the webhook alert action sends' });
    if (sid === undefined || result === undefined) return [{ ok: false, errors }];
    return [webhookDraft(body, result, sid, index, pointer)];
  }
  if ('results' in body) {
    if (!Array.isArray(body.results))
      return [{ ok: false, errors: [{ index, path: 'results', message: 'Expected an array of result rows' }] }];
    return body.results.map((row, i) => {
      const r = record(row);
      return r === undefined
        ? { ok: false, errors: [{ index, path: `results.${i}`, message: 'Expected a result row object' }] }
        : rowDraft(r, index, `results.${i}.`, `${pointer}/results/${i}`);
    });
  }
  if ('result' in body) {
    const r = record(body.result);
    return [
      r === undefined
        ? { ok: false, errors: [{ index, path: 'result', message: 'Expected a result row object' }] }
        : rowDraft(r, index, 'result.', `${pointer}/result`),
    ];
  }
  if (ROW_FIELDS.some((k) => k in body)) return [rowDraft(body, index, '', pointer)];
  return [{ ok: false, errors: [{ index, path: '(root)', message: SHAPES }] }];
}

export const splunkParser: SourceParser = {
  name: 'splunk',
  mediaTypes: ['application/json'],
  parse(body) {
    const outcomes = Array.isArray(body)
      ? body.flatMap((item, i) => parseOne(item, i, `/${i}`))
      : parseOne(body, 0, '');
    return collectOutcomes(outcomes);
  },
};
