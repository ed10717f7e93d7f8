import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

/** `soc eval`: replays a labelled file through the deterministic triage engine and reports its quality. */
export const evalCommand: Command = {
  path: ['eval'],
  summary: 'Replay labelled alerts through triage: macro-F1, per-class precision/recall, calibration',
  help: `Usage: soc eval <file> [--format guide|jsonl] [--weights <file>] [--json]

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

Options:
  --format <f>      guide or jsonl (default: by extension, .csv = guide)
  --weights <file>  triage weights file (default: the bundled weights)
  --json            print the report as JSON
  -h, --help        show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { format: { type: 'string' }, weights: { type: 'string' }, json: { type: 'boolean' } }, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('Missing <file>');
    const format = values.format ?? (/\.csv$/i.test(file) ? 'guide' : 'jsonl');
    if (format !== 'guide' && format !== 'jsonl') throw new UsageError(`--format must be guide or jsonl (got '${format}')`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliFailure(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    // Loaded on use: the engine's knowledge (ATT&CK, playbooks) is only needed here.
    const triage = await import('@soc/triage');
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
  },
};
