import { type RecordOutcome, type SourceParser, collectOutcomes } from '../types.ts';
import { parseJsonBounded, record } from '../values.ts';
import { wazuhDraft } from './alert.ts';

/**
 * Wazuh alerts as the manager writes them to `alerts.json` and hands them to integrations (`alert_format` json):
 * one alert, an array, an indexer document (`{"_source": …}`) or search response (`{"hits": {"hits": […]}}`).
 * Newline-delimited `alerts.json` text is read too when a caller passes it as a string (`soc ingest`); the HTTP
 * endpoint only takes JSON. See docs/sources/wazuh.md for the mapping.
 */

const SHAPES =
  'Expected a Wazuh alert ({"timestamp", "rule": {"level", …}, "agent", "id", …}), an array of alerts, ' +
  'an indexer document ({"_source": alert}) or search response ({"hits": {"hits": […]}}).';

function parseAlert(value: unknown, index: number, pointer: string): RecordOutcome[] {
  const body = record(value);
  if (body === undefined) return [{ ok: false, errors: [{ index, path: '(root)', message: SHAPES }] }];
  if ('rule' in body) return [wazuhDraft(body, index, pointer)];
  const source = record(body._source);
  if (source !== undefined) return [wazuhDraft(source, index, `${pointer}/_source`)];
  const hits = record(body.hits)?.hits;
  if (Array.isArray(hits)) {
    return hits.map((hit, i) => {
      const alert = record(record(hit)?._source);
      return alert === undefined
        ? { ok: false, errors: [{ index, path: `hits.hits.${i}._source`, message: 'Expected the alert document' }] }
        : wazuhDraft(alert, index, `${pointer}/hits/hits/${i}/_source`);
    });
  }
  return [{ ok: false, errors: [{ index, path: '(root)', message: SHAPES }] }];
}

/** `alerts.json`: one alert per line; blank lines are skipped, a line that is not JSON is an error for that line. */
function parseLines(textBody: string): RecordOutcome[] {
  return textBody.split(/\r?\n/).flatMap((line, n): RecordOutcome[] => {
    if (line.trim() === '') return [];
    let value: unknown;
    try {
      value = parseJsonBounded(line);
    } catch (error) {
      return [
        {
          ok: false,
          errors: [
            {
              index: n,
              path: '(root)',
              message: `Line ${n + 1} is not JSON (${(error as Error).message}); expected one alert per line as in alerts.json`,
            },
          ],
        },
      ];
    }
    return parseAlert(value, n, `/lines/${n}`);
  });
}

export const wazuhParser: SourceParser = {
  name: 'wazuh',
  mediaTypes: ['application/json'],
  parse(body) {
    const outcomes =
      typeof body === 'string'
        ? parseLines(body)
        : Array.isArray(body)
          ? body.flatMap((item, i) => parseAlert(item, i, `/${i}`))
          : parseAlert(body, 0, '');
    return collectOutcomes(outcomes);
  },
};
