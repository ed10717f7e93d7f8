import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';
import type * as Triage_ from '@soc/triage';

/** `soc eval`: replays a labelled file through the deterministic triage engine and reports its quality. */
export const evalCommand: Command = {
  path: ['eval'],
  summary: 'Replay labelled alerts through triage: macro-F1, per-class precision/recall, calibration',
  help: `Usage: soc eval <file> [--format guide|jsonl|sources] [--weights <file>] [--json]
                [--min-macro-f1 <x>] [--min-recall <x>]

Replay labelled alerts in time order through the deterministic triage engine,
locally (nothing is sent or stored). Each alert is triaged with the history
and analyst dispositions of the alerts before it, then its label is fed back
as an analyst's disposition. Prints macro-F1, per-class precision/recall,
coverage (share not needs-more-information), Brier score and a calibration
table, against a per-detector majority-class baseline on the same feedback.

Formats:
  guide   Microsoft GUIDE incident CSV (one row per evidence; IncidentGrade)
  jsonl   one {"alert": <generic alert>, "label": "true-positive" |
          "benign-positive" | "false-positive", "at": "ISO time"} per line
  sources one {"source": "wazuh" | "sentinel" | "defender" | "splunk" |
          "cef" | "generic", "payload": <request body as the source sends
          it>, "label": …, "at": "ISO time"} per line: each payload goes
          through the source's real parser (as soc normalize), then triage;
          reported zero-shot (no dispositions fed back) and online (labels
          fed back), per source, with coverage, macro-F1, recall and FPR

Options:
  --format <f>      guide, jsonl or sources (default: .csv = guide; a first
                    line with "source" and "payload" = sources; else jsonl)
  --weights <file>  triage weights file (default: the bundled weights)
  --min-macro-f1 <x>  exit 1 if macro-F1 is below x (sources: in either mode)
  --min-recall <x>    exit 1 if true-positive recall is below x (likewise)
  --json            print the report as JSON
  -h, --help        show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { format: { type: 'string' }, weights: { type: 'string' }, json: { type: 'boolean' }, 'min-macro-f1': { type: 'string' }, 'min-recall': { type: 'string' } },
      1,
    );
    const file = positionals[0];
    if (file === undefined) throw new UsageError('Missing <file>');
    if (values.format !== undefined && !['guide', 'jsonl', 'sources'].includes(values.format)) throw new UsageError(`--format must be guide, jsonl or sources (got '${values.format}')`);
    const minimums = { macroF1: threshold(values['min-macro-f1'], '--min-macro-f1'), recall: threshold(values['min-recall'], '--min-recall') };
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliFailure(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const format = values.format ?? (/\.csv$/i.test(file) ? 'guide' : looksLikeSourcePayloads(text) ? 'sources' : 'jsonl');
    // Loaded on use: the engine's knowledge (ATT&CK, playbooks) is only needed here.
    const triage = await import('@soc/triage');
    if (format === 'sources') {
      const report = await evaluateSources(file, text, values.weights, triage);
      if (values.json === true) io.out(JSON.stringify({ file, format, ...report }, null, 2));
      else io.out(triage.formatSourceReport(report));
      checkMinimums(minimums, [
        ['zero-shot', report.zeroShot.overall],
        ['online', report.online.overall],
      ]);
      return;
    }
    let set;
    try {
      set = format === 'guide' ? triage.readGuideCsv(text) : triage.readLabelledJsonl(text);
    } catch (error) {
      if (error instanceof triage.LabelledFileError) throw new CliFailure(`${file}: ${error.message}`);
      throw error;
    }
    if (set.items.length === 0) throw new CliFailure(`${file}: no labelled alerts (${set.skipped} skipped)`);
    const weights = triage.loadWeights(values.weights);
    const knowledge = triage.loadTriageKnowledge();
    const report = triage.evaluate(set.items, (alert, enrichment) => triage.triageAlert(alert, enrichment, weights, knowledge));
    if (values.json === true) io.out(JSON.stringify({ file, format, skipped: set.skipped, ...report }, null, 2));
    else io.out(triage.formatReport(report, format === 'guide' ? 'GUIDE alerts' : 'labelled alerts'));
    checkMinimums(minimums, [['engine', { macroF1: report.engine.macroF1, recall: report.engine.perClass['true-positive'].recall }]]);
  },
};

type Triage = typeof Triage_;

/** A threshold option as a number in [0, 1], or undefined when not given. */
function threshold(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${option} must be a number from 0 to 1 (got '${value}')`);
  return n;
}

/** Fails with one line naming the first mode and metric below its minimum. */
function checkMinimums(minimums: { macroF1: number | undefined; recall: number | undefined }, modes: [string, { macroF1: number; recall: number }][]): void {
  for (const [mode, result] of modes) {
    if (minimums.macroF1 !== undefined && result.macroF1 < minimums.macroF1)
      throw new CliFailure(`${mode} macro-F1 ${result.macroF1.toFixed(3)} is below --min-macro-f1 ${minimums.macroF1}`);
    if (minimums.recall !== undefined && result.recall < minimums.recall)
      throw new CliFailure(`${mode} true-positive recall ${result.recall.toFixed(3)} is below --min-recall ${minimums.recall}`);
  }
}

/** The labelled source-payload format: the first non-blank line is an object with "source" and "payload". */
function looksLikeSourcePayloads(text: string): boolean {
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    const value = JSON.parse(first) as unknown;
    return typeof value === 'object' && value !== null && 'source' in value && 'payload' in value;
  } catch {
    return false;
  }
}

/** Each payload through its source's real parser (ingestion's `normalize`, as `soc normalize`), then triage. */
async function evaluateSources(file: string, text: string, weightsFile: string | undefined, triage: Triage) {
  const { normalize, parserFor, PARSERS } = await import('@soc/ingestion');
  let set;
  try {
    set = triage.readSourcePayloadJsonl(text);
  } catch (error) {
    if (error instanceof triage.LabelledFileError) throw new CliFailure(`${file}: ${error.message}`);
    throw error;
  }
  if (set.payloads.length === 0) throw new CliFailure(`${file}: no labelled payloads (${set.skipped} skipped)`);
  const unknown = set.payloads.find((p) => parserFor(p.source) === undefined);
  if (unknown) throw new CliFailure(`${file}: line ${unknown.line}: unknown source '${unknown.source}' (known: ${Object.keys(PARSERS).join(', ')})`);
  const weights = triage.loadWeights(weightsFile);
  const knowledge = triage.loadTriageKnowledge();
  const report = triage.evaluateSourcePayloads(
    set.payloads,
    (source, payload, at) => {
      const parser = parserFor(source);
      if (parser === undefined) return { ok: false, reason: `unknown source '${source}'` };
      const outcome = normalize(parser, payload, { tenantId: 'eval', senderName: 'eval', receivedAt: new Date(at) });
      if (outcome.ok) return { ok: true, alerts: outcome.alerts };
      return { ok: false, reason: outcome.errors.slice(0, 3).map((e) => `[${e.index}] ${e.path}: ${e.message}`).join('; ') };
    },
    (alert, enrichment) => triage.triageAlert(alert, enrichment, weights, knowledge),
  );
  return { skipped: set.skipped, ...report };
}
